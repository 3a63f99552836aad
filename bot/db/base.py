"""SQLAlchemy base, the UTC datetime type, and engine/session factories for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Insert, MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

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
        if url.startswith("sqlite+aiosqlite"):
            # one thread round trip per statement instead of four (bot/db/sqlite_driver.py)
            kwargs.setdefault("module", one_hop_dbapi())
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _make_sqlite_transactions_immediate(engine)
        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


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
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            # a reader (see `reading`): WAL gives it the last commit without the write lock
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


#: execution option of a `reading` session's connection
READ_ONLY_OPTION = "troly_read_only"


@asynccontextmanager
async def reading(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that only reads: on SQLite its transaction is DEFERRED, not IMMEDIATE.

    Writers take SQLite's one write lock at BEGIN; a read that did too would queue behind every
    event's transaction (or make them wait in SQLite's busy handler, whose back-off sleeps made
    the inbound tail). Under WAL a deferred reader neither waits for the writer nor blocks it.
    Writing in such a session is a bug (SQLite may refuse the upgrade with "database is locked").
    """
    async with sessionmaker() as session:
        await session.connection(execution_options={READ_ONLY_OPTION: True})
        yield session


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory; objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def is_postgres(engine_or_session: AsyncEngine | AsyncSession) -> bool:
    """True on PostgreSQL (SKIP LOCKED, advisory locks available)."""
    if isinstance(engine_or_session, AsyncSession):
        return engine_or_session.get_bind().dialect.name == "postgresql"
    return engine_or_session.dialect.name == "postgresql"


def insert_ignore(session: AsyncSession, model: type[Base] | Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for the session's dialect (PostgreSQL or SQLite)."""
    dialect = postgresql if is_postgres(session) else sqlite
    return dialect.insert(model).on_conflict_do_nothing()  # type: ignore[no-any-return]
