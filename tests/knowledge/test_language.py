"""The English check: English questions are recognised; Vietnamese in any typing is not."""

from __future__ import annotations

import pytest

from knowledge.language import is_english


@pytest.mark.parametrize(
    "text",
    [
        "How do I reset my password?",
        "Who approves the commune website posts?",
        "Is there a fee for renewing the certificate?",
        "What is UBND?",
        "where is the file upload",
    ],
)
def test_english_questions(text: str) -> None:
    assert is_english(text)


@pytest.mark.parametrize(
    "text",
    [
        "bao cao tuan ke hoach 286 nop truoc may gio thu may",
        "Báo cáo tuần nộp trước mấy giờ?",
        "chuyeenr ddooir soos laf gif",
        "dduwowcj khoong",
        "CCCD het han lam lai o dau",
        "email cong vu bi khoa thi lam sao",
        "file scan qua nang gui khong duoc",
        "token bi mat",
        "gia iphone 16 pro max",
        "ok",
        "hello",
        "",
    ],
)
def test_vietnamese_and_too_short_are_not_english(text: str) -> None:
    assert not is_english(text)
