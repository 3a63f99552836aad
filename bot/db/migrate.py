"""Run Alembic migrations programmatically (no alembic.ini needed at run time)."""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at troly's migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def ensure_sqlite_dir(database_url: str) -> None:
    """Create the folder of a file-based SQLite database; refuse early if it cannot be written.

    SQLite writes its -wal and -shm files beside the database, so the folder must be writable
    too; checking here gives a PermissionError naming the folder instead of SQLite's
    "unable to open database file" deep inside a migration.
    """
    prefix = "sqlite+aiosqlite:///"
    if database_url.startswith(prefix):
        path = database_url[len(prefix) :].split("?", 1)[0]
        if path and path != ":memory:":
            database = Path(path)
            database.parent.mkdir(parents=True, exist_ok=True)
            for target, mode in ((database.parent, os.W_OK | os.X_OK),
                                 (database, os.R_OK | os.W_OK)):
                if target.exists() and not os.access(target, mode):
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))


def upgrade_sync(database_url: str, revision: str = "head") -> None:
    """Migrate to `revision` (blocking; call from a thread inside an event loop)."""
    ensure_sqlite_dir(database_url)
    command.upgrade(alembic_config(database_url), revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate to `revision` without blocking the running event loop."""
    await asyncio.to_thread(upgrade_sync, database_url, revision)
