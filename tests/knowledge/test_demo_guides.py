"""The bundled demo guides parse cleanly, and natural unaccented questions find the right section."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import pytest

from knowledge.demo import DemoGuide, demo_guides
from knowledge.demo.questions import QUESTIONS
from knowledge.index import KnowledgeIndex
from knowledge.ingest import parse_file, passages_from_guide
from knowledge.types import ParsedGuide


@cache
def parsed() -> dict[str, ParsedGuide]:
    return {guide.slug: parse_file(guide.file_name, guide.content) for guide in demo_guides()}


@cache
def index() -> KnowledgeIndex:
    return KnowledgeIndex.build(
        passage for slug, guide in parsed().items() for passage in passages_from_guide(slug, guide)
    )


def section_number(heading_path: tuple[str, ...]) -> str | None:
    found = re.match(r"(\d+(?:\.\d+)*)\.\s", heading_path[-1]) if heading_path else None
    return found.group(1) if found else None


def words(text: str) -> int:
    return sum(1 for word in text.split() if re.search(r"\w", word))


def test_there_are_five_to_seven_demo_guides() -> None:
    guides = demo_guides()
    assert 5 <= len(guides) <= 7
    assert len({g.slug for g in guides}) == len(guides)


@pytest.mark.parametrize("guide", demo_guides(), ids=lambda g: g.slug)
def test_demo_guide_parses_into_a_complete_guide(guide: DemoGuide) -> None:
    text = guide.content.decode("utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert 1500 <= words(text) <= 4000
    result = parse_file(guide.file_name, guide.content)
    assert result.title.startswith("Hướng dẫn ")
    assert result.source_ref is not None
    assert re.search(r"\d+/[\w/.-]+", result.source_ref), result.source_ref
    numbered = [s for s in result.sections if section_number(s.heading_path)]
    assert len(numbered) >= 8
    assert all(s.text.strip() for s in result.sections)
    assert all(len(s.text) <= 1200 for s in result.sections)


#: "bạn" is familiar speech: guidance to officials is impersonal ("cán bộ, công chức", "người báo
#: cáo", or no subject), or says "anh/chị" where troly itself speaks to the reader
FAMILIAR_ADDRESS = re.compile(r"\bbạn\b", re.IGNORECASE)


@pytest.mark.parametrize("guide", demo_guides(), ids=lambda g: g.slug)
def test_demo_guide_does_not_address_the_reader_familiarly(guide: DemoGuide) -> None:
    familiar = [line for line in guide.content.decode("utf-8").splitlines()
                if FAMILIAR_ADDRESS.search(line)]
    assert familiar == []


def test_every_section_of_every_guide_has_a_question() -> None:
    asked = {(slug, number) for _, slug, number in QUESTIONS}
    sections = {
        (slug, section_number(s.heading_path))
        for slug, guide in parsed().items()
        for s in guide.sections
        if s.heading_path
    }
    assert sections - asked == set()
    assert asked - sections == set()  # no question points at a section that does not exist


@pytest.mark.parametrize(
    ("question", "slug", "number"), QUESTIONS, ids=[q for q, _, _ in QUESTIONS]
)
def test_unaccented_question_finds_its_section(question: str, slug: str, number: str) -> None:
    result = index().search(question, limit=5)
    assert result.hits, "no hit at all"
    top = result.hits[0].passage
    ranked = [
        f"{h.passage.guide_id} {h.passage.heading_path[-1:]} {h.score:.2f}" for h in result.hits
    ]
    assert (top.guide_id, section_number(top.heading_path)) == (slug, number), ranked
