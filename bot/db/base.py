"""SQLAlchemy base, the UTC datetime type, and engine/session factories for SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, DateTime, Insert, MetaData, Table, event, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_

from bot.db.sqlite_driver import one_hop_dbapi

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations stay stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC instants on every backend (SQLite silently drops offsets otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return aware UTC datetimes."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; on SQLite, WAL + busy timeout + BEGIN IMMEDIATE transactions."""
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {"timeout": 30}
        if url.startswith("sqlite+aiosqlite") and "module" not in kwargs:
            # one thread round trip per statement instead of four, none inside a write
            # transaction: those run on the loop's thread (bot/db/sqlite_driver.py)
            kwargs["module"] = one_hop_dbapi()
            connect_args["check_same_thread"] = False
        engine = create_async_engine(url, connect_args=connect_args, **kwargs)
        _make_sqlite_transactions_immediate(engine)
        return engine
    if url.startswith("postgresql"):
        return _make_postgres_engine(url, **kwargs)
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


#: PostgreSQL connections a process keeps open: about the events in flight at once (20 chats
#: answered together in bench/inbound.py). SQLAlchemy's default (5 kept, 10 more) closed each
#: connection beyond the fifth on its return, so every event over five paid a new connection
#: (a server backend forked, asyncpg's type introspection, each statement prepared afresh).
POSTGRES_POOL_SIZE = 20
#: connections opened beyond those in a burst (closed again when returned)
POSTGRES_MAX_OVERFLOW = 10
#: a pooled PostgreSQL connection back in the pool for less than this (seconds) is handed out
#: without the liveness ping: it answered a moment ago. Like HikariCP's aliveBypassWindowMs
#: (500 ms). A server restart takes longer than this, so a connection that went back before it
#: is still pinged after it; under load connections come back every few milliseconds, and the
#: ping was 3 of an event's ~17 round trips (store, process, done: one checkout each).
POSTGRES_PING_AFTER_IDLE = 0.5
#: the PostgreSQL session settings troly connects with
POSTGRES_SERVER_SETTINGS = {
    # troly's statements are short lookups; JIT compiling one costs more than it saves
    "jit": "off",
}


def _make_postgres_engine(url: str, *, ping_after_idle: float = POSTGRES_PING_AFTER_IDLE,
                          **kwargs: Any) -> AsyncEngine:
    """asyncpg with a pool sized for concurrent events and a pre-ping in one round trip, only
    for connections idle in the pool for `ping_after_idle` seconds or more."""
    kwargs.setdefault("pool_size", POSTGRES_POOL_SIZE)
    kwargs.setdefault("max_overflow", POSTGRES_MAX_OVERFLOW)
    # the connection returned last goes out first: at any load the busy few stay within the
    # ping window (FIFO would rotate through all 20, each idle 20 checkouts long), and the
    # others rest (fewer server backends woken)
    kwargs.setdefault("pool_use_lifo", True)
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args["server_settings"] = {**POSTGRES_SERVER_SETTINGS,
                                       **connect_args.get("server_settings", {})}
    if not url.startswith("postgresql+asyncpg"):
        return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    # SQLAlchemy's pre-ping on asyncpg is BEGIN, a query, ROLLBACK: three round trips on every
    # checkout, up to three per event. The same check (is the connection still alive after a
    # server restart or a dropped link?) in one round trip, as a pool checkout listener.
    engine = create_async_engine(url, pool_pre_ping=False, connect_args=connect_args, **kwargs)
    _ping_on_checkout(engine, ping_after_idle)
    return engine


#: record.info key: time.monotonic() when the connection was opened or last returned to the pool
_RETURNED_AT = "troly_returned_at"


def _ping_on_checkout(engine: AsyncEngine, after_idle: float) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()  # just opened: no need to ping it

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # a monotonic clock, not the app's: how long a socket sat idle, not a business time
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned < after_idle:
            return
        try:
            # ";" outside a transaction: one round trip (asyncpg caches the statement)
            await_(dbapi_connection.driver_connection.fetchrow(";"))
        except Exception as exc:
            # like a failed pre-ping: drop every pooled connection older than now (the server
            # restarted, they are all dead) and let the pool connect afresh for this checkout
            raise InvalidatePoolError(f"ping failed: {exc!r}") from exc


def _make_sqlite_transactions_immediate(engine: AsyncEngine) -> None:
    # pysqlite's implicit transactions start lazily and DEFERRED, which lets two writers
    # read the same outbox rows; take the write lock at BEGIN instead (docs/scheduling.md A.3).
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # a reader (see `reading`): WAL gives it the last commit without the write lock
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION)
        connection.connection.info[BEGIN_SQL] = "BEGIN" if read_only else "BEGIN IMMEDIATE"

    def do_begin(dbapi_connection: Any) -> None:
        # the dialect's own step of every begin (SQLAlchemy wraps its errors, "database is
        # locked" included, as for any statement); issued here on the DBAPI cursor, not by the
        # listener through exec_driver_sql, whose execution context (compiled-cache look-up,
        # parameters, result set-up, cursor events) cost as much CPU as a keyed statement
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(dbapi_connection.info.pop(BEGIN_SQL, "BEGIN IMMEDIATE"))
        finally:
            cursor.close()

    # pysqlite's dialect begins nothing itself (do_begin is a no-op): this engine's dialect
    # is its own instance, so only this engine's begins change
    sync_engine.dialect.do_begin = do_begin  # type: ignore[method-assign]


#: execution option of a `reading` session's connection
READ_ONLY_OPTION = "troly_read_only"
#: connection info key: the BEGIN the next transaction of a SQLite connection starts with, set by
#: the engine's begin listener for the dialect's do_begin (tests read it to see the BEGIN: it
#: does not pass through the statement events)
BEGIN_SQL = "troly_begin_sql"


@asynccontextmanager
async def reading(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that only reads: on SQLite its transaction is DEFERRED, not IMMEDIATE.

    Writers take SQLite's one write lock at BEGIN; a read that did too would queue behind every
    event's transaction (or make them wait in SQLite's busy handler, whose back-off sleeps made
    the inbound tail). Under WAL a deferred reader neither waits for the writer nor blocks it.
    Writing in such a session is a bug (SQLite may refuse the upgrade with "database is locked").

    On PostgreSQL the session runs in autocommit: no BEGIN and ROLLBACK around its reads (two of
    the three round trips of a one-query check). It sees what it would see in a transaction: at
    READ COMMITTED, PostgreSQL's default, every statement takes its own snapshot either way.
    """
    session = sessionmaker()
    try:
        options: dict[str, Any] = {READ_ONLY_OPTION: True}
        if is_postgres(session):
            options["isolation_level"] = "AUTOCOMMIT"
        await session.connection(execution_options=options)
        yield session
    finally:
        await session.close()  # (see `transaction`: no task of its own)


@asynccontextmanager
async def one_statement(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session for a write of one statement, with nothing else to do in its transaction.

    On PostgreSQL the statement commits by itself when it returns (autocommit): no BEGIN and
    COMMIT round trips around it, and the same guarantees, since one statement is atomic on its
    own and its commit is as durable as any (synchronous_commit applies). Two statements in it
    would commit one by one there: use `sessionmaker.begin()` for those. On SQLite an ordinary
    (IMMEDIATE) transaction, committed when the block ends.
    """
    # SQLAlchemy's context managers here, not `transaction`'s way: these writes are the inbound
    # queue's group commits, and a flush that ends sooner gathers fewer updates into the next
    # one (PostgreSQL, in-process: 0.20-0.32 store statements per event instead of 0.15-0.18,
    # and more CPU per answer in the bench than the tasks saved)
    async with sessionmaker() as session:
        if is_postgres(session):
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            yield session
            return
        async with session.begin():
            yield session


@asynccontextmanager
async def transaction(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """`sessionmaker.begin()` for the transactions every inbound event runs: committed when the
    block ends, rolled back when it raises, closed either way, the same statements on the wire.

    What differs is the CPU: SQLAlchemy's async context managers run their commit and their close
    each in a task of its own, shielded from a cancellation of the caller (two tasks, their
    shields and their turns of the event loop per transaction, about a quarter of an empty
    transaction's CPU); here they are awaited in the caller's task. The hot paths are never
    cancelled in troly (the inbound queue's and the group commit's tasks are waited for, not
    cancelled, at shutdown; aiohttp does not cancel a request's handler when its client goes).
    Were one cancelled while committing, the commit's outcome would be the database's, as after a
    crash (the inbound row, committed with the event's effects, says which), and the close still
    runs (in _commit_and_close's `finally`).

    No explicit BEGIN call: the session begins its transaction at its first statement (the same
    BEGIN), and the commit and the close run in one greenlet; each awaited AsyncSession call
    spawns one (begin, commit and close were three per event)."""
    session = sessionmaker()
    try:
        yield session
    except BaseException:
        await session.close()  # rolls back
        raise
    await session.run_sync(_commit_and_close)


def _commit_and_close(session: Session) -> None:
    """Commit, then close (also when the commit failed: rolled back, the connection returned)."""
    try:
        session.commit()
    finally:
        session.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory; objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine_or_session: AsyncEngine | AsyncSession) -> bool:
    """True on PostgreSQL (SKIP LOCKED, advisory locks available)."""
    if isinstance(engine_or_session, AsyncSession):
        return engine_or_session.get_bind().dialect.name == "postgresql"
    return engine_or_session.dialect.name == "postgresql"


V = TypeVar("V")


def in_fixed(column: ColumnElement[V], values: Iterable[V]) -> ColumnElement[bool]:
    """`column IN (…)` over a fixed list of values, one plain bound parameter per value.

    SQLAlchemy renders IN over a list as one "expanding" parameter, and a statement holding one
    has its SQL text re-rendered at every execution (a regular expression over the whole text):
    for a statement every inbound event runs, bind a fixed list value by value instead (the SQL
    and its compiled form are then the same at every execution)."""
    return column.in_([literal(value, column.type) for value in values])


def insert_ignore(session: AsyncSession, model: type[Base] | Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for the session's dialect (PostgreSQL or SQLite)."""
    dialect = postgresql if is_postgres(session) else sqlite
    return dialect.insert(model).on_conflict_do_nothing()  # type: ignore[no-any-return]
