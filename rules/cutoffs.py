"""When reports close: the weekly cut-off (default Friday 16:00 local), the cut-off of months,
quarters, half-years and years (default the 14th at 16:00, Decree 09/2019/NĐ-CP), and ISO-week
helpers. One source for the check-in, the reports and the scheduler.

Both cut-offs are unit policy, settings of `rules.policy.Schedule` resolved as every setting is
(`rules.policy.load_rules`: the unit's own `schedule` column, its schedule_policies row, the global
row (`troly schedule set …`), the default). A cut-off that falls
on a day off (weekend, holiday, Tết, `troly calendar add … off`) moves to the working day before it,
as the prompt does, while the unit schedules on working days only (`working_days_only`, default
true): a week has no working day left only when it is all holiday, and then nothing moves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.clock import iso_week_key, local_date, local_datetime
from bot.periods import LAST_DAY, Period, PeriodKind, parse_period, period_of
from rules.workdays import WorkCalendar

#: the default cut-off, as stored in Unit.schedule["checkin_cutoff"]
DEFAULT_CUTOFF = "fri 16:00"
#: a week's check-in can still be filed (late) until this day and local time of the NEXT week:
#: officials often send last week's report on Monday morning (Schedule.late_checkin_until)
DEFAULT_LATE_CHECKIN_UNTIL = "mon 12:00"
#: the default cut-off of months and longer periods: day of the month and local time
DEFAULT_PERIOD_CUTOFF = "14 16:00"
#: periods whose close asks officials for a summary in conversation (besides the weekly check-in)
DEFAULT_PERIOD_CHECKINS: tuple[str, ...] = ("month",)
SUMMARY_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "half", "year")
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
         "t2": 0, "t3": 1, "t4": 2, "t5": 3, "t6": 4, "t7": 5, "cn": 6}
_CUTOFF_RE = re.compile(r"^\s*([a-z0-9]+)\s+(\d{1,2}):(\d{2})\s*$")
_PERIOD_CUTOFF_RE = re.compile(r"^\s*(\d{1,2}|last|cuoi)\s+(\d{1,2}):(\d{2})\s*$")
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def _clock_time(hour: int, minute: int, spec: str) -> time:
    if hour > 23 or minute > 59:
        raise ValueError(f"bad cut-off time {spec!r}")
    return time(hour, minute)


def parse_cutoff(spec: str) -> tuple[int, time]:
    """'fri 16:00' → (4, 16:00); ValueError for anything else."""
    match = _CUTOFF_RE.match(spec.casefold())
    if match is None or match.group(1) not in _DAYS:
        raise ValueError(f"bad check-in cut-off {spec!r} (expected e.g. 'fri 16:00')")
    return _DAYS[match.group(1)], _clock_time(int(match.group(2)), int(match.group(3)), spec)


def parse_period_cutoff(spec: str) -> tuple[int, time]:
    """'14 16:00' → (14, 16:00): the day of the month periods close on (1–28, or 'last'/0 for the
    month's last day) and the local time; ValueError for anything else."""
    match = _PERIOD_CUTOFF_RE.match(spec.casefold())
    if match is None:
        raise ValueError(f"bad period cut-off {spec!r} (expected e.g. '14 16:00' or 'last 16:00')")
    raw = match.group(1)
    day = LAST_DAY if raw in ("last", "cuoi") else int(raw)
    if not (day == LAST_DAY or 1 <= day <= 28):
        raise ValueError(f"bad period cut-off day in {spec!r} (1..28, or 'last')")
    return day, _clock_time(int(match.group(2)), int(match.group(3)), spec)


def parse_period_checkins(value: object) -> tuple[str, ...]:
    """'month,quarter' or a JSON list → the period kinds that get a summary check-in (in order);
    ValueError for an unknown kind. Empty: none (the weekly check-in only)."""
    items = ([v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str)
             else list(value) if isinstance(value, list | tuple) else None)
    if items is None:
        raise ValueError(f"expected a list of period kinds, got {value!r}")
    unknown = [i for i in items if i not in SUMMARY_KINDS]
    if unknown:
        raise ValueError(f"unknown period kinds {unknown} (use {', '.join(SUMMARY_KINDS)})")
    return tuple(k for k in SUMMARY_KINDS if k in items)


def working_day_on_or_before(day: date, earliest: date, calendar: WorkCalendar | None) -> date:
    """`day`, or the last working day before it but not before `earliest` (else `day` itself)."""
    if calendar is None or calendar.is_working_day(day):
        return day
    current = day - timedelta(days=1)
    while current >= earliest:
        if calendar.is_working_day(current):
            return current
        current -= timedelta(days=1)
    return day


def week_cutoff(week_monday: date, spec: str, calendar: WorkCalendar | None = None) -> datetime:
    """The instant a week's check-in closes under `spec`; with a calendar, a cut-off on a day off
    moves to the working day before it in the same week."""
    weekday, at = parse_cutoff(spec)
    day = working_day_on_or_before(week_monday + timedelta(days=weekday), week_monday, calendar)
    return local_datetime(day, at)


def late_checkin_end(week_monday: date, spec: str = DEFAULT_LATE_CHECKIN_UNTIL) -> datetime:
    """Until when a week's check-in can still be filed late: `spec` ('mon 12:00', the same form as
    a cut-off) read as a day of the week after it."""
    weekday, at = parse_cutoff(spec)
    return local_datetime(week_monday + timedelta(days=7 + weekday), at)


def period_cutoff(period: Period, spec: str, calendar: WorkCalendar | None = None) -> datetime:
    """The instant a month/quarter/half/year closes: its last day at the spec's time (moved to the
    working day before a day off, with a calendar). Weeks follow `week_cutoff` instead."""
    _, at = parse_period_cutoff(spec)
    return local_datetime(working_day_on_or_before(period.end, period.start, calendar), at)


@dataclass(frozen=True)
class ReportingRules:
    """A unit's reporting cut-offs and calendar, as the check-in, reports and scheduler read them."""

    checkin_cutoff: str = DEFAULT_CUTOFF
    period_cutoff: str = DEFAULT_PERIOD_CUTOFF
    working_days_only: bool = True
    period_checkins: tuple[str, ...] = DEFAULT_PERIOD_CHECKINS
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    @property
    def close_day(self) -> int:
        """The day of the month periods close on (0: the last day)."""
        return parse_period_cutoff(self.period_cutoff)[0]

    def _calendar(self) -> WorkCalendar | None:
        return self.calendar if self.working_days_only else None

    def week_cutoff(self, week_monday: date) -> datetime:
        """When the week's check-in closes (moved off a holiday)."""
        return week_cutoff(week_monday, self.checkin_cutoff, self._calendar())

    def cutoff(self, period: Period) -> datetime:
        """When any period's reports close (moved off a holiday)."""
        if period.kind == "week":
            return self.week_cutoff(period.start)
        return period_cutoff(period, self.period_cutoff, self._calendar())

    def period_of(self, kind: PeriodKind, day: date) -> Period:
        """The period of `kind` containing a local date, with this unit's closing day."""
        return period_of(kind, day, self.close_day)

    def parse(self, text: str, today: date) -> Period:
        """A period typed by a person (PeriodError when it is none)."""
        return parse_period(text, today, self.close_day)

    def closing_with(self, period: Period) -> list[Period]:
        """The periods whose summary is asked when `period` closes: those of the unit's
        `period_checkins` kinds that end on the same day, longest first."""
        found = [self.period_of(kind, period.end) for kind in reversed(SUMMARY_KINDS)
                 if kind in self.period_checkins]
        return [p for p in found if p.end == period.end]

    def summary_period(self, day: date) -> Period:
        """The period whose summary officials give when the month containing `day` closes: the
        longest `period_checkins` kind ending with that month (a month by default)."""
        month = self.period_of("month", day)
        closing = self.closing_with(month)
        return closing[0] if closing else month


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
