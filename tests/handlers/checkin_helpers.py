"""Reading check-in reports and tasks back in the check-in, tasks and progress dialog tests
(seeding: tests/world.py)."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import CheckinEntry, CheckinReport, Task
from tests.harness import BotHarness


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
