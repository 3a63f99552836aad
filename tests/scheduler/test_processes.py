"""Several OS processes on one SQLite file / one PostgreSQL database: the planner gives the same
rows, dispatchers deliver every row exactly once, and a SIGKILL at a chosen point loses nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import DeliveryAttempt, OutboxMessage, WorkerLease
from scheduler.delivery import FAULT_ENV
from tests.world import World, at

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
NOW = at(date(2026, 12, 7), 8)
TIMEOUT = 120


def _spawn(*args: str, fault: str | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.Popen([sys.executable, "-m", "tests.scheduler.proc_worker", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait(procs: list[subprocess.Popen[bytes]]) -> list[int]:
    codes = []
    for p in procs:
        _, err = p.communicate(timeout=TIMEOUT)
        if p.returncode not in (0, -9):
            raise AssertionError(err.decode()[-2000:])
        codes.append(p.returncode)
    return codes


async def _outbox_rows(sessionmaker: async_sessionmaker[AsyncSession], n: int) -> None:
    """n pending rows to n different chats (the dispatcher's input)."""
    async with sessionmaker.begin() as s:
        for i in range(n):
            s.add(OutboxMessage(idem_key=f"test:{i}:telegram", kind="deadline", channel="telegram",
                                address=f"chat{i}", payload={"text": f"test:{i}"}, due_at=NOW,
                                not_before=NOW, status="pending", attempts=0, max_attempts=8,
                                created_at=NOW, updated_at=NOW))


async def test_planner_in_parallel_processes_gives_the_same_rows(world: World, database_url: str,
                                                                 sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await world.unit("P1")
    people = [await world.official(f"CB{i}", "P1") for i in range(20)]
    for i in range(60):
        await world.task(f"NV{i}", date(2026, 12, 7) + timedelta(days=i % 10), "P1",
                         [people[i % 20], people[(i + 7) % 20]])
    procs = [_spawn("plan", database_url, NOW.isoformat(), "3") for _ in range(4)]
    _wait(procs)
    parallel = await world.statuses()
    assert parallel  # and the rows equal what a single run computes on a fresh copy:
    async with sessionmaker.begin() as s:
        await s.execute(delete(OutboxMessage))
    _wait([_spawn("plan", database_url, NOW.isoformat(), "1")])
    assert await world.statuses() == parallel


async def test_several_dispatchers_deliver_each_row_exactly_once(database_url: str, sessionmaker: async_sessionmaker[AsyncSession],
                                                                 tmp_path: Path) -> None:
    await _outbox_rows(sessionmaker, 300)
    logs = [tmp_path / f"w{i}.log" for i in range(4)]
    _wait([_spawn("dispatch", database_url, NOW.isoformat(), f"w{i}", str(logs[i]))
           for i in range(4)])
    sent = Counter(line for log in logs if log.exists() for line in log.read_text().split())
    assert len(sent) == 300 and max(sent.values()) == 1
    assert sum(1 for log in logs if log.exists() and log.read_text()) >= 2  # work was shared
    async with sessionmaker() as s:
        statuses = Counter((await s.execute(select(OutboxMessage.status))).scalars())
    assert statuses == {"sent": 300}


@pytest.mark.parametrize("point", ["after_claim", "before_send", "after_send"])
async def test_sigkill_then_restart_loses_nothing(point: str, database_url: str, sessionmaker: async_sessionmaker[AsyncSession],
                                                  tmp_path: Path) -> None:
    await _outbox_rows(sessionmaker, 60)
    log = tmp_path / "sent.log"
    [code] = _wait([_spawn("dispatch", database_url, NOW.isoformat(), "victim", str(log),
                           fault=f"{point}:5" if point != "after_claim" else f"{point}:2")])
    assert code == -9
    async with sessionmaker() as s:
        in_flight = (await s.execute(select(func.count()).where(
            OutboxMessage.status == "sending"))).scalar_one()
    assert in_flight > 0
    later = (NOW + timedelta(minutes=10)).isoformat()  # past lease_until
    _wait([_spawn("dispatch", database_url, later, "restarted", str(log))])
    sent = Counter(log.read_text().split())
    duplicates = {k: n for k, n in sent.items() if n > 1}
    assert len(sent) == 60  # nothing lost
    async with sessionmaker() as s:
        statuses = Counter((await s.execute(select(OutboxMessage.status))).scalars())
        ambiguous = list((await s.execute(
            select(OutboxMessage.idem_key).join(DeliveryAttempt,
                                                DeliveryAttempt.outbox_id == OutboxMessage.id)
            .where(DeliveryAttempt.outcome == "ambiguous"))).scalars())
    assert statuses == {"sent": 60}
    if point == "after_send":
        assert len(duplicates) == 1 and max(duplicates.values()) == 2
        assert list(duplicates) == [k.removesuffix(":telegram") for k in ambiguous]
    else:
        assert duplicates == {}
    if point == "after_claim":
        assert ambiguous == []  # claimed but never started: simply sent
    if point == "before_send":
        assert len(ambiguous) == 1  # recorded as unknown, resent, no duplicate in fact


async def test_sender_lease_is_taken_over_after_its_holder_is_killed(
        database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path) -> None:
    """Real processes, the real clock, PostgreSQL: A holds the sender lease and is SIGKILLed
    mid-queue; B, started at once, sends nothing until A's lease has run out, then takes it over
    (a new epoch) and sends what was pending — nothing lost, at most one duplicate (recorded)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several sending processes need PostgreSQL")
    now = datetime.now(UTC)
    async with sessionmaker.begin() as s:
        for i in range(30):
            s.add(OutboxMessage(idem_key=f"lease:{i}:telegram", kind="deadline",
                                channel="telegram", address=f"chat{i}",
                                payload={"text": f"lease:{i}"}, due_at=now, not_before=now,
                                status="pending", attempts=0, max_attempts=8, created_at=now,
                                updated_at=now))
    log = tmp_path / "sent.log"
    a = _spawn("sender", database_url, "now", "A", str(log), "0.3")
    give_up = time.monotonic() + TIMEOUT
    while (not log.exists() or len(log.read_text().split()) < 5) and time.monotonic() < give_up:
        await asyncio.sleep(0.1)
        assert a.poll() is None, a.communicate()[1].decode()[-2000:]
    a.kill()
    assert a.wait(timeout=TIMEOUT) == -9
    async with sessionmaker() as s:
        lease = (await s.execute(select(WorkerLease))).scalar_one()
        left = (await s.execute(select(func.count()).where(
            OutboxMessage.status.in_(["pending", "sending"])))).scalar_one()
    assert (lease.owner, lease.epoch) == ("A", 1) and left > 0  # killed holding it, work left
    _wait([_spawn("sender", database_url, "now", "B", str(log), "0")])
    sent = Counter(log.read_text().split())
    assert set(sent) == {f"lease:{i}" for i in range(30)}  # nothing lost
    duplicates = {k: n for k, n in sent.items() if n > 1}
    assert len(duplicates) <= 1 and max(sent.values()) <= 2  # at most one per crash
    async with sessionmaker() as s:
        lease = (await s.execute(select(WorkerLease))).scalar_one()
        statuses = Counter((await s.execute(select(OutboxMessage.status))).scalars())
        ambiguous = list((await s.execute(
            select(OutboxMessage.idem_key).join(DeliveryAttempt,
                                                DeliveryAttempt.outbox_id == OutboxMessage.id)
            .where(DeliveryAttempt.outcome == "ambiguous"))).scalars())
    assert (lease.owner, lease.epoch) == ("B", 2)  # taken over, fenced by a new epoch
    assert statuses == {"sent": 30}
    # a duplicate can only be the row whose send was in flight at the kill, and it is recorded
    assert set(duplicates) <= {k.removesuffix(":telegram") for k in ambiguous}
