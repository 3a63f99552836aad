"""Everything the planner reads besides tasks: calendar, schedules, people and contacts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.policy import Policies, Schedule, load_policies
from scheduler.recipients import DEFAULT_CHANNELS, Directory, load_directory
from scheduler.workdays import WorkCalendar, load_calendar


@dataclass
class PlanInputs:
    """The planner's slowly-changing inputs, loaded once per run."""

    calendar: WorkCalendar
    policies: Policies
    directory: Directory


async def load_inputs(session: AsyncSession, channels: Sequence[str] = DEFAULT_CHANNELS,
                      base: Schedule | None = None) -> PlanInputs:
    """Load calendar, policies and directory from the database."""
    return PlanInputs(calendar=await load_calendar(session),
                      policies=await load_policies(session, base),
                      directory=await load_directory(session, channels))
