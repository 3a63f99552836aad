"""Alembic migrations run up and down on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

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
