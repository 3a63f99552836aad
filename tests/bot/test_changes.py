"""Change counters: a generation read with another statement answers the transaction's first
read only, and never one after the session's own bump."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.db import changes
from tests.harness import BotHarness


async def _bumped(maker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with maker.begin() as session:
        await changes.bump(session, changes.KNOWLEDGE, clock.now())


async def test_a_remembered_generation_answers_the_first_read_only(harness: BotHarness) -> None:
    maker = harness.app.sessionmaker
    await _bumped(maker, harness.clock)
    async with maker.begin() as session:
        assert await changes.generation(session, changes.KNOWLEDGE) == 1
        changes.remember(session, changes.KNOWLEDGE, 41)  # not what the table holds: seen
        assert await changes.generation(session, changes.KNOWLEDGE) == 41
        # a caller comparing two reads (bot/db/guide_cache.py) gets a real second one
        assert await changes.generation(session, changes.KNOWLEDGE) == 1


async def test_a_remembered_generation_stays_in_its_transaction(harness: BotHarness) -> None:
    maker = harness.app.sessionmaker
    async with maker() as session:
        async with session.begin():
            changes.remember(session, changes.KNOWLEDGE, 41)
        async with session.begin():
            assert await changes.generation(session, changes.KNOWLEDGE) == 0


async def test_the_sessions_own_bump_is_read_not_the_remembered_value(
        harness: BotHarness) -> None:
    maker = harness.app.sessionmaker
    async with maker.begin() as session:
        changes.remember(session, changes.KNOWLEDGE, 0)
        await changes.bump(session, changes.KNOWLEDGE, harness.clock.now())
        assert changes.changed_here(session, changes.KNOWLEDGE)
        assert await changes.generation(session, changes.KNOWLEDGE) == 1
