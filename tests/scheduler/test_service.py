"""The APScheduler component (clock only, explicit zone, weekday names) and the tick functions
with sender election: only the lease holder sends; a standby takes over when it stops."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import SentMessage
from bot.clock import LOCAL_TZ, ManualClock, to_local
from bot.db.models import GLOBAL_POLICY_KEY, JobRun, OutboxMessage, SchedulePolicy, WorkerLease
from bot.events import ChatRef
from bot.messages import OutgoingMessage
from rules.policy import Policies, Schedule
from scheduler.service import SchedulerService, digest_jobs
from scheduler.ticks import Ticks
from tests.fakes import FakeChannel
from tests.world import World, at


async def test_service_registers_fixed_ticks_in_local_time(sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
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


def test_digest_jobs_follow_the_policies() -> None:
    unit = Schedule(digest_week_weekday="thu", digest_week_time=time(15, 0))
    same = Schedule()
    jobs = digest_jobs(Policies(default=Schedule(), by_unit={1: unit, 2: same}))
    assert jobs == {"digest-week": ("fri", time(17, 0)), "digest-week:thu-1500": ("thu", time(15, 0)),
                    "digest-ahead": ("mon", time(7, 30))}


async def test_digest_wake_ups_come_from_the_schedule_policy(sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessionmaker.begin() as session:
        session.add(SchedulePolicy(key=GLOBAL_POLICY_KEY, data={"digest_week_time": "16:30"},
                                   updated_at=clock.now()))
    service = SchedulerService(Ticks(sessionmaker, clock, {}, owner="A"))
    await service.start()
    try:
        assert service.scheduler is not None
        week = service.scheduler.get_job("digest-week").trigger
        fire = week.get_next_fire_time(None, datetime(2026, 11, 23, 8, tzinfo=LOCAL_TZ))
        assert to_local(fire).strftime("%a %H:%M") == "Fri 16:30"
        async with sessionmaker.begin() as session:  # changed while running: the next sync
            row = await session.get(SchedulePolicy, GLOBAL_POLICY_KEY)
            assert row is not None
            row.data = {"digest_week_weekday": "thu"}
        await service._sync_digest_jobs()
        week = service.scheduler.get_job("digest-week").trigger
        fire = week.get_next_fire_time(None, datetime(2026, 11, 23, 8, tzinfo=LOCAL_TZ))
        assert to_local(fire).strftime("%a %H:%M") == "Thu 17:00"
    finally:
        await service.stop()


async def test_only_the_lease_holder_sends_and_a_standby_takes_over(
        world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
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


async def test_maintenance_runs_once_per_day(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    a = Ticks(sessionmaker, clock, {"telegram": FakeChannel(name="telegram")}, owner="A")
    b = Ticks(sessionmaker, clock, {"telegram": FakeChannel(name="telegram")}, owner="B")
    assert await a.maintenance_tick() == 0
    await b.maintenance_tick()
    async with sessionmaker() as s:
        runs = list((await s.execute(select(JobRun.owner))).scalars())
    assert runs == ["A"]


@dataclass
class _GatedChannel(FakeChannel):
    """A channel whose sends wait until the test opens the gate (a slow Bot API)."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Wait for the gate, then record."""
        self.started.set()
        await self.gate.wait()
        return await super().send(chat, message)


async def _claimed_batch(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock, n: int) -> None:
    await world.unit("P1")
    for i in range(n):
        await world.task(f"NV{i}", date(2026, 12, 14), "P1", [await world.official(f"CB{i}", "P1")])
    clock.set(at(date(2026, 12, 7), 8))


async def _statuses(sessionmaker: async_sessionmaker[AsyncSession]) -> Counter[str]:
    async with sessionmaker() as s:
        return Counter((await s.execute(select(OutboxMessage.status))).scalars())


async def test_stop_lets_the_send_in_flight_finish_and_gives_back_the_rest(
        world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    await _claimed_batch(world, sessionmaker, clock, 3)
    channel = _GatedChannel(name="telegram")
    ticks = Ticks(sessionmaker, clock, {"telegram": channel}, owner="A")
    service = SchedulerService(ticks, stop_grace_seconds=30)
    await ticks.plan_tick()
    tick = asyncio.create_task(service._tracked("dispatch", ticks.dispatch_tick)())
    await channel.started.wait()  # one send in flight, two more rows claimed behind it
    stopping = asyncio.create_task(service.stop())
    await asyncio.sleep(0)
    assert not stopping.done()  # waits for the send in flight
    channel.gate.set()
    await stopping
    await tick
    assert len(channel.sent) == 1
    assert await _statuses(sessionmaker) == {"sent": 1, "pending": 2}
    async with sessionmaker() as s:
        lease = (await s.execute(select(WorkerLease))).scalar_one()
    assert lease.owner is None


async def test_stop_cuts_off_a_send_that_outlasts_the_grace(
        world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    await _claimed_batch(world, sessionmaker, clock, 2)
    channel = _GatedChannel(name="telegram")  # the gate never opens
    ticks = Ticks(sessionmaker, clock, {"telegram": channel}, owner="A")
    service = SchedulerService(ticks, stop_grace_seconds=0.1)
    await ticks.plan_tick()
    tick = asyncio.create_task(service._tracked("dispatch", ticks.dispatch_tick)())
    await channel.started.wait()
    await service.stop()
    await tick  # cancelled quietly, no error logged
    assert channel.sent == []
    # the started send may have arrived: left "sending" for its row lease to turn it ambiguous
    # (as after a crash); the row never started is given back
    assert await _statuses(sessionmaker) == {"sending": 1, "pending": 1}
