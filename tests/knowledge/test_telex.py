"""Telex / VNI decoding of Vietnamese typed without an input method."""

from __future__ import annotations

import pytest

from knowledge.telex import (
    decode_telex,
    decode_word,
    is_folded_syllable,
    is_valid_syllable,
    looks_like_telex,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("chuyeenr ddooir soos", "chuyển đổi số"),
        ("thur tucj", "thủ tục"),
        ("baos caos", "báo cáo"),
        ("nguoiwf daan", "người dân"),
        ("thuowng truwowngf", "thương trường"),
        ("tieengs Vieetj", "tiếng Việt"),
        ("Ddaauf tuw", "Đầu tư"),
        ("hoaf khoer", "hòa khỏe"),
        ("chuye63n d9o63i so61", "chuyển đổi số"),
    ],
)
def test_decodes_telex_and_vni(typed: str, expected: str) -> None:
    assert decode_telex(typed) == expected


@pytest.mark.parametrize(
    "word", ["online", "email", "word", "zalo", "facebook", "covid", "2024", "qh13"]
)
def test_leaves_words_that_are_not_telex_for_a_syllable(word: str) -> None:
    assert decode_word(word) == word
    assert not looks_like_telex(word)


def test_mixed_text_keeps_punctuation_codes_and_accented_words() -> None:
    text = "Kế hoạch 286/KH-BTTTT veef chuyeenr ddooir soos, online"
    assert decode_telex(text) == "Kế hoạch 286/KH-BTTTT về chuyển đổi số, online"


def test_looks_like_telex() -> None:
    assert looks_like_telex("ddooir")
    assert not looks_like_telex("doi")


def test_double_tone_key_gives_the_letter_back() -> None:
    # "ss" undoes the tone: the result "bas" is not a syllable, so the word stays as typed.
    assert decode_word("bass") == "bass"


@pytest.mark.parametrize(
    "syllable", ["chuyển", "đổi", "số", "thủ", "tục", "gì", "quốc", "khuya", "người"]
)
def test_valid_syllables(syllable: str) -> None:
    assert is_valid_syllable(syllable)


@pytest.mark.parametrize("syllable", ["tùc", "tuc", "ởd", "bôk", "fã", "sê d", ""])
def test_invalid_syllables(syllable: str) -> None:
    # Stop finals need sắc or nặng; English clusters and foreign onsets are not Vietnamese.
    assert not is_valid_syllable(syllable)


@pytest.mark.parametrize("word", ["tuan", "duoc", "nguoi", "khong", "mat", "thuong"])
def test_folded_syllables(word: str) -> None:
    assert is_folded_syllable(word)


@pytest.mark.parametrize("word", ["password", "reset", "what", "tuaanf", "ubnd"])
def test_not_folded_syllables(word: str) -> None:
    assert not is_folded_syllable(word)


def test_syllable_sets_say_what_the_onset_then_rhyme_pattern_says() -> None:
    # The look-up sets replaced a regex of every onset then every rhyme: the same words pass.
    import itertools
    import re

    from knowledge.normalize import fold
    from knowledge.telex import _ONSETS, _RHYMES

    def pattern(onsets: set[str], rhymes: set[str]) -> re.Pattern[str]:
        by_len = sorted(onsets, key=len, reverse=True), sorted(rhymes, key=len, reverse=True)
        return re.compile(f"(?:{'|'.join(by_len[0])})(?:{'|'.join(by_len[1])})")

    toneless = pattern(set(_ONSETS), set(_RHYMES))
    folded = pattern({fold(o) for o in _ONSETS}, {fold(r) for r in _RHYMES})
    letters = "acdeghinoqtuyăâđêôơư"
    words = {"".join(w) for n in range(1, 4) for w in itertools.product(letters, repeat=n)}
    words |= {o + r for o in _ONSETS for r in _RHYMES} | {"", "nguoiw", "thuowng", "chuyeenr"}
    for word in words:
        # toneless: a stop final (c, ch, p, t) needs sắc or nặng
        toneless_ok = bool(toneless.fullmatch(word)) and not word.endswith(("c", "ch", "p", "t"))
        assert is_valid_syllable(word) == toneless_ok, word
        assert is_valid_syllable(word + "\u0301") == bool(toneless.fullmatch(word)) or not word
        assert is_folded_syllable(word) == bool(folded.fullmatch(word)), word
