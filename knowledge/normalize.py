"""Vietnamese text normalization: NFC, casefold, diacritic folding, tone placement, syllables."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

# \w+ runs are Vietnamese syllables (and numbers, and code parts such as "286", "kh", "btttt").
_SYLLABLE_RE = re.compile(r"\w+")
_WORD_CHARS_RE = re.compile(r"[^\W_]+")

# Tone marks as combining characters (NFD); everything else combining is a vowel mark (â, ă, ơ, ư, ê, ô).
TONE_MARKS: dict[str, str] = {
    "\u0301": "s",  # sắc
    "\u0300": "f",  # huyền
    "\u0309": "r",  # hỏi
    "\u0303": "x",  # ngã
    "\u0323": "j",  # nặng
}
TONE_BY_KEY: dict[str, str] = {key: mark for mark, key in TONE_MARKS.items()}

_VOWELS = frozenset("aăâeêioôơuưy")
_MARKED_VOWELS = frozenset("ăâêôơư")


@cache
def _fold_table() -> dict[int, str]:
    """Translation table mapping every precomposed Latin letter to its base letter (đ→d)."""
    table: dict[int, str] = {}
    ranges = (range(0x00C0, 0x0250), range(0x1E00, 0x1F00))
    for block in ranges:
        for code in block:
            char = chr(code)
            base = "".join(
                c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
            )
            if base != char and base:
                table[code] = base
    table[ord("đ")] = "d"
    table[ord("Đ")] = "D"
    # Combining marks left over from text that was not NFC (fold() normalizes first, this is belt and braces).
    for mark in range(0x0300, 0x0370):
        table[mark] = ""
    return table


#: C0 controls, DEL and C1 controls, except tab and newline; the noncharacters U+FFFE and
#: U+FFFF; the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
#: PostgreSQL refuses NUL, XML (xlsx, docx) refuses the C0 ones and U+FFFE/U+FFFF (lxml raises
#: on them), an override makes the rest of a line (a name in a digest) read backwards, and none
#: of them means anything in a message, a title or an answer
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
#: characters that show nothing: soft hyphen, zero-width space and (non-)joiner, word joiner, BOM
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
#: a surrogate code point in a Python str is always unpaired (JSON "\\ud800", surrogateescape)
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")


class UnpairedSurrogate(ValueError):
    """Text holds a lone UTF-16 surrogate: not valid Unicode, cannot be stored or encoded."""


def has_unpaired_surrogate(text: str) -> bool:
    """True when `text` holds a lone surrogate (it could not be encoded as UTF-8)."""
    return _SURROGATE_RE.search(text) is not None


def sanitize(text: str) -> str:
    """Text safe to store and to write into any file: NFC; CR LF and CR become LF; control
    characters (NUL included) removed except newline and tab, and U+FFFE/U+FFFF and the bidi
    controls; lone surrogates become U+FFFD.

    For text read back or written out; text arriving from people goes through `clean_input`.
    """
    if _SURROGATE_RE.search(text):
        text = _SURROGATE_RE.sub("\ufffd", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_RE.sub("", text)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def clean_input(text: str) -> str:
    """The one rule for text from people (messages, answers, imported cells, guide text).

    Same as `sanitize`, except that a lone surrogate is refused (UnpairedSurrogate): the sender
    is asked again (chat) or gets an HTTP 400, rather than a U+FFFD silently stored.
    """
    if _SURROGATE_RE.search(text):
        raise UnpairedSurrogate(ascii(text[:40]))
    return sanitize(text)


def drop_invisible(text: str) -> str:
    """`text` without the characters that show nothing (zero-width space, joiners, BOM, soft
    hyphen): for codes and names read from tables, where 'NV01\u200b' looked like 'NV01' but
    matched nothing."""
    return text.translate(_INVISIBLE)


def nfc(text: str) -> str:
    """Unicode NFC (precomposed) form, the one the index stores."""
    return unicodedata.normalize("NFC", text)


def normalize(text: str) -> str:
    """NFC and casefold: the accented form used for matching."""
    return unicodedata.normalize("NFC", text).casefold()


def fold(text: str) -> str:
    """Remove Vietnamese diacritics (tones and vowel marks, đ→d); keeps case and everything else."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", text).translate(_fold_table())


def fold_words(text: str, *, apart: str = "", letters_only: bool = False) -> str:
    """Text as typed, the way names are compared: case and diacritics folded (đ→d), runs of
    white space one space, none at the ends; the characters in `apart` (with `letters_only`,
    every character that is no letter or digit) read as spaces ("Đã  XONG ✓" → "da xong")."""
    folded = fold(text.casefold())
    for char in apart:
        folded = folded.replace(char, " ")
    if letters_only:
        # after folding: a stray combining mark (on a letter NFC has no precomposed form for,
        # "q\u0323") is dropped with the other marks, not read as a space inside the word
        folded = "".join(c if c.isalnum() else " " for c in folded)
    return " ".join(folded.split())


def has_diacritics(text: str) -> bool:
    """True when folding would change the text (it carries a tone, a vowel mark or đ)."""
    return not text.isascii() and fold(text) != text


def syllables(text: str) -> list[str]:
    """Split already-normalized text into \\w+ runs: syllables, numbers and code parts."""
    return _SYLLABLE_RE.findall(text)


def words(text: str) -> list[str]:
    """Split text into letter/digit runs (no underscores); used where punctuation must not count."""
    return _WORD_CHARS_RE.findall(text)


def split_tone(syllable: str) -> tuple[str, str]:
    """Split a lowercase NFC syllable into its toneless form and its Telex tone key ("" for none)."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = ""
    kept: list[str] = []
    for char in decomposed:
        key = TONE_MARKS.get(char)
        if key is None:
            kept.append(char)
        else:
            tone = key
    return unicodedata.normalize("NFC", "".join(kept)), tone


def _tone_position(base: str) -> int:
    """Index of the vowel that carries the tone in a toneless syllable, or -1 when there is none.

    The traditional ("old style") rule, which Vietnamese legal texts use: a marked vowel (ê, ơ, ô, â, ă, ư)
    takes the tone (the last one, for ươ); otherwise the last vowel when a final consonant follows or the
    vowel cluster has three letters, else the first vowel of the cluster (hòa, thủy, mía, múa).
    """
    start = 0
    if base.startswith("qu") or (base.startswith("gi") and len(base) > 2 and base[2] in _VOWELS):
        start = 2
    positions = [i for i in range(start, len(base)) if base[i] in _VOWELS]
    if not positions:
        positions = [i for i in range(len(base)) if base[i] in _VOWELS]
        if not positions:
            return -1
    marked = [i for i in positions if base[i] in _MARKED_VOWELS]
    if marked:
        return marked[-1]
    has_coda = positions[-1] < len(base) - 1
    if has_coda or len(positions) >= 3:
        return positions[-1] if has_coda else positions[1]
    return positions[0]


def place_tone(base: str, tone: str) -> str:
    """Put a Telex tone key (s f r x j, or "") on the right vowel of a toneless lowercase syllable."""
    if not tone:
        return base
    pos = _tone_position(base)
    if pos < 0:
        return base
    marked = base[pos] + TONE_BY_KEY[tone]
    return unicodedata.normalize("NFC", base[:pos] + marked + base[pos + 1 :])


@lru_cache(maxsize=65536)
def canonical_tone(syllable: str) -> str:
    """Move the tone of a lowercase NFC syllable to its traditional place ("hoà" → "hòa", "thuỷ" → "thủy")."""
    if syllable.isascii():
        return syllable
    base, tone = split_tone(syllable)
    if not tone:
        return syllable
    return place_tone(base, tone)
