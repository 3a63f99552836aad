"""The Q&A-entry rule: a confident answer from an admin's entry needs the question to read as its own."""

from __future__ import annotations

import pytest

from knowledge.qa_match import CONFIDENT_SIMILARITY, qa_outcome, question_similarity

STORED = "Nhuận bút viết bài cho trang web xã lấy từ ngân sách nhà nước được không?"


@pytest.mark.parametrize("asked", [
    STORED,
    "Nhuan but viet bai cho trang web xa lay tu ngan sach nha nuoc duoc khong",  # no diacritics
    "Nhuaanj buts vieets baif cho trang web xax laays tuwf ngaan sachs nhaf nuwowcs",  # Telex
    "nhuận bút viết bài trang web xã lấy từ ngân sách nhà nước?",  # a word dropped
])
def test_the_same_question_asked_again_is_answered(asked: str) -> None:
    assert question_similarity(asked, STORED) >= CONFIDENT_SIMILARITY
    assert qa_outcome("answer", asked, STORED) == "answer"


def test_a_near_miss_on_the_same_topic_is_only_offered() -> None:
    asked = "Quay video hoạt động của xã đăng lên trang thông tin điện tử có được trả nhuận bút không?"
    assert question_similarity(asked, STORED) < CONFIDENT_SIMILARITY
    assert qa_outcome("answer", asked, STORED) == "tentative"


def test_the_rule_never_raises_an_outcome() -> None:
    assert qa_outcome("tentative", STORED, STORED) == "tentative"
    assert qa_outcome("decline", STORED, STORED) == "decline"


def test_english_questions_are_left_to_the_model() -> None:
    asked = "Can the commune pay royalties for website articles from the state budget?"
    assert qa_outcome("answer", asked, STORED) == "answer"


def test_the_cut_is_a_parameter() -> None:
    asked = "nhuận bút trang web xã"
    similarity = question_similarity(asked, STORED)
    assert qa_outcome("answer", asked, STORED, cut=similarity) == "answer"
    assert qa_outcome("answer", asked, STORED, cut=similarity + 1) == "tentative"


def test_empty_questions_are_not_similar() -> None:
    assert question_similarity("???", STORED) == 0.0
