"""Every out-of-fold failure on the shared guides set, classified by stage: retrieval or the answer decision.

    .venv/bin/python bench/kb_failures.py [--shared ../shared]

Same data, folds and models as bench/kb_answer.py (bench/train_decision.py's cross-validation). A failure is
an answerable question not answered confidently with the right guide, or an unanswerable one answered
confidently. Its stage:
  retrieval — the best passage is from another guide (the right guide's rank among the 10 decision
              passages is printed; "-" when none of them is from it);
  decision  — the right guide is first, but the held-out fold's model said "tentative" or "decline"
              (answerable), or "answer" (unanswerable).
For a decision failure, the feature that pushed hardest the wrong way (its standardized value times its
coefficient in that fold's model) is printed with the probability and the fold's cut-off. Only question ids
are printed, never their text.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from train_decision import Sample, collect, cross_validate, default_shared, fold_of  # noqa: E402

from knowledge.decision import DecisionModel, standardize  # noqa: E402


def stage(sample: Sample, outcome: str) -> str | None:
    """The failing stage of one guides-set search, or None when it is right."""
    if sample.kind == "unanswerable":
        return "decision: answered" if outcome == "answer" else None
    if not sample.label:
        rank = next(
            (i for i, h in enumerate(sample.hits) if h.passage.guide_id == sample.group), None
        )
        return f"retrieval: right guide at rank {'-' if rank is None else rank + 1}"
    return None if outcome == "answer" else f"decision: {outcome}"


def against(model: DecisionModel, sample: Sample) -> tuple[str, float]:
    """The feature that pushed the probability hardest the wrong way, and its push (logit units)."""
    sign = 1.0 if sample.kind == "unanswerable" else -1.0
    pushes = [
        (name, w * standardize(x, m, s))
        for name, x, m, s, w in zip(
            model.names, sample.features, model.mean, model.scale, model.coef, strict=True
        )
    ]
    name, push = max(pushes, key=lambda item: sign * item[1])
    return name, push


def main(argv: Sequence[str] | None = None) -> int:
    """Cross-validate and print the failures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", default=str(default_shared()))
    args = parser.parse_args(argv)
    samples = collect(Path(args.shared))
    cv = cross_validate(samples)
    guides = sorted({s.group for s in samples if s.dataset == "guides"})
    counts: Counter[tuple[str, str]] = Counter()
    totals: Counter[str] = Counter()
    lines: list[str] = []
    for sample, outcome in zip(samples, cv.outcomes, strict=True):
        if sample.dataset != "guides" or sample.kind == "removed":
            continue
        group = "unanswerable" if sample.kind == "unanswerable" else sample.variant
        totals[group] += 1
        where = stage(sample, outcome)
        if where is None:
            continue
        counts[(group, where.split(":")[0])] += 1
        model = cv.models[fold_of(sample, guides)]
        p = model.probability(sample.features)
        line = f"| {sample.meta['id']} | {group} | {where} | {p:.2f} | {model.answer_at:.2f} |"
        if where.startswith("decision"):
            name, push = against(model, sample)
            line += f" {name} ({push:+.2f}) |"
        else:
            line += " |"
        lines.append(line)
    print("| questions | total | failing: retrieval | failing: decision |\n|---|---|---|---|")
    for group, total in totals.items():
        print(
            f"| {group} | {total} | {counts[(group, 'retrieval')]} | {counts[(group, 'decision')]} |"
        )
    print(
        "\n| id | questions | stage | probability | fold's cut-off | feature pushing hardest the "
        "wrong way (logit) |\n|---|---|---|---|---|---|"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
