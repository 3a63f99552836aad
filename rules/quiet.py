"""Quiet hours: nothing is delivered between quiet_start and quiet_end local time."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.clock import local_datetime, to_local


def in_quiet_hours(instant: datetime, start: time, end: time) -> bool:
    """Whether an instant falls in the local quiet window (which may wrap midnight)."""
    wall = to_local(instant).time()
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def hold_until_morning(instant: datetime, start: time, end: time) -> datetime:
    """The instant itself, or the end of the quiet window it falls in (UTC)."""
    if not in_quiet_hours(instant, start, end):
        return instant
    local = to_local(instant)
    day = local.date()
    if local.time() >= start and start > end:  # evening part of a window that wraps midnight
        day += timedelta(days=1)
    return local_datetime(day, end)
