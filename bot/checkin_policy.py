"""When a week's check-in closes: the unit's cut-off (default Friday 16:00 local) and ISO-week helpers."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.clock import iso_week_key, local_date, local_datetime

if TYPE_CHECKING:
    from bot.db.models import Unit

#: the default cut-off, as stored in Unit.schedule["checkin_cutoff"]
DEFAULT_CUTOFF = "fri 16:00"
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
         "t2": 0, "t3": 1, "t4": 2, "t5": 3, "t6": 4, "t7": 5, "cn": 6}
_CUTOFF_RE = re.compile(r"^\s*([a-z0-9]+)\s+(\d{1,2}):(\d{2})\s*$")
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_cutoff(spec: str) -> tuple[int, time]:
    """'fri 16:00' → (4, 16:00); ValueError for anything else."""
    match = _CUTOFF_RE.match(spec.casefold())
    if match is None or match.group(1) not in _DAYS:
        raise ValueError(f"bad check-in cut-off {spec!r} (expected e.g. 'fri 16:00')")
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"bad check-in cut-off time {spec!r}")
    return _DAYS[match.group(1)], time(hour, minute)


def checkin_cutoff(week_monday: date, unit: Unit | None, default: str = DEFAULT_CUTOFF) -> datetime:
    """The aware UTC instant the week's check-in closes for `unit` (Unit.schedule['checkin_cutoff'])."""
    spec = default
    if unit is not None and unit.schedule and isinstance(unit.schedule.get("checkin_cutoff"), str):
        spec = unit.schedule["checkin_cutoff"]
    try:
        weekday, at = parse_cutoff(spec)
    except ValueError:  # a bad per-unit override must not break reporting: fall back
        weekday, at = parse_cutoff(default)
    return local_datetime(week_monday + timedelta(days=weekday), at)


def week_of(now: datetime) -> str:
    """The ISO week key ('2026-W48') of an instant, in local time."""
    return iso_week_key(local_date(now))


def monday_of(iso_week: str) -> date:
    """The local Monday of an ISO week key; ValueError for a malformed key."""
    match = _WEEK_RE.match(iso_week)
    if match is None:
        raise ValueError(f"bad ISO week {iso_week!r} (expected e.g. 2026-W48)")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def previous_week(iso_week: str) -> str:
    """The ISO week before `iso_week`."""
    return iso_week_key(monday_of(iso_week) - timedelta(days=7))
