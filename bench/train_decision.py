"""Train the answer decision (knowledge/decision_weights.json), cross-validated across guides.

    .venv/bin/python bench/train_decision.py [--shared ../shared] [--check] [--folds-only]

Data (features only; no question text reaches the weights):
  guides — ../shared/eval/guides: the 12 files of upload/ ingested by troly in their real formats; its 80
           answerable questions (label: the best passage is from the right guide), the same questions
           with their guide removed from the ranking (label 0: the guide that answers is not there) and
           the 20 unanswerable questions (label 0);
  legal  — ../shared/eval/legal dev split as written and without diacritics (label: the best passage is
           from the right law, as "the right guide" for guides), the questions with their relevant
           articles removed (label 0, a quarter weight: near-duplicate articles make some of them
           answerable after all) and the off-topic questions of bench/kb_search.py;
  own    — troly's demo guides with knowledge/demo/questions.py (answerable, guide removed, not
           covered, off-topic).
Every data set weighs the same in the fit, and within a set the positives weigh as much as the negatives.

Cross-validation: 12 folds, one per shared guide (its questions, answerable and unanswerable, are held
out together); legal questions go to folds by law and the demo ones by guide. In each fold a model is
fitted and its cut-offs chosen on the other folds only, then applied to the held-out fold: every figure
printed is out of fold. The shipped model is the same procedure on all the data. Deterministic: no
randomness anywhere (Newton's method from zero, fixed fold assignment).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kb_search import OFF_TOPIC as LEGAL_OFF_TOPIC  # noqa: E402

from knowledge.abbreviations import SynonymTable  # noqa: E402
from knowledge.decision import CLIP, WEIGHTS_FILE, DecisionModel  # noqa: E402
from knowledge.demo import demo_guides  # noqa: E402
from knowledge.demo.questions import ANSWERABLE, NOT_COVERED, OFF_TOPIC  # noqa: E402
from knowledge.evaluate import EvalQuery, load_corpus, load_queries, variant_texts  # noqa: E402
from knowledge.features import FEATURE_NAMES, FEATURE_SCHEMA  # noqa: E402
from knowledge.index import KnowledgeIndex  # noqa: E402
from knowledge.ingest import parse_file, passages_from_guide  # noqa: E402
from knowledge.normalize import fold, nfc  # noqa: E402
from knowledge.types import Hit, Passage  # noqa: E402

FloatArray = npt.NDArray[np.float64]

#: L2 penalty on the standardized coefficients (strong: few samples per guide)
L2 = 3.0
#: weight of a legal "relevant article removed" negative relative to other negatives
LEGAL_REMOVED_WEIGHT = 0.25
#: the targets the cut-off is chosen for (issue 8), as (figure, lowest acceptable share)
TARGETS: tuple[tuple[str, float], ...] = (
    ("accented", 0.90),
    ("no_diacritics", 0.90),
    ("typo", 0.80),
    ("telex", 0.80),
    ("unanswerable_not_answered", 0.75),
    ("legal_answered", 0.90),
)
#: below the answer cut-off, a passage at least this likely is offered as "có thể liên quan"
TENTATIVE_RATIO = 0.5
#: a passage of another guide within this share of the best score makes the chat ask which was meant
CLOSE_GAP = 0.05
CUTS = tuple(round(0.02 * i, 2) for i in range(5, 49))  # 0.10 … 0.96


@dataclass
class Sample:
    """One search of the training data: its features, label and what the bench reports about it."""

    dataset: str  # guides | legal | own
    group: str  # guide / law the question belongs to (the unit of cross-validation)
    variant: str  # accented, no_diacritics, typo, telex, english; asis/nodiac for legal; own
    kind: str  # answerable | removed | unanswerable
    label: int
    features: tuple[float, ...]
    hits: tuple[Hit, ...] = ()
    right_section: bool = False
    meta: dict[str, object] = field(default_factory=dict)
    legacy: bool = False  # the previous decision (coverage ≥ CONFIDENCE_BAR) would answer
    capped: bool = False  # the search's money check turns a confident answer into a tentative one


def _read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _sample(
    index: KnowledgeIndex,
    text: str,
    *,
    dataset: str,
    group: str,
    variant: str,
    kind: str,
    right: Callable[[Passage], bool],
    exclude: frozenset[str] = frozenset(),
    meta: dict[str, object] | None = None,
) -> Sample | None:
    features, hits = index.decision_features(text, exclude=exclude)
    if not hits:
        return None
    best = hits[0].passage
    return Sample(
        dataset, group, variant, kind, int(right(best)), features, hits, meta=dict(meta or {}),
        legacy=index.legacy_confident(text, exclude=exclude),
        capped=index.caps_answer(text, exclude=exclude),
    )  # fmt: skip


def guide_index(folder: Path) -> KnowledgeIndex:
    """troly's index over the shared guides, ingested from their uploaded files (md, docx, pdf)."""
    passages: list[Passage] = []
    for path in sorted((folder / "upload").iterdir()):
        passages.extend(passages_from_guide(path.stem, parse_file(path.name, path.read_bytes())))
    return KnowledgeIndex.build(passages, synonyms=SynonymTable.build())


def _section_is(hit: Hit, section: str) -> bool:
    path = hit.passage.heading_path
    return bool(path) and " ".join(nfc(path[-1]).split()) == " ".join(nfc(section).split())


def guide_samples(folder: Path) -> list[Sample]:
    """The shared guides set: answerable, guide-removed and unanswerable questions."""
    index = guide_index(folder)
    by_guide: dict[str, set[str]] = {}
    for passage in index.passages:
        by_guide.setdefault(passage.guide_id, set()).add(passage.id)
    out: list[Sample] = []
    for row in _read_jsonl(folder / "questions.jsonl"):
        guide, text, variant = str(row["guide"]), str(row["text"]), str(row["variant"])
        meta = {"id": row["id"], "section": row["section"], "abbrev_link": row.get("abbrev_link")}

        def right_guide(p: Passage, g: str = guide) -> bool:
            return p.guide_id == g

        sample = _sample(
            index, text, dataset="guides", group=guide, variant=variant, kind="answerable",
            right=right_guide, meta=meta,
        )  # fmt: skip
        if sample is not None:
            sample.right_section = bool(sample.label) and _section_is(
                sample.hits[0], str(row["section"])
            )
            out.append(sample)
        removed = _sample(
            index, text, dataset="guides", group=guide, variant=variant, kind="removed",
            right=lambda p: False, exclude=frozenset(by_guide[guide]), meta=meta,
        )  # fmt: skip
        if removed is not None:
            out.append(removed)
    for row in _read_jsonl(folder / "unanswerable.jsonl"):
        note = str(row.get("note", ""))
        sample = _sample(
            index, str(row["text"]), dataset="guides", group=str(row["nearest_guide"]),
            variant=str(row["variant"]), kind="unanswerable", right=lambda p: False,
            meta={"id": row["id"], "tricky": note.startswith("Tricky")},
        )  # fmt: skip
        if sample is not None:
            out.append(sample)
    return out


def legal_samples(folder: Path) -> list[Sample]:
    """The legal dev split: answerable (as written, folded), relevant removed, off-topic."""
    index = KnowledgeIndex.build(load_corpus(folder / "corpus.jsonl"), synonyms=SynonymTable.build())
    queries = load_queries(folder / "dev.jsonl")
    out: list[Sample] = []
    for variant in ("asis", "nodiac"):
        for query, text in zip(queries, variant_texts(queries, variant), strict=True):

            def right_law(p: Passage, q: EvalQuery = query) -> bool:
                return p.guide_id in {r.split("|")[0] for r in q.relevant}

            sample = _sample(
                index, text, dataset="legal", group=query.relevant[0].split("|")[0],
                variant=variant, kind="answerable", right=right_law,
            )  # fmt: skip
            if sample is not None:
                out.append(sample)
    for query in queries:
        sample = _sample(
            index, query.text, dataset="legal", group=query.relevant[0].split("|")[0],
            variant="asis", kind="removed", right=lambda p: False,
            exclude=frozenset(query.relevant),
        )  # fmt: skip
        if sample is not None:
            out.append(sample)
    off = list(LEGAL_OFF_TOPIC) + [fold(t.lower()) for t in LEGAL_OFF_TOPIC]
    for i, text in enumerate(off):
        sample = _sample(
            index, text, dataset="legal", group=f"off-topic-{i % 5}", variant="asis",
            kind="unanswerable", right=lambda p: False,
        )  # fmt: skip
        if sample is not None:
            out.append(sample)
    return out


def own_samples() -> list[Sample]:
    """troly's demo guides with the hand-written questions of knowledge/demo/questions.py."""
    passages = [
        passage
        for guide in demo_guides()
        for passage in passages_from_guide(guide.slug, parse_file(guide.file_name, guide.content))
    ]
    index = KnowledgeIndex.build(passages, synonyms=SynonymTable.build())
    by_guide: dict[str, set[str]] = {}
    for passage in passages:
        by_guide.setdefault(passage.guide_id, set()).add(passage.id)
    out: list[Sample] = []
    for text, slug, _ in ANSWERABLE:
        for kind, exclude in (("answerable", frozenset[str]()), ("removed", frozenset(by_guide[slug]))):

            def right_own(p: Passage, s: str = slug, k: str = kind) -> bool:
                return k == "answerable" and p.guide_id == s

            sample = _sample(
                index, text, dataset="own", group=slug, variant="own", kind=kind,
                right=right_own, exclude=exclude,
            )  # fmt: skip
            if sample is not None:
                out.append(sample)
    for i, text in enumerate(list(NOT_COVERED) + list(OFF_TOPIC)):
        sample = _sample(
            index, text, dataset="own", group=f"unanswerable-{i % 6}", variant="own",
            kind="unanswerable", right=lambda p: False,
        )  # fmt: skip
        if sample is not None:
            out.append(sample)
    return out


def collect(shared: Path) -> list[Sample]:
    """Every training sample, in a fixed order."""
    return (
        guide_samples(shared / "eval" / "guides")
        + legal_samples(shared / "eval" / "legal")
        + own_samples()
    )


def default_shared() -> Path:
    """../shared beside the repository (a worktree under wt/ looks one level further up)."""
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (candidate / "eval").is_dir():
            return candidate
    return ROOT.parent / "shared"


# ---- fitting -------------------------------------------------------------------------------------


def sample_weights(samples: Sequence[Sample]) -> FloatArray:
    """Each data set weighs the same; within it, positives as much as negatives."""
    weights = np.zeros(len(samples))
    for dataset in sorted({s.dataset for s in samples}):
        for label in (0, 1):
            idx = [i for i, s in enumerate(samples) if s.dataset == dataset and s.label == label]
            raw = [
                LEGAL_REMOVED_WEIGHT if samples[i].dataset == "legal" and samples[i].kind == "removed"
                else 1.0
                for i in idx
            ]  # fmt: skip
            total = sum(raw)
            for i, r in zip(idx, raw, strict=True):
                weights[i] = 0.5 * r / total
    scaled: npt.NDArray[np.float64] = weights * len(samples) / weights.sum()
    return scaled


def fit_logistic(x: FloatArray, y: FloatArray, w: FloatArray, l2: float = L2) -> DecisionModel:
    """Weighted, L2-regularized logistic regression on standardized features (Newton's method)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([np.clip((x - mean) / scale, -CLIP, CLIP), np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = l2 * np.eye(z.shape[1])
    penalty[-1, -1] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        grad = z.T @ (w * (p - y)) + penalty @ beta
        hess = (z * (w * p * (1.0 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hess, grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return DecisionModel(
        schema=FEATURE_SCHEMA,
        names=FEATURE_NAMES,
        mean=tuple(round(float(v), 6) for v in mean),
        scale=tuple(round(float(v), 6) for v in scale),
        coef=tuple(round(float(v), 6) for v in beta[:-1]),
        intercept=round(float(beta[-1]), 6),
        answer_at=0.5,
        tentative_at=0.5 * TENTATIVE_RATIO,
        close_gap=CLOSE_GAP,
    )


def figures(samples: Sequence[Sample], answered: Sequence[bool]) -> dict[str, float]:
    """The issue's figures for one decision (answered = outcome "answer")."""

    def share(pick: Callable[[Sample], bool], ok: Callable[[Sample, bool], bool]) -> float:
        rows = [(s, a) for s, a in zip(samples, answered, strict=True) if pick(s)]
        return sum(ok(s, a) for s, a in rows) / len(rows) if rows else float("nan")

    out: dict[str, float] = {}
    for variant in ("accented", "no_diacritics", "typo", "telex", "english"):

        def asked(s: Sample, v: str = variant) -> bool:
            return s.dataset == "guides" and s.kind == "answerable" and s.variant == v

        out[variant] = share(asked, lambda s, a: a and bool(s.label))
    out["unanswerable_not_answered"] = share(
        lambda s: s.dataset == "guides" and s.kind == "unanswerable", lambda s, a: not a
    )
    out["legal_answered"] = share(
        lambda s: s.dataset == "legal" and s.kind == "answerable" and s.variant == "asis",
        lambda s, a: a,
    )
    return out


def worst_margin(values: dict[str, float]) -> float:
    """How far the weakest figure is above its target (negative: below)."""
    return min(values[name] - target for name, target in TARGETS)


def choose_cut(samples: Sequence[Sample], probs: FloatArray) -> float:
    """The answer cut-off with the best worst-case margin over the targets (ties: the higher cut)."""
    best_cut, best = CUTS[0], -np.inf
    for cut in CUTS:
        margin = worst_margin(figures(samples, [bool(p >= cut) for p in probs]))
        if margin >= best:
            best_cut, best = cut, margin
    return best_cut


def train(samples: Sequence[Sample]) -> DecisionModel:
    """Fit the model and choose its cut-offs on the given samples."""
    x = np.array([s.features for s in samples], dtype=np.float64)
    y = np.array([s.label for s in samples], dtype=np.float64)
    model = fit_logistic(x, y, sample_weights(samples))
    probs = np.array([model.probability(s.features) for s in samples])
    cut = choose_cut(samples, probs)
    return dataclasses.replace(model, answer_at=cut, tentative_at=round(cut * TENTATIVE_RATIO, 4))


def decide(model: DecisionModel, sample: Sample) -> str:
    """The search's outcome for a sample: the model's, a confident answer made tentative when the question
    asks about money and the best passage mentions none (KnowledgeIndex.search does the same).

    The cut-off is chosen on the model's probabilities alone (choose_cut): counted there, the money check's
    declines would let the worst-margin rule lower the cut and answer more of everything, unanswerable
    questions of other kinds included (docs/benchmarks.md).
    """
    outcome = model.outcome(model.probability(sample.features))
    return "tentative" if outcome == "answer" and sample.capped else outcome


def fold_of(sample: Sample, guides: Sequence[str]) -> int:
    """The cross-validation fold: the shared guide itself, or a fixed hash of the law / demo guide."""
    if sample.dataset == "guides":
        return guides.index(sample.group)
    return zlib.crc32(f"{sample.dataset}:{sample.group}".encode()) % len(guides)


@dataclass
class CrossValidation:
    """Out-of-fold outcomes of every sample, and per-fold figures."""

    outcomes: list[str]
    per_fold: list[dict[str, float]]
    models: list[DecisionModel]


def cross_validate(samples: Sequence[Sample]) -> CrossValidation:
    """Leave-one-shared-guide-out: fit and cut on the other folds, decide the held-out one."""
    guides = sorted({s.group for s in samples if s.dataset == "guides"})
    folds = [fold_of(s, guides) for s in samples]
    outcomes = [""] * len(samples)
    per_fold: list[dict[str, float]] = []
    models: list[DecisionModel] = []
    for k in range(len(guides)):
        train_rows = [s for s, f in zip(samples, folds, strict=True) if f != k]
        model = train(train_rows)
        models.append(model)
        held = [i for i, f in enumerate(folds) if f == k]
        for i in held:
            outcomes[i] = decide(model, samples[i])
        per_fold.append(
            figures([samples[i] for i in held], [outcomes[i] == "answer" for i in held])
        )
    return CrossValidation(outcomes, per_fold, models)


def main(argv: Sequence[str] | None = None) -> int:
    """Collect, cross-validate, fit on everything, write (or --check) the shipped weights."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", default=str(default_shared()))
    parser.add_argument("--check", action="store_true", help="fail if the shipped weights differ")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation (faster)")
    args = parser.parse_args(argv)
    samples = collect(Path(args.shared))
    print(f"{len(samples)} samples: " + ", ".join(
        f"{d} {sum(s.dataset == d for s in samples)}" for d in ("guides", "legal", "own")
    ))  # fmt: skip
    if not args.no_cv:
        cv = cross_validate(samples)
        oof = figures(samples, [o == "answer" for o in cv.outcomes])
        print("out-of-fold: " + ", ".join(f"{k} {v:.3f}" for k, v in oof.items()))
        print(f"worst margin over the targets: {worst_margin(oof):+.3f}")
    model = train(samples)
    text = json.dumps(model.as_json(), indent=2) + "\n"
    target = ROOT / "knowledge" / WEIGHTS_FILE
    if args.check:
        same = target.exists() and target.read_text(encoding="utf-8") == text
        print("shipped weights are " + ("up to date" if same else "STALE"))
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.relative_to(ROOT)}: answer at p ≥ {model.answer_at}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
