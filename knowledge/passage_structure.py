"""Structure inside one passage: its paragraphs and clauses, their openings, and a first line that is a title.

The ranker scores these beside the whole passage: a question is usually answered by one clause ("Khoản",
"Điểm", a list item), and a clause often opens with the very thing it defines ("1. Người lao động là …").
Pure text functions; the index tokenizes what they return.
"""

from __future__ import annotations

import re

# A paragraph ends at a line break, and an inline point "a) …" after ";" or ":" starts a new one (statute
# text often runs its points together on one line).
_PARAGRAPH_BREAK = re.compile(r"\n|(?<=[;:])\s*(?=[a-zđ]\)\s)", re.IGNORECASE)
# Numbering or a bullet in front of a clause: "1.", "2)", "a)", "-", "•".
_MARKER = re.compile(r"^\s*(?:\d{1,3}[.)]|[a-zđ]\)|[-•*+])\s*", re.IGNORECASE)
_LIST_START = re.compile(r"^\s*(?:\d{1,3}[.)]|[a-zđ]\)\s|[-•*+]\s)", re.IGNORECASE)
_MAX_TITLE_CHARS = 200


def paragraphs(text: str) -> list[str]:
    """The non-empty paragraphs and inline points of a passage, in order (at least one, maybe empty)."""
    pieces = [piece.strip() for piece in _PARAGRAPH_BREAK.split(text)]
    return [piece for piece in pieces if piece] or [""]


def clause_opening(paragraph: str) -> str:
    """A paragraph without its numbering or bullet: the clause opening is read from its first words."""
    return _MARKER.sub("", paragraph, count=1)


def title_line(text: str) -> str:
    """The passage's first line when it reads as the passage's own title (an article name), else ""."""
    first = text.lstrip().split("\n", 1)[0].strip()
    if not first or len(first) > _MAX_TITLE_CHARS:
        return ""
    if first.endswith((".", ":", ";", ",")) or _LIST_START.match(first):
        return ""
    return first
