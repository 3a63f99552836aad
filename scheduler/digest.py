"""The unit head's digest: text, a progress chart (PNG) and the week's spreadsheet, one message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.button_kinds import DigestAck
from bot.clock import local_date, local_datetime
from bot.dates import fmt_date, fmt_instant
from bot.db.models import Official, OutboxMessage, Plan, Unit
from bot.db.people_store import subunit_ids
from bot.db.plan_store import plan_handle
from bot.messages import Attachment, Button, OutgoingMessage
from bot.messaging_window import MessagingWindow, span_words
from bot.outbox import OutboxStatus
from bot.periods import Period, week_shown
from bot.reports.build import build_plan_report, build_unit_report
from bot.reports.model import Blocker, ProgressReport, TaskProgress
from bot.reports.text import names_line, unreachable_lines
from bot.reports.weekly import WeeklySummary, build_weekly_summary, export_xlsx
from bot.texts import reminders as T
from knowledge.normalize import sanitize
from rules.cutoffs import monday_of
from rules.policy import load_rules
from scheduler.chart import bar_chart

#: lines per section before "… and N more" (the spreadsheet has everything)
SECTION_LIMIT = 10
#: characters of one blocker shown in a digest (an answer may hold 2,000: ten of them were a
#: dozen Zalo messages); the whole text is in the attached spreadsheet
BLOCKER_CHARS = 200
UNDELIVERED_STATUSES = (OutboxStatus.FAILED_PERMANENT, OutboxStatus.DEAD, OutboxStatus.EXPIRED,
                        OutboxStatus.AMBIGUOUS, OutboxStatus.UNREACHABLE)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _clip(text: str, limit: int = BLOCKER_CHARS) -> str:
    """One line of at most `limit` characters, cut at a space where one is near, with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 2 // 3 else cut).rstrip(" ,;:.") + "…"


def _blocker_lines(blockers: Sequence[tuple[TaskProgress, Blocker]]) -> list[str]:
    """A digest's blockers, each shortened to a line or two."""
    return [T.DIGEST_BLOCKER_ITEM.format(code=t.code, who=b.official, text=_clip(b.text))
            for t, b in blockers]


def _section(header: str, lines: list[str]) -> list[str]:
    out = [header]
    out += lines[:SECTION_LIMIT] if lines else [T.DIGEST_NOTHING]
    if len(lines) > SECTION_LIMIT:
        out.append(T.DIGEST_MORE.format(count=len(lines) - SECTION_LIMIT))
    return out


async def undelivered(session: AsyncSession, unit_ids: list[int], since: datetime,
                      until: datetime, window: MessagingWindow | None = None) -> list[str]:
    """Lines for reminders that did not reach officials of these units in [since, until);
    `window`: the Zalo window as it is set, for the reasons that name its length."""
    window = window or MessagingWindow()
    spans = {"free": span_words(window.free), "paid": span_words(window.paid)}
    rows = (await session.execute(
        select(OutboxMessage.kind, OutboxMessage.status, OutboxMessage.last_error_code,
               OutboxMessage.last_error, Official.name)
        .join(Official, Official.id == OutboxMessage.recipient_id)
        .where(Official.unit_id.in_(unit_ids), OutboxMessage.kind != "digest",
               OutboxMessage.status.in_(UNDELIVERED_STATUSES),
               OutboxMessage.due_at >= since, OutboxMessage.due_at < until)
        .order_by(Official.name, OutboxMessage.due_at))).all()
    lines = []
    for kind, status, code, error, name in rows:
        reason_key = code if code in T.UNDELIVERED_REASONS else status
        why = T.UNDELIVERED_REASONS.get(reason_key, T.UNDELIVERED_REASONS["permanent"])
        why = why.format(**spans)
        if error and "fallback:" in error:
            why += T.FALLBACK_NOTE.format(channel=error.rsplit("fallback:", 1)[1])
        lines.append(T.DIGEST_UNDELIVERED_ITEM.format(
            name=name, what=T.UNDELIVERED_KINDS.get(kind, kind), why=why))
    return lines


def digest_text(summary: WeeklySummary, kind: str, undelivered_lines: list[str]) -> str:
    """The digest's text (Vietnamese), short enough for a phone; details are in the spreadsheet."""
    title = T.DIGEST_WEEK_TITLE if kind == "week" else T.DIGEST_AHEAD_TITLE
    lines = [title.format(week=week_shown(summary.iso_week), unit=summary.unit_name), ""]
    if kind == "week":
        lines.append(T.DIGEST_REPORTED.format(done=len(summary.reported),
                                              total=len(summary.expected)))
        if summary.not_reported:
            lines.append(T.DIGEST_MISSING.format(names=names_line([o.name for o in summary.not_reported])))
        if summary.on_leave:
            lines.append(T.DIGEST_ON_LEAVE.format(names=names_line([o.name for o in summary.on_leave])))
        late = [o.name for o in summary.officials if o.late]
        if late:
            lines.append(T.DIGEST_LATE_REPORTS.format(names=names_line(late)))
        lines.append("")
        if summary.subunits:
            lines += _section(T.DIGEST_SUBUNITS_HEADER, [T.DIGEST_SUBUNIT_ITEM.format(
                unit=u.unit_name, reported=u.reported, total=u.total, overdue=u.overdue,
                progress="—" if u.avg_progress is None else f"{u.avg_progress:.0f}%")
                for u in summary.subunits])
        else:
            lines += _section(T.DIGEST_PROGRESS_HEADER, [T.DIGEST_PROGRESS_ITEM.format(
                code=t.code, title=t.title, progress=t.progress, status=t.status_label)
                for t in summary.tasks])
        lines.append("")
        lines += _section(T.DIGEST_BLOCKERS_HEADER, _blocker_lines(summary.blockers))
        lines.append("")
    overdue = summary.tasks_in("overdue")
    lines += _section(T.DIGEST_OVERDUE_HEADER.format(count=len(overdue)), [
        T.DIGEST_OVERDUE_ITEM.format(code=t.code, title=t.title,
                                     deadline=fmt_date(t.deadline) if t.deadline else "—",
                                     days=-(t.days_left or 0)) for t in overdue])
    lines.append("")
    due = [t for t in summary.tasks if t.category == "in_progress" and t.deadline is not None
           and summary.week_start <= t.deadline <= summary.week_end]
    lines += _section(T.DIGEST_DUE_HEADER.format(count=len(due)), [
        T.DIGEST_DUE_ITEM.format(code=t.code, title=t.title,
                                 deadline=fmt_date(t.deadline) if t.deadline else "—")
        for t in due])
    lines += unreachable_section(summary)
    if undelivered_lines:
        lines.append("")
        lines += _section(T.DIGEST_UNDELIVERED_HEADER.format(count=len(undelivered_lines)),
                          undelivered_lines)
    lines += ["", T.DIGEST_ATTACHMENTS]
    return "\n".join(lines)


def chart_rows(summary: WeeklySummary) -> tuple[str, list[str], list[float]]:
    """The chart's title, labels and values: progress per unit (sub-units of a unit, or the units
    of a plan) when there are units, else per task (the first 20)."""
    if summary.units:
        labels = [u.unit_name for u in summary.units]
        values = [u.avg_progress or 0.0 for u in summary.units]
        title = T.CHART_TITLE_UNITS
    else:
        tasks = list(summary.tasks)[:20]
        labels = [f"{t.code}" for t in tasks]
        values = [float(t.progress) for t in tasks]
        title = T.CHART_TITLE_TASKS
    period = summary.period.label
    return (sanitize(f"{title} — {summary.unit_name}, {period}"),
            [sanitize(label) for label in labels], values)


def progress_chart(summary: WeeklySummary) -> bytes:
    """A horizontal bar chart: progress per sub-unit for higher units, else per task (PNG)."""
    return bar_chart(*chart_rows(summary))


async def build_digest(session: AsyncSession, unit_id: int, iso_week: str, kind: str,
                       now: datetime, window: MessagingWindow | None = None) -> OutgoingMessage:
    """The digest of a unit: 'week' (Friday) or 'ahead' (Monday) for an ISO week; 'month',
    'quarter', 'half' or 'year' for a period key; 'plan:<id>' for a consolidating unit (who had
    not reported on the plan by the period's cut-off). `window`: the Zalo window as it is set."""
    if kind.startswith("plan:"):
        return await build_plan_digest(session, unit_id, int(kind[5:]), iso_week, now)
    if kind in PERIOD_DIGEST_KINDS:
        return await build_period_digest(session, unit_id, iso_week, now, window)
    summary = await build_weekly_summary(session, unit_id, iso_week, now)
    monday = monday_of(iso_week)
    since = datetime.combine(monday - timedelta(days=7), datetime.min.time(), tzinfo=now.tzinfo)
    lines = await undelivered(session, await subunit_ids(session, unit_id), since, now, window)
    text = digest_text(summary, kind, lines)
    safe_week = iso_week.replace("-", "")
    attachments = (
        Attachment(f"tien-do-{safe_week}.png", progress_chart(summary), "image/png"),
        Attachment(f"tong-hop-{safe_week}.xlsx", export_xlsx(summary), XLSX_MIME),
    )
    return OutgoingMessage(text, (Button(T.BUTTON_ACK, DigestAck(unit_id, iso_week, kind).pack()),),
                           attachments)


# ---------------------------------------------------------------- months and longer, plans

#: digest kinds that name a period key rather than an ISO week
PERIOD_DIGEST_KINDS = ("month", "quarter", "half", "year")


def unreachable_section(report: ProgressReport) -> list[str]:
    """Officials with tasks due whom troly cannot reach, and how to invite them (or nothing)."""
    if not report.unreachable:
        return []
    return ["", *_section(T.DIGEST_UNREACHABLE_HEADER.format(count=len(report.unreachable)),
                          unreachable_lines(report.unreachable))]


async def _period(session: AsyncSession, unit_id: int, key: str, now: datetime) -> Period:
    unit = await session.get(Unit, unit_id)
    return (await load_rules(session, unit)).parse(key, local_date(now))


def period_digest_text(report: ProgressReport, undelivered_lines: list[str]) -> str:
    """The heads' digest of a month (or longer): summaries, tasks at the end of the period,
    blockers raised in it, officials' own notes."""
    lines = [T.DIGEST_PERIOD_TITLE.format(period=report.period.label_with_dates,
                                          unit=report.unit_name), ""]
    lines.append(T.DIGEST_PERIOD_REPORTED.format(done=len(report.reported),
                                                 total=len(report.expected)))
    if report.not_reported:
        lines.append(T.DIGEST_MISSING.format(names=names_line([o.name for o in report.not_reported])))
    if report.on_leave:
        lines.append(T.DIGEST_ON_LEAVE.format(names=names_line([o.name for o in report.on_leave])))
    late = [o.name for o in report.late_officials]
    if late:
        lines.append(T.DIGEST_LATE_REPORTS.format(names=names_line(late)))
    counts = report.counts
    lines += ["", T.DIGEST_PERIOD_COUNTS.format(total=len(report.tasks), **counts)]
    if report.units:
        lines += ["", *_section(T.DIGEST_SUBUNITS_HEADER, [T.DIGEST_SUBUNIT_ITEM.format(
            unit=u.unit_name, reported=u.reported, total=u.total, overdue=u.overdue,
            progress="—" if u.avg_progress is None else f"{u.avg_progress:.0f}%")
            for u in report.units])]
    overdue = report.tasks_in("overdue")
    lines += ["", *_section(T.DIGEST_OVERDUE_HEADER.format(count=len(overdue)), [
        T.DIGEST_OVERDUE_ITEM.format(code=t.code, title=t.title,
                                     deadline=fmt_date(t.deadline) if t.deadline else "—",
                                     days=-(t.days_left or 0)) for t in overdue])]
    lines += ["", *_section(T.DIGEST_BLOCKERS_HEADER, _blocker_lines(report.blockers))]
    notes = [n for n in report.notes if n.status == "submitted"]
    if notes:
        lines += ["", *_section(T.DIGEST_NOTES_HEADER, [T.DIGEST_NOTE_ITEM.format(
            who=n.official, highlights=n.highlights or "—", difficulties=n.difficulties or "—",
            recommendations=n.recommendations or "—") for n in notes])]
    lines += unreachable_section(report)
    if undelivered_lines:
        lines += ["", *_section(T.DIGEST_UNDELIVERED_HEADER.format(count=len(undelivered_lines)),
                                undelivered_lines)]
    lines += ["", T.DIGEST_ATTACHMENTS]
    return "\n".join(lines)


async def build_period_digest(session: AsyncSession, unit_id: int, key: str,
                              now: datetime, window: MessagingWindow | None = None
                              ) -> OutgoingMessage:
    """The digest of a unit for a month, quarter, half-year or year."""
    period = await _period(session, unit_id, key, now)
    report = await build_unit_report(session, unit_id, period, now)
    since = local_datetime(period.start, time(0))
    lines = await undelivered(session, await subunit_ids(session, unit_id), since, now, window)
    safe = period.key.replace("-", "")
    attachments = (
        Attachment(f"tien-do-{safe}.png", progress_chart(report), "image/png"),
        Attachment(f"tong-hop-{safe}.xlsx", export_xlsx(report), XLSX_MIME),
    )
    return OutgoingMessage(period_digest_text(report, lines), (Button(
        T.BUTTON_ACK, DigestAck(unit_id, period.key, period.kind).pack()),), attachments)


def plan_digest_text(report: ProgressReport) -> str:
    """To a consolidating unit: the plan's units that had not reported by the cut-off."""
    lines = [T.DIGEST_PLAN_TITLE.format(plan=report.unit_name, period=report.period.label_with_dates,
                                        cutoff=fmt_instant(report.period.cutoff)), ""]
    missing = report.units_not_reported
    lines += _section(T.DIGEST_PLAN_MISSING_HEADER.format(count=len(missing), total=len(report.units)),
                      [T.DIGEST_PLAN_MISSING_ITEM.format(unit=u.unit_name, reported=u.reported,
                                                         total=u.total, names=", ".join(u.missing))
                       for u in missing])
    overdue = report.units_late
    lines += ["", *_section(T.DIGEST_PLAN_OVERDUE_HEADER.format(count=len(overdue)), [
        T.DIGEST_PLAN_OVERDUE_ITEM.format(unit=u.unit_name, overdue=u.overdue, tasks=u.task_count)
        for u in overdue])]
    lines += ["", T.DIGEST_PERIOD_COUNTS.format(total=len(report.tasks), **report.counts)]
    lines += ["", *_section(T.DIGEST_BLOCKERS_HEADER, _blocker_lines(report.blockers))]
    lines += unreachable_section(report)
    lines += ["", T.DIGEST_PLAN_MORE.format(plan=plan_handle(report.scope.plan_ref or ""))]
    return "\n".join(lines)


async def build_plan_digest(session: AsyncSession, unit_id: int, plan_id: int, key: str,
                            now: datetime) -> OutgoingMessage:
    """The consolidating unit's digest of a plan for a week or a longer period."""
    plan = await session.get(Plan, plan_id)
    if plan is None:
        raise LookupError(f"plan {plan_id} not found")
    period = await _period(session, unit_id, key, now)
    report = await build_plan_report(session, plan, period, now)
    safe = f"{plan_id}-{period.key.replace('-', '')}"
    attachments = [Attachment(f"ke-hoach-{safe}.xlsx", export_xlsx(report), XLSX_MIME)]
    if period.kind != "week" and report.units:  # a month or longer: progress by unit
        attachments.insert(0, Attachment(f"ke-hoach-{safe}.png", progress_chart(report),
                                         "image/png"))
    return OutgoingMessage(plan_digest_text(report), (), tuple(attachments))
