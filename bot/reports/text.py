"""A unit's week as chat text (/tiendo, `troly report weekly`)."""

from __future__ import annotations

from bot.reports.weekly import CATEGORIES, WeeklySummary
from bot.texts import checkin as T

#: task lines per category in the chat view (the spreadsheet has them all)
TASKS_PER_CATEGORY = 8


def render_summary(summary: WeeklySummary) -> str:
    """The chat view of a unit's week."""
    lines = [T.PROGRESS_HEADER.format(unit=summary.unit_name, week=summary.iso_week,
                                      start=summary.week_start.strftime("%d/%m"),
                                      end=summary.week_end.strftime("%d/%m/%Y")),
             T.PROGRESS_REPORTED.format(reported=len(summary.reported), total=len(summary.officials))]
    if summary.not_reported:
        lines.append(T.PROGRESS_NOT_YET.format(names=", ".join(o.name for o in summary.not_reported)))
    skipped = [o for o in summary.officials if o.skipped_reason]
    if skipped:
        lines.append(T.PROGRESS_SKIPPED.format(
            items=", ".join(f"{o.name} ({o.skipped_reason})" for o in skipped)))
    late = [o.name for o in summary.officials if o.late]
    if late:
        lines.append(T.PROGRESS_LATE.format(names=", ".join(late)))
    lines.append("")
    if not summary.tasks:
        lines.append(T.PROGRESS_NO_TASKS)
    else:
        lines.append(T.PROGRESS_COUNTS.format(total=len(summary.tasks), **summary.counts))
    for category in CATEGORIES:
        tasks = summary.tasks_in(category)
        if not tasks:
            continue
        lines += ["", T.PROGRESS_CATEGORY.format(label=T.CATEGORY_LABELS[category])]
        for task in tasks[:TASKS_PER_CATEGORY]:
            deadline = (T.PROGRESS_TASK_DEADLINE.format(deadline=task.deadline.strftime("%d/%m/%Y"))
                        if task.deadline else "")
            lines.append(T.PROGRESS_TASK.format(code=task.code, title=task.title,
                                                progress=task.progress, status=task.status_label,
                                                deadline=deadline))
        if len(tasks) > TASKS_PER_CATEGORY:
            lines.append(T.PROGRESS_MORE.format(count=len(tasks) - TASKS_PER_CATEGORY))
    if summary.blockers:
        lines += ["", T.PROGRESS_BLOCKERS]
        lines += [T.PROGRESS_BLOCKER.format(code=task.code, text=b.text, official=b.official)
                  for task, b in summary.blockers]
    if summary.subunits:
        lines += ["", T.PROGRESS_SUBUNITS]
        for sub in summary.subunits:
            avg = f"{sub.avg_progress:.0f}%" if sub.avg_progress is not None else T.NA
            lines.append(T.PROGRESS_SUBUNIT.format(unit=sub.unit_name, reported=sub.reported,
                                                   total=sub.total, avg=avg, overdue=sub.overdue))
    return "\n".join(lines)
