"""Alembic environment: runs migrations through the async engine on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import Iterator
from typing import Any

from alembic import context
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url

from bot.db import models  # noqa: F401  (registers tables on Base.metadata)
from bot.db.base import Base, make_engine

target_metadata = Base.metadata
#: PostgreSQL advisory lock key held while migrating: several processes starting at once (or a
#: `troly migrate` beside running ones) take turns; the later ones find the schema current
MIGRATION_LOCK_KEY = 7_406_952_810_001


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":  # held until the migration transaction ends
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


@contextlib.contextmanager
def _sqlite_file_lock(url: str) -> Iterator[None]:
    """SQLite has no advisory lock: processes migrating one file take turns on a lock file beside it."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


async def _run_async(url: str) -> None:
    with _sqlite_file_lock(url):
        await _migrate(url)


def _without_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite batch ALTERs copy a table, DROP it and rename the copy: with foreign keys on,
    # dropping a table other rows point at (guides under guide_versions) fails. Alembic's advice:
    # migrate with them off (runs after bot.db.base's connect hook, which turns them on).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _without_foreign_keys)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Run with a live connection (the only mode troly uses)."""
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_async(url))


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported; run `troly migrate`")
run_migrations_online()
