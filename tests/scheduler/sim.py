"""The scheduler tests' simulation loop: planner and dispatcher ticked on a ManualClock.

Data comes from tests/world.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Channel
from bot.clock import ManualClock, local_date
from scheduler.delivery import DispatchStats, OutboxDispatcher
from scheduler.planner import DigestBuilder, PlanResult, send_guards
from scheduler.planning import plan
from tests.world import at

#: local times at which the simulation ticks (reminders, quiet-hour ends, check-in, digests)
TICK_TIMES = ((0, 0), (7, 0), (7, 30), (8, 0), (12, 0), (14, 0), (15, 30), (16, 0), (17, 0),
              (21, 0), (22, 0))


@dataclass
class Sim:
    """Ticks the planner and dispatcher on a ManualClock; records what was sent when."""

    sessionmaker: async_sessionmaker[AsyncSession]
    clock: ManualClock
    channels: Mapping[str, Channel]
    digest_builder: DigestBuilder | None = None
    sent_log: list[tuple[datetime, str]] = field(default_factory=list)

    def dispatcher(self, worker: str = "w1") -> OutboxDispatcher:
        return OutboxDispatcher(self.sessionmaker, self.clock, self.channels, worker_id=worker,
                                guards=send_guards())

    async def plan(self) -> PlanResult:
        async with self.sessionmaker.begin() as s:
            return await plan(s, self.clock.now(), channels=tuple(self.channels),
                              digest_builder=self.digest_builder)

    async def tick(self) -> DispatchStats:
        await self.plan()
        return await self.dispatcher().drain()

    async def run_until(self, end: datetime, step: timedelta | None = None) -> None:
        """Tick from now (inclusive) to end (inclusive): every `step`, or else at now and at the
        local times where something can fall due (a per-minute tick does nothing in between)."""
        if step is not None:
            while self.clock.now() <= end:
                await self.tick()
                self.clock.advance(step)
            self.clock.set(end)
            return
        instants = {self.clock.now(), end}
        day = local_date(self.clock.now())
        while day <= local_date(end):
            instants.update(at(day, hh, mm) for hh, mm in TICK_TIMES)
            day += timedelta(days=1)
        for instant in sorted(i for i in instants if self.clock.now() <= i <= end):
            self.clock.set(instant)
            await self.tick()
