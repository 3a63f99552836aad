"""Once-per-period jobs: the process whose job_runs insert wins does the work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Insert, Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import Base, is_postgres
from bot.db.models import JobRun


def insert_ignore(session: AsyncSession, model: type[Base] | Table) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for the session's dialect (PostgreSQL or SQLite)."""
    dialect = postgresql if is_postgres(session) else sqlite
    return dialect.insert(model).on_conflict_do_nothing()  # type: ignore[no-any-return]


async def run_once(session: AsyncSession, job_name: str, period_key: str, owner: str,
                   now: datetime) -> bool:
    """Claim (job_name, period_key) in the caller's transaction; True only for the first claimer.

    Put the job's own writes in the same transaction: a crash then rolls back the claim too,
    so the period is not marked done without its work.
    """
    stmt = insert_ignore(session, JobRun).values(
        job_name=job_name, period_key=period_key, owner=owner, started_at=now)
    result = await session.execute(stmt.returning(JobRun.job_name))
    return result.first() is not None


async def finish(session: AsyncSession, job_name: str, period_key: str, now: datetime) -> None:
    """Record when a claimed job finished."""
    await session.execute(update(JobRun).where(
        JobRun.job_name == job_name, JobRun.period_key == period_key).values(finished_at=now))
