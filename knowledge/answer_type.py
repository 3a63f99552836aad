"""Whether a question asks for a time (a date, a deadline, a duration), and whether a passage states one.

"Hạn số hóa sổ khai sinh?" asks for a date: a section that says which books to digitize but no date cannot
answer it, however well it matches the words. The question is read folded, so a question typed without
diacritics asks the same. Only times are recognized: a passage visibly states one (digits with a unit, a
weekday). A number is not ("có bao nhiêu trình độ" is answered by a list of names), nor are "ai", "ở đâu" or
yes-no questions: no pattern can spot their answers in a text.

Money is the other kind read here: "Thù lao trực đường dây nóng bao nhiêu một ca?", "có được hưởng phụ cấp
không?" ask about pay, a fee, an allowance or a budget, and a passage that speaks of no money at all (no amount,
no "tiền", "phí", "lương", "ngân sách", "thanh toán", …) cannot answer them, whatever words it shares with them.
The passage side is read broadly (any mention of money), so that the check only fires on passages silent about it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from knowledge.normalize import fold, has_diacritics, nfc, syllables

#: Folded question phrases asking for a time, a date or a duration ("bao lâu", "mấy giờ", "thứ mấy").
#: "mấy" folds like "máy" (machine), so it counts only in these pairs.
_TIME_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(fold(p).split())
    for p in (
        "bao lâu", "bao giờ", "khi nào", "lúc nào", "ngày nào", "tháng nào", "thời hạn", "hạn chót",
        "hạn cuối", "chậm nhất", "mấy giờ", "mấy ngày", "mấy tháng", "mấy năm", "mấy tuần", "thứ mấy",
        "ngày mấy",
    )
)  # fmt: skip
#: "hạn" alone asks for a deadline ("Hạn nộp báo cáo?") except in these words: "gia hạn", "hết hạn",
#: "quá hạn", "giới hạn", "quyền hạn", "đến hạn", "vô hạn", "hạn chế", "hạn mức"….
_HAN = fold("hạn")
_HAN_BEFORE = frozenset(
    fold(w)
    for w in (
        "gia",
        "hết",
        "quá",
        "giới",
        "có",
        "kỳ",
        "đúng",
        "trong",
        "quyền",
        "đến",
        "tới",
        "vô",
        "hữu",
    )
)
_HAN_AFTER = frozenset(fold(w) for w in ("chế", "mức", "ngạch", "hán"))

#: A time in a passage, read folded: a number of hours/days/months…, a date, a clock time.
_TIME_IN_FOLDED = re.compile(
    r"\b\d+\s*(?:gio|ngay|thang|nam|phut|tuan|quy|h)\b"
    r"|\b(?:ngay|thang|nam|gio|quy)\s+\d"
    r"|\b\d{1,2}[/.-]\d{1,2}\b"
)
#: A weekday or a recurring period, read with its diacritics: folded, "thứ tự" (order) reads as
#: "thứ tư" (Wednesday).
_TIME_IN_TEXT = re.compile(
    r"\bthứ\s+(?:hai|ba|tư|năm|sáu|bảy)\b|\bchủ\s+nhật\b|\bhằng\s+(?:ngày|tuần|tháng|quý|năm)\b"
)


def _by_size(phrases: Iterable[tuple[str, ...]]) -> dict[int, frozenset[tuple[str, ...]]]:
    """Phrases grouped by length, for one set look-up per position and length."""
    phrases = tuple(phrases)
    return {size: frozenset(p for p in phrases if len(p) == size)
            for size in sorted({len(p) for p in phrases})}


def _has_phrase(words: Sequence[str], by_size: dict[int, frozenset[tuple[str, ...]]]) -> bool:
    # zip of the words shifted by 0..size-1 hands out every run of `size` words as a tuple, without
    # a slice and a tuple() per position (this runs on every search)
    return any(
        not phrases.isdisjoint(zip(*(words[k:] for k in range(size)), strict=False))
        for size, phrases in by_size.items()
    )


_TIME_BY_SIZE = _by_size(_TIME_PHRASES)


#: Folded question phrases about money: pay, fees, allowances, prices, fines, funding. Only phrases whose folded
#: form is money in everyday questions: "phí" alone folds like "phi" (non-: "phi lợi nhuận"), "tiền" like
#: "tiến", "tiện", "lương" like "lượng", so those count only in the pairs listed.
_MONEY_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(fold(p).split())
    for p in (
        "bao nhiêu tiền", "bao nhiêu đồng", "mấy tiền", "lệ phí", "chi phí", "kinh phí", "mất phí",
        "thu phí", "mức phí", "phí dịch vụ", "cước phí", "công tác phí", "thù lao", "tiền công",
        "tiền lương", "mức lương", "trả lương", "phụ cấp", "trợ cấp", "bồi dưỡng tiền", "tiền bồi dưỡng",
        "tiền ăn", "tiền thưởng", "mức thưởng", "nhuận bút", "trả tiền", "lấy tiền", "nguồn tiền",
        "chi trả", "mức chi", "ngân sách", "nsnn", "giá bao nhiêu", "giá tiền", "mức phạt",
        "phạt bao nhiêu", "phạt tiền", "nộp phạt",
    )
)  # fmt: skip
#: A passage speaks of money: one of these syllables or pairs, read with its diacritics ("tiền", not "tiến")
_MONEY_WORDS = frozenset(("tiền", "phí", "lương", "nsnn", "vnđ", "vnd"))
_MONEY_PAIRS = frozenset(
    ("ngân sách", "thanh toán", "chi trả", "thù lao", "phụ cấp", "trợ cấp", "nhuận bút", "bồi dưỡng",
     "kinh phí", "dự toán", "khen thưởng", "mức chi")
)  # fmt: skip
#: …or an amount: digits followed by a currency word (read folded: "500.000 đồng", "30 triệu")
_AMOUNT_IN_FOLDED = re.compile(r"\b\d[\d.,]*\s*(?:dong|trieu|nghin|ngan|ty)\b")
_MONEY_BY_SIZE = _by_size(_MONEY_PHRASES)
#: the same words folded, for a passage typed without any diacritics
_MONEY_WORDS_FOLDED = frozenset(fold(w) for w in _MONEY_WORDS)
_MONEY_PAIRS_FOLDED = frozenset(fold(p) for p in _MONEY_PAIRS)


def asks_about_money(words: Sequence[str]) -> bool:
    """Whether a question (its folded syllables, in order) asks about pay, a fee, an allowance or funds."""
    return _has_phrase(words, _MONEY_BY_SIZE)


def speaks_of_money(text: str) -> bool:
    """Whether a passage (text and headings) mentions money at all: an amount, "tiền", "phí", a budget…

    Read with diacritics; a passage typed without any is read folded (every such word then counts).
    """
    lower = nfc(text).lower()
    folded = fold(lower)
    if _AMOUNT_IN_FOLDED.search(folded):
        return True
    words = syllables(lower)
    single, pairs = _MONEY_WORDS, _MONEY_PAIRS
    if not has_diacritics(lower):
        single, pairs = _MONEY_WORDS_FOLDED, _MONEY_PAIRS_FOLDED
        words = [fold(w) for w in words]
    return any(w in single for w in words) or any(
        f"{a} {b}" in pairs for a, b in zip(words, words[1:], strict=False)
    )


def asks_for_time(words: Sequence[str]) -> bool:
    """Whether a question (its folded syllables, in order) asks for a time, a date or a duration."""
    if _has_phrase(words, _TIME_BY_SIZE):
        return True
    for i, word in enumerate(words):
        if word == _HAN:
            before = words[i - 1] if i > 0 else ""
            after = words[i + 1] if i + 1 < len(words) else ""
            if before not in _HAN_BEFORE and after not in _HAN_AFTER:
                return True
    return False


def states_time(text: str) -> bool:
    """Whether a passage text states a time: a number of days/hours…, a date, a clock time, a weekday."""
    lower = nfc(text).lower()
    return bool(_TIME_IN_FOLDED.search(fold(lower)) or _TIME_IN_TEXT.search(lower))
