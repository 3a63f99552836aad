"""Once-per-period jobs (job_runs): the process whose insert wins does the work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import insert_ignore
from bot.db.models import JobRun

#: period key of the row that records a job's very first run
FIRST_RUN = "first-run"


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


async def first_run(session: AsyncSession, job_name: str, now: datetime, owner: str,
                    earliest_trace: Callable[[], Awaitable[datetime | None]] | None = None,
                    ) -> datetime:
    """When `job_name` first ran: recorded once as job_runs (job_name, 'first-run'), then read back.

    Insert-ignore, so concurrent first runs in several processes agree on one instant.
    `earliest_trace` (e.g. the oldest outbox row) backdates the record for an installation
    that ran before this row existed, so an upgrade does not look like a fresh install.
    """
    query = select(JobRun.started_at).where(JobRun.job_name == job_name,
                                            JobRun.period_key == FIRST_RUN)
    found = (await session.execute(query)).scalar_one_or_none()
    if found is not None:
        return found
    trace = await earliest_trace() if earliest_trace is not None else None
    started = min(now, trace) if trace is not None else now
    await session.execute(insert_ignore(session, JobRun).values(
        job_name=job_name, period_key=FIRST_RUN, owner=owner, started_at=started,
        finished_at=started))
    return (await session.execute(query)).scalar_one()
