"""Trim a passage to fit a phone screen around the part that answers the query."""

from __future__ import annotations

import re

from knowledge.normalize import fold, normalize, words
from knowledge.telex import decode_telex

ELLIPSIS = "…"
# A sentence ends at . ! ? ; or : followed by space, or at a line break; paragraphs are kept whole if they fit.
_UNIT_RE = re.compile(r"[^\n]*?(?:[.!?;:](?=\s)|\n|$)")


def _units(text: str) -> list[tuple[int, int]]:
    """Spans of sentences and lines (never empty), in order."""
    spans: list[tuple[int, int]] = []
    for match in _UNIT_RE.finditer(text):
        start, end = match.span()
        if text[start:end].strip():
            spans.append((start, end))
    return spans


def _terms(text: str) -> set[str]:
    return set(words(fold(normalize(text))))


def _cut_long(text: str, terms: set[str], budget: int) -> tuple[int, int]:
    """A word-aligned window of at most `budget` characters inside one long sentence, around the query terms."""
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    best = (0, 0)
    best_score = -1
    lo = 0
    score = 0
    hits = [1 if _terms(text[s:e]) & terms else 0 for s, e in tokens]
    for hi, (_, end) in enumerate(tokens):
        score += hits[hi]
        while end - tokens[lo][0] > budget:
            score -= hits[lo]
            lo += 1
        if score > best_score:
            best_score, best = score, (tokens[lo][0], end)
    return best


def trim_for_phone(text: str, query: str, max_chars: int = 700) -> str:
    """Return the text if it fits, else the window of whole sentences with the most query terms, cuts marked "…"."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    terms = _terms(decode_telex(query))
    spans = _units(text)
    budget = max_chars - 2 * len(ELLIPSIS)
    scores = [len(_terms(text[s:e]) & terms) for s, e in spans]
    best: tuple[int, int] | None = None
    best_key: tuple[int, int] = (-1, 0)
    lo = 0
    total = 0
    for hi, (_, end) in enumerate(spans):
        total += scores[hi]
        while lo < hi and end - spans[lo][0] > budget:
            total -= scores[lo]
            lo += 1
        if end - spans[lo][0] > budget:
            continue  # one sentence alone is too long; handled below
        # Most query terms first; on a tie, the earlier window (the passage's own heading and opening).
        key = (total, -lo)
        if key > best_key:
            best_key, best = key, (spans[lo][0], end)
    if best is None or best_key[0] == 0 and any(scores):
        # Every sentence that mentions the query is too long by itself: cut inside the best one.
        idx = max(range(len(spans)), key=lambda i: scores[i])
        s, e = spans[idx]
        ws, we = _cut_long(text[s:e], terms, budget)
        best = (s + ws, s + we)
    start, end = best
    body = text[start:end].strip()
    prefix = ELLIPSIS if text[:start].strip() else ""
    suffix = ELLIPSIS if text[end:].strip() else ""
    return f"{prefix}{body}{suffix}"
