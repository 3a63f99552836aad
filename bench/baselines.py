"""The lexical and fuzzy baselines of the external legal evaluation set, as rankers (query, k →
passage ids): as its BASELINES.md describes them (../shared/eval/BASELINES.md, outside this
repository)."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import bm25s
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.evaluate import Ranker  # noqa: E402
from knowledge.normalize import fold  # noqa: E402
from knowledge.types import Passage  # noqa: E402

WORD = re.compile(r"\w+")


def tokens(text: str, *, folded: bool, bigrams: bool) -> list[str]:
    """Baseline tokenizer as the external BASELINES.md describes: lowercase \\w+ runs, optionally folded, plus a_b bigrams."""
    text = text.lower()
    if folded:
        text = fold(text)
    toks = WORD.findall(text)
    if bigrams:
        toks = toks + [f"{a}_{b}" for a, b in zip(toks, toks[1:], strict=False)]
    return toks


def bm25s_ranker(
    passages: Sequence[Passage], *, folded: bool, bigrams: bool
) -> tuple[Ranker, float]:
    """bm25s with its defaults (k1=1.5, b=0.75, lucene) over the passage text."""
    start = time.perf_counter()
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="lucene")
    retriever.index(
        [tokens(p.text, folded=folded, bigrams=bigrams) for p in passages], show_progress=False
    )
    build = time.perf_counter() - start
    ids = [p.id for p in passages]

    def rank(query: str, k: int) -> list[str]:
        q = tokens(query, folded=folded, bigrams=bigrams)
        if not q:
            return []
        res = retriever.retrieve([q], k=k, show_progress=False, n_threads=1)
        return [ids[int(i)] for i in res.documents[0]]

    return rank, build


def fuzzy_ranker(passages: Sequence[Passage]) -> tuple[Ranker, float]:
    """rapidfuzz extract with token_set_ratio over all passages (slow: run on a sample of queries)."""
    start = time.perf_counter()
    texts = [p.text.lower() for p in passages]
    build = time.perf_counter() - start
    ids = [p.id for p in passages]

    def rank(query: str, k: int) -> list[str]:
        found = process.extract(query.lower(), texts, scorer=fuzz.token_set_ratio, limit=k)
        return [ids[int(i)] for _, _, i in found]

    return rank, build
