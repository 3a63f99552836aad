"""bot/small_talk.py: what is no question, and what still is."""

from __future__ import annotations

import pytest

from bot.small_talk import small_talk


@pytest.mark.parametrize(("text", "kind"), [
    ("cảm ơn", "thanks"), ("Cảm ơn bạn nhiều nhé!", "thanks"), ("tks", "thanks"),
    ("xin chào ạ", "greeting"), ("alo", "greeting"), ("OK", "ack"), ("oke", "ack"),
    ("được rồi", "ack"), ("Đã rõ ạ", "ack"), ("👍", "ack"), ("?!", "ack")])
def test_small_talk(text: str, kind: str) -> None:
    assert small_talk(text) == kind


@pytest.mark.parametrize("text", [
    "", "   ", "cảm ơn, cho hỏi thủ tục báo cáo tuần", "chào?", "ok thủ tục báo cáo tuần",
    "gia hạn chữ ký số", "tám mươi", "Huy", "chao co the hoi ve chu ky so khong"])
def test_questions_and_the_rest_are_not_small_talk(text: str) -> None:
    assert small_talk(text) is None
