"""Deadlines: as ministries write them, when they are reminded, and the category a task is in.

Reading: a deadline as written → a local date (the end of the period), or a clear reason why not.

Accepted: '15/04/2025', '15-4-2025', '15.4.2025', '15/4' (year from the plan or the current year),
'15 tháng 4 năm 2025' (as documents write a date),
'Quý II/2025' / 'Quý 2 năm 2025' (last day of the quarter), 'Tháng 6/2025' / '06/2025' / 'Trong tháng 6'
(last day of the month), '6 tháng đầu năm 2025' (30/6), 'Năm 2025' (31/12), with prefixes such as
'Trước', 'Trước ngày', 'Chậm nhất', 'Hoàn thành trong', 'Trong'. 'Trước' a day is that day (the
deadline as written: 'Trước 30/6/2025' → 30/6); 'Trước' a period is the day before it begins
('Trước năm 2027' → 31/12/2026, 'Trước tháng 3/2027' → 28/2/2027, 'Trước quý II/2027' → 31/3/2027). Recurring deadlines ('Hằng tuần',
'Hàng tháng', 'Thường xuyên', 'Định kỳ') are not dates: they give None with recurring=True.

Reminding: `deadline_slots` (the days before a deadline a reminder goes out, off days moved).
Categories: the four government-tracking categories of a task on a day (`deadline_category`).
"""

from __future__ import annotations

import calendar
import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from bot.clock import local_date
from bot.texts import imports as texts
from knowledge.normalize import fold_words
from rules.policy import Schedule
from rules.workdays import WorkCalendar

Category = Literal["done_on_time", "done_late", "in_progress", "overdue"]
#: the four government-tracking categories, in the order reports list them
CATEGORIES: tuple[Category, ...] = ("done_on_time", "done_late", "in_progress", "overdue")


class DeadlineError(ValueError):
    """An unreadable deadline; the message (Vietnamese) is shown as the row error."""


@dataclass(frozen=True)
class Deadline:
    """A parsed deadline: the local date, or None (empty or recurring)."""

    day: date | None
    recurring: bool = False


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PREFIXES = re.compile(
    r"^(?:hoan thanh\s+)?(?:truoc ngay|truoc|cham nhat(?: la)?(?: ngay)?|han(?: chot)?|"
    r"trong(?: thoi gian)?|den(?: ngay)?|ngay|thang|nam|quy)?\s*:?\s*")
#: "trước" before a period ("trước năm 2027", "hoàn thành trước quý II"), not "trước ngày"
_BEFORE = re.compile(r"^(?:hoan thanh\s+)?truoc\s+(?!ngay\b)")
#: 15/4/2025, 15-4-25, 15.4, and as documents write it: 15 tháng 4 năm 2025 (folded)
_DMY = re.compile(r"^(\d{1,2})\s*(?:[/.-]|\s+thang\s+)\s*(\d{1,2})"
                  r"(?:\s*(?:[/.-]|\s+nam\s+)\s*(\d{2,4}))?$")
#: 2025-04-15 (ISO, as systems export dates) and 2025/04/15
_YMD = re.compile(r"^(\d{4})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})$")
#: an Excel date serial (a date cell formatted as a number, or exported as one): 2000-01-01..2099-12-31
_SERIALS = range(36526, 73051)
_SERIAL_EPOCH = date(1899, 12, 30)
_MY = re.compile(r"^(\d{1,2})\s*(?:/|-|\.|\s+nam\s+)\s*(\d{4})$")
_MONTH = re.compile(r"^thang\s+(\d{1,2})(?:\s*(?:/|-|nam)\s*(\d{4}))?$")
_QUARTER = re.compile(r"^quy\s+(i{1,3}|iv|[1-4])(?:\s*(?:/|-|nam)\s*(\d{4}))?$")
_HALF = re.compile(r"^6 thang (dau|cuoi) nam(?:\s+(\d{4}))?$")
_YEAR = re.compile(r"^(?:nam|cuoi nam)\s+(\d{4})$")
_RECURRING = ("hang tuan", "hang thang", "hang quy", "hang nam", "thuong xuyen", "dinh ky",
              "lien tuc", "hang ngay")


def _key(text: str) -> str:
    return fold_words(text, apart=",")


def _month_end(year: int, month: int) -> date:
    if not 1 <= month <= 12:
        raise DeadlineError(texts.DEADLINE_BAD_MONTH.format(month=month))
    return date(year, month, calendar.monthrange(year, month)[1])


def _year(raw: str | None, default_year: int) -> int:
    if raw is None:
        return default_year
    year = int(raw)
    return 2000 + year if year < 100 else year


def parse_deadline(value: object, *, default_year: int) -> Deadline:
    """Parse a cell (text, or a date from a spreadsheet) into a Deadline; DeadlineError if unreadable."""
    if value is None:
        return Deadline(None)
    if isinstance(value, datetime):
        return Deadline(value.date())
    if isinstance(value, date):
        return Deadline(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and int(value) in _SERIALS:
        return Deadline(_SERIAL_EPOCH + timedelta(days=int(value)))
    if isinstance(value, str) and value.strip().isdigit() and int(value.strip()) in _SERIALS:
        return Deadline(_SERIAL_EPOCH + timedelta(days=int(value.strip())))
    text = _key(str(value))
    if not text:
        return Deadline(None)
    if any(text.startswith(r) or f" {r}" in text for r in _RECURRING):
        return Deadline(None, recurring=True)
    for candidate in (text, _PREFIXES.sub("", text, count=1)):
        found = _try(candidate, text, default_year)
        if found is not None:
            end, first = found
            if first != end and _BEFORE.match(text):
                # "trước năm 2027", "trước tháng 3/2027": before the period begins (31/12/2026,
                # 28/2/2027); "trước (ngày) 30/6" is that day, the deadline as written
                return Deadline(first - timedelta(days=1))
            return Deadline(end)
    raise DeadlineError(texts.DEADLINE_UNREADABLE.format(value=str(value).strip()))


def _no_such_day(day: int, month: int, year: int) -> str:
    """Why day/month/year is no day; a month over 12 that reads as a day was written month first."""
    if month > 12 and 1 <= day <= 12 and month <= calendar.monthrange(year, day)[1]:
        return texts.DEADLINE_MONTH_FIRST.format(day=day, month=month, year=year)
    return texts.DEADLINE_NO_SUCH_DAY.format(day=day, month=month, year=year)


#: a date in digits alone, day and month apart by / . or - ("03/04/2027", "3-4"): the only
#: writing whose order can be mistaken ("15 tháng 4" names its month)
_DIGITS_DM = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2,4}))?$")


def _digits_day_month(value: object, default_year: int) -> tuple[int, int, int] | None:
    """(first number, second number, year) of a text cell written as digits only ("Trước
    03/04/2027" too), or None (a date cell, a serial, words)."""
    if not isinstance(value, str):
        return None
    text = _key(value)
    for candidate in (text, _PREFIXES.sub("", text, count=1)):
        if match := _DIGITS_DM.match(candidate.strip()):
            return int(match.group(1)), int(match.group(2)), _year(match.group(3), default_year)
    return None


def reads_only_month_first(value: object, *, default_year: int) -> bool:
    """Whether the cell is a date that is no day read day first but one read month first
    ("03/15/2027"): whoever wrote it wrote month first."""
    found = _digits_day_month(value, default_year)
    if found is None:
        return False
    first, second, year = found
    return second > 12 and 1 <= first <= 12 and second <= calendar.monthrange(year, first)[1]


def month_first_doubt(value: object, *, default_year: int, example: str, row: int) -> str | None:
    """In a column where another row (`row`, `example`) was written month first: why this cell
    cannot be read silently, when it is a real date both ways and two different days
    ("03/04/2027": 3 April or 4 March); None when it reads one way only or the same both ways."""
    found = _digits_day_month(value, default_year)
    if found is None:
        return None
    first, second, year = found
    if first == second or not (1 <= first <= 12 and 1 <= second <= 12):
        return None
    return texts.DEADLINE_ORDER_DOUBT.format(day=first, month=second, year=year, row=row,
                                             example=example)


def _try(candidate: str, original: str, default_year: int) -> tuple[date, date] | None:
    """(the deadline, the first day of the period it ends), the two the same for a day."""
    candidate = candidate.strip()
    if len(candidate) == 4 and candidate.isdigit() and 2000 <= int(candidate) <= 2099:  # "2027": the year
        return date(int(candidate), 12, 31), date(int(candidate), 1, 1)
    if match := _YMD.match(candidate):
        year, month, day = (int(g) for g in match.groups())
        try:
            return _day(date(year, month, day))
        except ValueError as exc:
            raise DeadlineError(texts.DEADLINE_NO_SUCH_DAY.format(day=day, month=month, year=year)) from exc
    if match := _DMY.match(candidate):
        day, month = int(match.group(1)), int(match.group(2))
        year = _year(match.group(3), default_year)
        try:
            return _day(date(year, month, day))
        except ValueError as exc:
            raise DeadlineError(_no_such_day(day, month, year)) from exc
    if match := _MY.match(candidate):
        return _month(int(match.group(2)), int(match.group(1)))
    month_text = candidate if candidate.startswith("thang") else (
        "thang " + candidate if original.startswith(("thang", "trong thang")) else "")
    if month_text and (match := _MONTH.match(month_text)):
        return _month(_year(match.group(2), default_year), int(match.group(1)))
    quarter_text = candidate if candidate.startswith("quy") else (
        "quy " + candidate if "quy" in original.split() else "")
    if quarter_text and (match := _QUARTER.match(quarter_text)):
        raw = match.group(1)
        quarter = _ROMAN.get(raw) or int(raw)
        year = _year(match.group(2), default_year)
        return _month_end(year, quarter * 3), date(year, quarter * 3 - 2, 1)
    if match := _HALF.match(candidate):
        year = _year(match.group(2), default_year)
        return ((date(year, 6, 30), date(year, 1, 1)) if match.group(1) == "dau"
                else (date(year, 12, 31), date(year, 7, 1)))
    year_text = candidate if candidate.startswith(("nam", "cuoi nam")) else (
        "nam " + candidate if original.split()[-2:-1] == ["nam"] and candidate.isdigit() else "")
    if year_text and (match := _YEAR.match(year_text)):
        year = int(match.group(1))
        # "cuối năm 2027" is a day (31/12), "năm 2027" the whole year
        return date(year, 12, 31), date(year, 12, 31) if year_text.startswith("cuoi") else date(year, 1, 1)
    return None


def _day(day: date) -> tuple[date, date]:
    return day, day


def _month(year: int, month: int) -> tuple[date, date]:
    end = _month_end(year, month)
    return end, end.replace(day=1)


#: a day typed alone, relative to today (folded): hôm nay, mai, ngày mai, kia, hôm qua
_RELATIVE_DAY_VOCABULARY = {"hom nay": 0, "nay": 0, "mai": 1, "ngay mai": 1, "ngay kia": 2,
                            "kia": 2, "hom qua": -1}
#: a year-less date this far in the past means next year's (typed in late December: "5/1")
YEARLESS_PAST_DAYS = 60


def parse_day(text: str, *, today: date) -> date:
    """One day as people type it: '21/12', '21-12-2026', '21.12.26', '21 tháng 12 năm 2026',
    'hôm nay', 'mai', with an optional 'ngày'. Without a year: this year's, or next year's when that is long past.
    DeadlineError (Vietnamese message) for anything else."""
    key = _key(text)
    if key.startswith("ngay ") and key[5:6].isdigit():
        key = key[5:]
    if key in _RELATIVE_DAY_VOCABULARY:
        return today + timedelta(days=_RELATIVE_DAY_VOCABULARY[key])
    match = _DMY.match(key)
    if match is None:
        raise DeadlineError(texts.DAY_UNREADABLE.format(value=text.strip()[:40]))
    day, month = int(match.group(1)), int(match.group(2))
    year = _year(match.group(3), today.year)
    try:
        found = date(year, month, day)
    except ValueError as exc:
        raise DeadlineError(_no_such_day(day, month, year)) from exc
    if match.group(3) is None and (today - found).days > YEARLESS_PAST_DAYS:
        with contextlib.suppress(ValueError):  # 29/02: next year has none; keep this year's
            found = found.replace(year=year + 1)
    return found


def deadline_category(status: str, deadline: date | None, done_at: datetime | None,
                      ref_day: date) -> Category:
    """A task's government-tracking category on a local reference day: done on time (by the
    deadline's local day), done late, overdue (open past it), or in progress."""
    if status == "done":
        if deadline is None or done_at is None or local_date(done_at) <= deadline:
            return "done_on_time"
        return "done_late"
    if deadline is not None and deadline < ref_day:
        return "overdue"
    return "in_progress"


def deadline_slots(deadline: date, schedule: Schedule, calendar: WorkCalendar) -> list[tuple[int, date]]:
    """(offset, send date) pairs in date order; a non-working day moves to the working day before.

    When two offsets land on the same day only the one nearest the deadline is kept.
    """
    by_day: dict[date, int] = {}
    for offset in schedule.deadline_offsets_days:
        day = deadline - timedelta(days=offset)
        if schedule.working_days_only and not calendar.is_working_day(day):
            day = calendar.previous_working_day(day)
        by_day[day] = min(offset, by_day.get(day, offset))
    return sorted(((k, d) for d, k in by_day.items()), key=lambda kd: kd[1])
