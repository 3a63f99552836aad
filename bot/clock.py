"""Injected time: every component asks a Clock, never datetime.now()."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

#: Vietnam's one time zone (UTC+7, no DST); schedules are computed in it, instants stored in UTC.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    """Source of the current instant (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, simulations, previews)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the current (manual) instant in UTC."""
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant (aware)."""
        if instant.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware instants")
        self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by a duration."""
        self._now += delta


def to_local(instant: datetime) -> datetime:
    """Convert an aware instant to Vietnam local time."""
    return instant.astimezone(LOCAL_TZ)


def local_date(instant: datetime) -> date:
    """The local calendar date of an instant."""
    return to_local(instant).date()


def local_datetime(day: date, at: time) -> datetime:
    """An aware UTC instant for a local wall time on a local date."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).astimezone(UTC)


def iso_week_key(day: date) -> str:
    """ISO week key such as '2026-W48' for a local date."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
