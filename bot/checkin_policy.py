"""When a week's check-in closes: the unit's cut-off (default Friday 16:00 local) and ISO-week helpers."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import iso_week_key, local_date, local_datetime
from bot.db.models import GLOBAL_POLICY_KEY, SchedulePolicy, Unit, unit_policy_key

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
    # a bad override must not break reporting: fall back to the next readable value
    spec = _override(unit.schedule if unit is not None else None) or _readable(default)
    weekday, at = parse_cutoff(spec or DEFAULT_CUTOFF)
    return local_datetime(week_monday + timedelta(days=weekday), at)


def _readable(spec: object) -> str | None:
    """`spec` when it is a cut-off parse_cutoff understands, else None."""
    if not isinstance(spec, str):
        return None
    try:
        parse_cutoff(spec)
    except ValueError:
        return None
    return spec


def _override(data: dict[str, Any] | None) -> str | None:
    """The readable 'checkin_cutoff' of a schedule JSON object, if any."""
    return _readable(data.get("checkin_cutoff")) if isinstance(data, dict) else None


async def unit_checkin_cutoff(session: AsyncSession, week_monday: date, unit: Unit | None) -> datetime:
    """The cut-off as the scheduler sees it: the unit's own schedule, its schedule_policies row,
    the global row (`troly schedule set checkin_cutoff=…`), else Friday 16:00."""
    keys = [*([unit_policy_key(unit.id)] if unit is not None and unit.id else []), GLOBAL_POLICY_KEY]
    rows = (await session.execute(select(SchedulePolicy).where(SchedulePolicy.key.in_(keys)))).scalars()
    by_key = {row.key: row.data for row in rows}
    default = next((s for s in (_override(by_key.get(k)) for k in keys) if s), DEFAULT_CUTOFF)
    return checkin_cutoff(week_monday, unit, default)


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
