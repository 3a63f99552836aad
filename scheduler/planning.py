"""One planning pass: the planner's deadlines, check-ins and digests, then the periodic summaries
and the guide notices, written together (the entry point the scheduler's tick calls).

It lives apart from scheduler/planner.py so that the planner, and the periodic and guidance
planners that build on it, import one way: planning → periodic, guidance → planner.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date
from rules.recipients import DEFAULT_CHANNELS
from scheduler import guidance, periodic
from scheduler.inputs import PlanInputs, load_inputs
from scheduler.planner import DigestBuilder, Planner, PlanResult, cancel_stale, planner_first_run


async def plan(
    session: AsyncSession,
    now: datetime,
    *,
    inputs: PlanInputs | None = None,
    channels: Sequence[str] = DEFAULT_CHANNELS,
    digest_builder: DigestBuilder | None = None,
    collect: bool = False,
) -> PlanResult:
    """Insert every occurrence due at `now` (idempotent; safe late, twice, or in parallel)."""
    inputs = inputs or await load_inputs(session, channels, today=local_date(now))
    since = await planner_first_run(session, now)
    result = PlanResult()
    result.cancelled = await cancel_stale(session, now)
    planner = Planner(session, now, inputs, digest_builder, since=since)
    await planner.deadlines()
    await planner.checkins()
    planner.digests()
    await periodic.plan_periods(planner)
    await guidance.plan_guidance(planner)
    await planner.write(result, collect=collect)
    result.failed = planner.failed
    return result
