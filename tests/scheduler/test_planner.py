"""Planner: offsets and local times, working days and holidays, quiet hours, moved and closed tasks,
downtime catch-up (docs/scheduling.md §5.5), idempotence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock, local_date
from bot.db.models import CalendarDay, OutboxMessage, SchedulePolicy, Task
from bot.texts import reminders as R
from rules.deadlines import deadline_slots
from rules.policy import Schedule
from rules.workdays import WorkCalendar
from tests.fakes import FakeChannel
from tests.harness import fields, fits
from tests.scheduler.sim import Sim
from tests.world import EPOCH, World, at, sent_local


def _days_left(text: str) -> str | None:
    """The days left a deadline reminder (reminders.DEADLINE_AHEAD) states."""
    found = fields(text, R.DEADLINE_AHEAD)
    return None if found is None else found["days"]

FRI = date(2026, 12, 11)  # a Friday deadline with four working-day offsets before it


async def _one_task(world: World, deadline: date = FRI) -> tuple[int, int]:
    await world.unit("P1")
    lan = await world.official("Lan", "P1")
    task = await world.task("NV1", deadline, "P1", [lan])
    return lan, task


def _sent_days(rows: list[OutboxMessage]) -> list[tuple[str, str]]:  # (offset label, local send time)
    return [(r.idem_key.split(":")[3] if r.kind == "deadline" else r.kind,
             sent_local(r).strftime("%Y-%m-%d %H:%M")) for r in rows if r.status == "sent"]


async def test_offsets_7_3_1_0_at_eight_local(world: World, sim: Sim, clock: ManualClock,
                                              telegram: FakeChannel) -> None:
    lan, task = await _one_task(world)
    clock.set(at(date(2026, 12, 3), 9))
    await sim.run_until(at(FRI, 20))
    rows = await world.rows(kind="deadline")
    assert _sent_days(rows) == [
        ("T-7", "2026-12-04 08:00"), ("T-3", "2026-12-08 08:00"),
        ("T-1", "2026-12-10 08:00"), ("T-0", "2026-12-11 08:00"),
    ]
    assert rows[0].idem_key == f"deadline:{task}:2026-12-11:T-7:{lan}:telegram"
    texts = [t for t in telegram.texts() if "hạn" in t and "báo cáo tiến độ tuần" not in t]
    assert [_days_left(t) for t in texts[:3]] == ["7", "3", "1"]
    assert fits(texts[3], R.DEADLINE_TODAY)
    assert [b.payload for b in telegram.sent[0][1].buttons] == [
        f"rem_done:{task}", f"rem_prog:{task}", f"rem_snz:{task}"]
    assert not any(r.late for r in rows)


def test_offsets_skip_tet_2027_and_national_day() -> None:
    cal, s = WorkCalendar(), Schedule()
    # deadline Thu 2027-02-11, the day after Tết (04–10 Feb off): T-1 (10 Feb) and T-3 (8 Feb)
    # fall in Tết and move to Wed 3 Feb; only the nearer offset is kept there
    assert deadline_slots(date(2027, 2, 11), s, cal) == [(1, date(2027, 2, 3)), (0, date(2027, 2, 11))]
    # deadline Mon 2027-09-06: T-3 (Fri 3 Sept, National Day holiday) → Wed 1 Sept
    # deadline Mon 2027-09-06: T-3 (Fri 3 Sept, National Day) and T-1 (Sunday) both move to
    # Wed 1 Sept (2 Sept is National Day too); T-1 is kept
    assert deadline_slots(date(2027, 9, 6), s, cal) == [
        (7, date(2027, 8, 30)), (1, date(2027, 9, 1)), (0, date(2027, 9, 6))]
    assert not cal.is_working_day(date(2027, 9, 2)) and not cal.is_working_day(date(2027, 2, 8))
    # calendar-days policy keeps the raw dates
    raw = Schedule(working_days_only=False)
    assert (3, date(2027, 9, 3)) in deadline_slots(date(2027, 9, 6), raw, cal)


async def test_extra_day_off_and_make_up_workday(world: World, sim: Sim, clock: ManualClock,
                                                 sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    # the unit declares Tue 8 Dec off and Sat 5 Dec a make-up working day
    async with sessionmaker.begin() as s:
        s.add(CalendarDay(day=date(2026, 12, 8), kind="off", note="nghỉ bù"))
        s.add(CalendarDay(day=date(2026, 12, 5), kind="workday", note="làm bù"))
    await _one_task(world, date(2026, 12, 12))  # Saturday deadline
    clock.set(at(date(2026, 12, 4), 9))
    await sim.run_until(at(date(2026, 12, 12), 20))
    sent = _sent_days(await world.rows(kind="deadline"))
    # T-7 Sat 5 Dec (make-up day) kept; T-3 Wed 9 Dec; T-1 Fri 11 Dec; T-0 Sat 12 Dec is not a
    # working day → Fri 11 Dec, which already holds T-1: T-0 wins
    assert sent == [("T-7", "2026-12-05 08:00"), ("T-3", "2026-12-09 08:00"),
                    ("T-0", "2026-12-11 08:00")]


@pytest.mark.slow
async def test_quiet_hours_hold_until_morning(world: World, sim: Sim, clock: ManualClock,
                                              sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker.begin() as s:  # reminders at 22:00 (inside quiet hours)
        s.add(SchedulePolicy(key="global", data={"reminder_time": "22:00"}, updated_at=EPOCH))
    await _one_task(world)
    clock.set(at(date(2026, 12, 8), 21))
    await sim.run_until(at(date(2026, 12, 11), 9), step=timedelta(minutes=30))
    rows = [r for r in await world.rows(kind="deadline") if r.status == "sent"]
    assert rows, "nothing sent"
    for r in rows:
        local = sent_local(r)
        assert 7 <= local.hour < 21, local
    assert [sent_local(r).strftime("%d %H:%M") for r in rows] == ["09 07:00", "11 07:00"]


async def test_moved_deadline_cancels_old_rows_and_plans_new_keys(
        world: World, sim: Sim, clock: ManualClock, sessionmaker: async_sessionmaker[AsyncSession], telegram: FakeChannel) -> None:
    lan, task = await _one_task(world)
    clock.set(at(date(2026, 12, 4), 7, 58))
    await sim.plan()  # T-7 row planned (pending, due 08:00)
    async with sessionmaker.begin() as s:
        await s.execute(update(Task).where(Task.id == task).values(deadline=date(2026, 12, 18)))
    clock.set(at(date(2026, 12, 4), 8))
    await sim.run_until(at(date(2026, 12, 12), 9))
    statuses = await world.statuses()
    assert statuses[f"deadline:{task}:2026-12-11:T-7:{lan}:telegram"] == "cancelled"
    assert statuses[f"deadline:{task}:2026-12-18:T-7:{lan}:telegram"] == "sent"
    assert all("2026-12-11" not in k or v == "cancelled" for k, v in statuses.items())
    assert len(telegram.sent) == len([v for v in statuses.values() if v == "sent"])


@pytest.mark.slow
async def test_task_closed_mid_sequence_stops_reminders(
        world: World, sim: Sim, clock: ManualClock, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    lan, task = await _one_task(world)
    clock.set(at(date(2026, 12, 4), 8))  # first run at T-7's minute (earlier would predate troly)
    await sim.run_until(at(date(2026, 12, 8), 7, 58), step=timedelta(hours=6))
    await sim.plan()  # the T-3 row exists (pending) when the task is closed
    async with sessionmaker.begin() as s:
        await s.execute(update(Task).where(Task.id == task).values(status="done"))
    await sim.run_until(at(date(2026, 12, 16), 9))
    statuses = await world.statuses()
    assert statuses[f"deadline:{task}:2026-12-11:T-7:{lan}:telegram"] == "sent"
    assert statuses[f"deadline:{task}:2026-12-11:T-3:{lan}:telegram"] == "cancelled"
    assert [k for k, v in statuses.items() if v == "sent" and k.startswith("deadline")] == [
        f"deadline:{task}:2026-12-11:T-7:{lan}:telegram"]


@pytest.mark.slow
async def test_downtime_catch_up_latest_only_marked_late(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    lan, task = await _one_task(world)
    clock.set(at(date(2026, 12, 3), 8))  # T-8d
    await sim.run_until(at(date(2026, 12, 6), 8))  # up to T-5d
    clock.set(at(date(2026, 12, 10), 12))  # outage until T-0.5d
    await sim.run_until(at(date(2026, 12, 15), 12))
    rows = {r.idem_key.split(":")[3] if r.kind == "deadline" else f"overdue {r.idem_key.split(':')[3]}": r
            for r in await world.rows() if r.kind in ("deadline", "overdue")}
    assert rows["T-7"].status == "sent" and not rows["T-7"].late
    assert rows["T-3"].status == "superseded"
    assert rows["T-1"].status == "sent" and rows["T-1"].late
    assert sent_local(rows["T-1"]).strftime("%m-%d %H:%M") == "12-10 12:00"
    assert rows["T-0"].status == "sent" and not rows["T-0"].late
    overdue = sorted(k for k in rows if k.startswith("overdue"))
    assert overdue == ["overdue 2026-12-14", "overdue 2026-12-15"]  # weekend skipped
    late_text = [t for t in telegram.texts() if fits(t, R.DEADLINE_AHEAD)][1]
    assert late_text.startswith(R.LATE_PREFIX) and _days_left(late_text) == "1"
    # never a "N days left" after the deadline
    for r in await world.rows(status="sent"):
        if r.kind == "deadline":
            assert sent_local(r).date() <= FRI


async def test_outage_past_the_deadline_sends_no_countdown(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    lan, task = await _one_task(world)
    clock.set(at(date(2026, 12, 9), 9))  # after T-3 would have been sent: down since before it
    await sim.plan()
    clock.set(at(date(2026, 12, 14), 2))  # back at 02:00 on Monday after the deadline
    await sim.run_until(at(date(2026, 12, 14), 10))
    sent = [r for r in await world.rows(status="sent")
            if r.kind not in ("checkin", "period_checkin")]  # 14/12: the month closes too
    assert [r.kind for r in sent] == ["overdue"]
    assert sent_local(sent[0]).strftime("%H:%M") == "08:00"
    assert any(fits(t, R.OVERDUE.format(code="{code}", title="{title}", days=3,
                                        deadline="{deadline}")) for t in telegram.texts())


async def test_overdue_escalates_to_the_lead_units_head(world: World, sim: Sim,
                                                        clock: ManualClock, telegram: FakeChannel) -> None:
    lan, task = await _one_task(world)
    head = await world.official("Trưởng phòng", "P1", role="head", head=True)
    clock.set(at(date(2026, 12, 14), 9))
    await sim.run_until(at(date(2026, 12, 17), 9), step=timedelta(days=1))
    to_head = [r for r in await world.rows(kind="overdue") if r.recipient_id == head]
    # 14 Dec = 1 working day overdue, 15 = 2, 16 = 3 → escalation starts on the 16th
    assert [local_date(r.due_at).day for r in to_head] == [16, 17]
    assert any(fits(t, R.OVERDUE_ESCALATED) and "Lan" in t
               for t in telegram.texts("Trưởng phòng"))


async def test_planner_is_idempotent(world: World, sim: Sim, clock: ManualClock) -> None:
    await _one_task(world)
    other = await world.official("Minh", "P1")
    await world.task("NV2", date(2026, 12, 1), "P1", [other])
    clock.set(at(date(2026, 12, 4), 8))
    first = await sim.plan()
    snapshot = await world.statuses()
    for _ in range(4):
        again = await sim.plan()
        assert sum(again.inserted.values()) == 0
    assert await world.statuses() == snapshot
    assert sum(first.inserted.values()) == len(snapshot) > 0


async def test_catch_up_held_to_the_morning_of_the_next_reminder_is_not_sent_too(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    """Back at 22:30 the evening before T-1: the missed T-3, held through quiet hours, would go
    out at 07:00 and T-1 at 08:00, both "còn 1 ngày"; T-1 alone is sent."""
    lan, task = await _one_task(world)
    clock.set(at(date(2026, 12, 4), 8))
    await sim.run_until(at(date(2026, 12, 5), 9))  # T-7 sent, then down over T-3 (08/12)
    clock.set(at(date(2026, 12, 9), 22, 30))
    await sim.run_until(at(date(2026, 12, 10), 9))
    statuses = await world.statuses()
    assert statuses[f"deadline:{task}:2026-12-11:T-3:{lan}:telegram"] == "superseded"
    assert statuses[f"deadline:{task}:2026-12-11:T-1:{lan}:telegram"] == "sent"
    reminders = [t for t in telegram.texts() if fits(t, R.DEADLINE_AHEAD)]
    assert [_days_left(t) for t in reminders] == ["7", "1"]
    assert not reminders[1].startswith(R.LATE_PREFIX)
