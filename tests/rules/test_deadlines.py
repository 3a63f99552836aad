"""Deadline parsing: the forms plans use → end of the period, recurring → None, the rest → errors."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.texts import imports as T
from rules.deadlines import (
    DeadlineError,
    _key,
    month_first_doubt,
    parse_day,
    parse_deadline,
    reads_only_month_first,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("15/04/2025", date(2025, 4, 15)),
    ("15-4-2025", date(2025, 4, 15)),
    ("15.04.2025", date(2025, 4, 15)),
    ("15/4", date(2024, 4, 15)),
    ("Quý II/2025", date(2025, 6, 30)),
    ("quý 2 năm 2025", date(2025, 6, 30)),
    ("Quý IV", date(2024, 12, 31)),
    ("Quy I/2025", date(2025, 3, 31)),
    ("Tháng 6/2025", date(2025, 6, 30)),
    ("Tháng 2/2024", date(2024, 2, 29)),
    ("tháng 6 năm 2025", date(2025, 6, 30)),
    ("06/2025", date(2025, 6, 30)),
    ("Trước 30/6/2025", date(2025, 6, 30)),
    ("Trước ngày 30/6/2025", date(2025, 6, 30)),
    ("Chậm nhất ngày 15/3/2025", date(2025, 3, 15)),
    ("Trong tháng 6", date(2024, 6, 30)),
    ("Hoàn thành trong tháng 9/2025", date(2025, 9, 30)),
    ("6 tháng đầu năm 2025", date(2025, 6, 30)),
    ("Năm 2025", date(2025, 12, 31)),
    # as documents write a date
    ("Ngày 15 tháng 4 năm 2025", date(2025, 4, 15)),
    ("Trước ngày 30 tháng 6 năm 2025", date(2025, 6, 30)),
    ("15 tháng 4", date(2024, 4, 15)),
])
def test_forms_people_type(text: str, expected: date) -> None:
    parsed = parse_deadline(text, default_year=2024)
    assert parsed.day == expected and not parsed.recurring


@pytest.mark.parametrize("text", ["Hằng tuần", "Hàng tháng", "Thường xuyên", "Định kỳ hằng quý"])
def test_recurring_has_no_date(text: str) -> None:
    parsed = parse_deadline(text, default_year=2025)
    assert parsed.day is None and parsed.recurring


def test_empty_and_spreadsheet_dates() -> None:
    assert parse_deadline(None, default_year=2025).day is None
    assert parse_deadline("  ", default_year=2025).day is None
    assert parse_deadline(date(2025, 5, 1), default_year=2025).day == date(2025, 5, 1)
    assert parse_deadline(datetime(2025, 5, 1, 0, 0), default_year=2025).day == date(2025, 5, 1)


@pytest.mark.parametrize(("value", "expected"), [
    ("2027-03-15", date(2027, 3, 15)), ("Trước 2027-03-15", date(2027, 3, 15)),
    ("2027/3/15", date(2027, 3, 15)),
    (46461, date(2027, 3, 15)), (46461.0, date(2027, 3, 15)), ("46461", date(2027, 3, 15)),
    ("2027", date(2027, 12, 31)), (2027, date(2027, 12, 31)),
])
def test_dates_as_systems_and_spreadsheets_write_them(value: object, expected: date) -> None:
    """ISO dates (exports), Excel date serials (a date cell formatted as a number, or a CSV of
    one) and a year alone were "không đọc được thời hạn" and stopped the whole CLI import."""
    assert parse_deadline(value, default_year=2026).day == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Trước 2027", date(2026, 12, 31)), ("trước năm 2027", date(2026, 12, 31)),
    ("Hoàn thành trước năm 2027", date(2026, 12, 31)),
    ("Trước tháng 3/2027", date(2027, 2, 28)), ("trước 03/2027", date(2027, 2, 28)),
    ("Trước quý II/2027", date(2027, 3, 31)),
    # a day: the deadline as written, with or without "ngày"
    ("Trước 30/6/2027", date(2027, 6, 30)), ("Trước ngày 30/6/2027", date(2027, 6, 30)),
    ("Trước cuối năm 2027", date(2027, 12, 31)),
    # no "trước": the end of the period
    ("Năm 2027", date(2027, 12, 31)), ("Tháng 3/2027", date(2027, 3, 31)),
])
def test_before_a_period_is_the_day_before_it_begins(value: str, expected: date) -> None:
    """Review of 7e46195: "trước 2027" (and "trước năm 2027") read as 31/12/2027, a year later
    than written; before a year, month or quarter is the last day before it."""
    assert parse_deadline(value, default_year=2026).day == expected


def test_a_date_written_month_first_says_the_order() -> None:
    with pytest.raises(DeadlineError, match="ngày/tháng/năm, có phải là 15/3/2027"):
        parse_deadline("03/15/2027", default_year=2026)
    with pytest.raises(DeadlineError, match="có phải là 25/12/2026"):
        parse_day("12/25", today=date(2026, 12, 4))
    with pytest.raises(DeadlineError) as caught:  # no day fits either way: no guess offered
        parse_deadline("2/31/2027", default_year=2026)
    assert "có phải" not in str(caught.value)


def test_a_date_that_reads_both_ways_is_doubted_only_beside_a_month_first_one() -> None:
    """Review of 7e46195: only a "month" over 12 showed the order; "03/04/2027" in a file
    written month first was read as 3 April."""
    assert reads_only_month_first("03/15/2027", default_year=2026)
    assert reads_only_month_first("Trước 03/15/2027", default_year=2026)
    assert not reads_only_month_first("15/03/2027", default_year=2026)
    assert not reads_only_month_first("03/04/2027", default_year=2026)
    assert not reads_only_month_first("2/31/2027", default_year=2026)  # no day either way
    doubt = month_first_doubt("03/04/2027", default_year=2026, row=5, example="03/15/2027")
    assert doubt == T.DEADLINE_ORDER_DOUBT.format(day=3, month=4, year=2027, row=5,
                                                  example="03/15/2027")
    assert doubt is not None and "có phải là 4/3/2027?" in doubt
    for same_or_one_way in ("05/05/2027", "15/04/2027", "15 tháng 4 năm 2027", "Quý II/2027",
                            date(2027, 3, 4), 46461):
        assert month_first_doubt(same_or_one_way, default_year=2026, row=5,
                                 example="03/15/2027") is None


@pytest.mark.parametrize(("text", "reason"), [
    ("abc", "không đọc được"),
    ("31/2/2025", "không tồn tại"),
    ("Tháng 13/2025", "không hợp lệ"),
    ("Quý V/2025", "không đọc được"),
    ("1999", "không đọc được"),
    ("12", "không đọc được"),
])
def test_unreadable_deadlines_are_errors(text: str, reason: str) -> None:
    with pytest.raises(DeadlineError, match=reason):
        parse_deadline(text, default_year=2025)


@pytest.mark.parametrize(("text", "expected"), [
    ("31/12/2027", date(2027, 12, 31)), ("31 tháng 12 năm 2027", date(2027, 12, 31)),
    ("ngày 31 tháng 12 năm 2027", date(2027, 12, 31)), ("31 thang 12 nam 27", date(2027, 12, 31)),
    ("31 tháng 12", date(2026, 12, 31))])
def test_a_day_typed_as_documents_write_it(text: str, expected: date) -> None:
    """Found in the guide upload's validity step: "31 tháng 12 năm 2027", the form of every
    administrative document, was "Chưa hiểu ngày"."""
    assert parse_day(text, today=date(2026, 12, 3)) == expected


@pytest.mark.parametrize("text", ["6 tháng 2025", "31 tháng", "tháng 12 năm 2027"])
def test_a_day_needs_its_day_and_month(text: str) -> None:
    with pytest.raises(DeadlineError):
        parse_day(text, today=date(2026, 12, 3))


@pytest.mark.parametrize(("text", "key"), [
    ("Quý II,2025", "quy ii 2025"), (" THÁNG\u00a03 / 2025 ", "thang 3 / 2025"), ("Đ", "d")])
def test_deadline_keys_fold_case_marks_commas_and_spaces(text: str, key: str) -> None:
    assert _key(text) == key
