"""bot/db/sqlite_driver.py and base.reading: what the engine sees, in one round trip per statement
(none inside a write transaction but its commit)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import make_engine, make_sessionmaker, reading
from bot.db.sqlite_driver import OneHopCursor
from bot.dispatcher import is_database_busy
from bot.events import ChatRef, Sender, TextMessage
from tests.fakes import FakeChannel
from tests.harness import BotHarness

META = MetaData()
ITEMS = Table("items", META, Column("id", Integer, primary_key=True),
              Column("name", String, unique=True, nullable=False))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test database lives."""
    return tmp_path / "driver.db"


@pytest.fixture
async def engine(db_path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite engine from make_engine with the items table."""
    engine = make_engine(f"sqlite+aiosqlite:///{db_path}")
    async with engine.begin() as conn:
        await conn.run_sync(META.create_all)
    yield engine
    await engine.dispose()


async def test_results_as_sqlite3_gives_them(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(insert(ITEMS).values(name="a"))
        assert inserted.inserted_primary_key == (1,)  # lastrowid
        await conn.execute(insert(ITEMS), [{"name": "b"}, {"name": "c"}])  # executemany
        returned = await conn.execute(insert(ITEMS).values(name="d").returning(ITEMS.c.id))
        assert returned.scalar_one() == 4
        changed = await conn.execute(update(ITEMS).where(ITEMS.c.id > 1).values(name=ITEMS.c.name + "!"))
        assert changed.rowcount == 3
        rows = (await conn.execute(select(ITEMS.c.name).order_by(ITEMS.c.id))).scalars().all()
        assert rows == ["a", "b!", "c!", "d!"]
        assert (await conn.execute(select(ITEMS).where(ITEMS.c.id == 99))).first() is None
        streamed = await conn.stream(select(ITEMS.c.id).order_by(ITEMS.c.id))  # server-side cursor
        assert [row[0] async for row in streamed] == [1, 2, 3, 4]


async def test_errors_are_the_usual_ones_and_a_savepoint_recovers(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(ITEMS).values(name="a"))
        with pytest.raises(IntegrityError):
            async with conn.begin_nested():
                await conn.execute(insert(ITEMS).values(name="a"))
        await conn.execute(insert(ITEMS).values(name="b"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM items"))).scalar_one() == 2


@contextmanager
def round_trips() -> Iterator[list[str]]:
    """The functions sent to aiosqlite's thread inside the block (every connection's)."""
    calls: list[str] = []
    real: Any = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    aiosqlite.Connection._execute = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        aiosqlite.Connection._execute = real  # type: ignore[method-assign]


async def test_a_write_transaction_is_one_round_trip_its_commit(engine: AsyncEngine) -> None:
    """BEGIN IMMEDIATE and the statements run on the loop's thread (the write lock is held: none
    can wait); only COMMIT (the disk's fsync) goes to aiosqlite's thread."""
    async with engine.connect() as conn:
        await conn.rollback()  # connected: the PRAGMAs ran
        with round_trips() as calls:
            async with conn.begin():
                await conn.execute(insert(ITEMS).values(name="a"))
                assert (await conn.execute(select(ITEMS.c.name))).scalars().all() == ["a"]
                await conn.execute(insert(ITEMS), [{"name": "b"}, {"name": "c"}])  # executemany
        assert calls == ["commit"]
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), OneHopCursor)  # type: ignore[union-attr]


async def test_a_read_is_one_round_trip_per_statement(engine: AsyncEngine) -> None:
    """Outside a write transaction a statement may wait (for a reader's snapshot): in the
    thread, one round trip each (SQLAlchemy's own cursor makes four: cursor, execute, fetch,
    close)."""
    sessionmaker = make_sessionmaker(engine)
    async with reading(sessionmaker) as session:  # BEGIN (deferred): a round trip
        with round_trips() as calls:
            assert (await session.execute(select(ITEMS.c.id).where(ITEMS.c.id == 1))).first() is None
    assert calls == ["_run"]


async def test_a_busy_write_lock_is_waited_for_in_the_thread(engine: AsyncEngine,
                                                             db_path: Path) -> None:
    """Another connection holds the write lock: BEGIN IMMEDIATE waits in aiosqlite's thread
    (SQLite's busy timeout), not on the loop's; the writer goes on once the lock is free."""
    async with engine.connect() as conn:
        await conn.rollback()  # connected (the pool keeps it: the writer below reuses it)
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    waiting = asyncio.Event()
    real: Any = aiosqlite.Connection._execute

    async def noting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if "BEGIN IMMEDIATE" in args:
            waiting.set()
        return await real(self, fn, *args, **kwargs)

    async def write() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(ITEMS).values(name="late"))

    aiosqlite.Connection._execute = noting  # type: ignore[method-assign]
    try:
        writer = asyncio.create_task(write())
        await waiting.wait()  # the loop runs while the writer waits for the lock
        assert not writer.done()
        other.execute("INSERT INTO items (name) VALUES ('first')")
        other.execute("COMMIT")
        await writer
    finally:
        aiosqlite.Connection._execute = real  # type: ignore[method-assign]
        other.close()
    async with engine.connect() as conn:
        names = (await conn.execute(select(ITEMS.c.name).order_by(ITEMS.c.id))).scalars().all()
    assert names == ["first", "late"]


async def test_a_statement_that_ends_the_transaction_stops_the_inline_path(
        engine: AsyncEngine) -> None:
    """INSERT OR ROLLBACK failing rolls the whole transaction back in SQLite: the write lock is
    gone, so what follows waits for it in the thread again (and nothing of it was kept)."""
    async with engine.begin() as conn:
        await conn.execute(insert(ITEMS).values(name="a"))
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(insert(ITEMS).values(name="b"))
        with pytest.raises(IntegrityError):
            await conn.exec_driver_sql("INSERT OR ROLLBACK INTO items (name) VALUES ('a')")
        raw: Any = (await conn.get_raw_connection()).dbapi_connection
        assert not raw.writing
        await conn.rollback()
    async with engine.connect() as conn:
        assert (await conn.execute(select(ITEMS.c.name))).scalars().all() == ["a"]


async def test_a_reader_leaves_the_write_lock_free(engine: AsyncEngine, db_path: Path) -> None:
    sessionmaker = make_sessionmaker(engine)
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)  # no busy wait at all
    try:
        async with reading(sessionmaker) as session:
            assert (await session.execute(select(ITEMS.c.id))).first() is None
            assert session.in_transaction()
            other.execute("BEGIN IMMEDIATE")  # would be "database is locked" under a writer
            other.execute("INSERT INTO items (name) VALUES ('x')")
            other.execute("COMMIT")
        async with sessionmaker() as session:  # an ordinary session takes the write lock
            assert (await session.execute(select(ITEMS.c.name))).scalars().all() == ["x"]
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


async def test_the_pools_rollback_after_a_commit_makes_no_round_trip(engine: AsyncEngine) -> None:
    calls: list[str] = []
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        real = driver._execute

        async def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
            calls.append(getattr(fn, "__name__", str(fn)))
            return await real(fn, *args, **kwargs)

        driver._execute = counting
        async with conn.begin():
            await conn.execute(insert(ITEMS).values(name="kept"))
        await conn.begin()
        await conn.execute(insert(ITEMS).values(name="undone"))
        await conn.rollback()  # a transaction open: rolled back in sqlite3's thread
    # then the pool resets the connection it gets back: nothing is open, so no round trip
    del driver._execute
    assert calls == ["commit", "rollback"]  # the statements ran inline (write transactions)
    async with engine.connect() as conn:
        names = (await conn.execute(select(ITEMS.c.name))).scalars().all()
    assert names == ["kept"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite's driver only
async def test_an_inbound_event_is_one_round_trip_on_sqlite(harness: BotHarness) -> None:
    """An event's transaction (dedupe key, account, state, replies) on SQLite: all its statements
    on the loop's thread, one round trip to aiosqlite's thread (the commit)."""
    await harness.say("/trogiup", channel="telegram")
    event = TextMessage(chat=ChatRef("telegram", "u1"), sender=Sender("u1"),
                        at=harness.clock.now(), text="/trogiup", dedupe_key="42")
    with round_trips() as calls:
        assert await harness.app.dispatcher.handle(event, FakeChannel(name="telegram"))
    assert calls == ["commit"]


async def test_a_begin_that_cannot_take_the_lock_is_sqlalchemys_operational_error(
        engine: AsyncEngine, db_path: Path) -> None:
    """BEGIN IMMEDIATE is issued by the dialect's begin (bot/db/base.py), not as a statement:
    its "database is locked" still comes as SQLAlchemy's OperationalError, which the dispatcher
    turns into the polite wait (is_database_busy)."""
    async with engine.connect() as conn:
        await conn.exec_driver_sql("PRAGMA busy_timeout=50")  # kept by the pooled connection
        # the driver restores the timeout it read once (bot/db/sqlite_driver.py, busy_ms) after
        # each inline BEGIN: without this the test waited the default 30 s for the lock
        (await conn.get_raw_connection()).dbapi_connection.busy_ms = 50  # type: ignore[union-attr]
        await conn.rollback()
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError) as raised:
            async with engine.begin() as conn:
                await conn.execute(insert(ITEMS).values(name="never"))
        assert is_database_busy(raised.value)
    finally:
        other.close()
    async with engine.begin() as conn:  # the lock free again: the same connection writes
        await conn.execute(insert(ITEMS).values(name="later"))
        assert (await conn.execute(select(ITEMS.c.name))).scalars().all() == ["later"]
