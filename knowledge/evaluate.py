"""Retrieval evaluation: hit@k, MRR@10 and latency of a ranker on a question → passage set.

Reads the JSONL format of the shared legal set (corpus rows {id, title, text}; query rows {id, text,
relevant, source}) and of the guides set (uploaded files, question rows {id, text, guide, section,
variant}); this module and `run_eval` are the only knowledge code that reads files. Also splits questions
into seeded folds for cross-validation.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import string
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from knowledge.index import KnowledgeIndex
from knowledge.ingest import parse_file, passages_from_guide
from knowledge.normalize import fold, nfc
from knowledge.types import Passage

Ranker = Callable[[str, int], Sequence[str]]
Timer = Callable[[], float]

VARIANTS: tuple[str, ...] = ("asis", "nodiac", "typo")
TYPO_SEED = 7


@dataclass(frozen=True, slots=True)
class EvalQuery:
    """One question with the ids of the passages that answer it."""

    id: str
    text: str
    relevant: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Figures of one ranker on one query variant."""

    variant: str
    queries: int
    hit1: float
    hit5: float
    hit10: float
    mrr10: float
    rec10: float
    median_ms: float
    p99_ms: float
    build_s: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return asdict(self)


def load_corpus(path: str | Path) -> list[Passage]:
    """Read corpus rows {id, title, text} as passages (guide id = the document part of the title)."""
    passages: list[Passage] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            title = str(row["title"])
            guide_id = title.split(" - ", 1)[0]
            passages.append(Passage(str(row["id"]), guide_id, title, (), str(row["text"])))
    return passages


def load_queries(path: str | Path) -> list[EvalQuery]:
    """Read query rows {id, text, relevant: [ids], source}."""
    queries: list[EvalQuery] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            queries.append(
                EvalQuery(
                    str(row["id"]),
                    str(row["text"]),
                    tuple(row["relevant"]),
                    str(row.get("source", "")),
                )
            )
    return queries


def one_typo(text: str, rng: random.Random) -> str:
    """One random character edit (delete, insert, substitute or swap with the next) at a letter."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if not letters:
        return text
    pos = rng.choice(letters)
    op = rng.choice(("delete", "insert", "substitute", "transpose"))
    char = rng.choice(string.ascii_lowercase)
    if op == "delete":
        return text[:pos] + text[pos + 1 :]
    if op == "insert":
        return text[:pos] + char + text[pos:]
    if op == "substitute":
        # Never the same letter again: the edit must change the text.
        char = rng.choice([c for c in string.ascii_lowercase if c != text[pos]])
        return text[:pos] + char + text[pos + 1 :]
    if pos + 1 < len(text) and text[pos + 1] != text[pos]:
        return text[:pos] + text[pos + 1] + text[pos] + text[pos + 2 :]
    return text[:pos] + text[pos + 1 :]


def variant_texts(queries: Sequence[EvalQuery], variant: str) -> list[str]:
    """The query texts of a variant: as written, folded (no diacritics), or folded plus one typo (seed 7)."""
    if variant == "asis":
        return [q.text.lower() for q in queries]
    folded = [fold(q.text.lower()) for q in queries]
    if variant == "nodiac":
        return folded
    if variant == "typo":
        rng = random.Random(TYPO_SEED)
        return [one_typo(t, rng) for t in folded]
    raise ValueError(f"unknown variant {variant!r}")


def index_ranker(index: KnowledgeIndex) -> Ranker:
    """Adapt a KnowledgeIndex to the ranker shape: query, k → passage ids."""

    def rank(query: str, k: int) -> list[str]:
        return [hit.passage.id for hit in index.search(query, limit=k).hits]

    return rank


def evaluate(
    index: KnowledgeIndex | Ranker,
    queries: Sequence[EvalQuery],
    variant: str,
    *,
    build_s: float = 0.0,
    timer: Timer = time.perf_counter,
) -> EvalReport:
    """Run every query of a variant once, one at a time, and compute hit@k, MRR@10 and latency."""
    rank = index_ranker(index) if isinstance(index, KnowledgeIndex) else index
    texts = variant_texts(queries, variant)
    hits = {1: 0, 5: 0, 10: 0}
    mrr = 0.0
    recall = 0.0
    latencies: list[float] = []
    for query, text in zip(queries, texts, strict=True):
        start = timer()
        ranked = list(rank(text, 10))
        latencies.append((timer() - start) * 1000.0)
        relevant = set(query.relevant)
        first = next((i for i, pid in enumerate(ranked) if pid in relevant), None)
        for k in hits:
            if first is not None and first < k:
                hits[k] += 1
        if first is not None:
            mrr += 1.0 / (first + 1)
        if relevant:
            recall += len(relevant & set(ranked[:10])) / len(relevant)
    n = max(len(queries), 1)
    return EvalReport(
        variant=variant,
        queries=len(queries),
        hit1=hits[1] / n,
        hit5=hits[5] / n,
        hit10=hits[10] / n,
        mrr10=mrr / n,
        rec10=recall / n,
        median_ms=statistics.median(latencies) if latencies else 0.0,
        p99_ms=percentile(latencies, 99.0),
        build_s=build_s,
    )


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), math.ceil(pct / 100.0 * len(ordered))))
    return ordered[rank - 1]


def timed_build(
    passages: Sequence[Passage], timer: Timer = time.perf_counter, **kwargs: Any
) -> tuple[KnowledgeIndex, float]:
    """Build an index and return it with the build time in seconds."""
    start = timer()
    index = KnowledgeIndex.build(passages, **kwargs)
    return index, timer() - start


def run_eval(
    corpus_path: str | Path,
    queries_path: str | Path,
    variants: Sequence[str] = VARIANTS,
    *,
    timer: Timer = time.perf_counter,
) -> dict[str, Any]:
    """Build troly's index on a corpus and evaluate it on every variant; JSON-serialisable result."""
    from knowledge.abbreviations import SynonymTable

    passages = load_corpus(corpus_path)
    queries = load_queries(queries_path)
    index, build_s = timed_build(passages, timer, synonyms=SynonymTable.build())
    reports = [evaluate(index, queries, v, build_s=build_s, timer=timer) for v in variants]
    return {
        "corpus": str(corpus_path),
        "queries": str(queries_path),
        "passages": len(passages),
        "build_s": build_s,
        "variants": {r.variant: r.as_dict() for r in reports},
    }


def stratified_folds(queries: Sequence[EvalQuery], k: int, seed: int) -> list[int]:
    """A fold number (0..k-1) per query: shuffled with the seed, each source spread evenly over the folds."""
    by_source: dict[str, list[int]] = {}
    for position, query in enumerate(queries):
        by_source.setdefault(query.source, []).append(position)
    folds = [0] * len(queries)
    rng = random.Random(seed)
    offset = 0
    for source in sorted(by_source):
        members = by_source[source][:]
        rng.shuffle(members)
        for order, position in enumerate(members):
            # Continue the round robin across sources, so small sources do not all start at fold 0.
            folds[position] = (order + offset) % k
        offset += len(members)
    return folds


def first_relevant(ranked: Sequence[str], relevant: Iterable[str]) -> int | None:
    """0-based rank of the first relevant id in a ranking, or None."""
    wanted = set(relevant)
    return next((i for i, pid in enumerate(ranked) if pid in wanted), None)


@dataclass(frozen=True, slots=True)
class GuideQuestion:
    """A guide question: the guide (file stem) and section heading that answer it, and how it is typed."""

    id: str
    text: str
    guide: str
    section: str
    variant: str


@dataclass(frozen=True, slots=True)
class GuideReport:
    """Right guide and right section ranked first, for the questions of one variant."""

    variant: str
    questions: int
    guide_at_1: int
    section_at_1: int


def load_guide_questions(path: str | Path) -> list[GuideQuestion]:
    """Read question rows {id, text, guide, section, variant}; rows without a guide are skipped."""
    questions: list[GuideQuestion] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            if not row.get("guide"):
                continue
            questions.append(
                GuideQuestion(
                    str(row["id"]),
                    str(row["text"]),
                    str(row["guide"]),
                    str(row["section"]),
                    str(row.get("variant", "")),
                )
            )
    return questions


def load_guide_files(directory: str | Path) -> list[Passage]:
    """Ingest every file of a folder as troly does an upload; the guide id is the file stem."""
    passages: list[Passage] = []
    for path in sorted(Path(directory).iterdir()):
        if path.is_file():
            parsed = parse_file(path.name, path.read_bytes())
            passages.extend(passages_from_guide(path.stem, parsed))
    return passages


def _same_heading(a: str, b: str) -> bool:
    return " ".join(nfc(a).split()) == " ".join(nfc(b).split())


def evaluate_guides(
    index: KnowledgeIndex, questions: Sequence[GuideQuestion]
) -> list[GuideReport]:
    """Per variant (in first-seen order): how often the top hit is the right guide, and the right section."""
    counts: dict[str, list[int]] = {}
    for question in questions:
        tally = counts.setdefault(question.variant, [0, 0, 0])
        hits = index.search(question.text, 1).hits
        tally[0] += 1
        if hits and hits[0].passage.guide_id == question.guide:
            tally[1] += 1
            path = hits[0].passage.heading_path
            tally[2] += bool(path) and _same_heading(path[-1], question.section)
    return [GuideReport(v, n, g, s) for v, (n, g, s) in counts.items()]
