"""/nhiemvu: the official's open tasks with deadline and days left, nearest first."""

from __future__ import annotations

from datetime import date

from bot.clock import local_date
from bot.context import Context
from bot.dates import fmt_day
from bot.db.models import Plan, Unit
from bot.db.task_store import open_tasks_for
from bot.router import ROLES_MEMBERS, Command, Router
from bot.texts import checkin as C
from bot.texts import commands as CMD
from bot.texts import people as T

#: tasks listed in one message (a phone screen); the rest are counted
LIST_LIMIT = 15


def deadline_phrase(deadline: date, today: date) -> str:
    """'còn 3 ngày', 'hạn hôm nay', 'quá hạn 2 ngày'."""
    days = (deadline - today).days
    if days > 0:
        return C.DAYS_LEFT.format(days=days)
    if days == 0:
        return C.DUE_TODAY
    return C.OVERDUE_DAYS.format(days=-days)


async def list_tasks(ctx: Context) -> None:
    """/nhiemvu."""
    official = ctx.official
    assert official is not None  # members only
    tasks = await open_tasks_for(ctx.session, official.id)
    if not tasks:
        ctx.reply(T.NO_TASKS)
        return
    today = local_date(ctx.now)
    lines = [T.TASKS_HEADER.format(count=len(tasks))]
    for n, task in enumerate(tasks[:LIST_LIMIT], start=1):
        if task.deadline is not None:
            when = T.TASK_DEADLINE.format(deadline=fmt_day(task.deadline),
                                          left=deadline_phrase(task.deadline, today))
        else:
            when = T.TASK_NO_DEADLINE.format(text=task.deadline_text or C.NO_DEADLINE)
        plan = await ctx.session.get(Plan, task.plan_id)
        lead = await ctx.session.get(Unit, task.lead_unit_id) if task.lead_unit_id else None
        lines.append(T.TASK_ITEM.format(n=n, code=task.code, title=task.title, when=when,
                                        progress=task.progress))
        extra = [x for x in (lead.name if lead else None, plan.ref if plan else None) if x]
        if extra:
            lines.append(T.TASK_ITEM_SOURCE.format(source=" · ".join(extra)))
    if len(tasks) > LIST_LIMIT:
        lines.append(T.TASKS_MORE.format(count=len(tasks) - LIST_LIMIT))
    lines += ["", T.TASKS_FOOTER]
    ctx.reply("\n".join(lines))


def register(router: Router) -> None:
    """Register /nhiemvu."""
    router.command(Command(("nhiemvu", "tasks", "nhiem_vu"), list_tasks,
                           CMD.TASKS, roles=ROLES_MEMBERS))
