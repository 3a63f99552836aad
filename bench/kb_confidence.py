"""Confidence bar benchmark: answered/declined shares per bar on the demo guides and the legal dev set.

    .venv/bin/python bench/kb_confidence.py [--data ../shared/eval/legal] [--json out.json]

Two measures are run side by side in the same process: the calibrated one (question words left out, heading
path and guide title counted; `ConfidenceParams()`) and the baseline it replaced (`ConfidenceParams.legacy()`).
Sets:
  guides  — troly's demo guides (knowledge/demo/) with tests/knowledge/confidence_set.py: answerable questions
            (share answered among those whose top hit is right, and among all), everyday off-topic questions
            and official-sounding questions no guide covers (share declined);
  legal   — ../shared/eval/legal dev questions as written and without diacritics (share answered), the same
            questions with their relevant passages excluded (share declined; near-duplicate articles make this
            a pessimistic figure), the 20 off-topic questions of bench/kb_search.py as written and folded, and
            the everyday off-topic questions of the guide set (share declined).
The chosen bar is marked; the rule that picks it is printed with the table.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb_search import OFF_TOPIC as LEGAL_OFF_TOPIC  # noqa: E402

from knowledge.abbreviations import SynonymTable  # noqa: E402
from knowledge.demo import demo_guides  # noqa: E402
from knowledge.evaluate import load_corpus, load_queries, variant_texts  # noqa: E402
from knowledge.index import CONFIDENCE_BAR, ConfidenceParams, KnowledgeIndex  # noqa: E402
from knowledge.ingest import parse_file, passages_from_guide  # noqa: E402
from knowledge.normalize import fold  # noqa: E402
from knowledge.types import Passage  # noqa: E402
from tests.knowledge.confidence_set import ANSWERABLE, NOT_COVERED, OFF_TOPIC  # noqa: E402
from tests.knowledge.test_demo_guides import section_number  # noqa: E402

BARS = tuple(round(0.20 + 0.025 * i, 3) for i in range(17))  # 0.20 … 0.60
MIN_LEGAL_ANSWERED = 0.85


@dataclass
class Scores:
    """Confidences of every question of every set, under one measure."""

    guide_answerable: list[tuple[float, bool]]  # (confidence, top hit is right)
    guide_off_topic: list[float]
    guide_not_covered: list[float]
    legal_asis: list[tuple[float, bool]]
    legal_nodiac: list[tuple[float, bool]]
    legal_removed: list[float]
    legal_off_topic: list[float]
    legal_everyday: list[float]
    top_ids: list[str]  # top-1 passage id of every query, to show the ranking did not move


def answered(values: Sequence[tuple[float, bool]], bar: float, *, right_only: bool) -> float:
    """Share answered (confidence ≥ bar), among right top hits only or among all."""
    pool = [c for c, ok in values if ok or not right_only]
    return sum(c >= bar for c in pool) / len(pool) if pool else 0.0


def declined(values: Sequence[float], bar: float) -> float:
    """Share declined (confidence < bar)."""
    return sum(c < bar for c in values) / len(values) if values else 0.0


def guide_passages() -> list[Passage]:
    """Passages of the bundled demo guides, as `make run` loads them."""
    return [
        passage
        for guide in demo_guides()
        for passage in passages_from_guide(guide.slug, parse_file(guide.file_name, guide.content))
    ]


def measure(
    guides: list[Passage], legal: list[Passage], data: Path, confidence: ConfidenceParams
) -> Scores:
    """Build both indexes with one confidence measure and score every set."""
    gidx = KnowledgeIndex.build(guides, synonyms=SynonymTable.build(), confidence=confidence)
    lidx = KnowledgeIndex.build(legal, synonyms=SynonymTable.build(), confidence=confidence)
    queries = load_queries(data / "dev.jsonl")
    top_ids: list[str] = []

    def one(index: KnowledgeIndex, text: str) -> tuple[float, str | None]:
        res = index.search(text, 1)
        top = res.hits[0].passage if res.hits else None
        top_ids.append(top.id if top else "")
        return res.confidence, top.id if top else None

    guide_answerable: list[tuple[float, bool]] = []
    for question, slug, number in ANSWERABLE:
        res = gidx.search(question, 1)
        top = res.hits[0].passage if res.hits else None
        top_ids.append(top.id if top else "")
        right = top is not None and top.guide_id == slug
        if right and number is not None and top is not None:
            right = section_number(top.heading_path) == number
        guide_answerable.append((res.confidence, right))
    legal_runs: dict[str, list[tuple[float, bool]]] = {}
    for variant in ("asis", "nodiac"):
        rows: list[tuple[float, bool]] = []
        for q, text in zip(queries, variant_texts(queries, variant), strict=True):
            conf, top_id = one(lidx, text)
            rows.append((conf, top_id in q.relevant))
        legal_runs[variant] = rows
    removed = [lidx.search(q.text, 1, exclude=frozenset(q.relevant)).confidence for q in queries]
    legal_off = list(LEGAL_OFF_TOPIC) + [fold(t.lower()) for t in LEGAL_OFF_TOPIC]
    return Scores(
        guide_answerable=guide_answerable,
        guide_off_topic=[one(gidx, t)[0] for t in OFF_TOPIC],
        guide_not_covered=[one(gidx, t)[0] for t in NOT_COVERED],
        legal_asis=legal_runs["asis"],
        legal_nodiac=legal_runs["nodiac"],
        legal_removed=removed,
        legal_off_topic=[one(lidx, t)[0] for t in legal_off],
        legal_everyday=[one(lidx, t)[0] for t in OFF_TOPIC],
        top_ids=top_ids,
    )


def figures(s: Scores, bar: float) -> dict[str, float]:
    """Every share at one bar."""
    return {
        "bar": bar,
        "guide_right_answered": answered(s.guide_answerable, bar, right_only=True),
        "guide_all_answered": answered(s.guide_answerable, bar, right_only=False),
        "guide_unanswerable_declined": declined(s.guide_off_topic + s.guide_not_covered, bar),
        "guide_off_topic_declined": declined(s.guide_off_topic, bar),
        "guide_not_covered_declined": declined(s.guide_not_covered, bar),
        "legal_asis_answered": answered(s.legal_asis, bar, right_only=False),
        "legal_nodiac_answered": answered(s.legal_nodiac, bar, right_only=False),
        "legal_right_answered": answered(s.legal_asis, bar, right_only=True),
        "legal_removed_declined": declined(s.legal_removed, bar),
        "legal_off_topic_declined": declined(s.legal_off_topic, bar),
        "legal_everyday_declined": declined(s.legal_everyday, bar),
    }


def eligible(f: dict[str, float]) -> bool:
    """The legal constraints: ≥ 85% of answerable questions answered, every off-topic one declined."""
    return (
        min(f["legal_asis_answered"], f["legal_nodiac_answered"]) >= MIN_LEGAL_ANSWERED
        and f["legal_off_topic_declined"] == 1.0
    )


def pick(table: list[dict[str, float]]) -> float | None:
    """Rule: among eligible bars, the best worst-case of guide answered (right top hit) / declined."""
    ok = [f for f in table if eligible(f)]
    if not ok:
        return None
    best = max(
        ok,
        key=lambda f: (
            min(f["guide_right_answered"], f["guide_unanswerable_declined"]),
            -f["bar"],
        ),
    )
    return best["bar"]


COLUMNS = (
    ("guide_right_answered", "guide: right top-1 answered"),
    ("guide_all_answered", "guide: answerable answered"),
    ("guide_off_topic_declined", "guide: off-topic declined"),
    ("guide_not_covered_declined", "guide: not covered declined"),
    ("legal_asis_answered", "legal: answered (asis)"),
    ("legal_nodiac_answered", "legal: answered (nodiac)"),
    ("legal_removed_declined", "legal: removed-answer declined"),
    ("legal_off_topic_declined", "legal: off-topic (20×2) declined"),
    ("legal_everyday_declined", "legal: everyday off-topic declined"),
)


def print_table(title: str, rows: list[dict[str, float]], marked: float) -> None:
    """A markdown table, the marked bar in bold."""
    print(f"### {title}\n")
    print("| bar | " + " | ".join(label for _, label in COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for f in rows:
        bold = abs(f["bar"] - marked) < 1e-9
        cells = [f"{f['bar']:.3f}"] + [f"{f[key]:.3f}" for key, _ in COLUMNS]
        if bold:
            cells = [f"**{c}**" for c in cells]
        print("| " + " | ".join(cells) + " |")
    print()


def main(argv: Sequence[str] | None = None) -> int:
    """Run both measures on every set and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "eval" / "legal"))
    parser.add_argument("--json", help="also write all figures to this file")
    args = parser.parse_args(argv)
    data = Path(args.data)
    guides = guide_passages()
    legal = load_corpus(data / "corpus.jsonl")
    s_new = measure(guides, legal, data, ConfidenceParams())
    s_old = measure(guides, legal, data, ConfidenceParams.legacy())
    guide_total = len(s_new.guide_answerable)
    right = sum(ok for _, ok in s_new.guide_answerable)
    print(
        f"guides: {len(guides)} passages, {guide_total} answerable questions ({right} with a right top "
        f"hit), {len(s_new.guide_off_topic)} off-topic, {len(s_new.guide_not_covered)} not covered; "
        f"legal: {len(legal)} passages, {len(s_new.legal_asis)} dev questions\n"
    )
    same = s_new.top_ids == s_old.top_ids
    print(
        f"top-1 passage identical under both measures for all {len(s_new.top_ids)} queries: {same}\n"
    )

    new_table = [figures(s_new, bar) for bar in BARS]
    old_table = [figures(s_old, bar) for bar in BARS]
    chosen = pick(new_table)
    bar_now = ConfidenceParams().bar
    print_table(
        f"Calibrated measure (CONFIDENCE_BAR = {CONFIDENCE_BAR}, bold)", new_table, bar_now
    )
    print(
        f"rule: among bars keeping ≥ {MIN_LEGAL_ANSWERED:.0%} of legal questions answered (asis and nodiac)"
        " and declining every legal off-topic question, the best min(guide right top-1 answered, guide "
        f"unanswerable declined) → {chosen}\n"
    )
    old_bar = ConfidenceParams.legacy().bar
    print_table(f"Baseline: previous measure (its bar {old_bar}, bold)", old_table, old_bar)

    new_f, old_f = figures(s_new, bar_now), figures(s_old, old_bar)
    print("### Calibrated at its bar vs baseline at its bar\n")
    print("| figure | baseline | calibrated | ratio |\n|---|---|---|---|")
    for key, label in COLUMNS + (("guide_unanswerable_declined", "guide: unanswerable declined"),):
        ratio = new_f[key] / old_f[key] if old_f[key] else float("nan")
        print(f"| {label} | {old_f[key]:.3f} | {new_f[key]:.3f} | {ratio:.3f} |")
    if args.json:
        out: dict[str, Any] = {
            "chosen_bar": chosen,
            "bar": bar_now,
            "ranking_identical": same,
            "calibrated": new_table,
            "baseline": old_table,
        }
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
