"""What the search answers for a fixed question set on the demo guides, recorded to pin it down.

tests/knowledge/test_search_pinned.py compares the live search with search_fixture.json: every ranking,
score, decision, feature vector and score part must stay the same when the search is only made faster.
When a change of ranking or decision is meant, record the new answers (and say so in the commit):

    .venv/bin/python -m tests.knowledge.search_fixture --write

The questions: the demo question set (knowledge/demo/questions.py), the demo sections' headings with
their diacritics, the labelled questions with one typo, typed in Telex, in English, with abbreviations,
and a few edge cases (empty, punctuation, one letter, a missing space, a very long question).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.demo.questions import ANSWERABLE, QUESTIONS, UNANSWERABLE
from knowledge.evaluate import one_typo
from knowledge.index import RANK_PARTS, KnowledgeIndex
from testkit.demo_index import demo_index as build_demo_index
from testkit.telex_typing import telex

FIXTURE = Path(__file__).with_name("search_fixture.json")
#: hits recorded per question (the decision itself always looks at ten)
LIMIT = 5
#: questions whose every score part is recorded too (the parts the benches tune the ranking with)
PARTS_FOR = 40

ENGLISH: tuple[str, ...] = (
    "How do I sign an electronic document with a digital signature?",
    "What is the deadline for the weekly progress report?",
    "Who are the members of the community digital technology team?",
    "How do I submit an online public service application?",
    "What should I do if my computer has a virus?",
    "How much tax do we pay for the scan",
    "Where is the one-stop desk of the commune?",
)
EDGE: tuple[str, ...] = (
    "", "   ", "???", "a", "286", "UBND xa", "CĐS cap xa", "DVCTT muc do 4", "TTTT la gi",
    "chuyendoi so cap xa", "bao cao tien dooo hang tuan", "han nop bao cao", "hạn nộp báo cáo tuần",
    "ky so van ban bang token", "backup du lieu the nao", "mat khau email bi lo", "gif", "lam sao",
    "PCT UBND ky van ban", "nộp hồ sơ dịch vụ công trực tuyến như thế nào",
    "bao cao tien do " * 12,
)  # fmt: skip

@cache
def demo_index() -> KnowledgeIndex:
    """The demo guides indexed as the chat does, with the extra synonyms (built once)."""
    return build_demo_index()


def questions() -> list[str]:
    """Every question of the fixture, in a fixed order (duplicates removed)."""
    index = demo_index()
    headings = [
        re.sub(r"^[\d.]+\s*", "", p.heading_path[-1]) for p in index.passages if p.heading_path
    ]
    rng = random.Random(13)
    labelled = [q for q, _, _ in QUESTIONS]
    accented = headings[::2]
    out = [
        *(q for q, _, _ in ANSWERABLE),
        *UNANSWERABLE,
        *headings,
        *(one_typo(q, rng) for q in labelled),
        *(telex(h) for h in accented[:25]),
        *ENGLISH,
        *EDGE,
    ]
    return list(dict.fromkeys(out))


def snapshot(index: KnowledgeIndex, texts: list[str]) -> list[dict[str, Any]]:
    """What the search says of each question: hits, decision, features, and (for the first) score parts."""
    rows: list[dict[str, Any]] = []
    for n, text in enumerate(texts):
        result = index.search(text, limit=LIMIT)
        features, pool = index.decision_features(text)
        row: dict[str, Any] = {
            "q": text,
            "hits": [h.passage.id for h in result.hits],
            "outcome": result.outcome,
            "confidence": result.confidence,
            "corrected": [list(pair) for pair in result.corrected_terms],
            "alternative": None
            if result.alternative is None
            else [result.alternative.passage.id, result.alternative.score],
            "features": list(features),
            "pool": [[h.passage.id, h.score] for h in pool],
            "legacy": index.legacy_confident(text),
        }
        if n < PARTS_FOR:
            parts = index.score_parts(text)
            # the sum and the best passage of each part: any change of a value moves one or the other
            row["parts"] = {
                name: [float(parts[name].sum(dtype="float64")), int(parts[name].argmax())]
                for name in RANK_PARTS
            }
        rows.append(row)
    return rows


def main() -> None:
    """Print how many questions the fixture holds, or record it (--write)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"record {FIXTURE.name}")
    args = parser.parse_args()
    rows = snapshot(demo_index(), questions())
    if args.write:
        lines = (json.dumps(row, ensure_ascii=False) for row in rows)
        FIXTURE.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")
    outcomes = {o: sum(r["outcome"] == o for r in rows) for o in ("answer", "tentative", "decline")}
    print(f"{len(rows)} questions; {outcomes}" + (f"; written to {FIXTURE}" if args.write else ""))


if __name__ == "__main__":
    main()
