"""Split a passage into phone-sized pages (nothing is ever cut away) and find the page a query is about."""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.normalize import fold, normalize, words
from knowledge.telex import decode_telex

# Where a page may end, best first: a paragraph break, a line break, after the end of a sentence, after a
# clause (";", ":" — "Bước 3: …" must not end a page with its label), a space. Each pattern's match ends
# right where the page may end.
_BREAKS = (re.compile(r"(?=\n\s*\n)"), re.compile(r"(?=\n)"), re.compile(r"[.!?…](?=\s)"),
           re.compile(r"[;:](?=\s)"), re.compile(r"(?=\s)"))
#: a page shorter than this share of the budget is not worth a break of a better kind
_MIN_FILL = 0.4


def paginate(text: str, max_chars: int) -> list[str]:
    """Pages of at most `max_chars`, in order; only the whitespace at a cut is dropped.

    A page ends at the best break that keeps it at least 40% full: a paragraph, else a line, else a sentence,
    else a clause, else a word; a single word longer than a page is cut inside.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    pages: list[str] = []
    rest = text.strip()
    while len(rest) > max_chars:
        cut = _cut(rest, max_chars)
        pages.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pages:
        pages.append(rest)
    return pages


def _cut(text: str, max_chars: int) -> int:
    """Where the first page of `text` ends (an index ≤ max_chars; > 0)."""
    window = text[: max_chars + 1]  # a break right after the budget still ends a full page
    least = max(1, int(max_chars * _MIN_FILL))
    for pattern in _BREAKS:
        ends = [e for m in pattern.finditer(window) if least <= (e := m.end()) <= max_chars]
        if ends:
            return ends[-1]
    return max_chars


def _terms(text: str) -> frozenset[str]:
    return frozenset(words(fold(normalize(text))))


#: a guide's pages are read again for every answer from them; a few hundred cover the busy ones
_page_terms = lru_cache(maxsize=512)(_terms)


def best_page(pages: list[str], query: str) -> int:
    """The index of the page sharing the most words with the query (the first one on a tie)."""
    terms = _terms(decode_telex(query))
    scores = [len(_page_terms(page) & terms) for page in pages]
    return max(range(len(pages)), key=lambda i: (scores[i], -i)) if pages else 0
