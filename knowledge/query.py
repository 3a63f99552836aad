"""An analysed query and the per-passage look-up memo: what the index and the decision features share.

Kept apart from knowledge/index.py so the features (knowledge/features.py) read a query without
importing the index, and the index imports the features and the decision one way only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

#: per-passage memo of term look-ups: term → (in its text, in its heading path or guide title)
Presence = dict[str, tuple[bool, bool]]


@dataclass(frozen=True, slots=True)
class Query:
    """A query after decoding, correction and expansion: the terms of every stream."""

    folded: list[str]
    accented: list[str]
    use_accents: bool
    expansions: list[tuple[list[str], list[str], float]]
    corrections: list[tuple[str, str]] = field(default_factory=list)
    #: the query read as English and was searched through its Vietnamese reading
    english: bool = False
    #: the wordings the decision's coverage tries (`wordings_of`); made once here, since every
    #: search reads them two or three times (best wording, heading coverage, the legacy bar).
    #: Read only: best_wording hands out these very lists, and folded/expansions are never changed
    #: after the Query is made (the wordings would no longer be theirs).
    wordings: list[list[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "wordings", wordings_of(self.folded, self.expansions))


def wordings_of(
    folded: list[str], expansions: list[tuple[list[str], list[str], float]]
) -> list[list[str]]:
    """The query as typed, reworded with each abbreviation or synonym alternative in it, then with
    all its abbreviations spelled out together ("PCT … CT UBND": both read, not one at a time)."""
    out = [folded]
    # One alternative at a time stays: a passage may write one abbreviation as is and spell out
    # another, or abbreviate what the question spells out ("Ủy ban nhân dân" → "UBND").
    for src, alt, _ in expansions:
        size = len(src)
        for start in range(len(folded) - size + 1):
            if folded[start : start + size] == src:
                out.append(folded[:start] + alt + folded[start + size :])
                break
    return out + spelled_out(folded, expansions)


#: At most this many choices of readings for a question's ambiguous abbreviations spelled out together
#: ("CT": chủ tịch or chỉ thị; four ambiguous ones in one question are all tried).
SPELLED_OUT_READINGS = 16


def spelled_out(
    folded: list[str], expansions: list[tuple[list[str], list[str], float]]
) -> list[list[str]]:
    """The query with all its abbreviations spelled out at once, one wording per choice of readings.

    A phrase is spelled out by an alternative longer than itself (an abbreviation, a loanword of fewer
    syllables than its Vietnamese); at each position the longest such phrase counts ("CT UBND" as a
    whole, not "CT" then "UBND"), every occurrence is replaced, and a phrase is read one way throughout.
    Empty unless at least two places are spelled out: one alone is a single rewording already.
    """
    longer: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for src, alt, _ in expansions:
        if len(alt) > len(src):
            readings = longer.setdefault(tuple(src), [])
            if tuple(alt) not in readings:
                readings.append(tuple(alt))
    if not longer:
        return []
    sizes = sorted({len(key) for key in longer}, reverse=True)
    words = folded
    spans: list[tuple[int, tuple[str, ...]]] = []
    start = 0
    while start < len(words):
        key = next(
            (k for k in (tuple(words[start : start + n]) for n in sizes) if k in longer), None
        )
        if key is None:
            start += 1
            continue
        spans.append((start, key))
        start += len(key)
    if len(spans) < 2:
        return []
    phrases = list(dict.fromkeys(key for _, key in spans))
    out: list[list[str]] = []
    for choice in itertools.islice(
        itertools.product(*(longer[p] for p in phrases)), SPELLED_OUT_READINGS
    ):
        chosen = dict(zip(phrases, choice, strict=True))
        reworded: list[str] = []
        done = 0
        for begin, key in spans:
            reworded += words[done:begin]
            reworded += chosen[key]
            done = begin + len(key)
        out.append(reworded + words[done:])
    return out
