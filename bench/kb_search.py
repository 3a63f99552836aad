"""Knowledge search benchmark: troly's index beside lexical/fuzzy baselines on the shared legal dev set.

    .venv/bin/python bench/kb_search.py [--data ../shared/eval/legal] [--guides ../shared/eval/guides]
                                        [--fuzzy-sample 60] [--no-cv] [--json out.json]

Everything is measured in the same run, one query at a time on one thread; ratios are troly / best baseline
(the best baseline per variant is the one with the highest hit@5, ties broken by hit@1). troly runs twice:
with today's ranking (`RankParams()`) and with the ranking before the cross-validated study
(`bench/kb_cv.py`'s PREVIOUS). The legal dev figures of today's ranking are in-sample (its knobs were chosen
on these questions); the cross-validated, out-of-fold figures follow (`bench/kb_cv.py`, skipped with
--no-cv). Then the guide sets: the 12 shared guides ingested as uploads (right guide and right section
ranked first, per variant) and troly's demo guides (the questions of knowledge/demo/questions.py).
A last part calibrates the confidence bar: answerable questions, the same questions with their relevant
passages removed from the ranking, and off-topic questions written for this purpose.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.abbreviations import SynonymTable  # noqa: E402
from knowledge.evaluate import (  # noqa: E402
    VARIANTS,
    EvalQuery,
    EvalReport,
    Ranker,
    evaluate,
    evaluate_guides,
    load_corpus,
    load_guide_files,
    load_guide_questions,
    load_queries,
    variant_texts,
)
from knowledge.index import CONFIDENCE_BAR, KnowledgeIndex, RankParams  # noqa: E402
from knowledge.normalize import fold  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from baselines import bm25s_ranker, fuzzy_ranker  # noqa: E402
from kb_cv import (  # noqa: E402
    PREVIOUS,
    demo_passages_and_questions,
    report,
    section_number,
    study,
)

# Questions no legal article answers (weather, football, recipes, prices, pets …), for the confidence bar.
OFF_TOPIC: tuple[str, ...] = (
    "Thời tiết Hà Nội ngày mai có mưa không?",
    "Đội tuyển bóng đá Việt Nam đá trận tiếp theo khi nào?",
    "Cách nấu phở bò ngon tại nhà",
    "Giá vàng hôm nay bao nhiêu?",
    "Công thức làm bánh flan",
    "Kết quả xổ số miền Bắc hôm qua",
    "Lịch chiếu phim cuối tuần này",
    "Làm sao để giảm cân nhanh?",
    "Bài hát nào đang nổi tiếng nhất?",
    "Cách trồng hoa hồng trong chậu",
    "Mấy giờ thì trận chung kết World Cup bắt đầu?",
    "Nhiệt độ Đà Lạt vào tháng mười hai",
    "Công thức nấu canh chua cá lóc",
    "Tỷ giá đô la Mỹ hôm nay",
    "Cách chăm sóc mèo con mới sinh",
    "Câu lạc bộ nào vô địch giải Ngoại hạng Anh mùa trước?",
    "Món gỏi cuốn cần những nguyên liệu gì?",
    "Dự báo bão số ba có đổ bộ vào miền Trung không?",
    "Nên mua điện thoại hãng nào chụp ảnh đẹp?",
    "Cách pha cà phê sữa đá",
)


def _shared() -> Path:
    """../shared beside the repository (a worktree under wt/ looks one level further up)."""
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (candidate / "eval").is_dir():
            return candidate
    return ROOT.parent / "shared"


def row(name: str, r: EvalReport) -> str:
    """One markdown table row."""
    return (
        f"| {name} | {r.queries} | {r.hit1:.3f} | {r.hit5:.3f} | {r.hit10:.3f} | {r.mrr10:.3f} | "
        f"{r.rec10:.3f} | {r.median_ms:.2f} | {r.p99_ms:.2f} | {r.build_s:.2f} |"
    )


def confidence_study(
    index: KnowledgeIndex, queries: Sequence[EvalQuery], variant: str
) -> list[dict[str, float]]:
    """Share answered/declined per candidate bar for answerable, removed-answer and off-topic questions."""
    texts = variant_texts(queries, variant)
    answerable: list[tuple[float, bool]] = []
    removed: list[float] = []
    for q, text in zip(queries, texts, strict=True):
        res = index.search(text, 1)
        answerable.append(
            (res.confidence, bool(res.hits) and res.hits[0].passage.id in q.relevant)
        )
        removed.append(index.search(text, 1, exclude=frozenset(q.relevant)).confidence)
    off_texts = [t if variant == "asis" else fold(t.lower()) for t in OFF_TOPIC]
    off = [index.search(t, 1).confidence for t in off_texts]
    table: list[dict[str, float]] = []
    for step in range(2, 13):
        bar = step * 0.05
        table.append(
            {
                "bar": round(bar, 2),
                "answerable_answered": sum(c >= bar for c, _ in answerable) / len(answerable),
                "correct_top1_answered": sum(c >= bar and ok for c, ok in answerable)
                / len(answerable),
                "removed_declined": sum(c < bar for c in removed) / len(removed),
                "offtopic_declined": sum(c < bar for c in off) / len(off),
            }
        )
    return table


def guide_sets(guides: Path) -> dict[str, Any]:
    """Right guide / right section first on the shared guides and the demo guides, before and now."""
    passages = load_guide_files(guides / "upload")
    questions = load_guide_questions(guides / "questions.jsonl")
    demo_passages, demo_questions = demo_passages_and_questions()
    figures: dict[str, Any] = {}
    print(
        "| ranking | "
        + " | ".join(dict.fromkeys(q.variant for q in questions))
        + " | demo guides |"
    )
    print("|---|" + "---|" * (len({q.variant for q in questions}) + 1))
    for name, params in (
        ("before the CV study", PREVIOUS),
        ("today (RankParams())", RankParams()),
    ):
        index = KnowledgeIndex.build(passages, synonyms=SynonymTable.build(), params=params)
        reports = evaluate_guides(index, questions)
        # The demo-guide test builds its index without the synonym table; so does this.
        demo = KnowledgeIndex.build(demo_passages, params=params)
        right = 0
        for text, slug, number in demo_questions:
            hits = demo.search(text, 1).hits
            right += bool(hits) and (
                hits[0].passage.guide_id == slug
                and section_number(hits[0].passage.heading_path) == number
            )
        cells = [f"{r.guide_at_1}/{r.questions} · {r.section_at_1}/{r.questions}" for r in reports]
        print(f"| {name} | " + " | ".join(cells) + f" | {right}/{len(demo_questions)} |")
        figures[name] = {
            "guides": {r.variant: [r.questions, r.guide_at_1, r.section_at_1] for r in reports},
            "demo": [len(demo_questions), right],
        }
    print("\n(cells: right guide first · right section first, of the questions of that variant)\n")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(_shared() / "eval" / "legal"))
    parser.add_argument(
        "--fuzzy-sample", type=int, default=60, help="queries for the slow fuzzy baseline"
    )
    parser.add_argument("--guides", default=str(_shared() / "eval" / "guides"))
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validated study")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--json", help="also write all figures to this file")
    args = parser.parse_args(argv)
    data = Path(args.data)
    passages = load_corpus(data / "corpus.jsonl")
    queries = load_queries(data / "dev.jsonl")
    print(f"{len(passages)} passages, {len(queries)} queries from {data}\n")

    rankers: list[tuple[str, Ranker, float, bool]] = []
    for name, folded, bigrams in (
        ("bm25s, \\w+ syllables", False, False),
        ("bm25s, syllables + bigrams", False, True),
        ("bm25s, syllables + bigrams, accent-folded (baseline to beat)", True, True),
    ):
        rank, build = bm25s_ranker(passages, folded=folded, bigrams=bigrams)
        rankers.append((name, rank, build, True))
    fz, fz_build = fuzzy_ranker(passages)
    rankers.append(
        (f"rapidfuzz token_set_ratio (first {args.fuzzy_sample} queries)", fz, fz_build, False)
    )

    trolys: list[tuple[str, KnowledgeIndex, float]] = []
    for name, params in (
        ("troly before the CV study", PREVIOUS),
        ("**troly KnowledgeIndex** (in-sample)", RankParams()),
    ):
        start = time.perf_counter()
        built = KnowledgeIndex.build(passages, synonyms=SynonymTable.build(), params=params)
        trolys.append((name, built, time.perf_counter() - start))
    index = trolys[-1][1]

    out: dict[str, Any] = {"variants": {}, "confidence": {}}
    timer: Callable[[], float] = time.perf_counter
    header = (
        "| method | queries | hit@1 | hit@5 | hit@10 | MRR@10 | rec@10 | median ms | p99 ms | build s |\n"
        "|---|---|---|---|---|---|---|---|---|---|"
    )
    for variant in VARIANTS:
        print(f"## Variant: {variant}\n\n{header}")
        reports: list[tuple[str, EvalReport, bool]] = []
        for name, rank, build, full in rankers:
            qs = queries if full else queries[: args.fuzzy_sample]
            reports.append((name, evaluate(rank, qs, variant, build_s=build, timer=timer), full))
        mine = [
            (name, evaluate(built, queries, variant, build_s=build_s, timer=timer))
            for name, built, build_s in trolys
        ]
        for name, rep, _ in reports:
            print(row(name, rep))
        for name, rep in mine:
            print(row(name, rep))
        troly = mine[-1][1]
        best_name, best, _ = max(
            (r for r in reports if r[2]), key=lambda r: (r[1].hit5, r[1].hit1)
        )
        ratios = {
            "hit@1": troly.hit1 / best.hit1,
            "hit@5": troly.hit5 / best.hit5,
            "p99": troly.p99_ms / best.p99_ms,
            "build": troly.build_s / best.build_s,
        }
        print(
            f"\nratios troly / best baseline ({best_name}): "
            + ", ".join(f"{k} {v:.3f}" for k, v in ratios.items())
            + "\n"
        )
        out["variants"][variant] = {
            "troly": troly.as_dict(),
            "troly_before": mine[0][1].as_dict(),
            "baselines": {name: rep.as_dict() for name, rep, _ in reports},
            "best_baseline": best_name,
            "ratios": ratios,
        }

    if not args.no_cv:
        print("## Cross-validated (out-of-fold) figures, bench/kb_cv.py\n")
        result = study(data, Path(args.guides), args.folds, args.seed)
        out["cv"] = report(result)
        print()

    print("## Guide sets: right guide / right section ranked first\n")
    out["guides"] = guide_sets(Path(args.guides))

    print(f"## Confidence bar (current CONFIDENCE_BAR = {CONFIDENCE_BAR})\n")
    print(
        "| variant | bar | answerable answered | correct top-1 answered | removed-answer declined | off-topic declined |"
    )
    print("|---|---|---|---|---|---|")
    for variant in ("asis", "nodiac"):
        table = confidence_study(index, queries, variant)
        out["confidence"][variant] = table
        for line in table:
            print(
                f"| {variant} | {line['bar']:.2f} | {line['answerable_answered']:.3f} | "
                f"{line['correct_top1_answered']:.3f} | {line['removed_declined']:.3f} | "
                f"{line['offtopic_declined']:.3f} |"
            )
        eligible = [t["bar"] for t in table if t["answerable_answered"] >= 0.90]
        print(
            f"| {variant} | rule: highest bar keeping ≥ 90% answered = {max(eligible):.2f} | | | | |"
        )
    print(f"\n(off-topic questions: {len(OFF_TOPIC)}; median troly latency per variant above)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
