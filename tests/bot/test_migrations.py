"""Alembic migrations run up and down on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

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
    await asyncio.to_thread(command.upgrade, config, "head")
    assert await _diff(database_url) == []


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
