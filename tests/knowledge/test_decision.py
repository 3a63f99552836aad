"""The answer decision: three outcomes, the close-guides question, the shipped weights kept in step."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from knowledge.abbreviations import SynonymTable
from knowledge.decision import WEIGHTS_FILE, DecisionModel, shipped_model
from knowledge.demo import demo_guides
from knowledge.demo.questions import ANSWERABLE, NOT_COVERED, OFF_TOPIC, UNANSWERABLE
from knowledge.features import FEATURE_NAMES, FEATURE_SCHEMA
from knowledge.index import ConfidenceParams, KnowledgeIndex
from knowledge.ingest import parse_file, passages_from_guide
from knowledge.types import Passage, SearchResult
from tests.knowledge.test_demo_guides import section_number

ROOT = Path(__file__).resolve().parents[2]


@cache
def guide_passages() -> tuple[Passage, ...]:
    return tuple(
        passage
        for guide in demo_guides()
        for passage in passages_from_guide(guide.slug, parse_file(guide.file_name, guide.content))
    )


@cache
def index() -> KnowledgeIndex:
    # Built as the app builds it (bot/knowledge_service.py): default abbreviations on.
    return KnowledgeIndex.build(guide_passages(), synonyms=SynonymTable.build())


def top_is_right(result: SearchResult, slug: str, number: str | None) -> bool:
    if not result.hits:
        return False
    top = result.hits[0].passage
    return top.guide_id == slug and (number is None or section_number(top.heading_path) == number)


def test_calibration_set_is_large_enough() -> None:
    assert len(ANSWERABLE) >= 67 + 40
    assert len(UNANSWERABLE) >= 40
    assert len({q for q, _, _ in ANSWERABLE}) == len(ANSWERABLE)
    assert len(set(UNANSWERABLE)) == len(UNANSWERABLE)
    slugs = {guide.slug for guide in demo_guides()}
    assert {slug for _, slug, _ in ANSWERABLE} == slugs


def test_answerable_questions_with_a_right_top_hit_are_answered() -> None:
    right = answered = 0
    declined: list[str] = []
    for question, slug, number in ANSWERABLE:
        result = index().search(question)
        if not top_is_right(result, slug, number):
            continue
        right += 1
        if result.outcome == "answer":
            answered += 1
        else:
            declined.append(f"{result.outcome} {result.confidence:.2f} {question}")
    assert right >= 0.9 * len(ANSWERABLE)
    assert answered / right >= 0.90, declined


def test_everyday_questions_are_declined_and_uncovered_ones_not_answered() -> None:
    outcomes = {q: index().search(q).outcome for q in OFF_TOPIC}
    assert [q for q, o in outcomes.items() if o == "answer"] == []
    offered = [q for q, o in outcomes.items() if o == "tentative"]
    assert len(offered) <= 0.1 * len(OFF_TOPIC), offered
    answered = [q for q in NOT_COVERED if index().search(q).outcome == "answer"]
    assert len(answered) <= 0.15 * len(NOT_COVERED), answered


def test_question_words_alone_carry_no_information() -> None:
    result = index().search("lam sao the nao")
    assert result.outcome == "decline"


def test_the_three_outcomes_follow_the_cut_offs() -> None:
    model = shipped_model()
    assert 0.0 < model.tentative_at < model.answer_at < 1.0
    assert model.outcome(model.answer_at) == "answer"
    assert model.outcome((model.answer_at + model.tentative_at) / 2) == "tentative"
    assert model.outcome(model.tentative_at / 2) == "decline"


@pytest.mark.parametrize("outcome", ["answer", "tentative", "decline"])
def test_search_reports_the_outcome_of_its_model(outcome: str) -> None:
    # Same search, three models that differ only in their cut-offs: the outcome follows the model.
    question = "han nop bao cao tuan"
    p = index().search(question).confidence
    cut = {"answer": (p / 2, p / 4), "tentative": (min(1.0, p * 1.5), p / 2),
           "decline": (min(1.0, p * 1.5 + 0.01), min(1.0, p * 1.2 + 0.01))}[outcome]
    model = replace(shipped_model(), answer_at=cut[0], tentative_at=cut[1])
    result = index().search(question, model=model)
    assert result.outcome == outcome
    assert result.confident is (outcome == "answer")
    assert result.hits  # tentative and decline still carry the closest sections


def _two_guides(second_text: str) -> KnowledgeIndex:
    def passage(pid: str, guide: str, title: str, text: str) -> Passage:
        return Passage(id=pid, guide_id=guide, guide_title=title, heading_path=("Quản trị",),
                       text=text)

    return KnowledgeIndex.build(
        [
            passage("web#1", "web", "Trang thông tin điện tử xã",
                    "Quản trị viên đổi mật khẩu 90 ngày một lần; lãnh đạo duyệt tin trước khi đăng."),
            passage("oa#1", "oa", "Tài khoản Zalo OA của xã", second_text),
            passage("mua#1", "mua", "Mua sắm thiết bị", "Máy tính để bàn RAM 8 GB, ổ cứng SSD."),
        ],
        synonyms=SynonymTable.build(),
    )  # fmt: skip


def test_close_passages_from_two_guides_ask_which_one() -> None:
    close = _two_guides("Quản trị viên đổi mật khẩu 90 ngày một lần; lãnh đạo duyệt tin trước khi đăng bài.")
    model = replace(shipped_model(), answer_at=0.01, tentative_at=0.005)
    result = close.search("quản trị viên đổi mật khẩu bao lâu một lần", model=model)
    assert result.alternative is not None
    assert {result.hits[0].passage.guide_id, result.alternative.passage.guide_id} == {"web", "oa"}


def test_a_clear_winner_has_no_alternative() -> None:
    apart = _two_guides("Tin nhắn của người dân được trả lời trong 04 giờ làm việc.")
    model = replace(shipped_model(), answer_at=0.01, tentative_at=0.005)
    result = apart.search("quản trị viên đổi mật khẩu bao lâu một lần", model=model)
    assert result.hits[0].passage.guide_id == "web"
    assert result.alternative is None


def test_declined_search_has_no_alternative() -> None:
    close = _two_guides("Quản trị viên đổi mật khẩu 90 ngày một lần; lãnh đạo duyệt tin trước khi đăng bài.")
    model = replace(shipped_model(), answer_at=0.999, tentative_at=0.998)
    result = close.search("quản trị viên đổi mật khẩu bao lâu một lần", model=model)
    assert result.outcome == "decline" and result.alternative is None


def test_heading_words_count_as_covered() -> None:
    # "chỉ số" and "mức độ" are in the section heading of section 8; its text says them differently.
    question = "bo chi so danh gia muc do chuyen doi so cap xa"
    idx = index()
    best = idx.search(question).hits[0].passage
    doc = idx.passages.index(best)
    q = idx._analyze(question)
    assert idx.coverage(q, doc) > idx.coverage(q, doc, meta=False)
    plain = KnowledgeIndex.build(
        guide_passages(), synonyms=SynonymTable.build(),
        confidence=ConfidenceParams(count_headings=False),
    )  # fmt: skip
    assert plain.coverage(q, doc) == idx.coverage(q, doc, meta=False)


def test_shipped_weights_match_the_feature_extractor() -> None:
    data = json.loads((ROOT / "knowledge" / WEIGHTS_FILE).read_text(encoding="utf-8"))
    assert data["schema"] == FEATURE_SCHEMA, "re-run bench/train_decision.py"
    assert tuple(data["features"]) == FEATURE_NAMES
    assert shipped_model() == DecisionModel.from_json(data)
    with pytest.raises(ValueError, match="train_decision"):
        DecisionModel.from_json({**data, "schema": "0" * 16})


def _shared() -> Path | None:
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (candidate / "eval" / "guides" / "upload").is_dir():
            return candidate
    return None


@pytest.mark.slow
@pytest.mark.skipif(_shared() is None, reason="../shared evaluation sets not present")
def test_shipped_weights_are_reproduced_by_the_training_script() -> None:
    # Fails when a ranking or feature change made the shipped weights stale: re-run
    # `.venv/bin/python bench/train_decision.py` and commit knowledge/decision_weights.json.
    sys.path.insert(0, str(ROOT / "bench"))
    import train_decision

    shared = _shared()
    assert shared is not None
    model = train_decision.train(train_decision.collect(shared))
    assert model == shipped_model(), "stale decision weights: re-run bench/train_decision.py"
