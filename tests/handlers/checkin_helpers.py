"""Seeding plans and tasks for the check-in, tasks and progress dialog tests."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.db.models import CheckinEntry, CheckinReport, Plan, Task, TaskAssignee, Unit
from tests.harness import BotHarness


async def add_tasks(harness: BotHarness, official_ids: list[int],
                    tasks: list[tuple[str, str, date | None]], *, unit_code: str = "DV1",
                    plan_ref: str = "Kế hoạch số 286/KH-BTTTT") -> list[int]:
    """Create tasks of one plan, led by `unit_code`, assigned to the officials; return their ids."""
    now = harness.clock.now()
    ids = []
    async with harness.app.sessionmaker.begin() as session:
        plan = (await session.execute(select(Plan).where(Plan.ref == plan_ref))).scalar()
        if plan is None:
            plan = Plan(ref=plan_ref, created_at=now)
            session.add(plan)
            await session.flush()
        unit = (await session.execute(select(Unit).where(Unit.code == unit_code))).scalar_one()
        for code, title, deadline in tasks:
            task = Task(plan_id=plan.id, code=code, title=title, lead_unit_id=unit.id,
                        deadline=deadline, status="open", progress=0, created_at=now,
                        updated_at=now)
            session.add(task)
            await session.flush()
            for official_id in official_ids:
                session.add(TaskAssignee(task_id=task.id, official_id=official_id))
            ids.append(task.id)
    return ids


async def report_of(harness: BotHarness, official_id: int,
                    week: str = "2026-W48") -> tuple[CheckinReport | None, dict[int, CheckinEntry]]:
    """The official's report for a week and its entries by task id."""
    async with harness.app.sessionmaker() as session:
        report = (await session.execute(select(CheckinReport).where(
            CheckinReport.official_id == official_id, CheckinReport.iso_week == week))).scalar()
        if report is None:
            return None, {}
        entries = (await session.execute(select(CheckinEntry).where(
            CheckinEntry.report_id == report.id))).scalars()
        return report, {e.task_id: e for e in entries}


async def task_row(harness: BotHarness, task_id: int) -> Task:
    """A fresh copy of a task."""
    async with harness.app.sessionmaker() as session:
        task = await session.get(Task, task_id)
        assert task is not None
        return task
