"""bot/db/sqlite_driver.py and base.reading: what the engine sees, in one round trip per statement."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import make_engine, make_sessionmaker, reading
from bot.db.sqlite_driver import OneHopCursor

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


async def test_one_round_trip_per_statement(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:  # BEGIN IMMEDIATE is a statement of its own
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        calls: list[object] = []
        real = driver._execute

        async def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
            calls.append(fn)
            return await real(fn, *args, **kwargs)

        driver._execute = counting
        try:
            assert (await conn.execute(select(ITEMS.c.id).where(ITEMS.c.id == 1))).first() is None
        finally:
            del driver._execute
        assert len(calls) == 1  # SQLAlchemy's own cursor makes four (cursor, execute, fetch, close)
        assert isinstance(raw.dbapi_connection.cursor(), OneHopCursor)  # type: ignore[union-attr]


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
    assert calls == ["_run", "_run", "commit", "_run", "_run", "rollback"]
    async with engine.connect() as conn:
        names = (await conn.execute(select(ITEMS.c.name))).scalars().all()
    assert names == ["kept"]
