"""`troly schedule show|set|unset` (reminder settings) and `troly calendar add|list|remove`
(extra days off and make-up working days), so administrators never need SQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import typer
from sqlalchemy import extract, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import open_app, person_text, print_json, run
from bot.dates import fmt_date
from bot.db.models import CalendarDay, SchedulePolicy, Unit
from bot.texts import cli as texts
from rules.policy import (
    GLOBAL_KEY,
    SETTING_KEYS,
    Schedule,
    layered_sources,
    parse_setting,
    setting_json,
    unit_key,
)

schedule_app = typer.Typer(no_args_is_help=True,
                           help="Reminder, check-in and digest settings (global or per unit).")
calendar_app = typer.Typer(no_args_is_help=True,
                           help="Extra days off and official make-up working days.")

UNIT_OPTION = typer.Option(None, "--unit", help="unit code (default: the global settings)")


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _hint(key: str) -> str:
    if key in texts.SCHEDULE_HINTS:
        return texts.SCHEDULE_HINTS[key]
    if key.endswith("_time") or key in {"quiet_start", "quiet_end", "silent_start", "silent_end"}:
        return texts.SCHEDULE_HINTS["time"]
    if key.endswith("_weekday"):
        return texts.SCHEDULE_HINTS["weekday"]
    if key.startswith("on_ambiguous"):
        return texts.SCHEDULE_HINTS["on_ambiguous"]
    return texts.SCHEDULE_HINTS["bool"]


def _unknown_key(key: str) -> typer.Exit:
    return _fail(texts.SCHEDULE_UNKNOWN_KEY.format(key=key, keys=", ".join(SETTING_KEYS)))


def parse_pairs(pairs: list[str]) -> dict[str, Any]:
    """KEY=VALUE arguments → validated JSON values; the first error exits before any write."""
    values: dict[str, Any] = {}
    for arg in pairs:
        key, sep, raw = arg.partition("=")
        key = key.strip()
        if not sep or not key:
            raise _fail(texts.SCHEDULE_BAD_PAIR.format(arg=arg))
        if key not in SETTING_KEYS:
            raise _unknown_key(key)
        try:
            values[key] = parse_setting(key, raw.strip())
        except ValueError as exc:
            raise _fail(texts.SCHEDULE_BAD_VALUE.format(value=raw, key=key, hint=_hint(key))) from exc
    return values


async def _unit(session: AsyncSession, code: str) -> Unit:
    unit = (await session.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()
    if unit is None:
        raise _fail(texts.UNIT_NOT_FOUND.format(code=code))
    return unit


async def _policy(session: AsyncSession, key: str) -> SchedulePolicy | None:
    return await session.get(SchedulePolicy, key)


def _scope(code: str | None) -> str:
    return texts.SCHEDULE_SCOPE_UNIT.format(code=code) if code else texts.SCHEDULE_SCOPE_GLOBAL


async def _layers(session: AsyncSession,
                  code: str | None) -> list[tuple[str, Mapping[str, Any] | None]]:
    """The layers the planner merges (rules.policy.load_policies), lowest first."""
    global_row = await _policy(session, GLOBAL_KEY)
    layers: list[tuple[str, Mapping[str, Any] | None]] = [
        ("global", global_row.data if global_row else None)]
    if code:
        unit = await _unit(session, code)
        keyed = await _policy(session, unit_key(unit.id))
        layers += [("unit-policy", keyed.data if keyed else None), ("unit", unit.schedule)]
    return layers


def effective(layers: list[tuple[str, Mapping[str, Any] | None]]) -> dict[str, dict[str, Any]]:
    """Each setting's effective value (JSON form) and the layer it came from."""
    schedule = Schedule()
    for _, data in layers:
        schedule = schedule.with_overrides(data)
    sources = layered_sources(layers)
    return {key: {"value": setting_json(getattr(schedule, key)), "source": sources[key]}
            for key in SETTING_KEYS}


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@schedule_app.command("show")
def show_command(unit: str | None = UNIT_OPTION,
                 as_json: bool = typer.Option(False, "--json", help="JSON instead of a table")) -> None:
    """Print the effective settings and where each value comes from."""

    async def _show() -> dict[str, dict[str, Any]]:
        async with open_app(index=False) as app, app.sessionmaker() as session:
            return effective(await _layers(session, unit))

    settings = run(_show)
    if as_json:
        print_json({"unit": unit, "settings": settings})
        return
    typer.echo(texts.SCHEDULE_HEADER.format(scope=_scope(unit)))
    for key, item in settings.items():
        typer.echo(texts.SCHEDULE_LINE.format(key=key, value=_shown(item["value"]),
                                              source=texts.SCHEDULE_SOURCES[item["source"]]))


@schedule_app.command("set")
def set_command(pairs: list[str] = typer.Argument(..., help="KEY=VALUE, e.g. reminder_time=07:30"),
                unit: str | None = UNIT_OPTION) -> None:
    """Change settings globally or for one unit (validated; nothing is written on error)."""
    values = parse_pairs(pairs)

    async def _set() -> None:
        async with open_app(index=False) as app, app.sessionmaker.begin() as session:
            now = app.clock.now()
            if unit is None:
                row = await _policy(session, GLOBAL_KEY)
                if row is None:
                    session.add(SchedulePolicy(key=GLOBAL_KEY, data=values, updated_at=now))
                else:  # a new dict: in-place JSON changes are not tracked
                    row.data, row.updated_at = {**row.data, **values}, now
                return
            target = await _unit(session, unit)
            # Unit.schedule is the top layer (and what check-in reads), so the change always wins
            target.schedule = {**(target.schedule or {}), **values}

    run(_set)
    typer.echo(texts.SCHEDULE_SAVED.format(count=len(values), scope=_scope(unit)))


@schedule_app.command("unset")
def unset_command(keys: list[str] = typer.Argument(..., help="setting names"),
                  unit: str | None = UNIT_OPTION) -> None:
    """Remove settings so they follow the level above (unit → global → built-in default)."""
    for key in keys:
        if key not in SETTING_KEYS:
            raise _unknown_key(key)

    def _without(data: Mapping[str, Any] | None) -> dict[str, Any]:
        return {k: v for k, v in (data or {}).items() if k not in keys}

    async def _unset() -> int:
        async with open_app(index=False) as app, app.sessionmaker.begin() as session:
            now = app.clock.now()
            key = GLOBAL_KEY
            removed: set[str] = set()
            if unit is not None:
                target = await _unit(session, unit)
                removed |= set(target.schedule or {}) & set(keys)
                target.schedule = _without(target.schedule) or None
                key = unit_key(target.id)
            row = await _policy(session, key)
            if row is not None:
                removed |= set(row.data) & set(keys)
                row.data, row.updated_at = _without(row.data), now
                if not row.data:
                    await session.delete(row)
            return len(removed)

    count = run(_unset)
    typer.echo(texts.SCHEDULE_REMOVED.format(count=count, scope=_scope(unit)))


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _fail(texts.CALENDAR_BAD_DATE.format(value=value)) from exc


@calendar_app.command("add")
def calendar_add(day: str = typer.Argument(..., help="YYYY-MM-DD"),
                 kind: str = typer.Argument(..., help="off (extra day off) or workday (make-up)"),
                 note: str | None = typer.Option(None, "--note", help="e.g. the decision's number",
                                                 callback=person_text)
                 ) -> None:
    """Declare an extra day off or an official make-up working day (replaces that day's entry)."""
    when = _day(day)
    if kind not in texts.CALENDAR_KINDS:
        raise _fail(texts.CALENDAR_BAD_KIND.format(kind=kind))

    async def _add() -> None:
        async with open_app(index=False) as app, app.sessionmaker.begin() as session:
            row = await session.get(CalendarDay, when)
            if row is None:
                session.add(CalendarDay(day=when, kind=kind, note=note))
            else:
                row.kind, row.note = kind, note

    run(_add)
    typer.echo(texts.CALENDAR_SAVED.format(day=fmt_date(when), kind=texts.CALENDAR_KINDS[kind]))


@calendar_app.command("list")
def calendar_list(year: int | None = typer.Option(None, "--year", help="only this year"),
                  as_json: bool = typer.Option(False, "--json", help="JSON instead of a table")
                  ) -> None:
    """List the extra days off and make-up working days."""

    async def _list() -> list[tuple[date, str, str | None]]:
        async with open_app(index=False) as app, app.sessionmaker() as session:
            query = select(CalendarDay.day, CalendarDay.kind, CalendarDay.note).order_by(
                CalendarDay.day)
            if year is not None:
                query = query.where(extract("year", CalendarDay.day) == year)
            return [(d, k, n) for d, k, n in (await session.execute(query)).all()]

    rows = run(_list)
    if as_json:
        print_json([{"day": d.isoformat(), "kind": k, "note": n} for d, k, n in rows])
        return
    if not rows:
        typer.echo(texts.CALENDAR_EMPTY)
    for d, k, n in rows:
        typer.echo(texts.CALENDAR_LINE.format(iso=d.isoformat(), day=fmt_date(d),
                                              kind=texts.CALENDAR_KINDS.get(k, k), note=n or ""))


@calendar_app.command("remove")
def calendar_remove(day: str = typer.Argument(..., help="YYYY-MM-DD")) -> None:
    """Remove a day from the local calendar (it follows weekends and public holidays again)."""
    when = _day(day)

    async def _remove() -> bool:
        async with open_app(index=False) as app, app.sessionmaker.begin() as session:
            row = await session.get(CalendarDay, when)
            if row is not None:
                await session.delete(row)
            return row is not None

    if not run(_remove):
        raise _fail(texts.CALENDAR_NOT_FOUND.format(day=when.isoformat()))
    typer.echo(texts.CALENDAR_REMOVED.format(day=when.isoformat()))


def register(app: typer.Typer) -> None:
    """Add `schedule …` and `calendar …` to the CLI."""
    app.add_typer(schedule_app, name="schedule")
    app.add_typer(calendar_app, name="calendar")
