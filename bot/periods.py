"""Reporting periods: ISO weeks, and months, quarters, half-years and years closing on a day of the
month (pure; no database, no clock).

Decree 09/2019/NĐ-CP on reporting by state administrative agencies, Article 12 (time of closing the
figures of periodic reports), fixes the non-weekly periods:

- a month runs from the 15th of the previous month to the 14th of the month reported on;
- a quarter from the 15th of the month before the quarter to the 14th of the quarter's last month
  (Q1 2027: 15/12/2026–14/03/2027);
- the first half-year from 15 December of the previous year to 14 June, the second from 15 June
  to 14 December;
- a year from 15 December of the previous year to 14 December.

So every such period ends on the 14th of its last month and starts the day after the previous
period of its kind ended. The closing day is unit policy (`period_cutoff`, default the 14th, as the
decree says); 0 means the last day of the month (calendar months, for units that report so).
A month period is named by the month it closes in: "tháng 11/2026" is 15/10/2026–14/11/2026.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, cast, get_args

from bot.dates import fmt_span
from bot.texts import periods as T
from knowledge.normalize import fold_words

PeriodKind = Literal["week", "month", "quarter", "half", "year"]
PERIOD_KINDS: tuple[PeriodKind, ...] = get_args(PeriodKind)
#: the closing day of Decree 09/2019/NĐ-CP, Article 12
DECREE_CLOSE_DAY = 14
#: closing day meaning "the last day of the month" (calendar periods)
LAST_DAY = 0
#: months in a period of each kind (weeks are not made of months)
MONTHS_IN = {"month": 1, "quarter": 3, "half": 6, "year": 12}


class PeriodError(ValueError):
    """Text that names no reporting period; str() is the polite Vietnamese explanation."""


def close_date(year: int, month: int, close_day: int = DECREE_CLOSE_DAY) -> date:
    """The day the period ending in (year, month) closes: the `close_day`th, or the month's last."""
    if close_day == LAST_DAY:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, close_day)


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _check_close_day(close_day: int) -> None:
    if not (close_day == LAST_DAY or 1 <= close_day <= 28):
        raise ValueError(f"closing day must be 1..28 or 0 (last day), got {close_day}")


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period: its kind, year and number (ISO week, month, quarter, half, 1 for a
    year) and the closing day of the month it is computed with."""

    kind: PeriodKind
    year: int
    number: int
    close_day: int = DECREE_CLOSE_DAY

    def __post_init__(self) -> None:
        _check_close_day(self.close_day)
        if self.kind not in PERIOD_KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        if not 1 <= self.year <= 9998:
            raise ValueError(f"year out of range: {self.year}")
        if self.kind == "week":
            date.fromisocalendar(self.year, self.number, 1)  # ValueError for week 53 of a 52-week year
            return
        top = 12 // MONTHS_IN[self.kind]
        if not 1 <= self.number <= top:
            raise ValueError(f"{self.kind} number must be 1..{top}, got {self.number}")

    # ------------------------------------------------------------------ dates

    @property
    def last_month(self) -> tuple[int, int]:
        """(year, month) the period closes in (weeks: the month of their Sunday)."""
        if self.kind == "week":
            return self.end.year, self.end.month
        return self.year, self.number * MONTHS_IN[self.kind]

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        if self.kind == "week":
            return date.fromisocalendar(self.year, self.number, 7)
        year, month = self.last_month
        return close_date(year, month, self.close_day)

    @property
    def start(self) -> date:
        """The first day of the period: the day after the previous period of its kind ended."""
        if self.kind == "week":
            return date.fromisocalendar(self.year, self.number, 1)
        year, month = _shift_month(*self.last_month, -MONTHS_IN[self.kind])
        return close_date(year, month, self.close_day) + timedelta(days=1)

    def contains(self, day: date) -> bool:
        """Whether a local date lies in the period."""
        return self.start <= day <= self.end

    def next(self) -> Period:
        """The period of the same kind right after this one."""
        return period_of(self.kind, self.end + timedelta(days=1), self.close_day)

    def previous(self) -> Period:
        """The period of the same kind right before this one."""
        return period_of(self.kind, self.start - timedelta(days=1), self.close_day)

    def months(self) -> list[Period]:
        """The month periods making up this period (a week: the month it closes in)."""
        if self.kind == "week":
            return [period_of("month", self.end, self.close_day)]
        year, month = self.last_month
        count = MONTHS_IN[self.kind]
        return [Period("month", *_shift_month(year, month, i - count + 1), self.close_day)
                for i in range(count)]

    def weeks(self) -> list[str]:
        """ISO week keys of the weeks counted in this period: those whose Friday falls in it."""
        first = self.start - timedelta(days=self.start.weekday()) + timedelta(days=4)
        if first < self.start:
            first += timedelta(days=7)
        keys = []
        friday = first
        while friday <= self.end:
            year, week, _ = friday.isocalendar()
            keys.append(f"{year}-W{week:02d}")
            friday += timedelta(days=7)
        return keys

    # ------------------------------------------------------------------ names

    @property
    def key(self) -> str:
        """Canonical key: '2026-W48', '2026-11', '2026-Q4', '2026-H2', '2026'."""
        if self.kind == "week":
            return f"{self.year}-W{self.number:02d}"
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.kind == "half":
            return f"{self.year}-H{self.number}"
        return f"{self.year}"

    @property
    def label(self) -> str:
        """Vietnamese name: 'tuần 48/2026', 'tháng 11/2026', 'quý IV/2026', '6 tháng đầu năm 2026',
        'năm 2026'."""
        if self.kind == "week":
            return T.LABEL_WEEK.format(number=self.number, year=self.year)
        if self.kind == "month":
            return T.LABEL_MONTH.format(number=self.number, year=self.year)
        if self.kind == "quarter":
            return T.LABEL_QUARTER.format(roman=T.ROMAN[self.number - 1], year=self.year)
        if self.kind == "half":
            return T.LABEL_HALF[self.number - 1].format(year=self.year)
        return T.LABEL_YEAR.format(year=self.year)

    @property
    def label_with_dates(self) -> str:
        """'tháng 11/2026 (15/10–14/11/2026)'; the start's year too when it differs."""
        start, end = fmt_span(self.start, self.end)
        return T.WITH_DATES.format(label=self.label, start=start, end=end)


_ISO_WEEK_KEY = re.compile(r"^(?P<year>\d{4})-W(?P<n>\d{2})$")


def week_shown(iso_week: str) -> str:
    """An ISO week key as officials write it after "tuần": '2026-W49' -> '49/2026' (else unchanged)."""
    match = _ISO_WEEK_KEY.match(iso_week)
    if match is None:
        return iso_week
    return T.WEEK_NUMBER.format(number=int(match["n"]), year=match["year"])


def period_of(kind: PeriodKind, day: date, close_day: int = DECREE_CLOSE_DAY) -> Period:
    """The period of `kind` containing a local date."""
    _check_close_day(close_day)
    if kind == "week":
        year, week, _ = day.isocalendar()
        return Period("week", year, week, close_day)
    year, month = day.year, day.month
    if day > close_date(year, month, close_day):
        year, month = _shift_month(year, month, 1)
    size = MONTHS_IN[kind]
    return Period(kind, year, (month - 1) // size + 1 if kind != "year" else 1, close_day)


# ---------------------------------------------------------------- parsing what people type

#: canonical keys and the ways officials write periods, matched on folded lower-case text
_CANONICAL_PATTERN = re.compile(
    r"^(?P<year>\d{4})(?:-(?:w(?P<week>\d{1,2})|(?P<month>\d{1,2})|q(?P<quarter>[1-4])|"
    r"h(?P<half>[12])))?$")
_YEAR_SUFFIX_PATTERN = r"(?:\s*(?:/|-|nam)\s*(?P<year>\d{4}))?"
_WEEK_PATTERN = re.compile(r"^(?:tuan|w)\s*(?P<n>\d{1,2})" + _YEAR_SUFFIX_PATTERN + "$")
_MONTH_PATTERN = re.compile(r"^(?:thang\s*(?P<n>\d{1,2})" + _YEAR_SUFFIX_PATTERN
                            + r"|(?P<n2>\d{1,2})\s*[/-]\s*(?P<year2>\d{4}))$")
_QUARTER_PATTERN = re.compile(r"^(?:quy|q)\s*(?P<n>iv|i{1,3}|[1-4])" + _YEAR_SUFFIX_PATTERN + "$")
_HALF_PATTERN = re.compile(r"^(?:6 thang (?P<which>dau|cuoi)(?: nam)?|h(?P<n>[12]))"
                           r"(?:\s*[/-]?\s*(?P<year>\d{4}))?$")
_YEAR_PATTERN = re.compile(r"^(?:ca\s+)?nam\s*(?P<year>\d{4})$")
#: "this …" / "last …" words after the kind word
_RELATIVE_VOCABULARY = {"nay": 0, "hien tai": 0, "nay hien tai": 0, "truoc": -1, "vua qua": -1}
_KIND_VOCABULARY: dict[str, PeriodKind] = {"tuan": "week", "thang": "month", "quy": "quarter",
                                           "nam": "year"}
_ROMAN_VOCABULARY = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _key(text: str) -> str:
    return fold_words(text, apart=",")


def parse_period(text: str, today: date, close_day: int = DECREE_CLOSE_DAY) -> Period:
    """A period typed by a person or a canonical key; without a year, the latest such period that
    has started by `today`. PeriodError (Vietnamese message) for anything else."""
    key = _key(text)
    try:
        found = _parse(key, today, close_day)
    except ValueError:  # a number out of range (tháng 13, tuần 54)
        found = None
    if found is None:
        raise PeriodError(T.BAD_PERIOD.format(text=text.strip()[:60]))
    return found


def _latest(kind: PeriodKind, number: int, year: int | None, today: date,
            close_day: int) -> Period:
    if year is not None:
        return Period(kind, year, number, close_day)
    current = period_of(kind, today, close_day)
    for candidate_year in (current.year, current.year - 1):
        try:
            candidate = Period(kind, candidate_year, number, close_day)
        except ValueError:  # week 53 of a 52-week year: the year before may have one
            continue
        if candidate.start <= today:
            return candidate
    return Period(kind, current.year - 1, number, close_day)


def _year_of(raw: str | None) -> int | None:
    return int(raw) if raw else None


def _parse(key: str, today: date, close_day: int) -> Period | None:
    if match := _CANONICAL_PATTERN.match(key):
        year = int(match.group("year"))
        for kind, group in (("week", "week"), ("month", "month"), ("quarter", "quarter"),
                            ("half", "half")):
            if match.group(group):
                return Period(cast(PeriodKind, kind), year, int(match.group(group)), close_day)
        return Period("year", year, 1, close_day)
    if key in _KIND_VOCABULARY:  # "tháng" alone: the one running now
        return period_of(_KIND_VOCABULARY[key], today, close_day)
    words = key.split(" ", 1)
    if len(words) == 2 and words[0] in _KIND_VOCABULARY and words[1] in _RELATIVE_VOCABULARY:
        period = period_of(_KIND_VOCABULARY[words[0]], today, close_day)
        return period.previous() if _RELATIVE_VOCABULARY[words[1]] < 0 else period
    if match := _WEEK_PATTERN.match(key):
        return _latest("week", int(match.group("n")), _year_of(match.group("year")), today,
                       close_day)
    if match := _MONTH_PATTERN.match(key):
        month = int(match.group("n") or match.group("n2"))
        return _latest("month", month, _year_of(match.group("year") or match.group("year2")),
                       today, close_day)
    if match := _QUARTER_PATTERN.match(key):
        raw = match.group("n")
        quarter = _ROMAN_VOCABULARY.get(raw) or int(raw)
        return _latest("quarter", quarter, _year_of(match.group("year")), today, close_day)
    if match := _HALF_PATTERN.match(key):
        half = int(match.group("n")) if match.group("n") else (
            1 if match.group("which") == "dau" else 2)
        return _latest("half", half, _year_of(match.group("year")), today, close_day)
    if match := _YEAR_PATTERN.match(key):
        return Period("year", int(match.group("year")), 1, close_day)
    return None


def looks_like_period(text: str) -> bool:
    """Whether a word or phrase is a period (used to tell '/tiendo tháng 11' from a unit code)."""
    try:
        parse_period(text, date(2000, 1, 1))
    except PeriodError:
        return False
    return True
