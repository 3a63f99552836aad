"""Retrieval features of one search: what the answer decision (knowledge/decision.py) looks at.

Every feature is scale-free (a share, a ratio, a logarithm of a count), so one model serves a dozen short
guides and five thousand legal articles alike. None looks at the words themselves: the weights learned
over them cannot encode any evaluation question.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Protocol

from knowledge.normalize import fold
from knowledge.query import Presence, Query
from knowledge.types import Passage

# Chat words officials add to a question that say nothing about its subject ("xã mình", "giùm",
# "rồi", "cậu ấy", "luôn", "nhé"): left out of the features' information mass on top of the question
# words. Only words whose folded form is rarely a content word are listed ("đăng", "mã", "còn" are not).
CHAT_WORDS: tuple[str, ...] = (
    "mình", "rồi", "giùm", "giúp", "hộ", "ấy", "luôn", "nhé", "nha", "ạ", "à", "ơi", "vừa", "mới",
    "sẽ", "nếu", "hoặc", "kia", "nhỉ", "thôi", "người", "ta", "bên", "xong", "hết", "lắm", "quá",
    "em", "anh", "chị", "ông", "bà", "cậu", "con", "tự", "nhiên", "hiện", "giờ", "nay", "hôm",
    "sáng", "chiều", "tối", "trong", "trên", "từ", "tới", "đến", "về", "ra", "vào", "lên", "xuống",
    "thêm", "nữa", "cũng", "vẫn", "đã", "đang", "bị", "nên", "muốn", "biết", "thấy", "nói", "hỏi",
)  # fmt: skip

#: Order of the feature vector; decision_weights.json stores the same names.
FEATURE_NAMES: tuple[str, ...] = (
    "coverage",  # share of the query's information (idf mass) in the best passage, headings counted
    "content_coverage",  # share of the content words' information (chat words left out) it says
    "coverage_meta",  # share of the information in the best passage's heading path and guide title
    "gap_guide",  # (best − best of another guide) / best
    "content_words",  # log(1 + number of content words)
    "uncovered_idf",  # highest idf (share of the maximum) of a content word no passage of the pool says
    # how specific the question's best matched word is: log(1 + idf of the rarest content word the best
    # passage says / idf of a typical word of the index); a question made only of common syllables
    # that all happen to occur in one passage ("bão số 3 đổ bộ vào đâu" typed without accents) is low
    "top_said_idf",
)
#: Changes whenever the meaning of a feature changes; the shipped weights must carry the same value.
FEATURE_SCHEMA = hashlib.sha256(
    ("v9|" + "|".join(FEATURE_NAMES) + "|" + "|".join(CHAT_WORDS)).encode()
).hexdigest()[:16]


class Retrieval(Protocol):
    """What the features read of an index (knowledge/index.py's KnowledgeIndex), without importing it."""

    @property
    def passages(self) -> tuple[Passage, ...]:
        """The indexed passages, by document number."""
        ...

    @property
    def ignored_words(self) -> frozenset[str]:
        """Folded question words the coverage measure leaves out."""
        ...

    def best_wording(
        self, q: Query, doc: int, memo: Presence | None = None
    ) -> tuple[float, list[str]]:
        """The calibrated coverage of one passage and the wording that reaches it."""
        ...

    def coverage(
        self,
        q: Query,
        doc: int,
        *,
        ignored: frozenset[str] | None = None,
        text: bool = True,
        meta: bool | None = None,
        memo: Presence | None = None,
    ) -> float:
        """Share of the query's information found in one passage."""
        ...

    def term_idf(self, folded: str) -> float:
        """Idf of a folded syllable in passage texts."""
        ...

    def says(self, folded: str, doc: int, memo: Presence | None = None) -> bool:
        """Whether one passage contains the folded syllable in its text, heading path or guide title."""
        ...

    def says_any(self, folded: str, docs: Sequence[int]) -> bool:
        """Whether any of the passages contains the folded syllable in its text, heading path or title."""
        ...

    def max_idf(self) -> float:
        """The largest idf any syllable can have."""
        ...

    def typical_idf(self) -> float:
        """The df-weighted mean idf of the passage texts."""
        ...


def extract(index: Retrieval, q: Query, ranked: Sequence[tuple[int, float]]) -> tuple[float, ...]:
    """The feature vector of a search whose passages, best first, are `ranked` (document, score)."""
    if not ranked:
        return tuple(0.0 for _ in FEATURE_NAMES)
    best, s1 = ranked[0]
    guide = index.passages[best].guide_id
    s_other = next((s for d, s in ranked[1:] if index.passages[d].guide_id != guide), 0.0)
    ignored = _with_chat_words(index.ignored_words)
    # Abbreviations count as the passage writes them ("PCT" ↔ "phó chủ tịch").
    memo: Presence = {}
    coverage, words = index.best_wording(q, best, memo)
    content = [t for t in dict.fromkeys(words) if t not in ignored]
    idf = {t: index.term_idf(t) for t in content}
    mass = sum(idf.values())
    # whether the best passage says each content word, asked once (three sums below read it)
    in_best = {t: index.says(t, best, memo) for t in content}
    said = sum(v for t, v in idf.items() if in_best[t])
    # A question that hinges on one specific word none of the closest passages says (a fee, a device, a form)
    # asks what the guides do not tell, however much of the rest they match.
    # (the pool's passages are looked up in one go)
    pool = [d for d, _ in ranked[1:]]
    uncovered = [v for t, v in idf.items() if not in_best[t] and not index.says_any(t, pool)]
    top_said = max((v for t, v in idf.items() if in_best[t]), default=0.0)
    return (
        coverage,
        said / mass if mass > 0 else 0.0,
        index.coverage(q, best, ignored=ignored, meta=True, text=False, memo=memo),
        (s1 - s_other) / s1 if s1 > 0 else 0.0,
        math.log1p(len(content)),
        max(uncovered, default=0.0) / index.max_idf(),
        math.log1p(top_said / index.typical_idf()),
    )


@lru_cache(maxsize=4)
def _with_chat_words(ignored: frozenset[str]) -> frozenset[str]:
    """The index's ignored words and the chat words, for the content words of a question: one union per
    index's word set (a frozenset keeps its hash), not one per search. Bounded: a process holds one
    or two indexes at a time (a rebuild's next calibration is another set), never an unbounded few."""
    return ignored | _CHAT_FOLDED


def _fold_all(words: Iterable[str]) -> frozenset[str]:
    return frozenset(fold(w) for w in words)


_CHAT_FOLDED = _fold_all(CHAT_WORDS)
