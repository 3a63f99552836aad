"""Working days: weekends and Vietnamese public holidays (Tết included) off, plus local exceptions."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CalendarDay

#: how far next/previous working day searches go (Tết is at most ~9 days off in a row)
MAX_SEARCH_DAYS = 60


@functools.cache
def vietnam_holidays() -> holidays.HolidayBase:
    """Vietnam's public holidays (years filled lazily); built once because building costs ~10 ms."""
    return holidays.country_holidays("VN")


@dataclass
class WorkCalendar:
    """Decides whether a local date is a working day.

    Extra days off and official make-up working days (CalendarDay rows) override the
    `holidays` package's Vietnam calendar, which in turn overrides the weekend rule.
    """

    extra_off: frozenset[date] = frozenset()
    extra_work: frozenset[date] = frozenset()
    _public: holidays.HolidayBase = field(default_factory=lambda: vietnam_holidays(), repr=False)

    def is_working_day(self, day: date) -> bool:
        """True when officials work on that local date."""
        if day in self.extra_work:
            return True
        if day in self.extra_off:
            return False
        if day.weekday() >= 5:
            return False
        return day not in self._public

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's name, if the date is one."""
        name = self._public.get(day)
        return str(name) if name else None

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        """The first working day after `day` (or `day` itself when include=True)."""
        current = day if include else day + timedelta(days=1)
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working_day(current):
                return current
            current += timedelta(days=1)
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days after {day}")

    def previous_working_day(self, day: date, *, include: bool = False) -> date:
        """The last working day before `day` (or `day` itself when include=True)."""
        current = day if include else day - timedelta(days=1)
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working_day(current):
                return current
            current -= timedelta(days=1)
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days before {day}")

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end] (0 when end <= start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            count += self.is_working_day(current)
        return count

    def working_days(self, days: Iterable[date]) -> list[date]:
        """The working days among `days`, in order."""
        return [d for d in days if self.is_working_day(d)]


async def load_calendar(session: AsyncSession) -> WorkCalendar:
    """The calendar with this installation's extra days off and make-up working days."""
    rows = (await session.execute(select(CalendarDay.day, CalendarDay.kind))).all()
    return WorkCalendar(extra_off=frozenset(d for d, k in rows if k == "off"),
                        extra_work=frozenset(d for d, k in rows if k == "workday"))
