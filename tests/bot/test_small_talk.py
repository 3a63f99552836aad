"""bot/small_talk.py: what is no question, and what still is."""

from __future__ import annotations

import pytest

from bot.small_talk import small_talk


@pytest.mark.parametrize(("text", "kind"), [
    ("cảm ơn", "thanks"), ("Cảm ơn bạn nhiều nhé!", "thanks"), ("tks", "thanks"),
    ("xin chào ạ", "greeting"), ("alo", "greeting"), ("OK", "ack"), ("oke", "ack"),
    ("được rồi", "ack"), ("Đã rõ ạ", "ack"), ("👍", "ack"), ("?!", "ack"),
    # a word before the phrase, or two phrases: how people close a chat (ux-web)
    ("em cảm ơn ạ", "thanks"), ("Dạ cảm ơn", "thanks"), ("vâng, cảm ơn", "thanks"),
    ("ok thanks", "thanks"), ("hiểu rồi, cảm ơn nhé", "thanks"), ("mình cảm ơn", "thanks"),
    ("đc", "ack"), ("ok dc", "ack"), ("biết rồi", "ack"), ("tạm biệt", "ack"), ("bye", "ack"),
    ("em chào chị", "greeting"), ("ad ơi", "greeting"),
    # softeners typed without marks after the phrase; "à" opening it (mend1)
    ("cam on lam", "thanks"), ("cảm ơn lắm", "thanks"), ("ok a", "ack"), ("chi oi", "greeting"),
    ("cảm ơn cả nhà nhé", "thanks"), ("À, cảm ơn", "thanks"), ("thanks so much", "thanks")])
def test_small_talk(text: str, kind: str) -> None:
    assert small_talk(text) == kind


@pytest.mark.parametrize("text", [
    "", "   ", "cảm ơn, cho hỏi thủ tục báo cáo tuần", "chào?", "ok thủ tục báo cáo tuần",
    "gia hạn chữ ký số", "tám mươi", "Huy", "chao co the hoi ve chu ky so khong",
    # softeners alone, or with any other word, stay questions
    "anh", "em ạ", "được không", "không hiểu", "em hỏi chút", "ok cho hỏi ký số",
    "cảm ơn, cho em hỏi ký số",
    # review of f2e6f27: "à" asks, and "làm" is no "lắm" ("a"/"lam" folded were softeners);
    # typed without marks, a word that may be one ("lam", "vay") before the phrase asks too
    "vay duoc a", "làm được à", "làm rồi à", "lam dc", "vậy được à", "được à", "lam roi a"])
def test_questions_and_the_rest_are_not_small_talk(text: str) -> None:
    assert small_talk(text) is None
