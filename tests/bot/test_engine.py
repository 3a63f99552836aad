"""The engine on PostgreSQL: a pooled connection the server dropped is replaced on checkout, and
read-only sessions see committed writes without holding a transaction open."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.db.base import make_engine, make_sessionmaker, reading
from bot.db.models import InboundUpdate

pytestmark = pytest.mark.postgres


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine over the PostgreSQL test database (the SQLite variant is skipped)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite has no server to drop connections")
    made = make_engine(database_url)
    yield made
    await made.dispose()


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_the_server_dropped_is_replaced_on_checkout(
        engine: AsyncEngine) -> None:
    victim = await engine.connect()
    first = int((await victim.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    async with engine.connect() as admin:  # a second pooled connection, to kill the first
        await victim.close()  # back in the pool, idle
        killed = (await admin.execute(text("SELECT pg_terminate_backend(:pid)"),
                                      {"pid": first})).scalar_one()
    assert killed is True
    # the next checkouts ping, find the dead one and connect afresh: no error reaches the caller
    pids = {await _backend_pid(engine) for _ in range(3)}
    assert first not in pids


async def test_a_reading_session_holds_no_transaction_and_sees_commits(
        engine: AsyncEngine, clock: ManualClock) -> None:
    sessionmaker = make_sessionmaker(engine)
    async with reading(sessionmaker) as session:
        pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        async with engine.connect() as observer:
            state = (await observer.execute(text(
                "SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})).scalar_one()
        assert state == "idle"  # autocommit: not 'idle in transaction' between its reads
        async with sessionmaker.begin() as writer:
            writer.add(InboundUpdate(channel="telegram", update_id="1", received_at=clock.now()))
        # a later statement of the same reading session sees the write committed meanwhile
        seen = (await session.execute(select(InboundUpdate.update_id))).scalars().all()
        assert seen == ["1"]
