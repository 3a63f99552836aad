"""`troly report monthly|quarterly|period|plan` (text, --json, --xlsx, --docx), `troly plans list|consolidate` and
`troly leave add|list|cancel`: reports for any period, consolidating units, leave."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import func, select

from bot.cli.common import open_app, print_json, run
from bot.cli.people import report_app
from bot.clock import local_date
from bot.dates import fmt_day
from bot.db import leave_store, people_store, plan_store
from bot.db.models import Official, OfficialLeave, Plan, Task, Unit
from bot.leave_dates import LeaveDatesError, parse_leave
from bot.periods import Period, PeriodError, PeriodKind
from bot.reports.build import build_plan_report, build_unit_report
from bot.reports.docx_report import Letterhead, render_docx
from bot.reports.letterhead import letterhead_for
from bot.reports.model import ProgressReport
from bot.reports.text import render_report
from bot.reports.weekly import export_xlsx
from bot.texts import cli as texts
from rules.cutoffs import ReportingRules
from rules.policy import load_rules

plans_app = typer.Typer(no_args_is_help=True, help="Plans and their consolidating units.")
leave_app = typer.Typer(no_args_is_help=True, help="Leave (nghỉ phép): reminders pause.")


def report_json(report: ProgressReport) -> dict[str, Any]:
    """The report model as JSON-ready data (dates and instants as ISO strings)."""
    return dataclasses.asdict(report)


def last_closed(rules: ReportingRules, kind: PeriodKind, now: datetime) -> Period:
    """The latest period of `kind` whose cut-off has passed (the one to report on)."""
    period = rules.period_of(kind, local_date(now))
    while rules.cutoff(period) > now:
        period = period.previous()
    return period


def _period(rules: ReportingRules, text: str | None, kind: PeriodKind, now: datetime) -> Period:
    if text is None:
        return last_closed(rules, kind, now) if kind != "week" else rules.period_of(
            "week", local_date(now))
    try:
        return rules.parse(text, local_date(now))
    except PeriodError as exc:
        raise typer.BadParameter(str(exc)) from exc


@dataclasses.dataclass(frozen=True)
class _Built:
    """A report and, when a .docx was asked for, who issues it."""

    report: ProgressReport
    head: Letterhead | None = None


def _emit(built: _Built, xlsx: Path | None, docx: Path | None, as_json: bool) -> None:
    report = built.report
    if as_json:
        print_json(report_json(report))
    else:
        typer.echo(render_report(report))
    if xlsx is not None:
        xlsx.write_bytes(export_xlsx(report))
        typer.echo(texts.FILE_WRITTEN.format(path=xlsx), err=as_json)
    if docx is not None and built.head is not None:
        docx.write_bytes(render_docx(report, built.head))
        typer.echo(texts.FILE_WRITTEN.format(path=docx), err=as_json)


def _unit_report(unit: str, period: str | None, kind: PeriodKind, xlsx: Path | None,
                 docx: Path | None, as_json: bool, no_subunits: bool) -> None:
    async def _build() -> _Built | str:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            row = await people_store.unit_by_code(session, unit)
            if row is None:
                return texts.UNIT_NOT_FOUND.format(code=unit)
            now = app.clock.now()
            rules = await load_rules(session, row)
            report = await build_unit_report(session, row.id, _period(rules, period, kind, now),
                                             now, include_subunits=not no_subunits)
            head = await letterhead_for(session, report) if docx is not None else None
            return _Built(report, head)

    result = run(_build)
    if isinstance(result, str):
        typer.echo(result, err=True)
        raise typer.Exit(1)
    _emit(result, xlsx, docx, as_json)


_UNIT = typer.Option(..., "--unit", help="unit code")
_XLSX = typer.Option(None, "--xlsx", help="write the spreadsheet here")
_DOCX = typer.Option(None, "--docx", help="write the administrative report (.docx, Decree 30 "
                                          "layout) here")
_JSON = typer.Option(False, "--json", help="the report model as JSON instead of text")
_NO_SUB = typer.Option(False, "--no-subunits", help="only the unit itself")


@report_app.command("monthly")
def report_monthly(
    unit: str = _UNIT,
    period: str | None = typer.Option(None, "--period",
                                      help="2026-11, 'tháng 11' (default: the last month closed)"),
    xlsx: Path | None = _XLSX, docx: Path | None = _DOCX, as_json: bool = _JSON,
    no_subunits: bool = _NO_SUB,
) -> None:
    """A unit's month (Decree 09/2019: the 15th of the previous month to the 14th)."""
    _unit_report(unit, period, "month", xlsx, docx, as_json, no_subunits)


@report_app.command("quarterly")
def report_quarterly(
    unit: str = _UNIT,
    period: str | None = typer.Option(None, "--period",
                                      help="2026-Q4, 'quý IV/2026' (default: the last closed)"),
    xlsx: Path | None = _XLSX, docx: Path | None = _DOCX, as_json: bool = _JSON,
    no_subunits: bool = _NO_SUB,
) -> None:
    """A unit's quarter (15th of the month before it to the 14th of its last month)."""
    _unit_report(unit, period, "quarter", xlsx, docx, as_json, no_subunits)


@report_app.command("period")
def report_period(
    unit: str = _UNIT,
    period: str = typer.Option(..., "--period",
                               help="any period: 2026-W48, 2026-11, 2026-Q4, 2026-H2, 2026"),
    xlsx: Path | None = _XLSX, docx: Path | None = _DOCX, as_json: bool = _JSON,
    no_subunits: bool = _NO_SUB,
) -> None:
    """A unit's report for any period (week, month, quarter, half-year, year)."""
    _unit_report(unit, period, "month", xlsx, docx, as_json, no_subunits)


@report_app.command("plan")
def report_plan(
    plan: str = typer.Option(..., "--plan", help="plan reference or number, e.g. KH286"),
    period: str | None = typer.Option(None, "--period",
                                      help="2026-W48, 2026-11, 2026-Q4… (default: this week)"),
    xlsx: Path | None = _XLSX, docx: Path | None = _DOCX, as_json: bool = _JSON,
    unit: str | None = typer.Option(None, "--unit", help="the unit issuing the .docx (default: "
                                                         "the plan's consolidating unit)"),
) -> None:
    """A plan across every unit: the four categories, late and non-reporting units, blockers."""

    async def _build() -> _Built | str:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            found = await plan_store.find_plans(session, plan)
            if len(found) != 1:
                return (texts.PLAN_NOT_FOUND.format(plan=plan) if not found else
                        texts.PLAN_AMBIGUOUS.format(plan=plan,
                                                    refs="; ".join(p.ref for p in found)))
            issuer = await people_store.unit_by_code(session, unit) if unit else None
            if unit and issuer is None:
                return texts.UNIT_NOT_FOUND.format(code=unit)
            now = app.clock.now()
            rules = await load_rules(session, None)
            report = await build_plan_report(session, found[0],
                                             _period(rules, period, "week", now), now)
            head = (await letterhead_for(session, report, issuer.id if issuer else None)
                    if docx is not None else None)
            return _Built(report, head)

    result = run(_build)
    if isinstance(result, str):
        typer.echo(result, err=True)
        raise typer.Exit(1)
    _emit(result, xlsx, docx, as_json)


# ---------------------------------------------------------------- plans


@plans_app.command("list")
def plans_list(as_json: bool = typer.Option(False, "--json", help="JSON lines")) -> None:
    """Plans with their task count and consolidating units."""

    async def _list() -> list[dict[str, Any]]:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            rows = []
            for plan in (await session.execute(select(Plan).order_by(Plan.ref))).scalars():
                count = (await session.execute(select(func.count()).select_from(Task).where(
                    Task.plan_id == plan.id))).scalar_one()
                units = await plan_store.consolidators_of(session, plan.id)
                rows.append({"ref": plan.ref, "handle": plan_store.plan_handle(plan.ref),
                             "title": plan.title, "tasks": count,
                             "consolidators": [u.code for u in units]})
            return rows

    for row in run(_list):
        if as_json:
            print_json(row)
        else:
            typer.echo(f"{row['handle']:<10} {row['ref']:<40} {row['tasks']:>4}  "
                       f"{', '.join(row['consolidators']) or '-'}")


@plans_app.command("consolidate")
def plans_consolidate(
    plan: str = typer.Option(..., "--plan", help="plan reference or number, e.g. KH286"),
    unit: list[str] = typer.Option(..., "--unit", help="consolidating unit code (repeatable)"),
    remove: bool = typer.Option(False, "--remove", help="remove these units instead of adding"),
) -> None:
    """Make units consolidating units (đơn vị tổng hợp) of a plan: their heads see every unit
    with a part in it (/tiendo KH286, troly report plan) and get its digest of late reporters."""

    async def _do() -> str | None:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            found = await plan_store.find_plans(session, plan)
            if len(found) != 1:
                return texts.PLAN_NOT_FOUND.format(plan=plan) if not found else \
                    texts.PLAN_AMBIGUOUS.format(plan=plan, refs="; ".join(p.ref for p in found))
            ids = []
            for code in unit:
                row = await people_store.unit_by_code(session, code)
                if row is None:
                    return texts.UNIT_NOT_FOUND.format(code=code)
                ids.append(row.id)
            if remove:
                for unit_id in ids:
                    await plan_store.remove_consolidator(session, found[0].id, unit_id)
            else:
                await plan_store.set_consolidators(session, found[0].id, ids, app.clock.now())
            units = await plan_store.consolidators_of(session, found[0].id)
            typer.echo(texts.CONSOLIDATORS.format(
                plan=found[0].ref, units=", ".join(u.code for u in units) or "-"))
            return None

    problem = run(_do)
    if problem is not None:
        typer.echo(problem, err=True)
        raise typer.Exit(1)


# ---------------------------------------------------------------- leave


@leave_app.command("add")
def leave_add(
    official: str = typer.Option(..., "--official", help="official code"),
    start: str = typer.Option(..., "--from", help="first day: 2026-12-21, 21/12, 21/12/2026"),
    end: str | None = typer.Option(None, "--to", help="last day (default: the first)"),
    note: str | None = typer.Option(None, "--note", help="reason, shown in reports"),
) -> None:
    """Record leave: reminders and prompts pause; a head's digests go to the deputies."""

    async def _do() -> str:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            person = await people_store.official_by_code(session, official)
            if person is None:
                return texts.OFFICIAL_NOT_FOUND.format(code=official)
            now = app.clock.now()
            today = local_date(now)
            text = f"{_iso_to_dmy(start)} - {_iso_to_dmy(end or start)}"
            try:
                dates = parse_leave(text, today=today)
            except LeaveDatesError as exc:
                return str(exc)
            leave = await leave_store.add_leave(session, person.id, dates.first, dates.last, now,
                                                note=note)
            held = await leave_store.cancel_queued(session, person.id, dates.first, dates.last,
                                                   now)
            typer.echo(texts.LEAVE_ADDED.format(id=leave.id, name=person.name,
                                                start=fmt_day(dates.first),
                                                end=fmt_day(dates.last), held=held))
            return ""

    problem = run(_do)
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(1)


def _iso_to_dmy(value: str) -> str:
    """'2026-12-21' → '21/12/2026' (other spellings as typed)."""
    try:
        return fmt_day(date.fromisoformat(value))
    except ValueError:
        return value


@leave_app.command("list")
def leave_list(
    official: str | None = typer.Option(None, "--official", help="only this official"),
    as_json: bool = typer.Option(False, "--json", help="JSON lines"),
) -> None:
    """Leave that has not ended yet (current and coming)."""

    async def _list() -> list[dict[str, Any]]:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            today = local_date(app.clock.now())
            query = (select(OfficialLeave, Official.code, Official.name, Unit.code)
                     .join(Official, Official.id == OfficialLeave.official_id)
                     .join(Unit, Unit.id == Official.unit_id, isouter=True)
                     .where(OfficialLeave.cancelled_at.is_(None), OfficialLeave.end_day >= today)
                     .order_by(OfficialLeave.start_day, OfficialLeave.id))
            if official is not None:
                query = query.where(Official.code == official)
            return [{"id": leave.id, "official": code, "name": name, "unit": unit_code,
                     "from": leave.start_day.isoformat(), "to": leave.end_day.isoformat(),
                     "note": leave.note}
                    for leave, code, name, unit_code in (await session.execute(query)).all()]

    for row in run(_list):
        if as_json:
            print_json(row)
        else:
            typer.echo(f"#{row['id']:<5} {row['official'] or '-':<10} {row['name']:<28} "
                       f"{row['from']} → {row['to']}  {row['note'] or ''}")


@leave_app.command("cancel")
def leave_cancel(leave_id: int = typer.Argument(..., help="the id shown by `troly leave list`")) -> None:
    """Withdraw a leave record (reminders resume from the next planner run)."""

    async def _do() -> bool:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            return await leave_store.cancel_leave(session, leave_id, app.clock.now()) is not None

    if not run(_do):
        typer.echo(texts.LEAVE_NOT_FOUND.format(id=leave_id), err=True)
        raise typer.Exit(1)
    typer.echo(texts.LEAVE_CANCELLED.format(id=leave_id))


def register(app: typer.Typer) -> None:
    """Add `plans …` and `leave …` (the report commands join `report …`)."""
    app.add_typer(plans_app, name="plans")
    app.add_typer(leave_app, name="leave")

