"""The engine on PostgreSQL: a pooled connection the server dropped is replaced on checkout (one
that came back to the pool a moment ago is handed out without the ping), and read-only sessions see
committed writes without holding a transaction open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import ManualClock
from bot.db.base import make_engine, make_sessionmaker, one_statement, reading
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


@pytest.fixture
def postgres_only(database_url: str) -> str:
    """The PostgreSQL test database's URL (the SQLite variant is skipped)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: the ping is a PostgreSQL engine's")
    return database_url


async def test_a_connection_the_server_dropped_is_replaced_on_checkout(
        postgres_only: str) -> None:
    engine = make_engine(postgres_only, ping_after_idle=0.05)
    try:
        await _dropped_connection_is_replaced(engine, idle=0.1)
    finally:
        await engine.dispose()


async def _dropped_connection_is_replaced(engine: AsyncEngine, *, idle: float) -> None:
    victim = await engine.connect()
    first = int((await victim.execute(text("SELECT pg_backend_pid()"))).scalar_one())
    async with engine.connect() as admin:  # a second pooled connection, to kill the first
        await victim.close()  # back in the pool, idle
        killed = (await admin.execute(text("SELECT pg_terminate_backend(:pid)"),
                                      {"pid": first})).scalar_one()
    assert killed is True
    await asyncio.sleep(idle)  # idle in the pool longer than the window
    # the next checkouts ping, find the dead one and connect afresh: no error reaches the caller
    pids = {await _backend_pid(engine) for _ in range(3)}
    assert first not in pids


async def _last_query(engine: AsyncEngine, pid: int) -> str:
    async with engine.connect() as observer:
        return str((await observer.execute(text(
            "SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})).scalar_one())


@pytest.mark.parametrize(("window", "pinged"), [(60.0, False), (0.0, True)])
async def test_a_connection_returned_a_moment_ago_is_not_pinged(
        postgres_only: str, window: float, pinged: bool) -> None:
    engine = make_engine(postgres_only, ping_after_idle=window, pool_size=2)
    try:
        async with engine.connect() as conn:
            pid = int((await conn.execute(text("SELECT pg_backend_pid()")))
                      .scalar_one())
        async with engine.connect():  # the one pooled connection again, checked out
            # the backend's last statement: the ping's ";", or still what ended the first use
            assert (await _last_query(engine, pid) == ";") is pinged
    finally:
        await engine.dispose()


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


async def test_one_statement_commits_by_itself_on_postgres(
        postgres_only: str, clock: ManualClock) -> None:
    engine = make_engine(postgres_only)
    sessionmaker = make_sessionmaker(engine)
    try:
        async with one_statement(sessionmaker) as session:
            await session.execute(insert(InboundUpdate).values(
                channel="telegram", update_id="1", received_at=clock.now()))
            pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with engine.connect() as observer:
                state = (await observer.execute(text(
                    "SELECT state FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": pid})).scalar_one()
                # no BEGIN was sent: the insert is already committed, visible to others
                seen = (await observer.execute(select(InboundUpdate.update_id))).scalars().all()
            assert state == "idle"
            assert seen == ["1"]
    finally:
        await engine.dispose()
