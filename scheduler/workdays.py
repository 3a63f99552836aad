"""Working days for the scheduler: the shared rule lives in bot/workdays.py (handlers use it too)."""

from __future__ import annotations

from bot.workdays import MAX_SEARCH_DAYS, WorkCalendar, load_calendar, vietnam_holidays

__all__ = ["MAX_SEARCH_DAYS", "WorkCalendar", "load_calendar", "vietnam_holidays"]
