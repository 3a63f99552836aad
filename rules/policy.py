"""Schedule settings: built-in defaults < global policy row < per-unit policy row < Unit.schedule."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import GLOBAL_POLICY_KEY, SchedulePolicy, Unit, unit_policy_key
from rules.cutoffs import (
    DEFAULT_CUTOFF,
    DEFAULT_LATE_CHECKIN_UNTIL,
    DEFAULT_PERIOD_CHECKINS,
    DEFAULT_PERIOD_CUTOFF,
    ReportingRules,
    late_checkin_end,
    parse_cutoff,
    parse_period_checkins,
    parse_period_cutoff,
    week_cutoff,
)
from rules.workdays import WorkCalendar, load_calendar

logger = logging.getLogger(__name__)

GLOBAL_KEY = GLOBAL_POLICY_KEY
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: the weekly digests to unit heads: the week done, the week ahead
DIGEST_KINDS = ("week", "ahead")


def _time(value: Any) -> time:
    if isinstance(value, time):
        return value
    hour, _, minute = str(value).partition(":")
    return time(int(hour), int(minute or 0))


def _times(value: Any) -> tuple[time, ...]:
    return tuple(_time(v) for v in value)


def _weekday(value: Any) -> str:
    name = str(value).strip().lower()[:3]
    if name not in WEEKDAYS:
        raise ValueError(f"unknown weekday {value!r} (use mon…sun)")
    return name


@dataclass(frozen=True, slots=True)
class Schedule:
    """Every knob of reminders, check-ins and digests for one unit (local wall times)."""

    deadline_offsets_days: tuple[int, ...] = (7, 3, 1, 0)
    reminder_time: time = time(8, 0)
    working_days_only: bool = True
    overdue_every_working_day: bool = True
    overdue_escalate_after_days: int = 3  # working days overdue before the lead unit's head is told
    checkin_weekday: str = "fri"
    checkin_time: time = time(8, 0)
    nudge_times: tuple[time, ...] = (time(14, 0), time(15, 30))
    #: the check-in engineer's key (rules.cutoffs): 'fri 16:00'; nudges go out that day
    checkin_cutoff: str = DEFAULT_CUTOFF
    #: months, quarters, half-years, years close on this day of the month at this time
    #: (Decree 09/2019/NĐ-CP: the 14th; 'last 16:00' for calendar months)
    period_cutoff: str = DEFAULT_PERIOD_CUTOFF
    #: last week's check-in can still be filed (marked late) until this day and time of the
    #: following week ('mon 12:00'); /baocao and 'Báo cáo ngay' then ask which week
    late_checkin_until: str = DEFAULT_LATE_CHECKIN_UNTIL
    #: periods whose close asks officials for a summary (month, quarter, half, year; empty: none)
    period_checkins: tuple[str, ...] = DEFAULT_PERIOD_CHECKINS
    #: the monthly (or longer) digest to unit heads, on the period's cut-off day
    digest_period_time: time = time(17, 0)
    #: co-operating units are told the lead unit's deadline this many days ahead (0: never)
    coop_notice_days: int = 7
    #: … and asked for their part before this, in the week of the lead unit's last cut-off
    coop_cutoff: str = "thu 10:00"
    digest_week_weekday: str = "fri"
    digest_week_time: time = time(17, 0)
    digest_ahead_weekday: str = "mon"
    digest_ahead_time: time = time(7, 30)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    #: "quiet-ish" hours around the quiet ones: digests and non-urgent reminders delivered
    #: between silent_start and silent_end arrive without a sound (Telegram disable_notification)
    silent_start: time = time(19, 0)
    silent_end: time = time(7, 45)
    #: after a crash mid-send: 'resend' (at-least-once) or 'drop' (at-most-once, reported)
    on_ambiguous_reminder: str = "resend"
    on_ambiguous_digest: str = "drop"
    #: Zalo: send consultation messages 48 h – 7 days after the official's last message, which
    #: Zalo bills per message (bot/messaging_window.py); off: such messages take the next channel
    zalo_paid_messages: bool = False
    #: Zalo: a check-in prompt before the window closes when nothing else is due in it
    #: (scheduler/keepalive.py); at most one per window and per week
    zalo_keepalive: bool = True

    def with_overrides(self, data: Mapping[str, Any] | None) -> Schedule:
        """A copy with the given JSON keys applied (unknown keys are rejected)."""
        if not data:
            return self
        known = {f.name for f in fields(self)}
        changes: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:  # other features keep their own keys in Unit.schedule
                continue
            try:
                changes[key] = _coerce(key, value)
            except (TypeError, ValueError):  # a bad override must not stop every reminder
                logger.warning("ignoring bad schedule setting %s=%r", key, value)
        return replace(self, **changes)

    def cutoff(self, week_monday: date, calendar: WorkCalendar | None = None) -> datetime:
        """The instant the week's check-in closes, moved off a day off with a calendar (the rule
        of rules.cutoffs)."""
        return week_cutoff(week_monday, self.checkin_cutoff,
                           calendar if self.working_days_only else None)

    def late_checkin_end(self, week_monday: date, calendar: WorkCalendar | None = None) -> datetime:
        """Until when the week's check-in can still be filed late: `late_checkin_until` of the
        next week, and never before the week's own cut-off."""
        return max(late_checkin_end(week_monday, self.late_checkin_until),
                   self.cutoff(week_monday, calendar))

    def rules(self, calendar: WorkCalendar) -> ReportingRules:
        """The reporting rules these settings make (cut-offs, period summaries)."""
        return ReportingRules(checkin_cutoff=self.checkin_cutoff, period_cutoff=self.period_cutoff,
                              working_days_only=self.working_days_only,
                              period_checkins=self.period_checkins, calendar=calendar)

    def digest_time(self, kind: str) -> tuple[str, time]:
        """(weekday, local time) of a weekly digest: 'week' (the week done) or 'ahead'."""
        if kind == "week":
            return self.digest_week_weekday, self.digest_week_time
        if kind == "ahead":
            return self.digest_ahead_weekday, self.digest_ahead_time
        raise ValueError(f"unknown digest {kind!r}")

    def on_ambiguous(self, kind: str) -> str:
        """Ambiguous-send policy for a message kind."""
        return self.on_ambiguous_digest if kind == "digest" else self.on_ambiguous_reminder


def _bool(value: Any) -> bool:
    # strict: bool("false") is True, which would silently invert a setting typed as text
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in BOOLEAN_TRUE_VOCABULARY:
        return True
    if text in BOOLEAN_FALSE_VOCABULARY:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number, got {value!r}")
    number = int(value)
    if number < 0:
        raise ValueError(f"expected a number >= 0, got {value!r}")
    return number


def _items(value: Any) -> list[Any]:
    # "7,3,1,0" typed on a command line means the list [7, 3, 1, 0]
    if isinstance(value, str):
        return [v.strip() for v in value.split(",")] if value.strip() else []
    return list(value)


#: accepted spellings of booleans typed on the command line (data, not messages)
BOOLEAN_TRUE_VOCABULARY = {"true", "1", "yes", "on", "có"}
BOOLEAN_FALSE_VOCABULARY = {"false", "0", "no", "off", "không"}


#: settings that are a time of day besides the '*_time' ones
TIME_KEYS = frozenset({"quiet_start", "quiet_end", "silent_start", "silent_end"})


def _coerce(key: str, value: Any) -> Any:
    if key == "deadline_offsets_days":
        return tuple(sorted({_count(v) for v in _items(value)}, reverse=True))
    if key == "nudge_times":
        return _times(_items(value))
    if key.endswith("_time") or key in TIME_KEYS:
        return _time(value)
    if key.endswith("_weekday"):
        return _weekday(value)
    if key in {"working_days_only", "overdue_every_working_day", "zalo_paid_messages",
               "zalo_keepalive"}:
        return _bool(value)
    if key in {"overdue_escalate_after_days", "coop_notice_days"}:
        return _count(value)
    if key in {"checkin_cutoff", "coop_cutoff", "late_checkin_until"}:
        parse_cutoff(str(value))
        return str(value)
    if key == "period_cutoff":
        parse_period_cutoff(str(value))
        return str(value)
    if key == "period_checkins":
        return parse_period_checkins(value if isinstance(value, str | list | tuple) else str(value))
    if key.startswith("on_ambiguous"):
        if value not in {"resend", "drop"}:
            raise ValueError(f"{key} must be 'resend' or 'drop'")
        return str(value)
    return value


#: every setting's name, in the order of the Schedule's fields
SETTING_KEYS: tuple[str, ...] = tuple(f.name for f in fields(Schedule))


def coerce_setting(key: str, value: Any) -> Any:
    """The typed value of one setting (KeyError for an unknown key, ValueError for a bad value)."""
    if key not in SETTING_KEYS:
        raise KeyError(key)
    try:
        return _coerce(key, value)
    except TypeError as exc:
        raise ValueError(str(exc)) from exc


def setting_json(value: Any) -> Any:
    """A typed setting as stored in JSON: times 'HH:MM', tuples as lists."""
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, tuple):
        return [setting_json(v) for v in value]
    return value


def parse_setting(key: str, text: str) -> Any:
    """A setting typed as text (KEY=VALUE on a command line) → its JSON form, validated."""
    try:
        value: Any = json.loads(text)
    except ValueError:
        value = text  # plain words and times: fri, 08:00, fri 16:00
    if isinstance(value, (dict, float)) or value is None:
        value = text
    return setting_json(coerce_setting(key, value))


def layered_sources(layers: Sequence[tuple[str, Mapping[str, Any] | None]]) -> dict[str, str]:
    """For each setting, the name of the last layer that sets it with a valid value ('default')."""
    sources = dict.fromkeys(SETTING_KEYS, "default")
    for name, data in layers:
        for key, value in (data or {}).items():
            if key not in sources:
                continue
            try:
                _coerce(key, value)
            except (TypeError, ValueError):  # ignored by with_overrides too
                continue
            sources[key] = name
    return sources


def unit_key(unit_id: int) -> str:
    """The schedule_policies key of a unit."""
    return unit_policy_key(unit_id)


@dataclass(frozen=True, slots=True)
class Policies:
    """Loaded schedule settings: the global schedule and each unit's effective schedule."""

    default: Schedule
    by_unit: Mapping[int, Schedule]

    def for_unit(self, unit_id: int | None) -> Schedule:
        """The effective schedule of a unit (the global one for None or unknown units)."""
        if unit_id is None:
            return self.default
        return self.by_unit.get(unit_id, self.default)

    def digest_times(self) -> dict[str, list[tuple[str, time]]]:
        """When the weekly digests go out ('week': the week done, 'ahead': the week ahead), as
        (weekday, local time): the global schedule's first, then any other a unit has."""
        found: dict[str, list[tuple[str, time]]] = {}
        for kind in DIGEST_KINDS:
            times = found.setdefault(kind, [])
            for schedule in (self.default, *self.by_unit.values()):
                at = schedule.digest_time(kind)
                if at not in times:
                    times.append(at)
        return found


async def unit_schedule(session: AsyncSession, unit: Unit | int | None,
                        base: Schedule | None = None) -> Schedule:
    """The effective schedule of one unit (global row < unit row < Unit.schedule), three reads
    (two when given the Unit itself, whose `schedule` is then read from the object)."""
    unit_id = unit.id if isinstance(unit, Unit) else unit
    keys = [GLOBAL_KEY] + ([unit_key(unit_id)] if unit_id else [])
    rows: dict[str, Any] = dict((await session.execute(
        select(SchedulePolicy.key, SchedulePolicy.data).where(SchedulePolicy.key.in_(keys)))).all())
    schedule = (base or Schedule()).with_overrides(rows.get(GLOBAL_KEY))
    if unit is None:
        return schedule
    own = unit.schedule if isinstance(unit, Unit) else (await session.execute(
        select(Unit.schedule).where(Unit.id == unit_id))).scalar()
    keyed = rows.get(unit_key(unit_id)) if unit_id else None
    return schedule.with_overrides(keyed).with_overrides(own)


async def load_rules(session: AsyncSession, unit: Unit | None,
                     calendar: WorkCalendar | None = None) -> ReportingRules:
    """The unit's reporting rules (cut-offs, period summaries): its effective schedule, the same
    layering the planner uses, on this installation's calendar."""
    schedule = await unit_schedule(session, unit)
    return schedule.rules(calendar if calendar is not None else await load_calendar(session))


async def unit_checkin_cutoff(session: AsyncSession, week_monday: date,
                              unit: Unit | None) -> datetime:
    """The week's check-in cut-off for `unit`, moved off a day off as the scheduler moves it."""
    return (await load_rules(session, unit)).week_cutoff(week_monday)


async def unit_late_checkin_end(session: AsyncSession, week_monday: date,
                                unit: Unit | None) -> datetime:
    """Until when the week's check-in can still be filed late by `unit`'s officials."""
    schedule = await unit_schedule(session, unit)
    return schedule.late_checkin_end(week_monday, await load_calendar(session))


async def load_policies(session: AsyncSession, base: Schedule | None = None) -> Policies:
    """Read the policy rows and units' own overrides; one query each."""
    rows = {p.key: p.data for p in (await session.execute(select(SchedulePolicy))).scalars()}
    default = (base or Schedule()).with_overrides(rows.get(GLOBAL_KEY))
    by_unit: dict[int, Schedule] = {}
    units = (await session.execute(select(Unit.id, Unit.schedule))).all()
    for unit_id, own in units:
        keyed = rows.get(unit_key(unit_id))
        if keyed or own:
            by_unit[unit_id] = default.with_overrides(keyed).with_overrides(own)
    return Policies(default=default, by_unit=by_unit)
