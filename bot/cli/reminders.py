"""`troly reminders preview` (what would be sent, without sending) and `troly outbox`."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from textwrap import shorten
from typing import Any

import typer
from sqlalchemy import func, select

from bot.channels.zalo.wiring import window_configs
from bot.cli.common import open_app, print_json, run
from bot.clock import local_date, local_datetime, to_local
from bot.dates import fmt_sortable
from bot.db.models import Official, OutboxMessage
from bot.outbox import OutboxStatus
from bot.reminders import PreviewItem, PreviewResult, Unreachable
from bot.texts import checkin as CT
from bot.texts import cli as texts
from bot.texts import reminders as RT
from scheduler.preview import preview_all

reminders_app = typer.Typer(no_args_is_help=True, help="Reminders, check-in prompts and digests.")


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from exc


def _item_json(item: PreviewItem) -> dict[str, Any]:
    return {"at": to_local(item.at).isoformat(), "kind": item.kind, "recipient": item.recipient,
            "channel": item.channel, "address": item.address, "key": item.idem_key,
            "late": item.late, "text": item.text, "via": item.via, "route": item.route}


#: characters of a message's first line shown (cut at a word, with "…")
PREVIEW_TEXT_CHARS = 70


@reminders_app.command("preview")
def preview_command(
    start: str | None = typer.Option(None, "--from", help="first local day, YYYY-MM-DD (today)"),
    end: str | None = typer.Option(None, "--to", help="last local day, YYYY-MM-DD (start + 6)"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines instead of a table"),
) -> None:
    """List what would be sent, to whom and when; nothing is sent and nothing is stored."""

    async def _preview() -> PreviewResult:
        async with open_app(index=False) as app:
            first = _parse_day(start) or local_date(app.clock.now())
            last = _parse_day(end) or first + timedelta(days=6)
            if last < first:
                raise typer.BadParameter("--to is before --from")
            lo = local_datetime(first, time(0))
            hi = local_datetime(last + timedelta(days=1), time(0))
            async with app.sessionmaker() as session:  # closed without commit: nothing kept
                return await preview_all(session, lo, hi, now=app.clock.now(),
                                         channels=tuple(app.settings.reminder_channels),
                                         windows=window_configs(app.settings))

    result = run(_preview)
    items = result.items
    if as_json:  # one list; officials nobody can reach come last, with kind "unreachable"
        print_json([*(_item_json(i) for i in items),
                    *(_unreachable_json(p) for p in result.unreachable)])
        return
    for item in items:
        first_line = item.text.splitlines()[0] if item.text else ""
        late = texts.PREVIEW_LATE if item.late else ""
        typer.echo(f"{fmt_sortable(item.at)}  {item.kind:<8} {item.recipient} "
                   f"[{item.channel}:{item.address}]{_route_note(item)}{late}  "
                   f"{shorten(first_line, PREVIEW_TEXT_CHARS, placeholder='…')}")
    typer.echo(texts.PREVIEW_TOTAL.format(count=len(items)))
    if result.unreachable:
        typer.echo(texts.PREVIEW_UNREACHABLE.format(count=len(result.unreachable)))
        for line in unreachable_lines(result.unreachable):
            typer.echo(line)


def _route_note(item: PreviewItem) -> str:
    """' → telegram (zalo: paid_not_allowed; rerouted)', ' (window)' or '' for a plain channel."""
    if not item.route:
        return ""
    if item.via == item.channel:
        return f" ({item.route})"
    return f" → {item.via or '-'} ({item.route})"


def unreachable_lines(people: list[Unreachable]) -> list[str]:
    """One line per official nothing can reach, with what was due and the invitation command."""
    return [texts.PREVIEW_UNREACHABLE_ITEM.format(
        name=p.name, code=p.code or "-", unit=p.unit or "-",
        what=", ".join(f"{n} {RT.UNDELIVERED_KINDS.get(kind, kind)}"
                       for kind, n in sorted(p.kinds.items())),
        command=CT.INVITE_COMMAND.format(code=p.code) if p.code else CT.INVITE_COMMAND_NO_CODE)
        for p in people]


def _unreachable_json(person: Unreachable) -> dict[str, Any]:
    return {"kind": "unreachable", "recipient": person.name, "code": person.code,
            "unit": person.unit, "kinds": person.kinds,
            "invite": f"troly invite --official {person.code}" if person.code else None}


def outbox_command(
    status: str | None = typer.Option(
        None, "--status", help="pending, sending, sent, failed_permanent, build_failed, …"),
    limit: int = typer.Option(50, help="rows to show"),
    as_json: bool = typer.Option(False, "--json", help="JSON instead of a table"),
) -> None:
    """Show delivery state: counts per status and the latest rows."""

    async def _outbox() -> tuple[dict[str, int], list[dict[str, Any]]]:
        async with open_app(index=False) as app, app.sessionmaker() as session:
            counts = dict((await session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
            query = (select(OutboxMessage, Official.name)
                     .join(Official, Official.id == OutboxMessage.recipient_id, isouter=True)
                     .order_by(OutboxMessage.not_before.desc(), OutboxMessage.id.desc())
                     .limit(limit))
            if status:
                query = query.where(OutboxMessage.status == status)
            rows = [{
                "id": r.id, "key": r.idem_key, "kind": r.kind, "status": r.status,
                "recipient": name, "channel": r.channel, "address": r.address,
                "not_before": _local(r.not_before), "sent_at": _local(r.sent_at),
                "attempts": r.attempts, "late": r.late, "error": r.last_error_code,
                "detail": _first_line(r.last_error),
            } for r, name in (await session.execute(query)).all()]
            return {str(k): int(v) for k, v in Counter(counts).items()}, rows

    counts, rows = run(_outbox)
    if as_json:
        print_json({"counts": counts, "rows": rows})
        return
    typer.echo("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or texts.OUTBOX_EMPTY)
    for r in rows:
        typer.echo(f"#{r['id']:<6} {r['status']:<16} {r['kind']:<8} {r['recipient'] or '-'} "
                   f"[{r['channel']}] {r['sent_at'] or r['not_before']} {r['error'] or ''}")
        if r["status"] == OutboxStatus.BUILD_FAILED and r["detail"]:  # why it could not be built, and when next
            typer.echo(f"        {r['detail']}")


def _first_line(text: str | None, limit: int = 160) -> str | None:
    """The first line of an error, short enough for a terminal row."""
    return text.strip().splitlines()[0][:limit] if text and text.strip() else None


def _local(instant: datetime | None) -> str | None:
    return to_local(instant).isoformat() if instant is not None else None


def register(app: typer.Typer) -> None:
    """Add `reminders …` and `outbox` to the CLI."""
    app.add_typer(reminders_app, name="reminders")
    app.command("outbox")(outbox_command)
