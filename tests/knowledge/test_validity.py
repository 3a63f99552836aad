"""Validity read from a guide's words: effective dates, end dates, replaced document numbers."""

from __future__ import annotations

from datetime import date

from knowledge.validity import in_force, read_validity, strip_share_marker


def test_effective_from_in_the_usual_phrasings() -> None:
    assert read_validity("Hướng dẫn có hiệu lực từ ngày 01/01/2027.").effective_from \
        == date(2027, 1, 1)
    assert read_validity("có hiệu lực thi hành kể từ ngày 5 tháng 3 năm 2027").effective_from \
        == date(2027, 3, 5)
    assert read_validity("Có  hiệu\nlực từ ngày 1-2-2027").effective_from == date(2027, 2, 1)


def test_end_dates_stop_the_day_before_or_run_through_the_day() -> None:
    ends = read_validity("Văn bản này hết hiệu lực kể từ ngày 01/07/2027.")
    assert ends.effective_until == date(2027, 6, 30) and ends.effective_from is None
    assert read_validity("có hiệu lực đến hết ngày 31/12/2026").effective_until \
        == date(2026, 12, 31)


def test_no_date_no_validity() -> None:
    found = read_validity("Có hiệu lực từ ngày ký. Phải ban hành văn bản đính chính hoặc thay "
                          "thế. Ngày 31/02/2027 không có.")
    assert found.effective_from is None and found.effective_until is None
    assert found.replaces == ()


def test_replaced_document_numbers() -> None:
    found = read_validity("Hướng dẫn này thay thế Hướng dẫn số 12/HD-UBND và Công văn "
                          "05/2026/CV-STTTT; các quy định trước đây trái với hướng dẫn này bị bãi bỏ.")
    assert found.replaces == ("12/HD-UBND", "05/2026/CV-STTTT")


def test_in_force_bounds_are_inclusive() -> None:
    assert in_force(date(2027, 1, 1), date(2027, 1, 1), date(2027, 1, 31))
    assert in_force(date(2027, 1, 31), date(2027, 1, 1), date(2027, 1, 31))
    assert not in_force(date(2026, 12, 31), date(2027, 1, 1), None)
    assert not in_force(date(2027, 2, 1), None, date(2027, 1, 31))


def test_share_marker() -> None:
    assert strip_share_marker("Thông điệp cho người dân [chia sẻ]") == ("Thông điệp cho người dân",
                                                                        True)
    assert strip_share_marker("Lời khuyên (Chia se)") == ("Lời khuyên", True)
    assert strip_share_marker("Chia sẻ dữ liệu") == ("Chia sẻ dữ liệu", False)
