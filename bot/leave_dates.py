"""Leave dates as people type them: '21/12 - 25/12', 'từ 21/12 đến 25/12/2026 nghỉ phép năm',
'21-25/12', 'mai', '21/12' (one day) → first day, last day and the rest as a note (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.texts import leave as T
from knowledge.normalize import fold_words
from rules.deadlines import DeadlineError, parse_day

#: the longest leave one command records (a typo such as 2062 for 2026 is refused)
MAX_LEAVE_DAYS = 366
#: leave starting this long ago is refused (it changes nothing any more)
MAX_PAST_DAYS = 31
#: a day as typed, for splitting the range (folded text)
_DAY_PATTERN = (r"(?:\d{1,2}\s*[/.-]\s*\d{1,2}(?:\s*[/.-]\s*\d{2,4})?"
                r"|\d{1,2}\s+thang\s+\d{1,2}(?:\s+nam\s+\d{2,4})?|hom nay|ngay mai|mai|hom qua)")
_RANGE_PATTERN = re.compile(
    r"^(?:tu\s+)?(?:ngay\s+)?(?P<first>" + _DAY_PATTERN + r")"
    r"(?:\s*(?:-|–|den|toi|->)\s*(?:ngay\s+)?(?P<last>" + _DAY_PATTERN + r"))?"
    r"(?:\s+(?P<rest>.*))?$")
#: '21-25/12': two days of one month
_SHORT_RANGE_PATTERN = re.compile(
    r"^(?:tu\s+)?(?:ngay\s+)?(?P<a>\d{1,2})\s*(?:-|–|den)\s*(?P<b>\d{1,2})\s*/\s*(?P<m>\d{1,2})"
    r"(?:\s*/\s*(?P<y>\d{2,4}))?(?:\s+(?P<rest>.*))?$")


class LeaveDatesError(ValueError):
    """Dates that are no leave; str() is the polite Vietnamese explanation."""


@dataclass(frozen=True)
class LeaveDates:
    """A leave: first and last local day (inclusive) and an optional note."""

    first: date
    last: date
    note: str | None = None

    @property
    def days(self) -> int:
        """Calendar days, both ends included."""
        return (self.last - self.first).days + 1


def _note(original: str, folded_rest: str | None) -> str | None:
    """The note as typed (with its diacritics): the original's last words."""
    if not folded_rest:
        return None
    count = len(folded_rest.split())
    words = original.split()
    return " ".join(words[-count:])[:255] or None


def parse_leave(text: str, *, today: date) -> LeaveDates:
    """Read a leave; LeaveDatesError for what is not one (end before start, too long, long ago)."""
    key = fold_words(text)
    try:
        if match := _SHORT_RANGE_PATTERN.match(key):
            year = f"/{match.group('y')}" if match.group("y") else ""
            first = parse_day(f"{match.group('a')}/{match.group('m')}{year}", today=today)
            last = parse_day(f"{match.group('b')}/{match.group('m')}{year}", today=today)
            rest = match.group("rest")
        elif match := _RANGE_PATTERN.match(key):
            first = parse_day(match.group("first"), today=today)
            last = parse_day(match.group("last"), today=today) if match.group("last") else first
            rest = match.group("rest")
        else:
            raise LeaveDatesError(T.DATES_UNREADABLE.format(text=text.strip()[:60]))
    except DeadlineError as exc:
        raise LeaveDatesError(T.DATES_UNREADABLE.format(text=text.strip()[:60])) from exc
    if (last < first and last.year == first.year and last.month < first.month
            and not re.search(r"\d{4}", key)):
        last = last.replace(year=last.year + 1)  # '28/12 - 3/1' spans the new year
    if last < first:
        raise LeaveDatesError(T.END_BEFORE_START)
    if (last - first).days + 1 > MAX_LEAVE_DAYS:
        raise LeaveDatesError(T.TOO_LONG.format(days=MAX_LEAVE_DAYS))
    if (today - last).days > MAX_PAST_DAYS:
        raise LeaveDatesError(T.IN_THE_PAST)
    return LeaveDates(first, last, _note(text, rest))
