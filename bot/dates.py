"""Dates and times as troly writes them for Vietnamese readers: one module for every format.

Dates are day first ('27/11/2026'); an instant is shown in local time (Asia/Ho_Chi_Minh). It
stands in the core (it needs nothing above it) so that the core's own texts (bot/periods.py,
bot/db/) use it as the rules, features and edges do; tests/test_architecture.py keeps date
formats out of every other module.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.clock import to_local
from bot.texts.reminders import WEEKDAY_NAMES


def fmt_date(day: date) -> str:
    """'Thứ Ba 01/12/2026'."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day:%d/%m/%Y}"


def fmt_instant(instant: datetime) -> str:
    """Local '16:00 Thứ Sáu 27/11/2026'."""
    local = to_local(instant)
    return f"{local:%H:%M} {fmt_date(local.date())}"


def fmt_day(day: date | datetime) -> str:
    """'01/12/2026' (an instant: its local date)."""
    return f"{_local(day):%d/%m/%Y}"


def fmt_day_month(day: date | datetime) -> str:
    """'01/12' (an instant: its local date)."""
    return f"{_local(day):%d/%m}"


def fmt_time_day(instant: datetime) -> str:
    """Local '16:00 01/12/2026' (when something expires or closes)."""
    return f"{to_local(instant):%H:%M %d/%m/%Y}"


def fmt_day_time(instant: datetime) -> str:
    """Local '01/12/2026 16:00' (a column of timestamps)."""
    return f"{to_local(instant):%d/%m/%Y %H:%M}"


def fmt_short(instant: datetime) -> str:
    """Local '01/12 16:00' (lists of recent or coming events)."""
    return f"{to_local(instant):%d/%m %H:%M}"


def fmt_sortable(instant: datetime) -> str:
    """Local '2026-12-01 16:00' (a listing read in a terminal, sorted by its first column)."""
    return f"{to_local(instant):%Y-%m-%d %H:%M}"


def fmt_time(instant: datetime) -> str:
    """Local '16:00' (later today: when a wait ends)."""
    return f"{to_local(instant):%H:%M}"


def fmt_span(start: date, end: date) -> tuple[str, str]:
    """The ends of a span of days: ('15/10', '14/11/2026'); the start's year only when it
    differs from the end's ('15/12/2025', '14/01/2026')."""
    return (fmt_day_month(start) if start.year == end.year else fmt_day(start)), fmt_day(end)


def fmt_document_date(day: date) -> tuple[str, str, str]:
    """Day, month and year of an administrative document's date line ("ngày 05 tháng 3 năm
    2026"), as Decree 30/2020/NĐ-CP writes them: days below 10 and months below 3 take a leading
    zero."""
    return f"{day.day:02d}", f"{day.month:02d}" if day.month < 3 else str(day.month), str(day.year)


def _local(value: date | datetime) -> date | datetime:
    return to_local(value) if isinstance(value, datetime) else value
