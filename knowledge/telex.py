"""Decode Vietnamese typed as Telex (or VNI) on a keyboard without a Vietnamese input method.

"chuyeenr ddooir soos" → "chuyển đổi số". A word is only decoded when the result is a valid Vietnamese
syllable (onset + rhyme tables, stop finals only with sắc/nặng), so "online", "email" or "word" stay as typed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from knowledge.normalize import fold, place_tone, split_tone

_ONSETS: tuple[str, ...] = (
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh",
    "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
)  # fmt: skip

# Toneless rhymes (medial + nucleus + final) that occur in Vietnamese syllables.
_RHYMES: tuple[str, ...] = (
    "a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "ap", "at", "au", "ay",
    "ăc", "ăm", "ăn", "ăng", "ăp", "ăt",
    "âc", "âm", "ân", "âng", "âp", "ât", "âu", "ây",
    "e", "ec", "em", "en", "eng", "eo", "ep", "et",
    "ê", "êch", "êm", "ên", "ênh", "êp", "êt", "êu",
    "i", "ia", "ich", "iêc", "iêm", "iên", "iêng", "iêp", "iêt", "iêu", "im", "in", "inh", "ip", "it", "iu",
    "o", "oa", "oac", "oach", "oai", "oam", "oan", "oang", "oanh", "oao", "oap", "oat", "oay",
    "oăc", "oăm", "oăn", "oăng", "oăt", "oc", "oe", "oen", "oeo", "oet", "oi", "om", "on", "ong",
    "oong", "ooc", "op", "ot",
    "ô", "ôc", "ôi", "ôm", "ôn", "ông", "ôp", "ôt",
    "ơ", "ơi", "ơm", "ơn", "ơp", "ơt",
    "u", "ua", "uân", "uâng", "uât", "uây", "uc", "uê", "uêch", "uênh", "ui", "um", "un", "ung", "up",
    "ut", "uy", "uya", "uych", "uyên", "uyêt", "uynh", "uyt", "uyu", "uôc", "uôi", "uôm", "uôn", "uông",
    "uôt", "uơ",
    "ư", "ưa", "ưc", "ưi", "ưm", "ưn", "ưng", "ươc", "ươi", "ươm", "ươn", "ương", "ươp", "ươt", "ươu",
    "ưt", "ưu",
    "y", "yêm", "yên", "yêng", "yêt", "yêu",
)  # fmt: skip

_STOP_FINALS = ("c", "ch", "p", "t")
_TONE_KEYS = frozenset("sfrxj")
_VOWEL_LETTERS = frozenset("aăâeêioôơuưy")
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"a": "ă", "o": "ơ", "u": "ư"}
_VNI_TONES = {"1": "s", "2": "f", "3": "r", "4": "x", "5": "j"}
_ASCII_WORD = re.compile(r"[a-z0-9]+")


@cache
def _toneless_syllables() -> frozenset[str]:
    """Every toneless lowercase syllable: an onset then a rhyme (a set: one look-up, where a regex
    of every onset then every rhyme tried them one by one)."""
    return frozenset(onset + rhyme for onset in _ONSETS for rhyme in _RHYMES)


@cache
def _folded_syllables() -> frozenset[str]:
    """Every syllable with its diacritics removed (đ→d): "tuan", "duoc", "nguoi"."""
    return frozenset(fold(onset) + fold(rhyme) for onset in _ONSETS for rhyme in _RHYMES)


def is_folded_syllable(word: str) -> bool:
    """True when a lowercase ASCII word is some Vietnamese syllable written without diacritics."""
    return word in _folded_syllables()


def is_valid_syllable(syllable: str) -> bool:
    """True when a lowercase NFC string is a well-formed Vietnamese syllable (tone rules included)."""
    base, tone = split_tone(syllable)
    if base not in _toneless_syllables():
        return False
    # Stop finals (c, ch, p, t) carry only sắc or nặng; "gi" + rhyme without its own vowel ("gì") is fine.
    return not (base.endswith(_STOP_FINALS) and tone not in ("s", "j"))


def _apply_vowel_key(chars: list[str], key: str) -> bool:
    """Apply a circumflex (aa/ee/oo) or horn/breve (w) key to the last vowel group; False if nothing fits."""
    # The vowel group is the last run of vowels in the buffer, possibly followed by final consonants.
    idx = [i for i, c in enumerate(chars) if c in _VOWEL_LETTERS]
    if not idx:
        return False
    # Keep only the last contiguous run of vowels: a key never reaches back over a consonant into the onset.
    run = [idx[-1]]
    for i in reversed(idx[:-1]):
        if i != run[0] - 1:
            break
        run.insert(0, i)
    idx = run
    if key == "w":
        # "uo" + w → "ươ" (thuowng → thương, nguoiwf → người).
        for i in reversed(idx):
            if chars[i] == "o" and i > 0 and chars[i - 1] == "u":
                chars[i - 1], chars[i] = "ư", "ơ"
                return True
        for i in reversed(idx):
            if chars[i] in _HORN:
                chars[i] = _HORN[chars[i]]
                return True
        return False
    for i in reversed(idx):
        if chars[i] == key:
            chars[i] = _CIRCUMFLEX[key]
            return True
    return False


def _decode_word(word: str) -> str | None:
    """Decode one lowercase ASCII word typed in Telex or VNI; None when it has no such keys."""
    chars: list[str] = []
    tone = ""
    changed = False
    for pos, c in enumerate(word):
        has_vowel = any(ch in _VOWEL_LETTERS for ch in chars)
        if pos > 0 and has_vowel and c in _TONE_KEYS:
            if tone == c:  # typing the tone key twice gives the literal letter
                tone = ""
                chars.append(c)
            else:
                tone = c
            changed = True
        elif has_vowel and c in _VNI_TONES:
            tone = _VNI_TONES[c]
            changed = True
        elif _apply_letter_key(chars, c, has_vowel):
            changed = True
        elif c == "w" and not has_vowel:
            chars.append("ư")
            changed = True
        else:
            chars.append(c)
    if not changed:
        return None
    base = unicodedata.normalize("NFC", "".join(chars))
    return place_tone(base, tone)


def _apply_letter_key(chars: list[str], c: str, has_vowel: bool) -> bool:
    """Apply a key that modifies letters already typed (dd/d9 → đ, aa/a6 → â, w/7/8 → ơ ư ă); False if none."""
    if c in ("d", "9") and chars[:1] == ["d"] and (c == "9" or len(chars) == 1):
        chars[0] = "đ"
        return True
    if not has_vowel:
        return False
    if c in _CIRCUMFLEX:
        return _apply_vowel_key(chars, c)
    if c == "6":
        return _apply_circumflex_any(chars)
    if c in ("w", "7", "8"):
        return _apply_vowel_key(chars, "w")
    return False


def _apply_circumflex_any(chars: list[str]) -> bool:
    """VNI key 6: circumflex on the last a/e/o."""
    for i in range(len(chars) - 1, -1, -1):
        if chars[i] in _CIRCUMFLEX:
            chars[i] = _CIRCUMFLEX[chars[i]]
            return True
    return False


@lru_cache(maxsize=65536)
def decode_word(word: str) -> str:
    """Decode one word if it is Telex/VNI for a valid Vietnamese syllable; otherwise return it unchanged."""
    # Cached: a pure function of the word, asked for every word of every question (and by is_english).
    lower = word.lower()
    if not _ASCII_WORD.fullmatch(lower) or lower.isdigit():
        return word
    decoded = _decode_word(lower)
    if decoded is None or decoded == lower or not is_valid_syllable(decoded):
        return word
    if word[:1].isupper():
        return decoded[:1].upper() + decoded[1:] if not word.isupper() else decoded.upper()
    return decoded


def looks_like_telex(word: str) -> bool:
    """True when the word decodes (Telex or VNI) to a different, valid Vietnamese syllable."""
    return decode_word(word) != word


_TOKEN_RE = re.compile(r"[A-Za-z0-9]+")


def decode_telex(text: str) -> str:
    """Decode every Telex/VNI word of a text; words that are not Telex for a valid syllable stay as typed."""
    return _TOKEN_RE.sub(lambda m: decode_word(m.group(0)), text)
