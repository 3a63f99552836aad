"""Vietnamese as typed in Telex on a keyboard without a Vietnamese input method (tests and benches)."""

from __future__ import annotations

import re
import unicodedata

_TELEX_MARKS = {"â": "aa", "ê": "ee", "ô": "oo", "ă": "aw", "ơ": "ow", "ư": "uw", "đ": "dd"}
_TELEX_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}


def telex(text: str) -> str:
    """Vietnamese text as typed in Telex on a keyboard without a Vietnamese input method."""

    def word(match: re.Match[str]) -> str:
        tone = ""
        out: list[str] = []
        for char in unicodedata.normalize("NFD", match.group(0)):
            if char in _TELEX_TONES:
                tone = _TELEX_TONES[char]
            elif char in ("\u0302", "\u0306", "\u031b") and out:
                base = out.pop()
                out.append(_TELEX_MARKS.get(unicodedata.normalize("NFC", base + char), base))
            else:
                out.append(_TELEX_MARKS.get(char, char))
        return "".join(out) + tone

    return re.sub(r"\w+", word, text.lower())
