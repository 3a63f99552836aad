"""Reading what officials type in the check-in: percentages (digits or Vietnamese words), 'none', statuses."""

from __future__ import annotations

import re

from knowledge.normalize import drop_invisible, fold_words

_NUMBER_RE = re.compile(r"[+-]?\d{1,4}(?:[.,]\d+)?")
_UNIT_RE = re.compile(r"\s*(?:%|phan tram)\s*$")
#: words people put before the number ("khoảng 40%", "hiện đạt 40", "~40%"), folded; taken off
#: only when a number in digits follows ("tám mươi" folds to "tam muoi": a number, not "tầm")
_LEAD_RE = re.compile(r"^(?:(?:tien do|hien nay|hien tai|hien|da dat|da|dat|duoc|khoang|tam|gan|"
                      r"xap xi|uoc tinh|uoc|chung|~|≈)\s*)+(?=[+-]?\d)")
_DIGITS = {"khong": 0, "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "lam": 5,
           "sau": 6, "bay": 7, "tam": 8, "chin": 9}
_NONE_ANSWERS = frozenset({"khong", "khong co", "ko", "k", "kg", "none", "no", "-", "khong co gi",
                           "chua co", "khong vuong mac", "khong co vuong mac"})
_STATUS_WORDS = (
    ("risk", ("nguy co", "co nguy co", "co the cham", "rui ro")),
    ("late", ("cham tien do", "cham", "tre", "tre han", "qua han")),
    ("on_track", ("dung tien do", "dung", "dung han", "binh thuong", "on", "ok")),
)


def typed_text(text: str) -> str:
    """A typed answer without its surrounding spaces; "" when nothing in it shows (spaces and
    invisible characters only: a zero-width space pasted alone is no answer)."""
    stripped = text.strip()
    return stripped if drop_invisible(stripped).strip() else ""


def reads_as_question(text: str) -> bool:
    """A typed text that is a question ('…?') or a command-like '/…', never an answer to store."""
    stripped = text.strip()
    return stripped.endswith(("?", "\uff1f")) or stripped.startswith("/")


def _key(text: str) -> str:
    return fold_words(text.replace("%", " % "))


def _words_to_number(words: list[str]) -> int | None:
    """'bay muoi' → 70, 'muoi lam' → 15, 'mot tram' → 100, 'nam muoi lam' → 55."""
    if not words:
        return None
    if words[-1] == "tram":
        head = words[:-1] or ["mot"]
        return 100 if head == ["mot"] else None
    total = 0
    if words[0] == "muoi":
        total, rest = 10, words[1:]
    elif len(words) >= 2 and words[1] == "muoi" and words[0] in _DIGITS:
        total, rest = _DIGITS[words[0]] * 10, words[2:]
    elif len(words) == 1 and words[0] in _DIGITS:
        return _DIGITS[words[0]]
    else:
        return None
    if not rest:
        return total
    if len(rest) == 1 and rest[0] in _DIGITS and rest[0] != "khong":
        return total + _DIGITS[rest[0]]
    return None


def parse_percent(text: str) -> int | None:
    """A progress answer as 0–100, or None when it is not one ('abc', '150%', '-5')."""
    key = _UNIT_RE.sub("", _key(text)).strip()
    if _NUMBER_RE.fullmatch(key):
        number = float(key.replace(",", "."))
        if not 0 <= number <= 100:
            return None
        # rounded, but never up to 100: 100 % closes the task ("99,6" is not done)
        return min(int(number + 0.5), 99) if number < 100 else 100
    value = _words_to_number(key.split())
    if value is None and (bare := _LEAD_RE.sub("", key)) != key:
        return parse_percent(bare)
    return value if value is not None and 0 <= value <= 100 else None


def is_none_answer(text: str) -> bool:
    """'không', 'ko', 'không có' … mean 'nothing to report'."""
    return _key(text).strip(" .!") in _NONE_ANSWERS


def parse_status(text: str) -> str | None:
    """A typed status → on_track | at_risk | late, or None."""
    key = _key(text).strip(" .!")
    for status, words in _STATUS_WORDS:
        if key in words or any(key.startswith(w + " ") for w in words if len(w) > 3):
            return "at_risk" if status == "risk" else status
    return None
