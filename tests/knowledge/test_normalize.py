"""Normalization: NFC, casefold, folding, tone placement, syllables."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.normalize import (
    canonical_tone,
    fold,
    fold_words,
    has_diacritics,
    normalize,
    place_tone,
    split_tone,
    syllables,
)


def test_normalize_composes_and_casefolds() -> None:
    decomposed = unicodedata.normalize("NFD", "Chuyển Đổi SỐ")
    assert normalize(decomposed) == "chuyển đổi số"
    assert unicodedata.is_normalized("NFC", normalize(decomposed))


def test_fold_removes_tones_vowel_marks_and_d_bar() -> None:
    assert fold("Ủy ban nhân dân tỉnh Đắk Lắk") == "Uy ban nhan dan tinh Dak Lak"
    assert fold("người được ưu tiên") == "nguoi duoc uu tien"
    assert fold(unicodedata.normalize("NFD", "Quyết định")) == "Quyet dinh"


def test_fold_leaves_ascii_and_punctuation() -> None:
    assert fold("286/KH-BTTTT, ngày 01/02") == "286/KH-BTTTT, ngay 01/02"
    assert fold("online email") == "online email"


def test_has_diacritics() -> None:
    assert has_diacritics("báo cáo")
    assert has_diacritics("đi")
    assert not has_diacritics("bao cao 2024")


def test_syllables_keep_numbers_and_code_parts() -> None:
    assert syllables(normalize("Kế hoạch 286/KH-BTTTT (2024)")) == [
        "kế", "hoạch", "286", "kh", "btttt", "2024",
    ]  # fmt: skip


def test_split_and_place_tone_round_trip() -> None:
    for word in (
        "chuyển",
        "đổi",
        "số",
        "người",
        "hòa",
        "thủy",
        "quý",
        "giữ",
        "gì",
        "khuỷu",
        "tiếng",
    ):
        base, tone = split_tone(word)
        assert place_tone(base, tone) == word


def test_canonical_tone_moves_new_style_marks_to_traditional_place() -> None:
    assert canonical_tone("hoà") == "hòa"
    assert canonical_tone("thuỷ") == "thủy"
    assert canonical_tone("khoẻ") == "khỏe"
    assert canonical_tone("hoàn") == "hoàn"
    assert canonical_tone("ban") == "ban"


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạềếểễệ ÀĐ0123456789/-.", max_size=40))
def test_fold_is_ascii_for_vietnamese_letters(text: str) -> None:
    folded = fold(text)
    assert folded.isascii()
    assert len(folded) == len(unicodedata.normalize("NFC", text))
    assert fold(folded) == folded


@pytest.mark.parametrize(("text", "kwargs", "expected"), [
    ("  Đã  XONG\u00a0rồi\n", {}, "da xong roi"),
    ("ĐƠN VỊ, Phòng", {}, "don vi, phong"),
    ("Quý I,2026", {"apart": ","}, "quy i 2026"),
    ("✓ Gửi✓báo cáo", {"apart": "\u2713"}, "gui bao cao"),
    ("Xin-chào!!! 👍", {"letters_only": True}, "xin chao"),
    ("q\u0323uy", {"letters_only": True}, "quy"),
    ("Straße", {}, "strasse"),
    ("", {}, ""),
])
def test_fold_words(text: str, kwargs: dict[str, Any], expected: str) -> None:
    assert fold_words(text, **kwargs) == expected


@given(st.text())
def test_fold_words_is_a_fixed_point(text: str) -> None:
    key = fold_words(text)
    assert fold_words(key) == key
    assert "  " not in key and key == key.strip()
