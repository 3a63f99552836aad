"""Reports of a past period show the state as of its cut-off, with late revisions marked
(the W48 report read in W49 used to show progress entered in W49)."""

from __future__ import annotations

from datetime import date, datetime, time

from bot.clock import local_datetime
from bot.db import checkin_store, task_store
from bot.db.models import Official, Task, Unit
from bot.periods import Period
from bot.reports.build import build_unit_report, build_weekly_summary
from rules.cutoffs import monday_of
from rules.policy import unit_checkin_cutoff
from tests.harness import BotHarness


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_datetime(day, time(hour, minute))


async def _answer(harness: BotHarness, official: int, week: str, task: int, *, progress: int,
                  blockers: str | None = None) -> None:
    """A confirmed weekly answer, through the check-in store the conversation uses."""
    now = harness.clock.now()
    async with harness.app.sessionmaker.begin() as session:
        report = await checkin_store.get_or_create_report(session, official, week, now)
        await checkin_store.save_entry(session, report.id, task, now, progress=progress,
                                       status="on_track", blockers=blockers)
        person = await session.get(Official, official)
        assert person is not None and person.unit_id is not None
        cutoff = await unit_checkin_cutoff(session, monday_of(week),
                                           await session.get(Unit, person.unit_id))
        await checkin_store.submit(session, report, now, cutoff)


async def test_past_week_is_shown_as_of_its_cutoff(harness: BotHarness) -> None:
    chau = await harness.make_official("Lê Minh Châu", unit_code="CUC")
    lan = await harness.make_official("Trần Thị Lan", user="u2", unit_code="CUC")
    task_a, = await harness.world.tasks([chau], [("A", "Số hoá hồ sơ", date(2027, 3, 31))],
                                        unit="CUC")
    task_b, = await harness.world.tasks([lan], [("B", "Kết nối dữ liệu", date(2026, 12, 31))],
                                        unit="CUC")
    async with harness.app.sessionmaker() as session:
        unit_id = (await session.get(Task, task_a)).lead_unit_id  # type: ignore[union-attr]
    assert unit_id is not None

    harness.clock.set(_at(date(2026, 11, 26), 10))  # Thu W48: Châu answers, Lan does not
    await _answer(harness, chau, "2026-W48", task_a, progress=40, blockers="Chờ kinh phí")
    harness.clock.set(_at(date(2026, 11, 28), 10))  # Sat, after the Friday 16:00 cut-off
    await _answer(harness, chau, "2026-W48", task_a, progress=50)
    async with harness.app.sessionmaker() as session:  # still W48: shown as it is now
        now_view = await build_weekly_summary(session, unit_id, "2026-W48", harness.clock.now())
    [a_now] = [t for t in now_view.tasks if t.code == "A"]
    assert a_now.progress == 50 and not now_view.is_history

    harness.clock.set(_at(date(2026, 12, 3), 10))  # Thu W49: both answer, B is done on Friday
    await _answer(harness, chau, "2026-W49", task_a, progress=70)
    await _answer(harness, lan, "2026-W49", task_b, progress=60)
    harness.clock.set(_at(date(2026, 12, 4), 9))
    async with harness.app.sessionmaker.begin() as session:
        await task_store.mark_task_done(session, task_b, lan, harness.clock.now(), "công văn")

    harness.clock.set(_at(date(2026, 12, 7), 9))  # Monday W50: read the past weeks
    async with harness.app.sessionmaker() as session:
        w48 = await build_weekly_summary(session, unit_id, "2026-W48", harness.clock.now())
        w49 = await build_weekly_summary(session, unit_id, "2026-W49", harness.clock.now())
    assert w48.is_history and w48.as_of == _at(date(2026, 11, 27), 16)
    tasks = {t.code: t for t in w48.tasks}
    assert tasks["A"].progress == 40  # not the late 50, not W49's 70
    assert [(u.official, u.progress) for u in tasks["A"].late_updates] == [("Lê Minh Châu", 50)]
    assert tasks["A"].late_updates[0].at == _at(date(2026, 11, 28), 10)
    assert [b.text for b in tasks["A"].blockers] == ["Chờ kinh phí"]
    assert tasks["B"].progress == 0 and tasks["B"].category == "in_progress"
    assert tasks["B"].status is None and not tasks["B"].reported
    assert {o.name: o.reported for o in w48.officials} == {"Lê Minh Châu": True,
                                                           "Trần Thị Lan": False}
    assert [o.name for o in w48.officials if o.revised_late] == ["Lê Minh Châu"]
    w49_tasks = {t.code: t for t in w49.tasks}
    assert w49_tasks["A"].progress == 70 and w49_tasks["A"].late_updates == ()
    assert w49_tasks["B"].category == "done_on_time" and w49_tasks["B"].progress == 100


async def test_task_imported_later_is_not_in_an_earlier_month(harness: BotHarness) -> None:
    chau = await harness.make_official("Lê Minh Châu", unit_code="CUC")
    harness.clock.set(_at(date(2026, 11, 20), 9))  # the December period (15/11–14/12) runs
    task_a, = await harness.world.tasks([chau], [("A", "Việc mới", date(2027, 1, 31))],
                                        unit="CUC")
    async with harness.app.sessionmaker() as session:
        unit_id = (await session.get(Task, task_a)).lead_unit_id  # type: ignore[union-attr]
        assert unit_id is not None
        november = await build_unit_report(session, unit_id, Period("month", 2026, 11),
                                           harness.clock.now())
        december = await build_unit_report(session, unit_id, Period("month", 2026, 12),
                                           harness.clock.now())
    assert november.tasks == () and november.period.label == "tháng 11/2026"
    assert [t.code for t in december.tasks] == ["A"]
    assert december.period.start == date(2026, 11, 15)
