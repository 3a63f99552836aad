"""/tiendo (a unit's or a plan's period at a glance) and /xuatbaocao (the same as a spreadsheet,
or as an administrative .docx report).

`/tiendo [đơn vị | kế hoạch] [kỳ]`: the target is a unit code or a plan ('KH286', the plan's
reference); the period is a week ('2026-W48', 'tuần 48'), a month ('tháng 11', '2026-11'), a
quarter ('quý IV/2026'), a half-year or a year; the default is this week. 'tháng', 'quý' or
'năm' alone is the period running now, except in the days right after a period's cut-off, when it
is the period just closed (the one heads file; `filing_period`). 'tháng này' is always the
running one.

Permissions (bot/access.py): an official sees their own report, and — in a consolidating unit of a
plan — the plan; a head or deputy sees their unit and its sub-units (any depth), the units with a
part in the plans their unit consolidates (those plans' tasks only), and those plans; admins see
everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.access import may_view_plan, unit_view
from bot.clock import local_date
from bot.context import Context
from bot.db import checkin_store, people_store
from bot.db.models import Official, Plan, Task, Unit
from bot.db.period_store import report_for as period_report_for
from bot.db.plan_store import find_plans
from bot.messages import Attachment
from bot.periods import Period, PeriodError, PeriodKind, week_shown
from bot.reports.build import build_plan_report, build_unit_report
from bot.reports.docx_report import DOCX_MIME, docx_file_name, render_docx, scope_slug
from bot.reports.letterhead import letterhead_for
from bot.reports.model import ProgressReport
from bot.reports.text import render_report
from bot.reports.weekly import export_xlsx
from bot.router import ROLES_HEADS, ROLES_MEMBERS, Command, Router
from bot.texts import checkin as T
from bot.texts import commands as CMD
from bot.texts import common as C
from bot.texts import period_checkin as PT
from handlers import guidance
from knowledge.normalize import fold, fold_words
from rules.cutoffs import ReportingRules
from rules.policy import load_rules

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: /xuatbaocao words choosing the file format (folded)
_FORMAT_WORDS = ("docx", "xlsx")
#: words tried as a target (a plan reference can have several)
MAX_TARGET_WORDS = 6
#: a period kind typed alone (folded): see `filing_period`
_BARE_KINDS: dict[str, PeriodKind] = {"thang": "month", "quy": "quarter", "nam": "year"}
#: how long after a month's (quarter's, year's) cut-off 'tháng' alone still means that month
FILING_WINDOW = timedelta(days=5)
#: a word that is trying to be a period (folded): '2026-W99', 'w60', 'q5', '13/2026'
_PERIOD_LIKE_PATTERN = re.compile(r"^(?:\d{4}-\S+|[wqh]\d+|\d{1,2}/\d{4})$")
#: the words before a period's number ("tuần 48", "tháng 11", "quý 4"), folded
_PERIOD_KIND_WORDS = frozenset({"tuan", "thang", "quy"})


@dataclass(frozen=True)
class ReportRequest:
    """What /tiendo or /xuatbaocao asked for, after the permission check."""

    period: Period
    unit: Unit | None = None  # None and plan None: the official's own report
    plan: Plan | None = None
    #: a unit seen by a consolidating unit: only these plans' tasks
    plan_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Target:
    unit: Unit | None = None
    plan: Plan | None = None
    problem: str | None = None


async def _target(ctx: Context, words: list[str]) -> _Target:
    """A unit code (one word) or a plan; a problem sentence when it names nothing (or two plans)."""
    text = " ".join(words)
    if len(words) == 1:
        unit = await people_store.unit_by_code(ctx.session, words[0])
        if unit is not None:
            return _Target(unit=unit)
    plans = await find_plans(ctx.session, text)
    if len(plans) == 1:
        return _Target(plan=plans[0])
    if plans:
        return _Target(problem=T.PLAN_AMBIGUOUS.format(
            count=len(plans), code=text, plans="; ".join(p.ref for p in plans[:5])))
    return _Target(problem=T.TARGET_NOT_FOUND.format(code=text))


def _period(rules: ReportingRules, words: list[str], ctx: Context) -> Period | None:
    today = local_date(ctx.now)
    if not words:
        return rules.period_of("week", today)
    bare = _BARE_KINDS.get(fold_words(" ".join(words)))
    if bare is not None:
        return filing_period(rules, bare, ctx.now)
    try:
        return rules.parse(" ".join(words), today)
    except PeriodError:
        return None


def filing_period(rules: ReportingRules, kind: PeriodKind, now: datetime) -> Period:
    """'tháng' (quý, năm) alone: the period running now — or, for FILING_WINDOW after a period's
    cut-off, the one that just closed (the report being filed; the new one is still empty)."""
    running = rules.period_of(kind, local_date(now))
    closed = running.previous()
    cutoff = rules.cutoff(closed)
    return closed if cutoff <= now < cutoff + FILING_WINDOW else running


async def parse_request(ctx: Context, text: str | None = None) -> tuple[_Target, Period] | None:
    """Split '[target] [period]' (either order); None after replying what was not understood."""
    official = ctx.official
    assert official is not None
    unit = await ctx.session.get(Unit, official.unit_id) if official.unit_id else None
    rules = await load_rules(ctx.session, unit)
    words = (ctx.text if text is None else text).split()
    splits: list[tuple[list[str], list[str]]] = [([], words)]
    for k in range(1, min(len(words), MAX_TARGET_WORDS) + 1):
        splits.append((words[:k], words[k:]))
        if k < len(words):
            splits.append((words[len(words) - k:], words[:len(words) - k]))
    problem: str | None = None
    for target_words, period_words in splits:
        period = _period(rules, period_words, ctx)
        if period is None:
            continue
        if not target_words:
            return _Target(), period
        target = await _target(ctx, target_words)
        if target.problem is None:
            return target, period
        problem = problem or target.problem
    last = fold(words[-1].casefold()) if words else ""
    # 'tháng 13', 'tuần 54': the kind word and a number that is no such period
    kind_and_number = len(words) >= 2 and last.isdigit() \
        and fold(words[-2].casefold()) in _PERIOD_KIND_WORDS
    if problem is not None and not _PERIOD_LIKE_PATTERN.match(last) and not kind_and_number:
        ctx.reply(problem)
    else:  # '2026-W99', 'w60': a period that is wrong, not a unit that is missing
        try:
            rules.parse(" ".join(words[-2:]) if kind_and_number else words[-1] if words else "",
                        local_date(ctx.now))
        except PeriodError as exc:
            ctx.reply(str(exc))
    return None


async def _default_unit(ctx: Context, official: Official) -> Unit | None:
    unit = await ctx.session.get(Unit, official.unit_id) if official.unit_id else None
    if unit is None and official.role == "admin":
        roots = list((await ctx.session.execute(
            select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code))).scalars())
        unit = roots[0] if len(roots) == 1 else None
    return unit


async def report_request(ctx: Context, text: str | None = None) -> ReportRequest | None:
    """Parse and check permissions; None after replying why not."""
    official = ctx.official
    assert official is not None
    parsed = await parse_request(ctx, text)
    if parsed is None:
        return None
    target, period = parsed
    if target.plan is not None:
        if not await may_view_plan(ctx, official, target.plan.id):
            ctx.reply(T.PLAN_NOT_YOURS)
            return None
        return ReportRequest(period, plan=target.plan)
    if official.role == "official":  # their own report, whatever unit they name
        return ReportRequest(period)
    unit = target.unit or await _default_unit(ctx, official)
    if unit is None:
        ctx.reply(T.NO_UNIT)
        return None
    view = await unit_view(ctx, official, unit.id)
    if not view.allowed:
        ctx.reply(T.UNIT_NOT_YOURS)
        return None
    return ReportRequest(period, unit=unit, plan_ids=view.plan_ids)


async def build_requested(ctx: Context, request: ReportRequest) -> ProgressReport:
    """The report a (permitted) request names."""
    if request.plan is not None:
        return await build_plan_report(ctx.session, request.plan, request.period, ctx.now)
    assert request.unit is not None
    return await build_unit_report(ctx.session, request.unit.id, request.period, ctx.now,
                                   plan_ids=request.plan_ids)


async def _own(ctx: Context, period: Period) -> None:
    """An official's own report for the period."""
    official = ctx.official
    assert official is not None
    if period.kind != "week":
        await _own_period(ctx, official, period)
        return
    week = period.key
    report = await checkin_store.report_for(ctx.session, official.id, week)
    if report is None:
        ctx.reply(T.PROGRESS_OWN_NONE.format(week=week_shown(week)))
        return
    lines = [T.PROGRESS_OWN_HEADER.format(week=week_shown(week)),
             T.PROGRESS_OWN_STATUS.format(status=T.OWN_STATUS_LABELS.get(report.status,
                                                                         report.status))]
    if report.skip_reason:
        lines.append(report.skip_reason)
    for task_id, row in (await checkin_store.entries_of(ctx.session, report.id)).items():
        task = await ctx.session.get(Task, task_id)
        if row.status == "skipped":  # no percentage to show ("— —%" before), as the check-in summary
            lines.append(T.PROGRESS_TASK_SKIPPED.format(
                code=task.code if task else task_id, title=task.title if task else "",
                reason=row.skip_reason or T.NA))
            continue
        progress = row.progress if row.progress is not None else T.NA
        lines.append(T.PROGRESS_TASK.format(
            code=task.code if task else task_id, title=task.title if task else "",
            progress=progress, status=T.STATUS_LABELS.get(row.status or "", T.NOT_REPORTED),
            deadline=""))
        if row.blockers:
            lines.append(T.SUMMARY_BLOCKERS.format(text=row.blockers))
    ctx.reply("\n".join(lines))


async def _own_period(ctx: Context, official: Official, period: Period) -> None:
    report = await period_report_for(ctx.session, official.id, period.key)
    if report is None:
        ctx.reply(T.PROGRESS_OWN_PERIOD_NONE.format(period=period.label))
        return
    lines = [T.PROGRESS_OWN_PERIOD_HEADER.format(period=period.label_with_dates),
             T.PROGRESS_OWN_STATUS.format(status=T.OWN_STATUS_LABELS.get(report.status,
                                                                         report.status))]
    if report.skip_reason:
        lines.append(report.skip_reason)
    for template, value in ((PT.SUMMARY_HIGHLIGHTS, report.highlights),
                            (PT.SUMMARY_DIFFICULTIES, report.difficulties),
                            (PT.SUMMARY_RECOMMENDATIONS, report.recommendations)):
        lines.append(template.format(text=value or PT.SUMMARY_EMPTY))
    ctx.reply("\n".join(lines))


async def tiendo(ctx: Context) -> None:
    """/tiendo [unit code | plan] [period]."""
    request = await report_request(ctx)
    if request is None:
        return
    if request.unit is None and request.plan is None:
        await _own(ctx, request.period)
        return
    ctx.reply(render_report(await build_requested(ctx, request)))
    if request.unit is not None:  # guidance pushed to the unit lately: who has read it
        guidance_lines = await guidance.progress_lines(ctx, request.unit.id)
        if guidance_lines:
            ctx.reply("\n".join(guidance_lines))


def xlsx_name(report: ProgressReport) -> str:
    """An ASCII file name for the export, e.g. 'tien-do-BO-2026-11.xlsx', 'tien-do-KH286-2026-11.xlsx'."""
    return f"tien-do-{scope_slug(report)}-{report.period.key}.xlsx"


async def xuatbaocao(ctx: Context) -> None:
    """/xuatbaocao [unit code | plan] [period] [docx|xlsx]: the report as a file ('tuần' alone:
    this week; 'tháng' alone: the month running now, or the one just closed — `filing_period`)."""
    file_format, rest = "xlsx", []
    for word in ctx.text.split():
        folded = fold(word).lower().lstrip(".")
        if folded in _FORMAT_WORDS:
            file_format = folded
        else:
            rest.append(word)
    request = await report_request(ctx, " ".join(rest))
    if request is None:
        return
    if request.unit is None and request.plan is None:  # the command is for heads
        ctx.reply(C.NOT_ALLOWED)
        return
    report = await build_requested(ctx, request)
    if file_format == "docx":
        # a plan's report is issued by the unit of whoever asked (a consolidating unit)
        assert ctx.official is not None
        head = await letterhead_for(ctx.session, report, issuer_unit_id=ctx.official.unit_id)
        content = render_docx(report, head)
        attachment = Attachment(docx_file_name(report), content, DOCX_MIME)
        caption = T.EXPORT_DOCX_CAPTION
    else:
        attachment = Attachment(xlsx_name(report), export_xlsx(report), XLSX_MIME)
        caption = T.EXPORT_CAPTION
    ctx.reply(caption.format(unit=report.unit_name, period=report.period.label),
              attachments=(attachment,))


def register(router: Router) -> None:
    """Register /tiendo and /xuatbaocao."""
    router.command(Command(("tiendo", "progress", "tien_do"), tiendo,
                           CMD.PROGRESS, roles=ROLES_MEMBERS))
    router.command(Command(("xuatbaocao", "export", "xuat_bao_cao"), xuatbaocao,
                           CMD.EXPORT, roles=ROLES_HEADS))
