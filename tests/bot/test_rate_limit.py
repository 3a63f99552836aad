"""Web chat rate limits: the in-process GCRA, and the same rule shared through PostgreSQL by every
process (bot/rate_limit.py)."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.base import make_engine
from bot.db.models import WebRateLimit
from bot.rate_limit import RateLimit, SharedRateLimit
from tests.conftest import T0


def _postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the shared limit is PostgreSQL's (SQLite keeps the in-process one)")


def test_the_in_process_limit_lets_a_burst_through_then_one_per_interval() -> None:
    limit = RateLimit(3, 60.0)
    assert [limit.check("k", T0) for _ in range(4)] == [0, 0, 0, 20]
    assert limit.check("other", T0) == 0
    assert limit.check("k", T0 + timedelta(seconds=19)) == 1
    assert limit.check("k", T0 + timedelta(seconds=20)) == 0


async def test_the_shared_limit_decides_as_the_in_process_one(database_url: str) -> None:
    """The same requests (keys, instants) get the same answers from both."""
    _postgres(database_url)
    engine = make_engine(database_url)
    local, shared = RateLimit(4, 60.0), SharedRateLimit(engine, "session", 4, 60.0)
    rng = random.Random(13)
    now, answers = T0, []
    try:
        for _ in range(120):
            now += timedelta(seconds=rng.choice([0, 0, 0, 1, 2, 5, 20]))
            key = rng.choice(["a", "b"])
            answers.append((local.check(key, now), await shared.wait(key, now)))
    finally:
        await engine.dispose()
    assert [a for a, b in answers if a != b] == []
    assert sum(1 for a, _ in answers if a) > 30  # the sequence did hit the limit, often


async def test_two_processes_share_one_budget_even_at_once(database_url: str) -> None:
    """Concurrent requests of one key through two engines (two processes): exactly `limit` pass."""
    _postgres(database_url)
    engines = [make_engine(database_url) for _ in range(2)]
    limits = [SharedRateLimit(e, "address", 5, 60.0) for e in engines]
    try:
        waits = await asyncio.gather(*(limits[i % 2].wait("10.0.0.9", T0) for i in range(16)))
    finally:
        for engine in engines:
            await engine.dispose()
    assert sorted(waits)[:6] == [0, 0, 0, 0, 0, 12]
    assert waits.count(0) == 5


async def test_idle_keys_are_deleted(database_url: str) -> None:
    _postgres(database_url)
    engine = make_engine(database_url)
    limit = SharedRateLimit(engine, "session", 1, 60.0)
    try:
        await limit.wait("early", T0)
        await limit.wait("late", T0 + timedelta(seconds=30))  # within a period: no sweep yet
        await limit.wait("later", T0 + timedelta(seconds=61))  # 'early' is idle by then
        async with engine.connect() as conn:
            keys = set((await conn.execute(select(WebRateLimit.key))).scalars())
    finally:
        await engine.dispose()
    assert keys == {"late", "later"}
