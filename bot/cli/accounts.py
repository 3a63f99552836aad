"""`troly invite [list|revoke]` and `troly accounts list|unbind`: who may use troly, and taking it
back (an unused code, or a chat app bound to an official)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import open_app, person_text, print_json, run
from bot.clock import to_local
from bot.dates import fmt_time_day
from bot.db import account_store, people_store
from bot.db.models import Official, Unit
from bot.invites import head_refusal, same_name_in_unit
from bot.texts import admin_import as import_texts
from bot.texts import cli as texts

invite_app = typer.Typer(help="Invitation codes: create one (no subcommand), list, revoke.")
accounts_app = typer.Typer(no_args_is_help=True,
                           help="Chat accounts bound to officials: list, unbind.")


def _local(instant: datetime | None) -> str | None:
    return to_local(instant).isoformat(timespec="seconds") if instant is not None else None


@invite_app.callback(invoke_without_command=True)
def invite(
    ctx: typer.Context,
    unit: str | None = typer.Option(None, "--unit",
                                    help="unit code (required unless --official names the person)"),
    role: str | None = typer.Option(None, "--role",
                                    help="official | deputy | head | admin (default official; "
                                         "with --official: the official's role)"),
    name: str | None = typer.Option(None, "--name", help="the invitee's name",
                                    callback=person_text),
    official: str | None = typer.Option(
        None, "--official",
        help="code of an existing official (e.g. imported with a plan): the code binds to them, "
             "their unit and role are implied"),
    new: bool = typer.Option(False, "--new",
                             help="create a new official even if the unit has one of this name"),
    hours: int | None = typer.Option(None, "--hours",
                                     help="validity, > 0 (default TROLY_INVITATION_TTL_HOURS)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Create a one-time invitation code (and the Telegram deep link when the bot username is set)."""
    if ctx.invoked_subcommand is not None:
        return
    if unit is None and official is None:
        typer.echo(texts.UNIT_REQUIRED, err=True)
        raise typer.Exit(2)
    if role is not None and role not in people_store.ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(people_store.ROLES)}")
    if official is not None and name is not None:
        typer.echo(import_texts.CLI_NAME_WITH_OFFICIAL.format(code=official), err=True)
        raise typer.Exit(2)
    if hours is not None and hours <= 0:
        typer.echo(texts.HOURS_NOT_POSITIVE.format(hours=hours), err=True)
        raise typer.Exit(2)

    async def _invite() -> dict[str, Any] | str:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            unit_row: Unit | None = None
            if unit is not None:
                unit_row = await people_store.unit_by_code(session, unit)
                if unit_row is None:
                    return texts.UNIT_NOT_FOUND.format(code=unit)
            person: Official | None = None
            if official is not None:
                person = await people_store.official_by_code(session, official)
                if person is None:
                    return texts.OFFICIAL_NOT_FOUND.format(code=official)
                problem = await _existing_problem(session, person, unit_row, role)
                if problem is not None:
                    return problem
                unit_row = await session.get(Unit, person.unit_id) if person.unit_id else None
            elif unit_row is not None:
                # the same name first: the unit's own recorded head named again is pointed to
                # --official, not refused with advice to replace them
                matches = await same_name_in_unit(session, unit_row.id, name) \
                    if name is not None and not new else []
                if matches:
                    return import_texts.CLI_DUPLICATE_NAME.format(
                        unit=unit_row.code, name=name, matches=", ".join(
                            import_texts.CLI_MATCH.format(code=o.code or import_texts.NO_CODE,
                                                          title=o.title or o.name)
                            for o in matches))
                refusal = await head_refusal(session, unit_row, role or "official",
                                             app.clock.now())
                if refusal:
                    return refusal
            invite_role = person.role if person is not None else role or "official"
            invite_name = person.name if person is not None else name
            ttl = timedelta(hours=hours if hours is not None else app.settings.invitation_ttl_hours)
            invitation = await people_store.create_invitation(
                session, now=app.clock.now(), ttl=ttl,
                unit_id=unit_row.id if unit_row is not None else None, role=invite_role,
                name=invite_name, official_id=person.id if person is not None else None)
            return {"code": invitation.code, "unit": unit_row.code if unit_row else None,
                    "role": invite_role, "name": invite_name,
                    "official": person.code if person is not None else None,
                    "expires_at": _local(invitation.expires_at),
                    "telegram_link": people_store.deep_link(app.settings.telegram_bot_username,
                                                            invitation.code)}

    result = run(_invite)
    if isinstance(result, str):
        typer.echo(result, err=True)
        raise typer.Exit(1)
    if as_json:
        print_json(result)
        return
    expires = fmt_time_day(datetime.fromisoformat(result["expires_at"]))
    typer.echo(texts.INVITATION_CODE.format(code=result["code"], expires=expires))
    if result["official"]:
        typer.echo(import_texts.CLI_INVITED_OFFICIAL.format(code=result["official"],
                                                            name=result["name"]))
    if result["telegram_link"]:
        typer.echo(texts.INVITATION_TELEGRAM.format(link=result["telegram_link"]))
    typer.echo(texts.INVITATION_HOW_TO_USE.format(code=result["code"]))


async def _existing_problem(session: AsyncSession, person: Official, unit_row: Unit | None,
                            role: str | None) -> str | None:
    """Why an invitation cannot bind to `person` as asked (None when it can)."""
    code = person.code or str(person.id)
    if person.status != "active":
        return import_texts.CLI_OFFICIAL_INACTIVE.format(code=code)
    if unit_row is not None and person.unit_id != unit_row.id:
        own = await session.get(Unit, person.unit_id) if person.unit_id else None
        return import_texts.CLI_UNIT_MISMATCH.format(
            code=code, official_unit=own.code if own else "-", unit=unit_row.code)
    if role is not None and role != person.role:
        return import_texts.CLI_ROLE_MISMATCH.format(code=code, official_role=person.role,
                                                     role=role)
    return None


@invite_app.command("list")
def invite_list(
    include_all: bool = typer.Option(False, "--all", help="also used, expired and revoked codes"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines"),
) -> None:
    """Invitation codes still usable (or all of them), oldest first."""

    async def _list() -> list[dict[str, Any]]:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            now = app.clock.now()
            units = {u.id: u.code for u in await people_store.all_units(session)}
            people = {o.id: o for o in await people_store.all_officials(session)}
            rows = []
            for inv in await account_store.invitations(session, now, pending_only=not include_all):
                linked = people.get(inv.official_id) if inv.official_id else None
                creator = people.get(inv.created_by) if inv.created_by else None
                rows.append({
                    "code": inv.code, "status": account_store.invitation_status(inv, now),
                    "unit": units.get(inv.unit_id) if inv.unit_id else None, "role": inv.role,
                    "name": inv.name, "official": linked.code if linked else None,
                    "created_by": creator.name if creator else None,
                    "created_at": _local(inv.created_at), "expires_at": _local(inv.expires_at),
                    "used_at": _local(inv.used_at), "revoked_at": _local(inv.revoked_at)})
            return rows

    rows = run(_list)
    for row in rows:
        if as_json:
            print_json(row)
        else:
            typer.echo(texts.INVITATION_LINE.format(
                code=row["code"], status=row["status"], unit=row["unit"] or "-",
                role=row["role"], name=row["name"] or row["official"] or "-",
                expires=row["expires_at"]))
    if not rows and not as_json:
        typer.echo(texts.NO_INVITATIONS)


@invite_app.command("revoke")
def invite_revoke(code: str = typer.Argument(..., help="the invitation code")) -> None:
    """Withdraw an unused code: it can no longer bind anyone."""

    async def _revoke() -> bool:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            return await people_store.revoke_invitation(session, code, app.clock.now()) is not None

    if not run(_revoke):
        typer.echo(texts.INVITATION_NOT_PENDING.format(code=people_store.invitation_key(code)), err=True)
        raise typer.Exit(1)
    typer.echo(texts.INVITATION_REVOKED.format(code=people_store.invitation_key(code)))


@accounts_app.command("list")
def accounts_list(
    official: str | None = typer.Option(None, "--official", help="only this official's (code)"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines"),
) -> None:
    """Chat accounts bound to officials: which app, whose, last heard from."""

    async def _list() -> list[dict[str, Any]] | str:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            ids = None
            if official is not None:
                person = await people_store.official_by_code(session, official)
                if person is None:
                    return texts.OFFICIAL_NOT_FOUND.format(code=official)
                ids = [person.id]
            return [{"id": a.id, "account": f"{a.channel}:{a.external_id}", "channel": a.channel,
                     "official": o.code, "name": o.name, "status": a.status,
                     "last_inbound_at": _local(a.last_inbound_at),
                     "created_at": _local(a.created_at)}
                    for a, o in await account_store.bound_accounts(session, ids)]

    rows = run(_list)
    if isinstance(rows, str):
        typer.echo(rows, err=True)
        raise typer.Exit(1)
    for row in rows:
        if as_json:
            print_json(row)
        else:
            typer.echo(texts.ACCOUNT_LINE.format(
                id=row["id"], account=row["account"], official=row["official"] or "-",
                name=row["name"], status=row["status"], last=row["last_inbound_at"] or "-"))


@accounts_app.command("unbind")
def accounts_unbind(
    account: str = typer.Argument(..., help="account id, or channel:id as `accounts list` shows"),
) -> None:
    """Detach an account from its official at once; its queued reminders move to the official's
    other app (or are cancelled), its queued answers and unfinished conversations are dropped."""

    async def _unbind() -> str | None:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            row = await account_store.find_account(session, account)
            if row is None or row.official_id is None:
                return None
            done = await account_store.unbind_account(
                session, row, app.clock.now(), channels=app.settings.reminder_channels)
            who = done.official
            lines = [texts.ACCOUNT_UNBOUND.format(
                account=f"{row.channel}:{row.external_id}", name=who.name if who else "-",
                code=who.code if who and who.code else "-")]
            lines += [texts.ACCOUNT_ROWS_MOVED.format(count=n, channel=channel)
                      for channel, n in sorted(done.moved.items())]
            if done.cancelled:
                lines.append(texts.ACCOUNT_ROWS_CANCELLED.format(count=done.cancelled))
            return " ".join(lines)

    result = run(_unbind)
    if result is None:
        typer.echo(texts.ACCOUNT_NOT_FOUND.format(account=account), err=True)
        raise typer.Exit(1)
    typer.echo(result)


def register(app: typer.Typer) -> None:
    """Add `troly invite` and `troly accounts`."""
    app.add_typer(invite_app, name="invite")
    app.add_typer(accounts_app, name="accounts")
