"""bot/dates.py: every format of dates and times shown to readers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.dates import (
    fmt_date,
    fmt_day,
    fmt_day_month,
    fmt_day_time,
    fmt_document_date,
    fmt_instant,
    fmt_short,
    fmt_sortable,
    fmt_span,
    fmt_time,
    fmt_time_day,
)

#: 23:30 UTC on 30 November is 06:30 on Tuesday 1 December in Hà Nội
LATE_EVENING_UTC = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


def test_instants_are_shown_in_local_time() -> None:
    assert fmt_instant(LATE_EVENING_UTC) == "06:30 Thứ Ba 01/12/2026"
    assert fmt_day(LATE_EVENING_UTC) == "01/12/2026"
    assert fmt_day_month(LATE_EVENING_UTC) == "01/12"
    assert fmt_time_day(LATE_EVENING_UTC) == "06:30 01/12/2026"
    assert fmt_day_time(LATE_EVENING_UTC) == "01/12/2026 06:30"
    assert fmt_short(LATE_EVENING_UTC) == "01/12 06:30"
    assert fmt_time(LATE_EVENING_UTC) == "06:30"
    assert fmt_sortable(LATE_EVENING_UTC) == "2026-12-01 06:30"


def test_days_are_day_first() -> None:
    assert fmt_date(date(2026, 12, 1)) == "Thứ Ba 01/12/2026"
    assert fmt_day(date(2026, 3, 5)) == "05/03/2026"


def test_a_span_names_the_start_year_only_when_it_differs() -> None:
    assert fmt_span(date(2026, 10, 15), date(2026, 11, 14)) == ("15/10", "14/11/2026")
    assert fmt_span(date(2026, 12, 15), date(2027, 3, 14)) == ("15/12/2026", "14/03/2027")


def test_a_document_date_follows_decree_30() -> None:
    """Days below 10 and months below 3 take a leading zero; other months do not."""
    assert fmt_document_date(date(2026, 2, 5)) == ("05", "02", "2026")
    assert fmt_document_date(date(2026, 3, 5)) == ("05", "3", "2026")
    assert fmt_document_date(date(2026, 12, 25)) == ("25", "12", "2026")
