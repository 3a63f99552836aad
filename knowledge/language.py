"""Is a question written in English? A dependency-free check on its words, for replying in English first.

Vietnamese typed without diacritics is ASCII too, so the check cannot look at the alphabet alone. It counts
the words that cannot be Vietnamese: not a Vietnamese syllable once folded, not Telex for one, and not an
all-caps abbreviation (UBND, CCCD). English function words that are Vietnamese syllables as well ("the",
"to", "in", "can", "do") are weighed only when the rest of the question already leans to English.
"""

from __future__ import annotations

import re

from knowledge.normalize import has_diacritics
from knowledge.telex import decode_word, is_folded_syllable

_WORD = re.compile(r"[^\W\d_]+")

# Frequent English function words that are also Vietnamese syllables without diacritics (thế, tờ, in,
# cần, do, số…): they say nothing alone.
_AMBIGUOUS = frozenset((
    "a", "an", "the", "to", "in", "on", "at", "of", "or", "and", "as", "is", "it", "be", "by",
    "do", "can", "me", "my", "he", "his", "so", "no", "not", "up", "us", "if", "am", "i",
))  # fmt: skip
# Function words no Vietnamese question uses: an English question has at least one of these or the above
# ("gia iphone 16 pro max" is Vietnamese with brand names, not English).
_FUNCTION = _AMBIGUOUS | frozenset((
    "what", "how", "when", "where", "who", "whom", "whose", "which", "why", "should", "would",
    "could", "does", "did", "are", "was", "were", "will", "shall", "with", "for", "from", "your",
    "you", "our", "we", "they", "this", "that", "these", "those", "there", "have", "has", "had",
    "must", "may",
))  # fmt: skip
# English words that happen to decode as Telex ("how" → "hơ", "new" → "nư"): never Vietnamese.
_ENGLISH_NOT_TELEX = frozenset((
    "how", "new", "now", "show", "know", "own", "owner", "down", "view", "few", "law", "low",
    "row",
))  # fmt: skip
#: Telex typed the usual way leaves a mark: a doubled vowel or dd, a w, or a tone key at the end.
TELEX_MARK = re.compile(r"aa|ee|oo|dd|w|[sfrxj]$")
#: share of a question's words that must be un-Vietnamese
ENGLISH_SHARE = 0.5
#: fewest words for a verdict: "ok" or "hello" alone say too little
MIN_WORDS = 3


def english_function_words() -> frozenset[str]:
    """English function words ("the", "how", "with" …): never read as Telex or typos of Vietnamese."""
    return _FUNCTION


def _could_be_vietnamese(word: str) -> bool:
    """A word a Vietnamese question could contain: a syllable (with or without marks), Telex, an acronym."""
    if has_diacritics(word) or (word.isupper() and len(word) > 1):
        return True
    lower = word.lower()
    if lower in _ENGLISH_NOT_TELEX:
        return False
    if is_folded_syllable(lower):
        return True
    return decode_word(lower) != lower and bool(TELEX_MARK.search(lower))


def is_english(text: str) -> bool:
    """True when the question reads as English rather than Vietnamese (with or without diacritics)."""
    words = _WORD.findall(text)
    # (an ASCII text has no word with diacritics: its words need no look each, and most questions
    # typed without them are searched, so this runs on every one)
    if len(words) < MIN_WORDS or (not text.isascii() and any(has_diacritics(w) for w in words)):
        return False
    lower = [w.lower() for w in words]
    if _FUNCTION.isdisjoint(lower):
        return False
    ambiguous = sum(w in _AMBIGUOUS for w in lower)
    foreign = sum(
        w not in _AMBIGUOUS and not _could_be_vietnamese(word)
        for word, w in zip(words, lower, strict=True)
    )
    clear = len(words) - ambiguous
    if clear == 0 or foreign / clear < ENGLISH_SHARE:
        return False
    return (foreign + ambiguous) / len(words) >= ENGLISH_SHARE
