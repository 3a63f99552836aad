"""Evaluation on a tiny synthetic corpus (and on the shared legal set when it is present)."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from knowledge.abbreviations import SynonymTable
from knowledge.evaluate import (
    EvalQuery,
    evaluate,
    evaluate_guides,
    first_relevant,
    load_corpus,
    load_guide_files,
    load_guide_questions,
    load_queries,
    one_typo,
    percentile,
    run_eval,
    stratified_folds,
    variant_texts,
)
from knowledge.index import KnowledgeIndex

CORPUS = [
    {
        "id": "A|1",
        "title": "A - Điều 1",
        "text": "Chuyển đổi số\n\nChính quyền số phục vụ người dân.",
    },
    {
        "id": "A|2",
        "title": "A - Điều 2",
        "text": "Báo cáo tuần\n\nĐơn vị gửi báo cáo tiến độ hằng tuần.",
    },
    {
        "id": "B|1",
        "title": "B - Điều 1",
        "text": "Bảo hiểm\n\nCán bộ tham gia bảo hiểm xã hội bắt buộc.",
    },
    {
        "id": "B|2",
        "title": "B - Điều 2",
        "text": "Giao thông\n\nBiển báo hiệu đường bộ đặt bên phải.",
    },
]
QUERIES = [
    {"id": "q1", "text": "Chính quyền số phục vụ ai?", "relevant": ["A|1"], "source": "t"},
    {"id": "q2", "text": "Khi nào gửi báo cáo tiến độ?", "relevant": ["A|2"], "source": "t"},
    {"id": "q3", "text": "Bảo hiểm xã hội có bắt buộc không?", "relevant": ["B|1"], "source": "t"},
    {"id": "q4", "text": "Món phở bò nấu thế nào?", "relevant": ["X|9"], "source": "t"},
]


def _write(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return _write(tmp_path / "corpus.jsonl", CORPUS), _write(tmp_path / "dev.jsonl", QUERIES)


def test_load_corpus_and_queries(files: tuple[Path, Path]) -> None:
    corpus, queries = files
    passages = load_corpus(corpus)
    assert [p.id for p in passages] == ["A|1", "A|2", "B|1", "B|2"]
    assert passages[0].guide_id == "A"
    assert passages[0].guide_title == "A - Điều 1"
    assert passages[0].heading_path == ()
    assert load_queries(queries)[2] == EvalQuery("q3", QUERIES[2]["text"], ("B|1",), "t")  # type: ignore[arg-type]


def test_evaluate_counts_hits_and_mrr(files: tuple[Path, Path]) -> None:
    corpus, queries = files
    index = KnowledgeIndex.build(load_corpus(corpus))
    report = evaluate(index, load_queries(queries), "asis", build_s=0.5)
    # Three answerable questions are found first; the recipe question has no right answer in the corpus.
    assert report.queries == 4
    assert report.hit1 == pytest.approx(0.75)
    assert report.mrr10 <= report.hit10
    assert report.hit1 <= report.hit5 <= report.hit10
    assert report.build_s == 0.5
    assert report.p99_ms >= report.median_ms >= 0.0


def test_evaluate_uses_the_injected_timer(files: tuple[Path, Path]) -> None:
    corpus, queries = files
    ticks = iter(range(100))
    report = evaluate(
        lambda q, k: [], load_queries(queries), "asis", timer=lambda: float(next(ticks)) / 1000.0
    )
    assert report.median_ms == pytest.approx(1.0)
    assert report.hit10 == 0.0


def test_variants() -> None:
    qs = [EvalQuery("q", "Chuyển Đổi Số", ("x",))]
    assert variant_texts(qs, "asis") == ["chuyển đổi số"]
    assert variant_texts(qs, "nodiac") == ["chuyen doi so"]
    typo = variant_texts(qs, "typo")[0]
    assert typo != "chuyen doi so"
    assert Levenshtein.distance(typo, "chuyen doi so") <= 2
    assert variant_texts(qs, "typo") == variant_texts(qs, "typo")  # seeded
    with pytest.raises(ValueError):
        variant_texts(qs, "other")


def test_one_typo_is_one_edit() -> None:
    rng = random.Random(1)
    for _ in range(200):
        out = one_typo("thu tuc hanh chinh", rng)
        assert 1 <= Levenshtein.distance(out, "thu tuc hanh chinh") <= 2


def test_percentile() -> None:
    assert percentile([], 99) == 0.0
    assert percentile([float(i) for i in range(1, 101)], 99) == 99.0
    assert percentile([5.0], 50) == 5.0


def test_run_eval_is_json_serialisable(files: tuple[Path, Path]) -> None:
    corpus, queries = files
    result = run_eval(corpus, queries)
    assert set(result["variants"]) == {"asis", "nodiac", "typo"}
    assert result["passages"] == 4
    assert result["variants"]["nodiac"]["hit1"] == pytest.approx(0.75)
    json.dumps(result)


LEGAL = Path(__file__).resolve().parents[3] / "shared" / "eval" / "legal"


@pytest.mark.slow  # indexes and searches the whole legal dev split: ~9 s, the quick loop's slowest
@pytest.mark.skipif(not (LEGAL / "dev.jsonl").exists(), reason="shared legal eval set not present")
def test_legal_dev_beats_the_accent_folded_bm25_baseline() -> None:
    # Best baseline figures per variant (hit@1, hit@5) from the external legal evaluation set's
    # BASELINES.md (../shared/eval/BASELINES.md, outside this repository).
    targets = {"asis": (0.784, 0.912), "nodiac": (0.782, 0.910), "typo": (0.766, 0.892)}
    index = KnowledgeIndex.build(
        load_corpus(LEGAL / "corpus.jsonl"), synonyms=SynonymTable.build()
    )
    queries = load_queries(LEGAL / "dev.jsonl")
    for variant, (hit1, hit5) in targets.items():
        report = evaluate(index, queries, variant)
        assert report.hit1 > hit1, variant
        assert report.hit5 > hit5, variant


def test_stratified_folds_are_seeded_balanced_and_spread_every_source() -> None:
    queries = [EvalQuery(f"a{i}", "t", ("x",), "alqac") for i in range(23)] + [
        EvalQuery(f"z{i}", "t", ("x",), "zalo") for i in range(7)
    ]
    folds = stratified_folds(queries, 5, seed=3)
    assert folds == stratified_folds(queries, 5, seed=3)
    assert folds != stratified_folds(queries, 5, seed=4)
    assert sorted(set(folds)) == [0, 1, 2, 3, 4]
    sizes = [folds.count(f) for f in range(5)]
    assert max(sizes) - min(sizes) <= 1
    for source in ("alqac", "zalo"):
        per_fold = [
            sum(1 for q, f in zip(queries, folds, strict=True) if q.source == source and f == fold)
            for fold in range(5)
        ]
        assert max(per_fold) - min(per_fold) <= 1, source


def test_first_relevant() -> None:
    assert first_relevant(["a", "b", "c"], ["c", "b"]) == 1
    assert first_relevant(["a"], ["z"]) is None


def test_guide_set_is_ingested_and_scored_per_variant(tmp_path: Path) -> None:
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "chu-ky-so.md").write_text(
        "# Hướng dẫn chữ ký số\n\n## Mất thiết bị\n\nGọi ngay đường dây hỗ trợ để khóa chứng thư.\n\n"
        "## Gia hạn\n\nNộp hồ sơ gia hạn trước 30 ngày.\n",
        encoding="utf-8",
    )
    (upload / "van-thu.md").write_text(
        "# Hướng dẫn văn thư\n\n## Văn bản đến\n\nVăn thư vào sổ văn bản đến trong ngày.\n",
        encoding="utf-8",
    )
    rows = [
        {"id": "q1", "text": "Mất thiết bị ký số thì gọi ai?", "guide": "chu-ky-so",
         "section": "Mất  thiết bị", "variant": "accented"},
        {"id": "q2", "text": "van ban den vao so khi nao", "guide": "van-thu",
         "section": "Văn bản đến", "variant": "no_diacritics"},
        {"id": "q3", "text": "gia han chung thu", "guide": "chu-ky-so",
         "section": "Mất thiết bị", "variant": "no_diacritics"},
        {"id": "u1", "text": "Giá vàng?", "guide": None, "section": None, "variant": "accented"},
    ]  # fmt: skip
    questions = load_guide_questions(_write(tmp_path / "questions.jsonl", rows))  # type: ignore[arg-type]
    assert [q.id for q in questions] == ["q1", "q2", "q3"]
    passages = load_guide_files(upload)
    assert {p.guide_id for p in passages} == {"chu-ky-so", "van-thu"}
    reports = evaluate_guides(KnowledgeIndex.build(passages), questions)
    assert [(r.variant, r.questions, r.guide_at_1, r.section_at_1) for r in reports] == [
        ("accented", 1, 1, 1),
        ("no_diacritics", 2, 2, 1),  # q3 finds the right guide, but its section is "Gia hạn"
    ]
