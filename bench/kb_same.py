"""Same answers: what the search answers for every evaluation question, recorded and compared.

    .venv/bin/python bench/kb_same.py --write /tmp/before.json [--shared ../shared] [--sets demo,guides,legal]
    .venv/bin/python bench/kb_same.py --check /tmp/before.json

For work that only makes answering cheaper: record from the code before the change, check after it.
Every question of three sets is searched as the chat does and as the benches do:
  demo    troly's demo guides (built-in and an admin's synonyms): the questions of
          knowledge/demo/questions.py (as written, without diacritics, with one typo, in Telex), the
          inbound bench's, every section's heading (as written and in Telex), a few in English and edge
          cases; the labelled ones also with their own guide left out;
  guides  the shared guides as uploaded (../shared/eval/guides): every question, answerable and not,
          each also with its own guide left out (bench/train_decision.py's "removed" samples);
  legal   the legal corpus and its dev split (../shared/eval/legal), as written, without diacritics and
          with one typo; each also with its relevant articles left out; and kb_search.py's off-topic
          questions.
Recorded per question: the ranked hits (ids and scores, ten), the outcome, the confidence, the decision
model's probability and features, the pool the features were computed on, the corrections, the close
alternative, English or not, the previous decision (coverage); for demo and guides also the page of the
best passage the chat shows (paginate + best_page) and the Q&A-entry rule (qa_outcome); for demo the score
parts (every passage's, as float32 bytes). The evaluation data is read at run time and the record is written
where --write says (keep it out of the repository). --check compares field by field: everything exact,
floats within 1e-9 (absolute, or relative to the value); exit 1 on any difference, with examples.
Runs with PYTHONHASHSEED=0 (it restarts itself so): a typo's correction depended on the order of a set
of strings, which Python's hash seed changes from process to process (seen on "xac thuc hai lop l agi");
the index now orders its typo candidates itself, and the fixed seed stays so that a new dependence on it
shows as a difference between runs of different code, not between runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from inbound import QUESTIONS as INBOUND_QUESTIONS  # noqa: E402
from kb_search import OFF_TOPIC as LEGAL_OFF_TOPIC  # noqa: E402
from train_decision import default_shared  # noqa: E402

from knowledge.abbreviations import SynonymTable  # noqa: E402
from knowledge.decision import shipped_model  # noqa: E402
from knowledge.demo.questions import ANSWERABLE, NOT_COVERED, OFF_TOPIC, QUESTIONS  # noqa: E402
from knowledge.evaluate import VARIANTS, load_corpus, load_queries, one_typo, variant_texts  # noqa: E402
from knowledge.index import RANK_PARTS, KnowledgeIndex  # noqa: E402
from knowledge.ingest import parse_file, passages_from_guide  # noqa: E402
from knowledge.normalize import fold  # noqa: E402
from knowledge.qa_match import qa_outcome, question_similarity  # noqa: E402
from knowledge.snippet import best_page, paginate  # noqa: E402
from knowledge.types import Passage  # noqa: E402
from testkit.demo_index import demo_index  # noqa: E402
from testkit.telex_typing import telex  # noqa: E402

#: floats must agree to this (absolute, or relative to the larger value)
TOLERANCE = 1e-9
#: the string hash seed of every run (see the module's docstring)
HASH_SEED = "0"
#: hits recorded per question (the decision looks at ten whatever the limit)
LIMIT = 10
#: page sizes the section is cut into (the chat's PAGE_CHARS is 1,200; a small one gives many pages)
PAGE_SIZES = (1200, 300)

#: one question to ask: its text and the passage ids left out of its "removed" search
Ask = tuple[str, frozenset[str]]


#: questions in English, and edge cases (empty, punctuation, one letter, no space, very long)
ENGLISH: tuple[str, ...] = (
    "How do I sign an electronic document with a digital signature?",
    "What is the deadline for the weekly progress report?",
    "How much tax do we pay for the scan",
    "Where is the one-stop desk of the commune?",
)
EDGE: tuple[str, ...] = (
    "", "   ", "???", "a", "286", "UBND xa", "CĐS cap xa", "DVCTT muc do 4", "TTTT la gi",
    "chuyendoi so cap xa", "bao cao tien dooo hang tuan", "han nop bao cao", "gif", "lam sao",
    "PCT UBND ky van ban", "bao cao tien do " * 12,
)  # fmt: skip
def demo_questions(index: KnowledgeIndex) -> list[Ask]:
    """The demo guides' questions: labelled (as written, without diacritics, one typo, Telex),
    unanswerable, the inbound bench's, every section's heading, English and edge cases."""
    by_guide: dict[str, set[str]] = {}
    for passage in index.passages:
        by_guide.setdefault(passage.guide_id, set()).add(passage.id)
    labelled = list(dict.fromkeys(q for q, _, _ in (*ANSWERABLE, *QUESTIONS)))
    rng = random.Random(13)
    headings = [
        re.sub(r"^[\d.]+\s*", "", p.heading_path[-1]) for p in index.passages if p.heading_path
    ]
    texts = [
        *labelled, *(fold(q.lower()) for q in labelled), *(one_typo(q, rng) for q in labelled),
        *(telex(q) for q in labelled), *NOT_COVERED, *OFF_TOPIC, *INBOUND_QUESTIONS, *headings,
        *(telex(h) for h in headings), *ENGLISH, *EDGE,
    ]  # fmt: skip
    slug = {q: s for q, s, _ in (*ANSWERABLE, *QUESTIONS)}
    return [
        (text, frozenset(by_guide.get(slug.get(text, ""), ())))
        for text in dict.fromkeys(texts)
    ]


def guides_index(folder: Path) -> KnowledgeIndex:
    """The shared guides as uploaded (bench/train_decision.py's guide_index)."""
    passages: list[Passage] = []
    for path in sorted((folder / "upload").iterdir()):
        passages.extend(passages_from_guide(path.stem, parse_file(path.name, path.read_bytes())))
    return KnowledgeIndex.build(passages, synonyms=SynonymTable.build())


def guides_questions(folder: Path, index: KnowledgeIndex) -> list[Ask]:
    """Every question of the shared guides, with its own guide's passages as the left-out set."""
    by_guide: dict[str, set[str]] = {}
    for passage in index.passages:
        by_guide.setdefault(passage.guide_id, set()).add(passage.id)
    out: list[Ask] = []
    for name, key in (("questions.jsonl", "guide"), ("unanswerable.jsonl", "nearest_guide")):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if line:
                row = json.loads(line)
                out.append((str(row["text"]), frozenset(by_guide.get(str(row.get(key)), ()))))
    return out


def legal_index(folder: Path) -> KnowledgeIndex:
    """The legal corpus as bench/train_decision.py indexes it."""
    return KnowledgeIndex.build(load_corpus(folder / "corpus.jsonl"), synonyms=SynonymTable.build())


def legal_questions(folder: Path) -> list[Ask]:
    """The dev questions in every variant (relevant articles left out), and the off-topic ones."""
    queries = load_queries(folder / "dev.jsonl")
    out: list[Ask] = []
    for variant in VARIANTS:
        for query, text in zip(queries, variant_texts(queries, variant), strict=True):
            out.append((text, frozenset(query.relevant)))
    off = list(LEGAL_OFF_TOPIC) + [fold(t.lower()) for t in LEGAL_OFF_TOPIC]
    out.extend((text, frozenset()) for text in off)
    return out


def record(index: KnowledgeIndex, text: str, exclude: frozenset[str], *, pages: bool,
           parts: bool) -> dict[str, Any]:  # fmt: skip
    """Everything the search says of one question."""
    result = index.search(text, limit=LIMIT)
    features, pool = index.decision_features(text)
    removed, removed_pool = index.decision_features(text, exclude=exclude)
    row: dict[str, Any] = {
        "q": text,
        "hits": [[h.passage.id, h.score] for h in result.hits],
        "outcome": result.outcome,
        "confidence": result.confidence,
        "probability": shipped_model().probability(features) if pool else None,
        "corrected": [list(pair) for pair in result.corrected_terms],
        "alternative": None
        if result.alternative is None
        else [result.alternative.passage.id, result.alternative.score],
        "english": result.english,
        "features": list(features),
        "pool": [[h.passage.id, h.score] for h in pool],
        "legacy": index.legacy_confident(text),
        "removed_features": list(removed),
        "removed_pool": [[h.passage.id, h.score] for h in removed_pool],
        "removed_legacy": index.legacy_confident(text, exclude=exclude),
        "search_limit_1": [[h.passage.id, h.score] for h in index.search(text, limit=1).hits],
    }
    if pages and result.hits:
        best = result.hits[0].passage
        row["pages"] = [[len(p := paginate(best.text, size)), best_page(p, text)] for size in PAGE_SIZES]
        row["qa"] = [qa_outcome(result.outcome, text, best.heading_path[-1] if best.heading_path
                                else best.guide_title),
                     question_similarity(text, best.guide_title)]  # fmt: skip
    if parts:
        scores = index.score_parts(text)
        row["parts"] = {
            name: hashlib.sha256(scores[name].astype("<f4").tobytes()).hexdigest()[:16]
            for name in RANK_PARTS
        }
    return row


def snapshot(sets: Sequence[str], shared: Path) -> dict[str, list[dict[str, Any]]]:
    """Every set's records, in a fixed order."""
    builders: dict[str, Callable[[], tuple[KnowledgeIndex, list[Ask], bool]]] = {
        "demo": lambda: (lambda i: (i, demo_questions(i), True))(demo_index()),
        "guides": lambda: (
            lambda f, i: (i, guides_questions(f, i), True)
        )(shared / "eval" / "guides", guides_index(shared / "eval" / "guides")),
        "legal": lambda: (
            legal_index(shared / "eval" / "legal"), legal_questions(shared / "eval" / "legal"), False
        ),
    }
    out: dict[str, list[dict[str, Any]]] = {}
    for name in sets:
        started = time.perf_counter()
        index, asks, pages = builders[name]()
        out[name] = [
            record(index, text, exclude, pages=pages, parts=name == "demo") for text, exclude in asks
        ]
        print(f"{name}: {len(index)} passages, {len(asks)} questions "
              f"({time.perf_counter() - started:.1f} s)", flush=True)
    return out


def differences(a: Any, b: Any, path: str = "") -> Iterator[str]:
    """Where two records differ (floats within TOLERANCE count as equal)."""
    if isinstance(a, float) or isinstance(b, float):
        if not (isinstance(a, int | float) and isinstance(b, int | float)) or not math.isclose(
            a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE
        ):
            yield f"{path}: {a!r} != {b!r}"
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{path}: {len(a)} items != {len(b)}"
        else:
            for n, (x, y) in enumerate(zip(a, b, strict=True)):
                yield from differences(x, y, f"{path}[{n}]")
    elif isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            yield f"{path}: keys {sorted(a)} != {sorted(b)}"
        else:
            for key in a:
                yield from differences(a[key], b[key], f"{path}.{key}")
    elif a != b:
        yield f"{path}: {a!r} != {b!r}"


def check(recorded: dict[str, list[dict[str, Any]]], live: dict[str, list[dict[str, Any]]]) -> int:
    """Print the comparison of every set; the number of questions that differ."""
    bad = 0
    for name, rows in live.items():
        before = recorded.get(name)
        if before is None:
            print(f"{name}: not in the record")
            bad += 1
            continue
        if [r["q"] for r in before] != [r["q"] for r in rows]:
            print(f"{name}: the record holds other questions")
            bad += 1
            continue
        found = [(r["q"], d) for r, old in zip(rows, before, strict=True)
                 if (d := list(differences(old, r)))]  # fmt: skip
        fields = sum(len(row) for row in rows)
        print(f"{name}: {len(rows) - len(found)}/{len(rows)} questions identical "
              f"({fields} fields; floats within {TOLERANCE:g})")
        for text, diffs in found[:5]:
            print(f"  differs: {text!r}: {'; '.join(diffs[:3])}")
        bad += len(found)
    return bad


def main(argv: Sequence[str] | None = None) -> int:
    """Write or check the record; exit 1 when an answer differs."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", help="record the answers to this file (outside the repository)")
    what.add_argument("--check", help="compare the answers with this record")
    parser.add_argument("--shared", default=str(default_shared()))
    parser.add_argument("--sets", default="demo,guides,legal")
    args = parser.parse_args(argv)
    if argv is None and os.environ.get("PYTHONHASHSEED") != HASH_SEED:
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, "PYTHONHASHSEED": HASH_SEED})
    sets = args.sets.split(",")
    live = snapshot(sets, Path(args.shared))
    if args.write:
        Path(args.write).write_text(json.dumps(live, ensure_ascii=False), encoding="utf-8")
        print(f"written to {args.write}")
        return 0
    recorded = json.loads(Path(args.check).read_text(encoding="utf-8"))
    return 1 if check(recorded, live) else 0


if __name__ == "__main__":
    sys.exit(main())
