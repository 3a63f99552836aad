"""The APScheduler component (clock only, explicit zone, weekday names) and the tick functions
with sender election: only the lease holder sends; a standby takes over when it stops."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.clock import LOCAL_TZ, ManualClock, to_local
from bot.db.models import JobRun
from scheduler.service import SchedulerService
from scheduler.ticks import Ticks
from tests.fakes import FakeChannel
from tests.scheduler.world import World, at


async def test_service_registers_fixed_ticks_in_local_time(sessionmaker, clock) -> None:
    ticks = Ticks(sessionmaker, clock, {"telegram": FakeChannel(name="telegram")}, owner="A")
    service = SchedulerService(ticks)
    await service.start()
    try:
        assert service.scheduler is not None
        jobs = {j.id: j for j in service.scheduler.get_jobs()}
        assert set(jobs) == {"plan", "digest-week", "digest-ahead", "dispatch", "maintenance"}
        for job in jobs.values():
            assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time is None
        trigger = jobs["digest-week"].trigger
        assert isinstance(trigger, CronTrigger) and trigger.timezone == LOCAL_TZ
        fire = trigger.get_next_fire_time(None, datetime(2026, 11, 23, 8, tzinfo=LOCAL_TZ))
        assert fire is not None and to_local(fire).strftime("%a %H:%M") == "Fri 17:00"
        ahead = jobs["digest-ahead"].trigger.get_next_fire_time(
            None, datetime(2026, 11, 27, 18, tzinfo=LOCAL_TZ))
        assert to_local(ahead).strftime("%a %d %H:%M") == "Mon 30 07:30"
    finally:
        await service.stop()
    assert service.scheduler is None


async def test_only_the_lease_holder_sends_and_a_standby_takes_over(
        world: World, sessionmaker, clock: ManualClock) -> None:
    await world.unit("P1")
    people = [await world.official(f"CB{i}", "P1") for i in range(3)]
    for i, person in enumerate(people):
        await world.task(f"NV{i}", date(2026, 12, 14), "P1", [person])
    clock.set(at(date(2026, 12, 7), 8))
    a_chan, b_chan = FakeChannel(name="telegram"), FakeChannel(name="telegram")
    a = Ticks(sessionmaker, clock, {"telegram": a_chan}, owner="A")
    b = Ticks(sessionmaker, clock, {"telegram": b_chan}, owner="B")
    await a.plan_tick()
    await b.plan_tick()  # any process may plan: same rows
    assert (await a.dispatch_tick()).outcomes["sent"] == 3
    assert (await b.dispatch_tick()).claimed == 0
    await world.task("NV9", date(2026, 12, 14), "P1", [people[0]])
    await a.plan_tick()
    await a.stop()  # clean shutdown gives the lease up at once
    assert (await b.dispatch_tick()).outcomes["sent"] == 1
    assert len(a_chan.sent) == 3 and len(b_chan.sent) == 1
    assert b.leases["telegram"].epoch == 2
    clock.advance(timedelta(seconds=5))
    assert (await a.dispatch_tick()).claimed == 0  # B holds it now


async def test_maintenance_runs_once_per_day(world: World, sessionmaker, clock) -> None:
    a = Ticks(sessionmaker, clock, {"telegram": FakeChannel(name="telegram")}, owner="A")
    b = Ticks(sessionmaker, clock, {"telegram": FakeChannel(name="telegram")}, owner="B")
    assert await a.maintenance_tick() == 0
    await b.maintenance_tick()
    async with sessionmaker() as s:
        runs = list((await s.execute(select(JobRun.owner))).scalars())
    assert runs == ["A"]
