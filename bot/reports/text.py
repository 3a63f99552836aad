"""A report as chat text (/tiendo, `troly report …`): a unit's or a plan's period."""

from __future__ import annotations

from datetime import datetime

from bot.dates import fmt_day, fmt_day_month, fmt_time_day
from bot.periods import week_shown
from bot.reports.model import ProgressReport, UnreachableOfficial, names_the_plan
from bot.texts import checkin as T
from rules.deadlines import CATEGORIES

#: task lines per category in the chat view (the spreadsheet has them all)
TASKS_PER_CATEGORY = 8
#: lines of late updates, notes and units shown before "… and N more"
LIST_LIMIT = 10
#: names in one "who reported / who did not" line before "and N others" (a phone screen)
NAMES_LIMIT = 12


def period_title(report: ProgressReport) -> str:
    """'tuần 48/2026 (23/11–29/11/2026)' or 'tháng 11/2026 (15/10–14/11/2026)'."""
    period = report.period
    if period.kind == "week":
        return T.WEEK_TITLE.format(week=week_shown(period.key), start=fmt_day_month(period.start),
                                   end=fmt_day(period.end))
    return period.label_with_dates


def _fmt(instant: datetime | None) -> str:
    return fmt_time_day(instant) if instant is not None else ""


def unreachable_lines(people: tuple[UnreachableOfficial, ...]) -> list[str]:
    """One line per official troly cannot reach, with the command that invites them."""
    return [T.UNREACHABLE_ITEM.format(
        name=p.name, code=T.UNREACHABLE_CODE.format(code=p.code) if p.code else "",
        unit=p.unit_name, tasks=", ".join(p.tasks),
        command=T.INVITE_COMMAND.format(code=p.code) if p.code else T.INVITE_COMMAND_NO_CODE)
        for p in people]


def names_line(names: list[str], limit: int = NAMES_LIMIT) -> str:
    """Names joined by commas; past `limit`, the first ones and how many others."""
    if len(names) <= limit:
        return ", ".join(names)
    return T.NAMES_MORE.format(names=", ".join(names[:limit]), count=len(names) - limit)


def _more(lines: list[str], limit: int = LIST_LIMIT) -> list[str]:
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], T.PROGRESS_MORE.format(count=len(lines) - limit)]


def render_report(report: ProgressReport) -> str:
    """The chat view of a unit's or a plan's period."""
    scope = report.scope
    if scope.kind == "plan":
        title = (f" — {scope.plan_title}" if names_the_plan(scope.plan_title, scope.plan_ref)
                 and scope.plan_title != scope.name else "")
        lines = [T.PLAN_TITLE.format(plan=scope.name, title=title, period=period_title(report))]
    else:
        lines = [T.PROGRESS_TITLE.format(unit=scope.name, period=period_title(report))]
    if report.is_history:
        lines.append(T.AS_OF_NOTE.format(at=_fmt(report.as_of)))
    lines.append(T.PROGRESS_REPORTED.format(reported=len(report.reported),
                                            total=len(report.expected))
                 + (T.ON_LEAVE_NOT_COUNTED.format(count=len(report.on_leave))
                    if report.on_leave else ""))
    skipped = [o for o in report.officials if o.skipped_reason]
    submitted = [o.name for o in report.reported if not o.skipped_reason]
    if submitted:
        lines.append(T.PROGRESS_SUBMITTED.format(names=names_line(submitted)))
    if report.not_reported:
        lines.append(T.PROGRESS_NOT_YET.format(
            names=names_line([o.name for o in report.not_reported])))
    if skipped:
        lines.append(T.PROGRESS_SKIPPED.format(
            items=names_line([f"{o.name} ({o.skipped_reason})" for o in skipped])))
    late = [o.name for o in report.late_officials]
    if late:
        lines.append(T.PROGRESS_LATE.format(names=names_line(late)))
    if report.period.kind != "week" and report.officials:
        lines.append(T.PROGRESS_WEEKS.format(names=names_line([
            T.PROGRESS_WEEKS_ITEM.format(name=o.name, done=o.weeks_reported, total=o.weeks_expected)
            for o in report.officials])))
    lines.append("")
    if not report.tasks:
        lines.append(T.PROGRESS_NO_TASKS)
    else:
        lines.append(T.PROGRESS_COUNTS.format(total=len(report.tasks), **report.counts))
    for category in CATEGORIES:
        tasks = report.tasks_in(category)
        if not tasks:
            continue
        lines += ["", T.PROGRESS_CATEGORY.format(label=T.CATEGORY_LABELS[category])]
        for task in tasks[:TASKS_PER_CATEGORY]:
            deadline = (T.PROGRESS_TASK_DEADLINE.format(deadline=fmt_day(task.deadline))
                        if task.deadline else "")
            lines.append(T.PROGRESS_TASK.format(code=task.code, title=task.title,
                                                progress=task.progress, status=task.status_label,
                                                deadline=deadline))
        if len(tasks) > TASKS_PER_CATEGORY:
            lines.append(T.PROGRESS_MORE.format(count=len(tasks) - TASKS_PER_CATEGORY))
    if report.blockers:
        lines += ["", T.PROGRESS_BLOCKERS]
        lines += _more([T.PROGRESS_BLOCKER.format(code=task.code, text=b.text, official=b.official)
                        for task, b in report.blockers])
    if report.late_updates:
        lines += ["", T.LATE_UPDATES_HEADER]
        lines += _more([T.LATE_UPDATE_ITEM.format(
            code=task.code, progress=f"{u.progress}%" if u.progress is not None else T.NA,
            status=u.status_label, official=u.official, at=_fmt(u.at))
            for task, u in report.late_updates])
    if report.notes:
        lines += ["", T.NOTES_HEADER]
        for note in report.notes[:LIST_LIMIT]:
            lines.append(T.NOTE_HEADER.format(official=note.official, period=note.period_label,
                                              late=T.NOTE_LATE if note.late else ""))
            if note.status == "skipped":
                lines.append(T.NOTE_SKIPPED.format(reason=note.skipped_reason or T.NA))
                continue
            for template, text in ((T.NOTE_HIGHLIGHTS, note.highlights),
                                   (T.NOTE_DIFFICULTIES, note.difficulties),
                                   (T.NOTE_RECOMMENDATIONS, note.recommendations)):
                if text:
                    lines.append(template.format(text=text))
        if len(report.notes) > LIST_LIMIT:
            lines.append(T.PROGRESS_MORE.format(count=len(report.notes) - LIST_LIMIT))
    if report.units and scope.kind == "plan":
        lines += ["", T.PLAN_UNITS]
        lines += _more([T.PLAN_UNIT.format(
            unit=u.unit_name, tasks=u.task_count, overdue=u.overdue, reported=u.reported,
            total=u.total, avg=f"{u.avg_progress:.0f}%" if u.avg_progress is not None else T.NA)
            for u in report.units], limit=2 * LIST_LIMIT)
    elif report.units:
        lines += ["", T.PROGRESS_SUBUNITS]
        for sub in report.units:
            avg = f"{sub.avg_progress:.0f}%" if sub.avg_progress is not None else T.NA
            lines.append(T.PROGRESS_SUBUNIT.format(unit=sub.unit_name, reported=sub.reported,
                                                   total=sub.total, avg=avg, overdue=sub.overdue))
    if report.units_not_reported:
        units = report.units_not_reported
        lines += ["", T.UNITS_NOT_REPORTED.format(count=len(units), items="; ".join(
            T.UNIT_MISSING_ITEM.format(unit=u.unit_name, names=names_line(list(u.missing), 5))
            for u in units[:LIST_LIMIT]))]
    if scope.kind == "plan" and report.units_late:
        units = report.units_late
        lines.append(T.UNITS_OVERDUE.format(count=len(units), items=", ".join(
            T.UNIT_OVERDUE_ITEM.format(unit=u.unit_name, overdue=u.overdue)
            for u in units[:LIST_LIMIT])))
    if report.unreachable:
        lines += ["", T.UNREACHABLE_HEADER.format(count=len(report.unreachable))]
        lines += _more(unreachable_lines(report.unreachable))
    return "\n".join(lines)


#: the weekly name of the same view
render_summary = render_report
