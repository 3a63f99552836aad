"""Everything the planner reads besides tasks: calendar, schedules, people and contacts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.leave_store import all_spans
from rules.policy import Policies, Schedule, load_policies
from rules.recipients import DEFAULT_CHANNELS, Directory, load_directory
from rules.workdays import WorkCalendar, load_calendar


@dataclass
class PlanInputs:
    """The planner's slowly-changing inputs, loaded once per run."""

    calendar: WorkCalendar
    policies: Policies
    directory: Directory


#: leave that ended this long ago no longer matters to the planner
LEAVE_LOOKBACK = timedelta(days=31)


async def load_inputs(session: AsyncSession, channels: Sequence[str] = DEFAULT_CHANNELS,
                      base: Schedule | None = None, *, today: date | None = None) -> PlanInputs:
    """Load calendar, policies, directory and leave from the database."""
    directory = await load_directory(session, channels)
    first = today - LEAVE_LOOKBACK if today is not None else date.min
    directory.leaves = await all_spans(session, first, date.max)
    return PlanInputs(calendar=await load_calendar(session),
                      policies=await load_policies(session, base), directory=directory)
