"""Plans and tasks: whose tasks are open, who is responsible, marking a task done."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Official, Plan, Task, TaskAssignee, TaskEvent, TaskUnit, Unit
from bot.db.people_store import heads_of, subunit_ids

__all__ = [
    "TaskNotFound", "co_units_of", "has_tasks", "heads_of", "mark_task_done", "open_tasks_for", "plan_by_ref",
    "record_task_state", "responsible_officials", "subunit_ids", "task_by_id", "tasks_for_units",
]


class TaskNotFound(LookupError):
    """No such task, or the official is not responsible for it."""


async def plan_by_ref(session: AsyncSession, ref: str) -> Plan | None:
    """The plan with this reference ('Kế hoạch số 286/KH-BTTTT')."""
    return (await session.execute(select(Plan).where(Plan.ref == ref.strip()))).scalar_one_or_none()


async def task_by_id(session: AsyncSession, task_id: int) -> Task | None:
    """One task."""
    return await session.get(Task, task_id)


async def open_tasks_for(session: AsyncSession, official_id: int) -> list[Task]:
    """The official's open tasks, nearest deadline first (no deadline last), then by code."""
    rows = (await session.execute(
        select(Task).join(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(TaskAssignee.official_id == official_id, Task.status == "open")
    )).scalars().all()
    return sorted(set(rows), key=lambda t: (t.deadline is None, t.deadline, t.code, t.id))


async def has_tasks(session: AsyncSession, official_id: int) -> bool:
    """Whether the official is responsible for any task that is not cancelled."""
    return (await session.execute(
        select(TaskAssignee.task_id).join(Task, Task.id == TaskAssignee.task_id)
        .where(TaskAssignee.official_id == official_id, Task.status != "cancelled").limit(1)
    )).first() is not None


async def responsible_officials(session: AsyncSession, task_id: int) -> list[Official]:
    """Officials responsible for a task, by name."""
    return list((await session.execute(
        select(Official).join(TaskAssignee, TaskAssignee.official_id == Official.id)
        .where(TaskAssignee.task_id == task_id).order_by(Official.name, Official.id))).scalars())


async def co_units_of(session: AsyncSession, task_id: int) -> list[Unit]:
    """Co-operating units of a task, by code."""
    return list((await session.execute(
        select(Unit).join(TaskUnit, TaskUnit.unit_id == Unit.id)
        .where(TaskUnit.task_id == task_id).order_by(Unit.code))).scalars())


async def tasks_for_units(session: AsyncSession, unit_ids: list[int]) -> list[Task]:
    """Tasks (not cancelled) led by, co-operated by, or assigned to officials of these units."""
    led = select(Task.id).where(Task.lead_unit_id.in_(unit_ids))
    co = select(TaskUnit.task_id).where(TaskUnit.unit_id.in_(unit_ids))
    assigned = (select(TaskAssignee.task_id).join(Official, Official.id == TaskAssignee.official_id)
                .where(Official.unit_id.in_(unit_ids)))
    rows = (await session.execute(select(Task).where(
        Task.status != "cancelled",
        Task.id.in_(led.union(co, assigned).scalar_subquery()),
    ))).scalars().all()
    return sorted(rows, key=lambda t: (t.deadline is None, t.deadline, t.code, t.id))


async def mark_task_done(session: AsyncSession, task_id: int, official_id: int, now: datetime,
                         evidence: str | None, *, source: str = "button") -> Task:
    """Mark a task done by one of its responsible officials (admins and heads may too)."""
    task = await session.get(Task, task_id)
    official = await session.get(Official, official_id)
    if task is None or official is None:
        raise TaskNotFound(task_id)
    assigned = await session.get(TaskAssignee, (task_id, official_id))
    if assigned is None and not await _leads(session, official, task):
        raise TaskNotFound(task_id)
    if task.status != "done":  # idempotent: pressing "Đã xong" twice keeps the first time
        task.status = "done"
        task.done_at = now
    task.progress = 100
    if evidence:
        task.evidence = evidence
    task.updated_at = now
    await record_task_state(session, task, now, source, official_id)
    return task


async def record_task_state(session: AsyncSession, task: Task, now: datetime, source: str,
                            official_id: int | None = None) -> None:
    """Remember the task's progress and status from `now` on (reports of past periods read it).

    Call after every change of progress or status, in the same transaction.
    """
    if task.id is None:
        await session.flush()
    session.add(TaskEvent(task_id=task.id, at=now, progress=task.progress, status=task.status,
                          done_at=task.done_at, official_id=official_id, source=source))


async def _leads(session: AsyncSession, official: Official, task: Task) -> bool:
    if official.role == "admin":
        return True
    if official.role in ("head", "deputy") and official.unit_id is not None and task.lead_unit_id:
        return task.lead_unit_id in await subunit_ids(session, official.unit_id)
    return False
