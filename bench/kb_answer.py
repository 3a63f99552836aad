"""Answer decision benchmark: troly's model (cross-validated) next to the previous coverage threshold.

    .venv/bin/python bench/kb_answer.py [--shared ../shared] [--json out.json]

Same data and folds as bench/train_decision.py. troly's column is out of fold: each question is decided
by a model fitted, and cut, without its guide's questions (legal: without its law). The baseline column
is the decision before the model, coverage of the best passage ≥ CONFIDENCE_BAR (0.35), on the same
retrieval in the same run. "troly, model alone" is troly's column without the search's money check (a
question about money whose best passage mentions none is not answered confidently: KnowledgeIndex.search),
the same out-of-fold models, so the check's effect is read in one run. "answered" means the outcome "answer" (a confident answer); "tentative" and
"decline" both count as not answered. Rows:
  per variant    — confident answer with the right guide, share of the variant's questions;
  right section  — among those answers, the best passage is in the gold section;
  abbrev_link    — questions using the full form where the guide abbreviates, or the reverse;
  close pairs    — the two pairs of guides written to be confusable (signing vs sending documents,
                   commune website vs Zalo OA);
  unanswerable   — not answered confidently (all 20, and the 16 tricky ones);
  legal          — answerable dev questions answered (as written, without diacritics).
Then upper bounds (not decisions: cuts chosen on the very figures they report) on the accented figure when
15 of the 20 unanswerable questions are not answered: over troly's out-of-fold probabilities, and over a
model fitted on the shared guides' questions themselves. They say how far any cut of these features can go.
Last, the answer latency on the shared guides' index: every question (answerable and unanswerable) searched
--repeats times after a warm-up, one at a time (the whole search: analysis, ranking, features, decision).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from train_decision import (  # noqa: E402
    CLOSE_GAP,
    CrossValidation,
    Sample,
    collect,
    cross_validate,
    default_shared,
    fit_logistic,
    fold_of,
    guide_index,
    sample_weights,
)

CLOSE_PAIRS: tuple[tuple[str, str], ...] = (
    ("chu-ky-so-chuyen-dung-can-bo-xa", "quan-ly-van-ban-dieu-hanh"),
    ("trang-thong-tin-dien-tu-xa", "zalo-oa-ubnd-xa"),
)
VARIANTS = ("accented", "no_diacritics", "typo", "telex", "english")

Pick = Callable[[Sample], bool]


def _answerable(variant: str | None = None) -> Pick:
    return lambda s: (
        s.dataset == "guides" and s.kind == "answerable" and (variant is None or s.variant == variant)
    )


def close_alternative(sample: Sample) -> bool:
    """Whether the chat would ask "A or B?": another guide's best passage within CLOSE_GAP of the best."""
    best = sample.hits[0]
    other = next((h for h in sample.hits[1:] if h.passage.guide_id != best.passage.guide_id), None)
    return other is not None and best.score - other.score <= CLOSE_GAP * best.score


def main(argv: Sequence[str] | None = None) -> int:
    """Run the cross-validation and print the tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", default=str(default_shared()))
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--repeats", type=int, default=5, help="latency: searches per question")
    args = parser.parse_args(argv)
    samples = collect(Path(args.shared))
    cv = cross_validate(samples)
    troly = [o == "answer" for o in cv.outcomes]
    base = [s.legacy for s in samples]
    guides = sorted({s.group for s in samples if s.dataset == "guides"})
    # the same out-of-fold models without the search's money check (what troly decided before it)
    alone = [
        cv.models[fold_of(s, guides)].outcome(cv.models[fold_of(s, guides)].probability(s.features))
        == "answer"
        for s in samples
    ]
    rows: list[tuple[str, str, str, str, str]] = []
    out: dict[str, Any] = {}

    def count(pick: Pick, ok: Callable[[Sample, bool], bool], decided: Sequence[bool]) -> str:
        chosen = [(s, d) for s, d in zip(samples, decided, strict=True) if pick(s)]
        return f"{sum(ok(s, d) for s, d in chosen)}/{len(chosen)}"

    def row(label: str, pick: Pick, ok: Callable[[Sample, bool], bool]) -> None:
        cells = (count(pick, ok, base), count(pick, ok, alone), count(pick, ok, troly))
        rows.append((label, *cells, _ratio(cells[0], cells[2])))
        out[label] = {"baseline": cells[0], "model_alone": cells[1], "troly": cells[2]}

    right_answer: Callable[[Sample, bool], bool] = lambda s, d: d and bool(s.label)  # noqa: E731
    row("right guide ranked first (accented)", _answerable("accented"), lambda s, d: bool(s.label))
    for variant in VARIANTS:
        row(f"answered, right guide: {variant}", _answerable(variant), right_answer)
    row(
        "right section among those answers (vi)",
        lambda s: _answerable()(s) and s.variant != "english" and bool(s.label),
        lambda s, d: s.right_section if d else True,
    )
    rows[-1] = _section_row(samples, base, alone, troly)
    out["right section among those answers (vi)"] = {
        "baseline": rows[-1][1], "model_alone": rows[-1][2], "troly": rows[-1][3]
    }
    row("answered, right guide: abbrev_link", lambda s: _answerable()(s) and bool(
        s.meta.get("abbrev_link")) and s.variant != "english", right_answer)  # fmt: skip
    for pair in CLOSE_PAIRS:

        def in_pair(s: Sample, p: tuple[str, str] = pair) -> bool:
            return _answerable()(s) and s.group in p and s.variant != "english"

        row(
            f"answered, right guide: {pair[0].split('-')[0]}… vs {pair[1].split('-')[0]}…",
            in_pair,
            right_answer,
        )
    not_answered: Callable[[Sample, bool], bool] = lambda s, d: not d  # noqa: E731
    row("unanswerable not answered", lambda s: s.dataset == "guides" and s.kind == "unanswerable",
        not_answered)  # fmt: skip
    row("tricky unanswerable not answered", lambda s: s.dataset == "guides"
        and s.kind == "unanswerable" and bool(s.meta.get("tricky")), not_answered)  # fmt: skip
    for variant in ("asis", "nodiac"):

        def legal_answerable(s: Sample, v: str = variant) -> bool:
            return s.dataset == "legal" and s.kind == "answerable" and s.variant == v

        row(f"legal answerable answered ({variant})", legal_answerable, lambda s, d: d)  # fmt: skip
    row("own demo questions answered, right guide",
        lambda s: s.dataset == "own" and s.kind == "answerable", right_answer)  # fmt: skip
    row("own unanswerable not answered",
        lambda s: s.dataset == "own" and s.kind == "unanswerable", not_answered)  # fmt: skip

    print(f"{len(samples)} searches; troly = out of fold (12 folds, one per shared guide)\n")
    print(
        "| figure | threshold (coverage ≥ 0.35) | troly, model alone | troly (model + money check) "
        "| ratio to threshold |\n|---|---|---|---|---|"
    )
    for label, b, a, t, ratio in rows:
        print(f"| {label} | {b} | {a} | {t} | {ratio} |")

    outcomes = _outcome_table(samples, cv.outcomes)
    print("\n| troly outcome | answerable (vi) | answerable (en) | unanswerable |\n|---|---|---|---|")
    for outcome, cells in outcomes.items():
        print(f"| {outcome} | " + " | ".join(cells) + " |")
    out["outcomes"] = outcomes

    asked = [
        s for s, o in zip(samples, cv.outcomes, strict=True)
        if _answerable()(s) and o != "decline" and close_alternative(s)
    ]  # fmt: skip
    print(
        f"\n\"Anh/chị hỏi về … hay …?\" (another guide within {CLOSE_GAP:.0%} of the best score, "
        f"not declined): {len(asked)} of {sum(map(_answerable(), samples))} answerable questions, "
        f"{sum(not s.label for s in asked)} of them with the wrong guide first"
    )
    spread = _fold_spread(cv.per_fold)
    print("\nper-fold spread (mean ± standard deviation over the 12 held-out guides):")
    for name, (mean, std) in spread.items():
        print(f"  {name}: {mean:.3f} ± {std:.3f}")
    print("cut-offs chosen per fold: " + ", ".join(f"{m.answer_at:.2f}" for m in cv.models))
    out["per_fold"] = spread
    out["bounds"] = _bounds(samples, cv)
    print(
        "\nhow far any single cut could go (oracle cuts chosen on the figures themselves, NOT a decision): "
        "declining at least {need}/20 unanswerable questions leaves at most {oof}/40 accented questions "
        "answered with troly's out-of-fold probabilities, and at most {fit}/40 with a model fitted on the "
        "shared guides' own questions (in sample)".format(**out["bounds"])
    )
    out["latency_ms"] = answer_latency(Path(args.shared) / "eval" / "guides", args.repeats)
    print("\nanswer latency on the shared guides' index ({count} searches): median {median:.2f} ms, "
          "p99 {p99:.2f} ms, max {max:.2f} ms".format(**out["latency_ms"]))
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


def _frontier(samples: Sequence[Sample], scores: Sequence[float], need: int) -> int:
    """Most accented right-guide answers at any cut that leaves `need` unanswerables unanswered."""
    acc = [(p, bool(s.label)) for s, p in zip(samples, scores, strict=True) if _answerable("accented")(s)]
    unans = [p for s, p in zip(samples, scores, strict=True)
             if s.dataset == "guides" and s.kind == "unanswerable"]  # fmt: skip
    best = 0
    for cut in sorted(set(scores)) + [2.0]:
        if sum(p < cut for p in unans) >= need:
            best = max(best, sum(p >= cut and right for p, right in acc))
    return best


def _bounds(samples: Sequence[Sample], cv: CrossValidation, need: int = 15) -> dict[str, int]:
    """Upper bounds on the accented figure at the unanswerable target, for any cut of these features."""
    guides = sorted({s.group for s in samples if s.dataset == "guides"})
    oof = []
    for s in samples:
        model = cv.models[fold_of(s, guides)]
        oof.append(model.probability(s.features))
    shared = [s for s in samples if s.dataset == "guides"]
    x = np.array([s.features for s in shared], dtype=np.float64)
    y = np.array([s.label for s in shared], dtype=np.float64)
    fitted = fit_logistic(x, y, sample_weights(shared))
    return {
        "need": need,
        "oof": _frontier(samples, oof, need),
        "fit": _frontier(shared, [fitted.probability(s.features) for s in shared], need),
    }


def answer_latency(folder: Path, repeats: int) -> dict[str, float]:
    """Milliseconds per search (answer decision included) of every guide question, `repeats` times."""
    index = guide_index(folder)
    texts = [
        str(json.loads(line)["text"])
        for name in ("questions.jsonl", "unanswerable.jsonl")
        for line in (folder / name).read_text(encoding="utf-8").splitlines() if line
    ]  # fmt: skip
    for text in texts:  # warm-up: lazy tables, caches
        index.search(text)
    times: list[float] = []
    for _ in range(repeats):
        for text in texts:
            start = time.perf_counter()
            index.search(text)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "count": len(times),
        "median": statistics.median(times),
        "p99": times[max(0, round(0.99 * len(times)) - 1)],
        "max": times[-1],
    }


def _ratio(baseline: str, troly: str) -> str:
    b, t = (int(cell.split("/")[0]) for cell in (baseline, troly))
    return f"{t / b:.2f}" if b else "—"


def _section_row(
    samples: Sequence[Sample], base: Sequence[bool], alone: Sequence[bool], troly: Sequence[bool]
) -> tuple[str, str, str, str, str]:
    """Right section among confident right-guide answers (Vietnamese variants)."""

    def cell(decided: Sequence[bool]) -> str:
        answered = [
            s for s, d in zip(samples, decided, strict=True)
            if d and s.label and _answerable()(s) and s.variant != "english"
        ]  # fmt: skip
        return f"{sum(s.right_section for s in answered)}/{len(answered)}"

    b, a, t = cell(base), cell(alone), cell(troly)
    return ("right section among those answers (vi)", b, a, t, _ratio(b, t))


def _outcome_table(samples: Sequence[Sample], outcomes: Sequence[str]) -> dict[str, list[str]]:
    picks: tuple[Pick, ...] = (
        lambda s: _answerable()(s) and s.variant != "english",
        _answerable("english"),
        lambda s: s.dataset == "guides" and s.kind == "unanswerable",
    )
    table: dict[str, list[str]] = {}
    for outcome in ("answer", "tentative", "decline"):
        cells = []
        for pick in picks:
            chosen = [o for s, o in zip(samples, outcomes, strict=True) if pick(s)]
            cells.append(f"{sum(o == outcome for o in chosen)}/{len(chosen)}")
        table[outcome] = cells
    return table


def _fold_spread(per_fold: Sequence[dict[str, float]]) -> dict[str, tuple[float, float]]:
    spread: dict[str, tuple[float, float]] = {}
    for name in ("accented", "no_diacritics", "unanswerable_not_answered", "legal_answered"):
        values = [f[name] for f in per_fold if f[name] == f[name]]  # drop NaN (no such question)
        if len(values) >= 2:
            spread[name] = (statistics.fmean(values), statistics.stdev(values))
    return spread


if __name__ == "__main__":
    raise SystemExit(main())
