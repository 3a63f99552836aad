"""WeeklySummary: categories, who is expected, roll-ups; export_xlsx; the check-in cut-off policy."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook

from bot.db import task_store
from bot.db.models import Task, Unit
from bot.reports.weekly import build_weekly_summary, categorize, export_xlsx
from rules.cutoffs import monday_of, previous_week, week_of
from rules.policy import Schedule
from tests.harness import BotHarness

LOCAL_1600_FRI = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _task(status: str, deadline: date | None, done: datetime | None = None) -> Task:
    return Task(code="X", title="x", plan_id=1, status=status, deadline=deadline, done_at=done,
                progress=0)


def test_categories() -> None:
    today = date(2026, 11, 25)
    assert categorize(_task("open", date(2026, 11, 24)), today) == "overdue"
    assert categorize(_task("open", date(2026, 11, 25)), today) == "in_progress"
    assert categorize(_task("open", None), today) == "in_progress"
    on_time = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 23:00 local on the 24th
    assert categorize(_task("done", date(2026, 11, 24), on_time), today) == "done_on_time"
    late = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)  # 00:30 local on the 25th
    assert categorize(_task("done", date(2026, 11, 24), late), today) == "done_late"


def test_cutoff_policy() -> None:
    monday = monday_of("2026-W48")
    assert monday == date(2026, 11, 23) and previous_week("2026-W01") == "2025-W52"
    assert previous_week("2021-W01") == "2020-W53"
    assert Schedule().cutoff(monday) == LOCAL_1600_FRI
    unit = Unit(code="U", name="U", schedule={"checkin_cutoff": "T5 17:30"})
    assert Schedule().with_overrides(unit.schedule).cutoff(monday) == datetime(
        2026, 11, 26, 10, 30, tzinfo=UTC)
    broken = Unit(code="U", name="U", schedule={"checkin_cutoff": "someday"})
    assert Schedule().with_overrides(broken.schedule).cutoff(monday) == LOCAL_1600_FRI
    # Sunday 23:30 local is still the same ISO week; Monday 00:10 local is the next
    assert week_of(datetime(2026, 11, 29, 16, 30, tzinfo=UTC)) == "2026-W48"
    assert week_of(datetime(2026, 11, 29, 17, 10, tzinfo=UTC)) == "2026-W49"


async def test_summary_and_export(harness: BotHarness) -> None:
    chau = await harness.make_official("Lê Minh Châu", unit_code="CUC")
    await harness.make_official("Không Nhiệm Vụ", user="u2", unit_code="CUC")
    ids = await harness.world.tasks([chau], [("A", "Đúng hạn", date(2026, 11, 30)),
                                             ("B", "Quá hạn", date(2026, 11, 20)),
                                             ("C", "Xong muộn", date(2026, 11, 20))], unit="CUC")
    async with harness.app.sessionmaker.begin() as session:
        await task_store.mark_task_done(session, ids[2], chau, harness.clock.now(), "biên bản")
        task = await session.get(Task, ids[0])
        assert task is not None and task.lead_unit_id is not None
        unit_id = task.lead_unit_id
    async with harness.app.sessionmaker() as session:
        summary = await build_weekly_summary(session, unit_id, "2026-W48", harness.clock.now())
    assert [o.name for o in summary.officials] == ["Lê Minh Châu"]  # only those with open tasks
    assert summary.not_reported[0].name == "Lê Minh Châu"
    assert summary.counts == {"done_on_time": 0, "done_late": 1, "in_progress": 1, "overdue": 1}
    assert summary.cutoff == LOCAL_1600_FRI
    c = summary.tasks_in("done_late")[0]
    assert c.code == "C" and c.progress == 100 and c.evidence == "biên bản"
    assert c.responsible == ("Lê Minh Châu",) and c.lead_unit == "Đơn vị CUC"
    book = load_workbook(io.BytesIO(export_xlsx(summary)))
    codes = [r[1] for r in book["Nhiệm vụ"].iter_rows(min_row=3, values_only=True)]
    assert sorted(codes) == ["A", "B", "C"]
    # a task done in an earlier week is history: not in next month's summary
    async with harness.app.sessionmaker() as session:
        later = await build_weekly_summary(session, unit_id, "2026-W50",
                                           harness.clock.now() + timedelta(days=14))
    assert {t.code for t in later.tasks} == {"A", "B"}
    assert later.counts["overdue"] == 2


async def test_mark_task_done_checks_responsibility(harness: BotHarness) -> None:
    chau = await harness.make_official("Lê Minh Châu")
    stranger = await harness.make_official("Người Lạ", user="u2", unit_code="KHAC")
    (task_id,) = await harness.world.tasks([chau], [("A", "Việc", date(2026, 12, 1))])
    async with harness.app.sessionmaker.begin() as session:
        try:
            await task_store.mark_task_done(session, task_id, stranger, harness.clock.now(), None)
        except task_store.TaskNotFound:
            pass
        else:
            raise AssertionError("a stranger marked the task done")
        task = await task_store.mark_task_done(session, task_id, chau, harness.clock.now(), None)
        assert task.status == "done" and task.progress == 100
        assert await task_store.open_tasks_for(session, chau) == []
        assert [o.name for o in await task_store.responsible_officials(session, task_id)] == [
            "Lê Minh Châu"]


async def test_an_official_on_leave_is_neither_reported_nor_missing(harness: BotHarness) -> None:
    """Leave over the cut-off with no answer: shown as on leave, out of "reported x/y" (it
    counted as "Đã báo cáo" before)."""
    from bot.db.leave_store import add_leave
    from bot.reports.text import render_report
    from scheduler.digest import digest_text

    chau = await harness.make_official("Lê Minh Châu", unit_code="CUC")
    lan = await harness.make_official("Trần Thị Lan", user="u2", unit_code="CUC")
    ids = await harness.world.tasks([chau, lan], [("A", "Việc chung", date(2026, 12, 30))],
                                    unit="CUC")
    async with harness.app.sessionmaker.begin() as session:
        await add_leave(session, lan, date(2026, 11, 26), date(2026, 11, 30), harness.clock.now())
        task = await session.get(Task, ids[0])
        assert task is not None and task.lead_unit_id is not None
        unit_id = task.lead_unit_id
    async with harness.app.sessionmaker() as session:
        summary = await build_weekly_summary(session, unit_id, "2026-W48", harness.clock.now())
    assert [o.name for o in summary.on_leave] == ["Trần Thị Lan"]
    assert [o.name for o in summary.not_reported] == ["Lê Minh Châu"]
    assert summary.reported == ()
    assert [u.missing for u in summary.units] in ([], [("Lê Minh Châu",)])
    text = render_report(summary)
    assert "Đã báo cáo: 0/1 cán bộ (không tính 1 cán bộ nghỉ phép)" in text
    assert "Chưa báo cáo: Lê Minh Châu" in text and "Nghỉ phép 26/11–30/11" in text
    digest = digest_text(summary, "week", [])
    assert "Đã báo cáo: 0/1 cán bộ." in digest
    assert "Chưa báo cáo: Lê Minh Châu." in digest and "Nghỉ phép: Trần Thị Lan." in digest
    book = load_workbook(io.BytesIO(export_xlsx(summary)))
    rows = {r[0]: r for r in book["Báo cáo của cán bộ"].iter_rows(min_row=2, values_only=True)}
    assert rows["Trần Thị Lan"][2] == "Nghỉ phép" and rows["Lê Minh Châu"][2] == "Không"
