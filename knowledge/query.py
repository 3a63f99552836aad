"""An analysed query and the per-passage look-up memo: what the index and the decision features share.

Kept apart from knowledge/index.py so the features (knowledge/features.py) read a query without
importing the index, and the index imports the features and the decision one way only.
"""

from __future__ import annotations

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
