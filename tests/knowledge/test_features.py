"""The decision features' chat words: read with their accents when the question has them."""

from __future__ import annotations

from functools import cache

import pytest

from knowledge.features import FEATURE_NAMES, chat_words, extract
from knowledge.index import KnowledgeIndex
from testkit.demo_index import demo_index


@cache
def index() -> KnowledgeIndex:
    return demo_index()


def chat(question: str) -> frozenset[str]:
    return chat_words(index()._analyze(question))


@pytest.mark.parametrize(
    ("question", "content"),
    [
        ("Xã mình có phải làm lại hồ sơ không?", {"ho"}),  # "hồ sơ", not "hộ"
        ("Văn bản điện tử gửi thế nào?", {"van", "tu"}),  # not "vẫn", "tự"/"từ"
        ("Chỉ số chuyển đổi số của xã", {"chi"}),  # not "chị"
        ("Trường hợp đặc biệt thì báo ai?", {"biet"}),  # not "biết"
    ],
)
def test_words_typed_with_accents_are_chat_only_as_written(question: str, content: set[str]) -> None:
    assert not content & chat(question)


def test_chat_words_typed_with_accents_stay_chat() -> None:
    assert {"minh", "ho", "van", "tu", "chi"} <= chat("mình nhờ chị làm hộ, vẫn tự làm")


def test_words_typed_without_accents_are_compared_folded() -> None:
    assert {"ho", "van", "tu", "chi"} <= chat("lam lai ho so van ban dien tu chi so")
    # a word with no marks in an accented question too ("thay" could be "thấy"): reading every word
    # of an accented question as written cost accented and legal answers (docs/benchmarks.md)
    assert "thay" in chat("Thay thế máy tính hỏng")


def test_a_form_typed_once_as_content_is_content() -> None:
    # "hộ" (on behalf) and "hồ" (hồ sơ) fold alike: the question does speak of a file
    assert "ho" not in chat("nộp hộ hồ sơ")
    assert "minh" in chat("nộp hộ hồ sơ giúp mình")


def test_accented_question_keeps_its_content_words_in_the_features() -> None:
    idx = index()
    words = FEATURE_NAMES.index("content_words")

    def features(question: str) -> tuple[float, ...]:
        q = idx._analyze(question)
        return extract(idx, q, idx._ranked(q, 10, ()))

    # folded, "ho", "tu" and "chi" may be chat words; typed with accents they are the question's subject
    assert features("nộp hồ sơ điện tử chỉ số")[words] > features("nop ho so dien tu chi so")[words]
