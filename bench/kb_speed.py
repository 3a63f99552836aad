"""Search speed: troly's search beside the same search at a baseline commit, in one process, per question.

    .venv/bin/python bench/kb_speed.py [--baseline main] [--shared ../shared] [--repeats 5]
                                       [--legal-questions 0] [--json out.json]

The baseline's knowledge/ package is taken from git (`git archive`) and imported under another name,
so both run in the same process on the same passages, question after question (each question is
searched by one then the other, the order alternating), which keeps the machine's load out of the
ratio. Timed: `KnowledgeIndex.search` (query analysis, ranking, features, answer decision), CPU time
of the thread (`time.thread_time`), each question `--repeats` times after one warm-up round.
Three indexes: troly's demo guides (the questions of knowledge/demo/questions.py and the inbound
bench's), the shared guides as uploaded (their answerable and unanswerable questions, every variant),
and the legal corpus (its dev questions as written, without diacritics and with one typo).
Also checked on every question: both give the same hits (ids, in order), the same outcome, the same
corrections and scores equal to 1e-5 (relative); the largest score difference is printed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from inbound import QUESTIONS as INBOUND_QUESTIONS  # noqa: E402 (the inbound bench's questions)
from train_decision import default_shared  # noqa: E402

BASE_PACKAGE = "knowledge_base"
REL = 1e-5


def import_baseline(ref: str, into: Path) -> str:
    """Extract knowledge/ at `ref` into `into`, renamed so that it imports beside today's package."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "knowledge"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    package = into / BASE_PACKAGE
    (into / "knowledge").rename(package)
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\b(from|import) knowledge\b", rf"\1 {BASE_PACKAGE}", text)
        text = text.replace('resources.files("knowledge")', f'resources.files("{BASE_PACKAGE}")')
        path.write_text(text, encoding="utf-8")
    sys.path.insert(0, str(into))
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", ref], check=True, capture_output=True,
        text=True,
    ).stdout.strip()


def modules(package: str) -> dict[str, ModuleType]:
    """The modules of one knowledge package that the bench uses."""
    return {
        name: importlib.import_module(f"{package}.{name}")
        for name in ("index", "abbreviations", "evaluate", "ingest", "demo", "demo.questions")
    }


Builder = Callable[[dict[str, ModuleType]], tuple[Any, list[str]]]


def demo_set(m: dict[str, ModuleType]) -> tuple[Any, list[str]]:
    """The demo guides and their questions (labelled, unanswerable, inbound bench's)."""
    passages = [
        p
        for g in m["demo"].demo_guides()
        for p in m["ingest"].passages_from_guide(g.slug, m["ingest"].parse_file(g.file_name, g.content))
    ]
    q = m["demo.questions"]
    texts = [t for t, _, _ in q.ANSWERABLE] + list(q.UNANSWERABLE) + list(INBOUND_QUESTIONS)
    return m["index"].KnowledgeIndex.build(passages, synonyms=m["abbreviations"].SynonymTable.build()), texts


def guides_set(shared: Path) -> Builder:
    """The shared guides as uploaded, and every question of theirs (answerable and not)."""
    folder = shared / "eval" / "guides"

    def build(m: dict[str, ModuleType]) -> tuple[Any, list[str]]:
        passages = []
        for path in sorted((folder / "upload").iterdir()):
            parsed = m["ingest"].parse_file(path.name, path.read_bytes())
            passages.extend(m["ingest"].passages_from_guide(path.stem, parsed))
        texts = [
            str(json.loads(line)["text"])
            for name in ("questions.jsonl", "unanswerable.jsonl")
            for line in (folder / name).read_text(encoding="utf-8").splitlines()
            if line
        ]
        index = m["index"].KnowledgeIndex.build(passages, synonyms=m["abbreviations"].SynonymTable.build())
        return index, texts

    return build


def legal_set(shared: Path, limit: int) -> Builder:
    """The legal corpus and its dev questions: as written, without diacritics, with one typo."""
    folder = shared / "eval" / "legal"

    def build(m: dict[str, ModuleType]) -> tuple[Any, list[str]]:
        ev = m["evaluate"]
        passages = ev.load_corpus(folder / "corpus.jsonl")
        queries = ev.load_queries(folder / "dev.jsonl")
        if limit:
            queries = queries[:limit]
        texts = [t for variant in ev.VARIANTS for t in ev.variant_texts(queries, variant)]
        return m["index"].KnowledgeIndex.build(passages), texts

    return build


def summary(result: Any) -> tuple[list[str], list[float], str, list[tuple[str, str]]]:
    """What two searches must agree on: hit ids, scores, outcome, corrections."""
    return (
        [h.passage.id for h in result.hits],
        [h.score for h in result.hits],
        result.outcome,
        [tuple(pair) for pair in result.corrected_terms],
    )


def measure(
    name: str, build: Builder, base: dict[str, ModuleType], ours: dict[str, ModuleType], repeats: int
) -> dict[str, Any]:
    """Time both searches question by question; count disagreements."""
    base_index, texts = build(base)
    our_index, our_texts = build(ours)
    assert texts == our_texts
    clock = time.thread_time
    times: dict[str, list[float]] = {"baseline": [], "troly": []}
    mismatches: list[str] = []
    worst = 0.0
    for text in texts:  # warm-up, and the comparison of answers
        a, b = summary(base_index.search(text)), summary(our_index.search(text))
        if a[0] != b[0] or a[2] != b[2] or a[3] != b[3]:
            mismatches.append(text)
        for x, y in zip(a[1], b[1], strict=False):
            worst = max(worst, abs(x - y) / max(abs(x), 1e-12))
    for round_ in range(repeats):
        for n, text in enumerate(texts):
            order = [("baseline", base_index), ("troly", our_index)]
            if (n + round_) % 2:
                order.reverse()
            for label, index in order:
                start = clock()
                index.search(text)
                times[label].append((clock() - start) * 1000)
    out: dict[str, Any] = {
        "passages": len(our_index), "questions": len(texts), "searches": len(times["troly"]),
        "mismatches": len(mismatches), "mismatch_examples": mismatches[:5],
        "max_score_rel_diff": worst,
    }
    for label, values in times.items():
        values.sort()
        out[label] = {
            "median": statistics.median(values),
            "mean": statistics.fmean(values),
            "p99": values[max(0, math.ceil(0.99 * len(values)) - 1)],
        }
    b, t = out["baseline"], out["troly"]
    print(f"\n{name}: {out['passages']} passages, {out['questions']} questions × {repeats} "
          f"(CPU ms per search)")
    print(f"  {'':10} {'median':>8} {'mean':>8} {'p99':>8}")
    for label in ("baseline", "troly"):
        row = out[label]
        print(f"  {label:10} {row['median']:8.3f} {row['mean']:8.3f} {row['p99']:8.3f}")
    print(f"  {'ratio':10} {t['median'] / b['median']:8.2f} {t['mean'] / b['mean']:8.2f} "
          f"{t['p99'] / b['p99']:8.2f}   (troly / baseline; below 1 is faster)")
    print(f"  same hits, outcome and corrections: {len(texts) - len(mismatches)}/{len(texts)}; "
          f"largest score difference {worst:.1e} (relative)")
    for text in mismatches[:5]:
        print(f"    differs: {text!r}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the three sets; exit 1 when any answer differs."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--baseline", default="main", help="git ref of the baseline (default main)")
    parser.add_argument("--shared", default=str(default_shared()))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--legal-questions", type=int, default=0, help="first N dev questions (0: all)")
    parser.add_argument("--sets", default="demo,guides,legal")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    with tempfile.TemporaryDirectory() as tmp:
        commit = import_baseline(args.baseline, Path(tmp))
        base, ours = modules(BASE_PACKAGE), modules("knowledge")
        print(f"baseline: knowledge/ at {args.baseline} ({commit}); troly: this checkout")
        builders: dict[str, Builder] = {
            "demo": demo_set,
            "guides": guides_set(shared),
            "legal": legal_set(shared, args.legal_questions),
        }
        out = {
            name: measure(name, builders[name], base, ours, args.repeats)
            for name in args.sets.split(",")
        }
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if any(r["mismatches"] for r in out.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
