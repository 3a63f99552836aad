"""Fixtures for scheduler tests: a session factory on the test database, a world, a simulation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.db.base import make_engine, make_sessionmaker
from tests.fakes import FakeChannel
from tests.scheduler.sim import Sim
from tests.world import World


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the per-test migrated database."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """ORM helpers to create units, officials and tasks."""
    return World(sessionmaker)


@pytest.fixture
def telegram() -> FakeChannel:
    """A recording 'telegram' channel."""
    return FakeChannel(name="telegram")


@pytest.fixture
def sim(sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock,
        telegram: FakeChannel) -> Sim:
    """Planner + dispatcher ticks on the manual clock, sending to the fake telegram channel."""
    return Sim(sessionmaker, clock, {"telegram": telegram})
