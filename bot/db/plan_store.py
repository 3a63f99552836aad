"""Plans by the names people type ('KH286', '286/KH-BTTTT', the full reference) and their
consolidating units (đơn vị tổng hợp)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Official, Plan, PlanConsolidator, Task, TaskAssignee, TaskUnit, Unit
from knowledge.normalize import fold_words

#: the number of a plan in its reference ("Kế hoạch số 286/KH-BTTTT" → 286), on folded text
_NUMBER_PATTERN = re.compile(r"(?:so|kh)\s*:?\s*(\d+)|(\d+)\s*/\s*kh", re.IGNORECASE)
_HANDLE_PATTERN = re.compile(
    r"^(?:(?:ke\s*hoach|kh)\s*(?:so)?\s*:?\s*(\d+)(?:\s*/\S*)?|(\d+)\s*/\s*kh\S*)$")


def plan_number(ref: str) -> str | None:
    """The plan's number as written in its reference, if any."""
    match = _NUMBER_PATTERN.search(fold_words(ref))
    return (match.group(1) or match.group(2)) if match else None


def plan_handle(ref: str) -> str:
    """A short name to type after /tiendo: 'KH286' (the reference when it has no number)."""
    number = plan_number(ref)
    return f"KH{number}" if number else ref


def looks_like_plan(text: str) -> bool:
    """'KH286', 'KH 286', 'kế hoạch 286', 'Kế hoạch số 286/KH-BTTTT'."""
    return bool(_HANDLE_PATTERN.match(fold_words(text)))


async def find_plans(session: AsyncSession, text: str) -> list[Plan]:
    """Plans matching what was typed: the exact reference, else the same plan number."""
    text = text.strip()
    if not text:
        return []
    exact = (await session.execute(select(Plan).where(Plan.ref == text))).scalars().all()
    if exact:
        return list(exact)
    folded = fold_words(text)
    plans = list((await session.execute(select(Plan).order_by(Plan.ref))).scalars())
    same = [p for p in plans if fold_words(p.ref) == folded]
    if same:
        return same
    match = _HANDLE_PATTERN.match(folded)
    if match is None:
        return []
    number = match.group(1) or match.group(2)
    return [p for p in plans if plan_number(p.ref) == number]


async def consolidators_of(session: AsyncSession, plan_id: int) -> list[Unit]:
    """The plan's consolidating units, by code."""
    return list((await session.execute(
        select(Unit).join(PlanConsolidator, PlanConsolidator.unit_id == Unit.id)
        .where(PlanConsolidator.plan_id == plan_id).order_by(Unit.code))).scalars())


async def set_consolidators(session: AsyncSession, plan_id: int, unit_ids: Sequence[int],
                            now: datetime, *, replace: bool = False) -> None:
    """Add consolidating units to a plan (or make them the only ones, with `replace`)."""
    current = {u.id for u in await consolidators_of(session, plan_id)}
    if replace:
        stale = current - set(unit_ids)
        if stale:
            await session.execute(delete(PlanConsolidator).where(
                PlanConsolidator.plan_id == plan_id, PlanConsolidator.unit_id.in_(sorted(stale))))
    for unit_id in sorted(set(unit_ids) - current):
        session.add(PlanConsolidator(plan_id=plan_id, unit_id=unit_id, created_at=now))
    await session.flush()


async def remove_consolidator(session: AsyncSession, plan_id: int, unit_id: int) -> bool:
    """Remove one consolidating unit; False when it was not one."""
    result = await session.execute(delete(PlanConsolidator).where(
        PlanConsolidator.plan_id == plan_id, PlanConsolidator.unit_id == unit_id))
    return bool(getattr(result, "rowcount", 0))


async def plans_consolidated_by(session: AsyncSession, unit_ids: Sequence[int]) -> list[int]:
    """Plans any of these units consolidates."""
    if not unit_ids:
        return []
    return sorted(set((await session.execute(select(PlanConsolidator.plan_id).where(
        PlanConsolidator.unit_id.in_(list(unit_ids))))).scalars()))


async def plan_unit_ids(session: AsyncSession, plan_id: int) -> set[int]:
    """Units with a part in a plan: leading or co-operating on a task, or with an official
    responsible for one."""
    led = set((await session.execute(select(Task.lead_unit_id).where(
        Task.plan_id == plan_id, Task.lead_unit_id.is_not(None)))).scalars())
    co = set((await session.execute(select(TaskUnit.unit_id).join(
        Task, Task.id == TaskUnit.task_id).where(Task.plan_id == plan_id))).scalars())
    assigned = set((await session.execute(
        select(Official.unit_id).join(TaskAssignee, TaskAssignee.official_id == Official.id)
        .join(Task, Task.id == TaskAssignee.task_id)
        .where(Task.plan_id == plan_id, Official.unit_id.is_not(None)))).scalars())
    return {u for u in led | co | assigned if u is not None}
