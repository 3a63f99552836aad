"""Alembic migrations run up and down on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.base import Base, make_engine, make_sessionmaker
from bot.db.migrate import alembic_config
from bot.db.models import Plan


async def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await engine.dispose()
    return list(diff)


async def test_schema_matches_models(database_url: str) -> None:
    assert await _diff(database_url) == []


async def test_downgrade_and_upgrade_again(database_url: str) -> None:
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "base")
    assert await _triggers(database_url) == set()
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await _diff(database_url) == []
    assert await _triggers(database_url) == _declared_triggers()


# ---------------------------------------------------------------- triggers
# Models do not declare triggers; migrations do (TRIGGERS, TRIGGERS_DROPPED: table → names). On
# SQLite a later batch_alter_table that recreates a table silently drops that table's triggers,
# and compare_metadata does not see triggers at all: these tests do.

CREATES_TRIGGER = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER", re.I)


def _revisions() -> list[ModuleType]:
    """The migration modules from base to head."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [revision.module for revision in reversed(list(script.walk_revisions()))]


def _declared_triggers() -> set[tuple[str, str]]:
    """(table, trigger) the migrations up to head leave behind."""
    declared: set[tuple[str, str]] = set()
    for module in _revisions():
        for table, names in getattr(module, "TRIGGERS", {}).items():
            declared |= {(table, name) for name in names}
        for table, names in getattr(module, "TRIGGERS_DROPPED", {}).items():
            declared -= {(table, name) for name in names}
    return declared


async def _triggers_of(conn: AsyncConnection) -> set[tuple[str, str]]:
    if conn.dialect.name == "sqlite":
        statement = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
    else:  # the triggers migrations created, not PostgreSQL's own (foreign keys)
        statement = ("SELECT c.relname, t.tgname FROM pg_trigger t "
                     "JOIN pg_class c ON c.oid = t.tgrelid "
                     "WHERE NOT t.tgisinternal AND pg_table_is_visible(c.oid)")
    return {(table, name) for table, name in (await conn.execute(text(statement))).all()}


async def _triggers(url: str) -> set[tuple[str, str]]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        found = await _triggers_of(conn)
    await engine.dispose()
    return found


def test_every_migration_that_creates_a_trigger_declares_it() -> None:
    """The declaration is what the checks below compare with: a migration that creates a
    trigger without declaring it would be invisible to them."""
    undeclared = [module.__name__ for module in _revisions()
                  if CREATES_TRIGGER.search(Path(str(module.__file__)).read_text(encoding="utf-8"))
                  and not getattr(module, "TRIGGERS", None)]
    assert undeclared == []
    assert _declared_triggers(), "the knowledge triggers (0017) are declared"


async def test_upgrade_head_leaves_every_declared_trigger(database_url: str) -> None:
    """After `alembic upgrade head` the database has exactly the triggers the migrations
    declare: none lost to a later table rebuild, none created undeclared."""
    assert await _triggers(database_url) == _declared_triggers()


async def test_a_sqlite_table_rebuild_loses_its_triggers_and_the_check_sees_it(
        tmp_path: Path, sqlite_template: Path) -> None:
    """What the check above guards against: batch_alter_table recreating a table on SQLite (as
    a migration altering a column does) drops its triggers without a word."""
    path = tmp_path / "rebuilt.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")

    def rebuild(sync: Connection) -> None:
        with Operations(MigrationContext.configure(sync)).batch_alter_table(
                "synonyms", recreate="always"):
            pass

    async with engine.begin() as conn:
        await conn.run_sync(rebuild)
    async with engine.connect() as conn:
        missing = _declared_triggers() - await _triggers_of(conn)
    await engine.dispose()
    assert missing == {("synonyms", f"synonyms_{event}_knowledge")
                       for event in ("insert", "update", "delete")}


async def test_instants_round_trip_as_utc(database_url: str) -> None:
    engine = make_engine(database_url)
    local = datetime(2026, 12, 1, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    async with make_sessionmaker(engine).begin() as session:
        session.add(Plan(ref="KH-1", created_at=local))
    async with make_sessionmaker(engine)() as session:
        stored = (await session.execute(select(Plan))).scalar_one().created_at
        found = (await session.execute(select(Plan).where(
            Plan.created_at <= datetime(2026, 12, 1, 1, 0, tzinfo=UTC)))).scalars().all()
    await engine.dispose()
    assert stored == local and stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert len(found) == 1


@pytest.mark.slow
async def test_processes_starting_together_migrate_once(database_url: str, tmp_path: Path) -> None:
    """Several processes (`troly migrate`, or `troly run` on start) upgrading one empty database at
    the same time take turns (an advisory lock on PostgreSQL); none fails."""
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "base")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY_")}
    env["TROLY_DATABASE_URL"] = database_url
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from bot.cli import main; main()", "migrate", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for _ in range(3)]
    results = [await asyncio.wait_for(p.communicate(), 120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err.decode()[-2000:] for _, err in results]
    assert await _diff(database_url) == []


async def test_upgrade_keeps_existing_guides_on_sqlite(database_url: str) -> None:
    """An installation with guides upgrades: SQLite batch ALTERs re-create a referenced table
    (guides, under guide_versions) without tripping the foreign keys troly turns on."""
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "0011_pending_imports")
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        at = datetime(2026, 1, 1, tzinfo=UTC)
        await conn.execute(text(
            "INSERT INTO guides (id, slug, title, status, created_at, updated_at) "
            "VALUES (1, 'g', 'Hướng dẫn', 'active', :at, :at)"), {"at": at})
        await conn.execute(text(
            "INSERT INTO guide_versions (id, guide_id, version, file_name, sha256, uploaded_at) "
            "VALUES (1, 1, 1, 'g.md', 'x', :at)"), {"at": at})
        await conn.execute(text("UPDATE guides SET current_version_id = 1"))
    await engine.dispose()
    await asyncio.to_thread(command.upgrade, config, "head")
    engine = make_engine(database_url)
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT g.title, v.file_name FROM guides g JOIN guide_versions v "
            "ON v.id = g.current_version_id"))).all()
        violations = (await conn.execute(text("PRAGMA foreign_key_check"))).all() \
            if conn.dialect.name == "sqlite" else []
    await engine.dispose()
    assert [tuple(r) for r in rows] == [("Hướng dẫn", "g.md")] and violations == []
