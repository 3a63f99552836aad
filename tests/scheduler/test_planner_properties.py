"""Property test of the planner: random small worlds and random clock advances (gaps = downtime),
planned at every tick or only at some (and twice at one instant), keep the delivery promise:
(a) no duplicate idem_key, (b) at most one pending/sent row per occurrence across channels,
(c) no "days left" reminder pending or sent after its deadline, (d) a re-run inserts nothing."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import local_date, local_datetime
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import OutboxMessage, Task
from bot.messages import OutgoingMessage
from scheduler.planning import plan
from tests.world import World

BASE = date(2026, 11, 23)  # a Monday; deadlines fall within ±20 days of it
CHANNEL_ORDERS = (("telegram", "zalo"), ("zalo", "telegram"))
ACCOUNTS = ({"telegram": "t"}, {"zalo": "z"}, {"telegram": "t", "zalo": "z"})
#: where ticks land: due minutes, just after them (late or not), quiet hours, around midnight
WALL_TIMES = tuple(time(h, m) for h, m in (
    (0, 0), (6, 59), (7, 0), (7, 30), (8, 0), (8, 10), (8, 20), (14, 0), (15, 31), (16, 0),
    (16, 45), (17, 0), (17, 20), (21, 30), (22, 30), (22, 50), (23, 57)))


@dataclass(frozen=True)
class Spec:
    """A small world and a run of clock advances."""

    units: list[dict[str, object] | None]  # each unit's own schedule overrides
    officials: list[tuple[int, int, bool]]  # (unit index, ACCOUNTS index, is head)
    tasks: list[tuple[int, int, str, frozenset[int]]]  # (unit, deadline offset, status, assignees)
    start_minutes: int  # first tick, minutes after BASE 00:00 local (may be negative)
    #: (days ahead, local wall time to move to, planned, twice, channel order)
    steps: list[tuple[int, time, bool, bool, int]]


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    """Random worlds: 1–3 units, 1–5 officials, 1–5 tasks, 3–12 ticks."""
    schedules: list[dict[str, object] | None] = draw(st.lists(st.none() | st.fixed_dictionaries({
        # offsets without T-0 and a reminder time inside quiet hours are the hard cases
        "deadline_offsets_days": st.sampled_from([[7, 3, 1, 0], [3, 1], [2], [5, 1]]),
        "reminder_time": st.sampled_from(["08:00", "16:45", "22:30"]),
    }), min_size=1, max_size=3))
    units = len(schedules)
    officials = draw(st.lists(st.tuples(st.integers(0, units - 1), st.integers(0, 2),
                                        st.booleans()), min_size=1, max_size=5))
    people = len(officials)
    tasks = draw(st.lists(st.tuples(
        st.integers(0, units - 1), st.integers(-20, 20),
        st.sampled_from(["open", "open", "open", "done"]),
        st.frozensets(st.integers(0, people - 1), max_size=3)), min_size=1, max_size=5))
    steps = draw(st.lists(st.tuples(
        st.sampled_from([0, 0, 1, 1, 2, 4]),  # whole days skipped (a gap is downtime)
        st.sampled_from(WALL_TIMES), st.booleans(), st.booleans(), st.integers(0, 1)),
        min_size=3, max_size=12))
    # start a few days before the first task's deadline, where reminders fall due
    start = (tasks[0][1] - draw(st.integers(0, 8))) * 24 * 60 + draw(st.integers(0, 24 * 60 - 1))
    return Spec(schedules, officials, tasks, start, steps)


async def _digest(session: AsyncSession, unit_id: int, week: str, kind: str,
                  now: datetime) -> OutgoingMessage:
    return OutgoingMessage(f"digest {unit_id} {week} {kind}")


async def _build(sessionmaker: async_sessionmaker[AsyncSession], spec: Spec) -> None:
    world = World(sessionmaker)
    for u, schedule in enumerate(spec.units):
        await world.unit(f"U{u}", schedule=schedule)
    ids = [await world.official(f"O{i}", f"U{unit}", head=head,
                                accounts={c: f"{a}{i}" for c, a in ACCOUNTS[acc].items()})
           for i, (unit, acc, head) in enumerate(spec.officials)]
    for n, (unit, offset, status, people) in enumerate(spec.tasks):
        task = await world.task(f"NV{n}", BASE + timedelta(days=offset), f"U{unit}",
                                [ids[p] for p in sorted(people)])
        if status != "open":
            async with sessionmaker.begin() as s:
                await s.execute(update(Task).where(Task.id == task).values(status=status))


async def _deliver(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> None:
    """What the dispatcher would do by `now`: expire what is too old, send what is due."""
    async with sessionmaker.begin() as s:
        await s.execute(update(OutboxMessage).where(
            OutboxMessage.status == "pending", OutboxMessage.expires_at.is_not(None),
            OutboxMessage.expires_at < now).values(status="expired"))
        await s.execute(update(OutboxMessage).where(
            OutboxMessage.status == "pending", OutboxMessage.not_before <= now,
        ).values(status="sent", sent_at=now))


def _violations(rows: list[OutboxMessage]) -> list[str]:
    """Breaches of (a), (b) and (c) among the outbox rows."""
    keys = Counter(r.idem_key for r in rows)
    problems = [f"(a) duplicate key {k}" for k, n in keys.items() if n > 1]
    live = Counter(r.idem_key.rsplit(":", 1)[0] for r in rows if r.status in ("pending", "sent"))
    problems += [f"(b) {n} live rows for {base}" for base, n in live.items() if n > 1]
    for r in rows:
        if r.kind != "deadline" or r.status not in ("pending", "sent"):
            continue
        offset = int(r.idem_key.split(":")[3].removeprefix("T-"))
        deadline = date.fromisoformat(r.payload["meta"]["deadline"])
        if offset > 0 and local_date(r.not_before) > deadline:
            problems.append(f"(c) {r.idem_key} {r.status} not before {r.not_before}")
    return problems


async def _run(template: Path, spec: Spec, *, every_tick: bool) -> list[str]:
    """Simulate one run; returns the violations found (empty when the promise holds)."""
    folder = Path(tempfile.mkdtemp(prefix="troly-prop-"))
    path = folder / "troly.db"
    shutil.copy(template, path)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    problems: list[str] = []
    try:
        sessionmaker = make_sessionmaker(engine)
        await _build(sessionmaker, spec)
        now = local_datetime(BASE, time(0)) + timedelta(minutes=spec.start_minutes)
        for days, wall, planned, twice, order in spec.steps:
            target = local_datetime(local_date(now) + timedelta(days=days), wall)
            now = target if target > now else target + timedelta(days=1)
            if not (every_tick or planned):
                continue  # down at this tick
            for again in range(2 if twice else 1):
                async with sessionmaker.begin() as s:
                    result = await plan(s, now, channels=CHANNEL_ORDERS[order],
                                        digest_builder=_digest)
                if again and sum(result.inserted.values()):
                    problems.append(f"(d) re-run at {now} inserted {dict(result.inserted)}")
            async with sessionmaker() as s:  # checked before delivery would expire anything
                rows = list((await s.execute(select(OutboxMessage))).scalars())
            problems += [p for p in _violations(rows) if p not in problems]
            await _deliver(sessionmaker, now)
    finally:
        await engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    return problems


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("TROLY_PROPERTY_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs())
# found by hand, too narrow for 30 random examples: offsets without T-0, down from before T-1 until
# 22:30 on the deadline day; quiet hours then held "còn 1 ngày" until the morning after the deadline
@example(spec=Spec([{"deadline_offsets_days": [3, 1]}], [(0, 0, False)],
                   [(0, 2, "open", frozenset({0}))], -2 * 24 * 60,
                   [(1, time(9), True, False, 0), (3, time(22, 30), True, True, 0),
                    (1, time(8), True, False, 1)]))
def test_planner_keeps_the_delivery_promise(sqlite_template: Path, spec: Spec) -> None:
    for every_tick in (True, False):
        problems = asyncio.run(_run(sqlite_template, spec, every_tick=every_tick))
        assert problems == [], (every_tick, problems)
