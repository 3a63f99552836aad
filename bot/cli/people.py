"""`troly units import`, `troly officials import|list`, `troly tasks import`, `troly report weekly`:
bringing people and plans in, and the week out (invitations and accounts: bot/cli/accounts.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import open_app, person_text, print_json, run
from bot.db import people_store
from bot.imports.common import ImportFailed, ImportResult
from bot.imports.officials import import_officials
from bot.imports.tasks import import_tasks
from bot.imports.units import import_units
from bot.reports.docx_report import render_docx
from bot.reports.letterhead import letterhead_for
from bot.reports.text import render_summary
from bot.reports.weekly import build_weekly_summary, export_xlsx
from bot.texts import cli as texts
from bot.texts import imports as import_texts
from rules.cutoffs import monday_of, week_of

units_app = typer.Typer(no_args_is_help=True, help="Units (đơn vị) and their hierarchy.")
officials_app = typer.Typer(no_args_is_help=True, help="Officials (cán bộ).")
tasks_app = typer.Typer(no_args_is_help=True, help="Plans and their tasks (nhiệm vụ).")
report_app = typer.Typer(no_args_is_help=True, help="Progress reports.")

Importer = Callable[[AsyncSession, str, bytes, datetime], Awaitable[ImportResult]]


def _run_import(path: Path, importer: Importer) -> None:
    if not path.is_file():
        typer.echo(texts.FILE_NOT_FOUND.format(path=path), err=True)
        raise typer.Exit(1)
    content = path.read_bytes()

    async def _do() -> ImportResult | ImportFailed:
        async with open_app(load_demo=False, index=False) as app:
            try:
                async with app.sessionmaker.begin() as session:
                    return await importer(session, path.name, content, app.clock.now())
            except ImportFailed as exc:
                return exc

    outcome = run(_do)
    if isinstance(outcome, ImportFailed):
        for error in outcome.errors:
            typer.echo(str(error), err=True)
        typer.echo(import_texts.REJECTED.format(count=len(outcome.errors)), err=True)
        raise typer.Exit(1)
    for line in outcome.lines():
        typer.echo(line)


@units_app.command("import")
def units_import(
    file: Path = typer.Argument(..., help=".xlsx or .csv (Mã đơn vị, Tên đơn vị, Đơn vị cấp trên, Cấp)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="show what would change, write nothing"),
) -> None:
    """Import units (re-import updates by code)."""

    async def importer(session: AsyncSession, name: str, content: bytes, now: datetime) -> ImportResult:
        return await import_units(session, name, content, now, dry_run=dry_run)

    _run_import(file, importer)


@officials_app.command("import")
def officials_import(
    file: Path = typer.Argument(..., help=".xlsx or .csv (Mã cán bộ, Họ và tên, Chức vụ, Mã đơn vị, Vai trò…)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="show what would change, write nothing"),
) -> None:
    """Import officials (re-import updates by code)."""

    async def importer(session: AsyncSession, name: str, content: bytes, now: datetime) -> ImportResult:
        return await import_officials(session, name, content, now, dry_run=dry_run)

    _run_import(file, importer)


@tasks_app.command("import")
def tasks_import(
    file: Path = typer.Argument(..., help=".xlsx or .csv task table of a plan"),
    plan: str | None = typer.Option(None, "--plan", help="plan reference, e.g. 'Kế hoạch số 286/KH-BTTTT'",
                                    callback=person_text),
    year: int | None = typer.Option(None, "--year", help="year for deadlines written without one"),
    dry_run: bool = typer.Option(False, "--dry-run", help="show what would change, write nothing"),
) -> None:
    """Import a plan's tasks (re-import updates by Mã nhiệm vụ)."""

    async def importer(session: AsyncSession, name: str, content: bytes, now: datetime) -> ImportResult:
        return await import_tasks(session, name, content, now, plan_ref=plan, year=year,
                                  dry_run=dry_run)

    _run_import(file, importer)


@officials_app.command("list")
def officials_list(as_json: bool = typer.Option(False, "--json", help="JSON lines")) -> None:
    """List officials with their unit, role and bound chat accounts."""

    async def _list() -> list[dict[str, Any]]:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            units = {u.id: u for u in await people_store.all_units(session)}
            rows = []
            for official in await people_store.all_officials(session):
                unit = units.get(official.unit_id) if official.unit_id else None
                accounts = await people_store.accounts_of(session, official.id, active_only=False)
                rows.append({"id": official.id, "code": official.code, "name": official.name,
                             "title": official.title, "unit": unit.code if unit else None,
                             "role": official.role, "status": official.status,
                             "accounts": [f"{a.channel}:{a.external_id}" for a in accounts]})
            return rows

    for row in run(_list):
        if as_json:
            print_json(row)
        else:
            accounts = ", ".join(row["accounts"]) or texts.NO_ACCOUNTS
            typer.echo(f"{row['code'] or '-':<10} {row['name']:<28} {row['unit'] or '-':<10} "
                       f"{row['role']:<8} {row['status']:<8} {accounts}")


@report_app.command("weekly")
def report_weekly(
    unit: str = typer.Option(..., "--unit", help="unit code"),
    week: str | None = typer.Option(None, "--week", help="ISO week, e.g. 2026-W48 (default: this week)"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="write the spreadsheet here"),
    docx: Path | None = typer.Option(None, "--docx",
                                     help="write the administrative report (.docx) here"),
    no_subunits: bool = typer.Option(False, "--no-subunits", help="only the unit itself"),
) -> None:
    """A unit's week: who reported, tasks by category; optionally as .xlsx and/or .docx."""
    if week is not None:
        try:
            monday_of(week)
        except ValueError as exc:  # Python's words ("Invalid week: 99") told nobody what to type
            raise typer.BadParameter(texts.WEEK_INVALID.format(week=week)) from exc

    async def _report() -> tuple[str, bytes, bytes | None] | None:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            unit_row = await people_store.unit_by_code(session, unit)
            if unit_row is None:
                return None
            now = app.clock.now()
            summary = await build_weekly_summary(
                session, unit_row.id, week or week_of(now), now,
                include_subunits=not no_subunits)
            document = (render_docx(summary, await letterhead_for(session, summary))
                        if docx is not None else None)
            return render_summary(summary), export_xlsx(summary), document

    result = run(_report)
    if result is None:
        typer.echo(texts.UNIT_NOT_FOUND.format(code=unit), err=True)
        raise typer.Exit(1)
    text, data, document = result
    typer.echo(text)
    if xlsx is not None:
        xlsx.write_bytes(data)
        typer.echo(texts.FILE_WRITTEN.format(path=xlsx))
    if docx is not None and document is not None:
        docx.write_bytes(document)
        typer.echo(texts.FILE_WRITTEN.format(path=docx))


def register(app: typer.Typer) -> None:
    """Add the people, tasks and report commands."""
    app.add_typer(units_app, name="units")
    app.add_typer(officials_app, name="officials")
    app.add_typer(tasks_app, name="tasks")
    app.add_typer(report_app, name="report")
