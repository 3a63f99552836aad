"""Schedule settings: built-in defaults < global policy row < per-unit policy row < Unit.schedule."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkin_policy import DEFAULT_CUTOFF, parse_cutoff
from bot.clock import local_datetime
from bot.db.models import SchedulePolicy, Unit

logger = logging.getLogger(__name__)

GLOBAL_KEY = "global"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


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
    #: the check-in engineer's key (bot.checkin_policy): 'fri 16:00'; nudges go out that day
    checkin_cutoff: str = DEFAULT_CUTOFF
    digest_week_weekday: str = "fri"
    digest_week_time: time = time(17, 0)
    digest_ahead_weekday: str = "mon"
    digest_ahead_time: time = time(7, 30)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    #: after a crash mid-send: 'resend' (at-least-once) or 'drop' (at-most-once, reported)
    on_ambiguous_reminder: str = "resend"
    on_ambiguous_digest: str = "drop"

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

    def cutoff(self, week_monday: date) -> datetime:
        """The instant the week's check-in closes (same rule as bot.checkin_policy)."""
        weekday, at = parse_cutoff(self.checkin_cutoff)
        return local_datetime(week_monday + timedelta(days=weekday), at)

    def on_ambiguous(self, kind: str) -> str:
        """Ambiguous-send policy for a message kind."""
        return self.on_ambiguous_digest if kind == "digest" else self.on_ambiguous_reminder


def _coerce(key: str, value: Any) -> Any:
    if key == "deadline_offsets_days":
        return tuple(sorted({int(v) for v in value}, reverse=True))
    if key == "nudge_times":
        return _times(value)
    if key.endswith("_time") or key in {"quiet_start", "quiet_end"}:
        return _time(value)
    if key.endswith("_weekday"):
        return _weekday(value)
    if key in {"working_days_only", "overdue_every_working_day"}:
        return bool(value)
    if key == "overdue_escalate_after_days":
        return int(value)
    if key == "checkin_cutoff":
        parse_cutoff(str(value))
        return str(value)
    if key.startswith("on_ambiguous"):
        if value not in {"resend", "drop"}:
            raise ValueError(f"{key} must be 'resend' or 'drop'")
        return str(value)
    return value


def unit_key(unit_id: int) -> str:
    """The schedule_policies key of a unit."""
    return f"unit:{unit_id}"


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
