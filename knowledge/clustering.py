"""Group similar questions (the unanswered queue): fuzzy matching on normalized, folded text.

Two questions fall in one group when their folded word sets match closely (rapidfuzz's token set
ratio, which forgives word order, a dropped word and small typos) and their whole texts are not too
different (a short question is not swallowed by every longer one containing it) — "Lịch họp tổ CNSCĐ tháng này?"
and "lich hop to cnscd thang nay" are one question asked twice. Telex typed unconverted is decoded
first. Greedy and deterministic: questions are taken in the order given and each joins the first
group whose leader it matches, so the same queue always gives the same groups.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from knowledge.normalize import fold, normalize, words
from knowledge.telex import decode_telex

#: token-set similarity (0-100) from which two questions are one group
SIMILAR = 82.0
#: … and their whole texts this much (a token set ratio is 100 for any question containing another:
#: "lệ phí" would swallow "lệ phí trước bạ xe máy")
WHOLE_SIMILAR = 60.0
#: a question of fewer words than this must match more closely (short texts match by accident)
SHORT_WORDS = 4
SHORT_SIMILAR = 92.0


def question_key(text: str) -> str:
    """The comparable form of a question: Telex decoded, casefolded, folded, words only."""
    if text.isascii():  # Telex is typed without diacritics; decoding accented text finds nothing
        text = decode_telex(text)
    return " ".join(words(fold(normalize(text))))


def similar(a: str, b: str) -> bool:
    """Whether two question keys (question_key) read as the same question."""
    if not a or not b:
        return a == b
    short = min(len(a.split()), len(b.split())) < SHORT_WORDS
    return (fuzz.token_set_ratio(a, b) >= (SHORT_SIMILAR if short else SIMILAR)
            and fuzz.token_sort_ratio(a, b) >= WHOLE_SIMILAR)


def cluster(texts: Sequence[str]) -> list[list[int]]:
    """Indexes of `texts` grouped by similar question, groups in order of their first member."""
    keys = [question_key(t) for t in texts]
    groups: list[list[int]] = []
    leaders: list[str] = []
    #: each leader's words sorted: a plain ratio of these is the token sort ratio, and that one
    #: runs fast over every leader in one C loop; the few leaders passing it get the full test
    sorted_leaders: list[str] = []
    for i, key in enumerate(keys):
        ordered = " ".join(sorted(key.split()))
        found = process.extract(ordered, sorted_leaders, scorer=fuzz.ratio,
                                score_cutoff=WHOLE_SIMILAR, limit=None) if leaders else []
        for _, _, j in sorted(found, key=lambda match: match[2]):
            if similar(key, leaders[j]):
                groups[j].append(i)
                break
        else:
            groups.append([i])
            leaders.append(key)
            sorted_leaders.append(ordered)
    return groups
