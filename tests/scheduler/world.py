"""Test data and a simulation loop for the scheduler tests (ORM rows, a ManualClock, fakes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Channel
from bot.clock import ManualClock, local_date, local_datetime
from bot.db.models import ChatAccount, Official, OutboxMessage, Plan, Task, TaskAssignee, Unit
from scheduler.delivery import DispatchStats, OutboxDispatcher
from scheduler.planner import DigestBuilder, PlanResult, plan, send_guards

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
#: local times at which the simulation ticks (reminders, quiet-hour ends, check-in, digests)
TICK_TIMES = ((0, 0), (7, 0), (7, 30), (8, 0), (12, 0), (14, 0), (15, 30), (16, 0), (17, 0),
              (21, 0), (22, 0))


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """A local wall time as an aware UTC instant."""
    return local_datetime(day, time(hh, mm))


@dataclass
class World:
    """Creates units, officials, chat accounts and tasks directly with the ORM."""

    sessionmaker: async_sessionmaker[AsyncSession]
    units: dict[str, int] = field(default_factory=dict)
    plan_id: int | None = None

    async def unit(self, code: str, *, parent: str | None = None,
                   schedule: dict[str, object] | None = None) -> int:
        async with self.sessionmaker.begin() as s:
            unit = Unit(code=code, name=f"Phòng {code}", created_at=EPOCH, schedule=schedule,
                        parent_id=self.units.get(parent) if parent else None)
            s.add(unit)
            await s.flush()
            self.units[code] = unit.id
            return unit.id

    async def official(self, name: str, unit: str, *, role: str = "official",
                       accounts: Mapping[str, str] | None = None, head: bool = False,
                       absent: bool = False) -> int:
        async with self.sessionmaker.begin() as s:
            off = Official(name=name, unit_id=self.units[unit], role=role, status="active",
                           absent=absent, created_at=EPOCH)
            s.add(off)
            await s.flush()
            for channel, chat in (accounts if accounts is not None else {"telegram": name}).items():
                s.add(ChatAccount(channel=channel, external_id=chat, chat_id=chat,
                                  official_id=off.id, status="active", created_at=EPOCH))
            if head:
                u = await s.get(Unit, self.units[unit])
                assert u is not None
                u.head_official_id = off.id
            return off.id

    async def task(self, code: str, deadline: date | None, unit: str,
                   assignees: list[int]) -> int:
        async with self.sessionmaker.begin() as s:
            if self.plan_id is None:
                p = Plan(ref="KH 286/KH-BTTTT", title="Kế hoạch", created_at=EPOCH)
                s.add(p)
                await s.flush()
                self.plan_id = p.id
            t = Task(plan_id=self.plan_id, code=code, title=f"Nhiệm vụ {code}",
                     lead_unit_id=self.units[unit], deadline=deadline, status="open",
                     progress=0, created_at=EPOCH, updated_at=EPOCH)
            s.add(t)
            await s.flush()
            for o in assignees:
                s.add(TaskAssignee(task_id=t.id, official_id=o))
            return t.id

    async def rows(self, **where: object) -> list[OutboxMessage]:
        async with self.sessionmaker() as s:
            q = select(OutboxMessage).order_by(OutboxMessage.due_at, OutboxMessage.id)
            for name, value in where.items():
                q = q.where(getattr(OutboxMessage, name) == value)
            return list((await s.execute(q)).scalars())

    async def statuses(self) -> dict[str, str]:
        """idem_key → status."""
        return {r.idem_key: r.status for r in await self.rows()}


@dataclass
class Sim:
    """Ticks the planner and dispatcher on a ManualClock; records what was sent when."""

    sessionmaker: async_sessionmaker[AsyncSession]
    clock: ManualClock
    channels: Mapping[str, Channel]
    digest_builder: DigestBuilder | None = None
    sent_log: list[tuple[datetime, str]] = field(default_factory=list)

    def dispatcher(self, worker: str = "w1") -> OutboxDispatcher:
        return OutboxDispatcher(self.sessionmaker, self.clock, self.channels, worker_id=worker, guards=send_guards())

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
