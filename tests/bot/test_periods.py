"""Reporting periods (Decree 09/2019/NĐ-CP): boundaries, keys, labels, parsing what people type."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.periods import (
    DECREE_CLOSE_DAY,
    PERIOD_KINDS,
    Period,
    PeriodError,
    looks_like_period,
    parse_period,
    period_of,
    week_shown,
)
from bot.texts import periods as PT

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
kinds = st.sampled_from(PERIOD_KINDS)
close_days = st.sampled_from([DECREE_CLOSE_DAY, 0, 1, 20, 28])


def test_decree_boundaries() -> None:
    month = Period("month", 2026, 11)
    assert (month.start, month.end) == (date(2026, 10, 15), date(2026, 11, 14))
    q1 = Period("quarter", 2027, 1)
    assert (q1.start, q1.end) == (date(2026, 12, 15), date(2027, 3, 14))
    q4 = Period("quarter", 2026, 4)
    assert (q4.start, q4.end) == (date(2026, 9, 15), date(2026, 12, 14))
    h1, h2 = Period("half", 2026, 1), Period("half", 2026, 2)
    assert (h1.start, h1.end) == (date(2025, 12, 15), date(2026, 6, 14))
    assert (h2.start, h2.end) == (date(2026, 6, 15), date(2026, 12, 14))
    year = Period("year", 2026, 1)
    assert (year.start, year.end) == (date(2025, 12, 15), date(2026, 12, 14))
    calendar_month = Period("month", 2028, 2, close_day=0)
    assert (calendar_month.start, calendar_month.end) == (date(2028, 2, 1), date(2028, 2, 29))


def test_days_after_the_fourteenth_belong_to_the_next_month() -> None:
    assert period_of("month", date(2026, 11, 14)).key == "2026-11"
    assert period_of("month", date(2026, 11, 15)).key == "2026-12"
    assert period_of("month", date(2026, 12, 15)).key == "2027-01"
    assert period_of("quarter", date(2026, 12, 15)).key == "2027-Q1"
    assert period_of("year", date(2026, 12, 15)).key == "2027"
    assert period_of("half", date(2026, 6, 15)).key == "2026-H2"


def test_labels_and_keys() -> None:
    assert Period("month", 2026, 11).label_with_dates == PT.WITH_DATES.format(
        label=PT.LABEL_MONTH.format(number=11, year=2026), start="15/10", end="14/11/2026")
    assert Period("quarter", 2027, 1).label_with_dates == PT.WITH_DATES.format(
        label=PT.LABEL_QUARTER.format(roman="I", year=2027), start="15/12/2026",
        end="14/03/2027")
    assert Period("half", 2026, 1).label == PT.LABEL_HALF[0].format(year=2026)
    assert Period("week", 2026, 48).key == "2026-W48"
    assert Period("week", 2026, 48).label == PT.LABEL_WEEK.format(number=48, year=2026)


def test_weeks_counted_by_their_friday() -> None:
    # 15/10/2026 is a Thursday: its week's Friday (16/10) is in the November period
    assert Period("month", 2026, 11).weeks() == [
        "2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46"]
    assert Period("month", 2026, 12).weeks()[0] == "2026-W47"


@pytest.mark.parametrize(("typed", "key"), [
    ("2026-W48", "2026-W48"), ("tuần 48", "2026-W48"), ("tuan 48/2026", "2026-W48"),
    ("W48", "2026-W48"), ("2026-11", "2026-11"), ("tháng 11", "2026-11"), ("Thang 11", "2026-11"),
    ("11/2026", "2026-11"), ("tháng 11 năm 2026", "2026-11"), ("tháng này", "2026-12"),
    ("tháng trước", "2026-11"), ("quý IV/2026", "2026-Q4"), ("Quý 4", "2026-Q4"),
    ("q4", "2026-Q4"), ("quy iv", "2026-Q4"), ("2026-Q4", "2026-Q4"),
    ("6 tháng đầu năm 2026", "2026-H1"), ("6 thang cuoi nam", "2026-H2"), ("H2/2026", "2026-H2"),
    ("năm 2026", "2026"), ("2026", "2026"), ("năm nay", "2026"), ("tuần này", "2026-W49"),
    ("tuần trước", "2026-W48"),
    # no year: the latest that has started (January 2027's period starts on 15/12/2026)
    ("tháng 1", "2026-01"),
])
def test_parse_what_people_type(typed: str, key: str) -> None:
    assert parse_period(typed, date(2026, 12, 2)).key == key


@pytest.mark.parametrize("typed", ["tháng 13", "quý 5", "tuần 54/2026", "abc", "", "2026-W00"])
def test_bad_periods_are_refused_politely(typed: str) -> None:
    with pytest.raises(PeriodError, match="không hợp lệ"):
        parse_period(typed, date(2026, 12, 2))


def test_looks_like_period_tells_unit_codes_apart() -> None:
    assert looks_like_period("2026-11") and looks_like_period("W48")
    assert not looks_like_period("BTTTT") and not looks_like_period("KH286")


@given(kind=kinds, day=days, close_day=close_days)
def test_the_period_of_a_day_contains_it(kind, day, close_day) -> None:  # type: ignore[no-untyped-def]
    period = period_of(kind, day, close_day)
    assert period.contains(day)
    assert period.start <= period.end


@given(kind=kinds, day=days, close_day=close_days)
def test_periods_tile_time(kind, day, close_day) -> None:  # type: ignore[no-untyped-def]
    period = period_of(kind, day, close_day)
    assert period.next().start == period.end + timedelta(days=1)
    assert period.previous().end == period.start - timedelta(days=1)
    assert period.next().previous() == period


@given(kind=kinds, day=days, close_day=close_days, today=days)
def test_keys_and_labels_parse_back(kind, day, close_day, today) -> None:  # type: ignore[no-untyped-def]
    period = period_of(kind, day, close_day)
    assert parse_period(period.key, today, close_day) == period
    assert parse_period(period.label, today, close_day) == period


@given(kind=st.sampled_from(["month", "quarter", "half", "year"]), day=days, close_day=close_days)
def test_longer_periods_are_made_of_months(kind, day, close_day) -> None:  # type: ignore[no-untyped-def]
    period = period_of(kind, day, close_day)
    months = period.months()
    assert months[0].start == period.start and months[-1].end == period.end
    assert all(a.next() == b for a, b in zip(months, months[1:], strict=False))
    if close_day == DECREE_CLOSE_DAY:
        assert period.end.day == 14 and period.start.day == 15


@given(day=days, close_day=close_days)
def test_every_week_counts_in_exactly_one_month(day, close_day) -> None:  # type: ignore[no-untyped-def]
    month = period_of("month", day, close_day)
    year, week, _ = day.isocalendar()
    key = f"{year}-W{week:02d}"
    friday = date.fromisocalendar(year, week, 5)
    owners = [m for m in (month.previous(), month, month.next()) if key in m.weeks()]
    assert len(owners) == (1 if any(m.contains(friday) for m in (month.previous(), month,
                                                                   month.next())) else 0)


@given(kind=kinds, day=days, today=days)
def test_without_a_year_the_latest_started_period(kind, day, today) -> None:  # type: ignore[no-untyped-def]
    period = period_of(kind, day)
    if kind in ("week", "year"):
        return  # weeks are typed with their number only when the year is obvious; years always
    typed = {"month": f"tháng {period.number}", "quarter": f"quý {period.number}",
             "half": f"H{period.number}"}[kind]
    found = parse_period(typed, today)
    assert found.number == period.number and found.start <= today
    later = Period(kind, found.year + 1, found.number)
    assert later.start > today


def test_week_shown_as_officials_write_it() -> None:
    """'tuần 2026-W49' is a developer's key; texts say 'tuần 49/2026' like the reports."""
    assert week_shown("2026-W49") == "49/2026"
    assert week_shown("2027-W05") == "5/2027"
    assert week_shown("tuần 48") == "tuần 48"  # anything else is left as it is


def test_week_53_without_a_year_is_the_latest_year_that_has_one() -> None:
    assert parse_period("tuần 53", date(2027, 1, 5)).key == "2026-W53"
    assert parse_period("tuần 53", date(2027, 11, 5)).key == "2026-W53"  # 2027 has 52 weeks
    with pytest.raises(PeriodError):
        parse_period("tuần 53", date(2026, 11, 23))  # 2026's has not begun, 2025 has none
