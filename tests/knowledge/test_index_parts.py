"""The score parts of the ranking: each one on a corpus built so that only it can decide."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from knowledge.index import CANDIDATES, RANK_PARTS, KnowledgeIndex, RankParams
from knowledge.types import Passage

# Only the folded syllables count, so that passages with the same words score the same on the body and
# the part under test alone can break the tie (which otherwise goes to the earlier passage).
BODY_ONLY = RankParams(
    bigram_weight=0.0,
    accent_weight=0.0,
    accent_bigram_weight=0.0,
    title_weight=0.0,
    heading_weight=0.0,
    lead_weight=0.0,
    paragraph_weight=0.0,
    clause_weight=0.0,
    guide_weight=0.0,
)


def _p(pid: str, text: str, guide: str = "g", heading: tuple[str, ...] = ()) -> Passage:
    return Passage(id=pid, guide_id=guide, guide_title="", heading_path=heading, text=text)


def _top(passages: list[Passage], query: str, params: RankParams) -> str:
    hits = KnowledgeIndex.build(passages, params=params).search(query).hits
    assert hits
    return hits[0].passage.id


def test_the_search_score_is_the_weighted_sum_of_the_parts() -> None:
    passages = [
        _p(
            "a", "Hủy bỏ quyết định\n1. Tòa án xem xét yêu cầu hủy bỏ.\n2. Người có quyền yêu cầu."
        ),
        _p("b", "Tuyên bố mất tích\nKhi một người biệt tích hai năm liền.", guide="h"),
        _p("c", "UBND xã gửi báo cáo tuần.", heading=("Báo cáo",)),
    ]
    index = KnowledgeIndex.build(passages)
    query = "Tòa án hủy bỏ quyết định tuyên bố mất tích thế nào?"
    parts = index.score_parts(query)
    assert set(parts) == set(RANK_PARTS)
    weights = RankParams().weights()
    total = sum(np.float32(weights[name]) * vec for name, vec in parts.items())
    assert isinstance(total, np.ndarray)  # narrows sum()'s `| Literal[0]` (parts is never empty)
    for hit in index.search(query, 3).hits:
        position = [p.id for p in passages].index(hit.passage.id)
        assert hit.score == pytest.approx(float(total[position]), rel=1e-5)


def test_question_words_are_a_part_of_their_own() -> None:
    index = KnowledgeIndex.build(
        [_p("a", "Làm thế nào để ký số văn bản"), _p("b", "Lưu trữ hồ sơ")]
    )
    parts = index.score_parts("làm thế nào ký số")
    assert parts["question_words"][0] > 0.0
    only_content = index.score_parts("ký số")
    assert parts["body"][0] == pytest.approx(only_content["body"][0])


def test_a_paragraph_that_holds_the_whole_question_wins_over_scattered_words() -> None:
    # Same words; "focused" says the asked phrase in one paragraph, "scattered" splits it over two.
    scattered = _p(
        "scattered", "Thời hạn ghi rõ kết quả là ngày 20.\nCán bộ nộp báo cáo công việc."
    )
    focused = _p("focused", "Thời hạn nộp báo cáo là ngày 20.\nCán bộ ghi rõ kết quả công việc.")
    query = "thời hạn nộp báo cáo"
    assert _top([scattered, focused], query, BODY_ONLY) == "scattered"
    assert (
        _top([scattered, focused], query, dataclasses.replace(BODY_ONLY, paragraph_weight=0.3))
        == "focused"
    )


def test_a_title_line_that_says_the_question_wins_over_the_same_words_in_the_body() -> None:
    body = _p("body", "Tòa án xem xét yêu cầu.\nHủy bỏ quyết định.")
    titled = _p("titled", "Hủy bỏ quyết định\nTòa án xem xét yêu cầu.")
    query = "hủy bỏ quyết định"
    assert _top([body, titled], query, BODY_ONLY) == "body"
    assert _top([body, titled], query, dataclasses.replace(BODY_ONLY, lead_weight=0.3)) == "titled"


def test_a_clause_that_opens_with_the_asked_term_wins() -> None:
    # "opens" defines the term at the start of a clause; "mentions" has the same words elsewhere.
    mentions = _p("mentions", "1. Hợp đồng được ký bởi người lao động.\n2. Thời hạn là một năm.")
    opens = _p("opens", "1. Người lao động ký hợp đồng được.\n2. Thời hạn bởi là một năm.")
    query = "người lao động"
    assert _top([mentions, opens], query, BODY_ONLY) == "mentions"
    assert (
        _top([mentions, opens], query, dataclasses.replace(BODY_ONLY, clause_weight=0.3))
        == "opens"
    )


def test_a_passage_of_the_guide_about_the_question_wins_a_tie() -> None:
    passages = [
        _p("other-1", "Hồ sơ gồm đơn đề nghị.", guide="other"),
        _p("sign-1", "Hồ sơ gồm đơn đề nghị.", guide="sign"),
        _p("sign-2", "Chữ ký số chuyên dùng cấp cho lãnh đạo; chứng thư chữ ký số.", guide="sign"),
        _p("other-2", "Lịch họp giao ban tuần.", guide="other"),
    ]
    query = "hồ sơ đề nghị cấp chữ ký số"
    ranked = [
        h.passage.id
        for h in KnowledgeIndex.build(passages, params=BODY_ONLY).search(query, 4).hits
        if h.passage.id in ("other-1", "sign-1")
    ]
    assert ranked == ["other-1", "sign-1"]
    with_guide = dataclasses.replace(BODY_ONLY, guide_weight=0.5)
    ranked = [
        h.passage.id
        for h in KnowledgeIndex.build(passages, params=with_guide).search(query, 4).hits
        if h.passage.id in ("other-1", "sign-1")
    ]
    assert ranked == ["sign-1", "other-1"]


def test_passages_without_text_are_indexed() -> None:
    index = KnowledgeIndex.build([_p("empty", ""), _p("full", "Nộp báo cáo tuần")])
    assert index.search("báo cáo").hits[0].passage.id == "full"
    assert all(len(vec) == 2 for vec in index.score_parts("báo cáo").values())


def test_paragraph_parts_read_for_the_best_candidates_match_the_full_computation() -> None:
    # More passages than CANDIDATES, so search reads paragraphs for a pool only; its top hits must
    # score exactly what the full part vectors say.
    topics = ["báo cáo tuần", "chữ ký số", "hồ sơ trực tuyến", "họp giao ban", "văn bản đến"]
    passages = [
        _p(
            f"p{i}",
            f"Mục {i}\n1. Cán bộ {topics[i % 5]} theo quy định số {i}.\n"
            f"2. Người đứng đầu kiểm tra {topics[(i * 3) % 5]} hằng tháng.",
            guide=f"g{i % 7}",
        )
        for i in range(CANDIDATES + 50)
    ]
    index = KnowledgeIndex.build(passages)
    query = "cán bộ nộp báo cáo tuần theo quy định"
    parts = index.score_parts(query)
    weights = RankParams().weights()
    total = sum(np.float32(weights[name]) * vec for name, vec in parts.items())
    assert isinstance(total, np.ndarray)  # narrows sum()'s `| Literal[0]` (parts is never empty)
    hits = index.search(query, 5).hits
    assert len(hits) == 5
    for hit in hits:
        position = int(hit.passage.id[1:])
        assert hit.score == pytest.approx(float(total[position]), rel=1e-5)
    assert [h.passage.id for h in hits] == [f"p{i}" for i in np.argsort(-total, kind="stable")[:5]]
