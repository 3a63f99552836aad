"""/tiendo (a unit's week at a glance) and /xuatbaocao (the week or month as a spreadsheet or as
an administrative .docx report).

Permissions: an official sees only their own report; a head or deputy sees their unit and its
sub-units (any depth); admins see every unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.checkin_policy import load_rules, monday_of, week_of
from bot.clock import local_date
from bot.context import Context
from bot.db import checkin_store, people_store
from bot.db.models import Task, Unit
from bot.messages import Attachment
from bot.periods import Period
from bot.reports.build import build_unit_report
from bot.reports.docx_report import DOCX_MIME, docx_file_name, render_docx
from bot.reports.letterhead import letterhead_for
from bot.reports.text import render_summary
from bot.reports.weekly import WeeklySummary, build_weekly_summary, export_xlsx, xlsx_file_name
from bot.router import ROLES_HEADS, ROLES_MEMBERS, Command, Router
from bot.texts import checkin as T
from bot.texts import commands as CMD
from bot.texts import common as C
from knowledge.normalize import fold

_WEEK_RE = re.compile(r"^\d{4}-[Ww]\d{2}$")
#: task lines per category in the chat view (the spreadsheet has them all)
TASKS_PER_CATEGORY = 8
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: /xuatbaocao words choosing the period kind and the file format (folded: no diacritics)
_KIND_WORDS = {"tuan": "week", "week": "week", "thang": "month", "month": "month"}
_FORMAT_WORDS = ("docx", "xlsx")


@dataclass(frozen=True)
class _Request:
    unit: Unit | None  # None: the official's own report
    week: str


async def _request(ctx: Context, words: list[str] | None = None) -> _Request | None:
    """Parse '[unit code] [2026-W48]' and check permissions; None after replying why not."""
    official = ctx.official
    assert official is not None
    week, code = week_of(ctx.now), None
    for word in ctx.text.split() if words is None else words:
        if _WEEK_RE.match(word):
            week = word.upper()
        else:
            code = word
    try:
        monday_of(week)
    except ValueError:
        ctx.reply(T.BAD_WEEK.format(week=week))
        return None
    if official.role == "official":
        return _Request(None, week)
    unit: Unit | None
    if code is not None:
        unit = await people_store.unit_by_code(ctx.session, code)
        if unit is None:
            ctx.reply(T.UNIT_NOT_FOUND.format(code=code))
            return None
    else:
        unit = await ctx.session.get(Unit, official.unit_id) if official.unit_id else None
        if unit is None and official.role == "admin":
            roots = list((await ctx.session.execute(
                select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code))).scalars())
            unit = roots[0] if len(roots) == 1 else None
        if unit is None:
            ctx.reply(T.NO_UNIT)
            return None
    if official.role != "admin" and (official.unit_id is None or not await people_store.is_within(
            ctx.session, unit.id, official.unit_id)):
        ctx.reply(T.UNIT_NOT_YOURS)
        return None
    return _Request(unit, week)


async def _own(ctx: Context, week: str) -> None:
    """An official's own report for the week."""
    official = ctx.official
    assert official is not None
    report = await checkin_store.report_for(ctx.session, official.id, week)
    if report is None:
        ctx.reply(T.PROGRESS_OWN_NONE.format(week=week))
        return
    lines = [T.PROGRESS_OWN_HEADER.format(week=week),
             T.PROGRESS_OWN_STATUS.format(status=T.OWN_STATUS_LABELS.get(report.status,
                                                                         report.status))]
    if report.skip_reason:
        lines.append(report.skip_reason)
    for task_id, row in (await checkin_store.entries_of(ctx.session, report.id)).items():
        task = await ctx.session.get(Task, task_id)
        progress = row.progress if row.progress is not None else T.NA
        lines.append(T.PROGRESS_TASK.format(
            code=task.code if task else task_id, title=task.title if task else "",
            progress=progress, status=T.STATUS_LABELS.get(row.status or "", T.NOT_REPORTED),
            deadline=""))
        if row.blockers:
            lines.append(T.SUMMARY_BLOCKERS.format(text=row.blockers))
    ctx.reply("\n".join(lines))


async def _summary(ctx: Context, request: _Request) -> WeeklySummary:
    assert request.unit is not None
    return await build_weekly_summary(ctx.session, request.unit.id, request.week, ctx.now)


async def tiendo(ctx: Context) -> None:
    """/tiendo [unit code] [week]."""
    request = await _request(ctx)
    if request is None:
        return
    if request.unit is None:
        await _own(ctx, request.week)
        return
    ctx.reply(render_summary(await _summary(ctx, request)))


async def _period(ctx: Context, request: _Request, kind: str) -> Period:
    """The requested week, or the unit's current month (its own closing day)."""
    assert request.unit is not None
    if kind == "month":
        rules = await load_rules(ctx.session, request.unit)
        return rules.period_of("month", local_date(ctx.now))
    year, number, _ = monday_of(request.week).isocalendar()
    return Period("week", year, number)


async def xuatbaocao(ctx: Context) -> None:
    """/xuatbaocao [tuần|tháng] [docx|xlsx] [unit code] [week]: the report as a file."""
    kind, file_format, rest = "week", "xlsx", []
    for word in ctx.text.split():
        folded = fold(word).lower()
        if folded in _KIND_WORDS:
            kind = _KIND_WORDS[folded]
        elif folded in _FORMAT_WORDS:
            file_format = folded
        else:
            rest.append(word)
    request = await _request(ctx, rest)
    if request is None:
        return
    if request.unit is None:  # the command is for heads; officials never get here
        ctx.reply(C.NOT_ALLOWED)
        return
    report = await build_unit_report(ctx.session, request.unit.id,
                                     await _period(ctx, request, kind), ctx.now)
    if file_format == "docx":
        content = render_docx(report, await letterhead_for(ctx.session, report))
        attachment = Attachment(docx_file_name(report), content, DOCX_MIME)
        caption = T.EXPORT_DOCX_CAPTION
    else:
        attachment = Attachment(xlsx_file_name(report), export_xlsx(report), XLSX_MIME)
        caption = T.EXPORT_CAPTION
    ctx.reply(caption.format(unit=report.unit_name, period=report.period.label),
              attachments=(attachment,))


def register(router: Router) -> None:
    """Register /tiendo and /xuatbaocao."""
    router.command(Command(("tiendo", "progress", "tien_do"), tiendo,
                           CMD.PROGRESS, roles=ROLES_MEMBERS))
    router.command(Command(("xuatbaocao", "export", "xuat_bao_cao"), xuatbaocao,
                           CMD.EXPORT, roles=ROLES_HEADS))
