"""The demo guides indexed as the chat indexes them, for tests and benches that pin or compare
every answer (tests/knowledge/search_fixture.py, bench/kb_same.py)."""

from __future__ import annotations

from knowledge.abbreviations import SynonymTable
from knowledge.demo import demo_guides
from knowledge.index import KnowledgeIndex
from knowledge.ingest import parse_file, passages_from_guide

#: an admin's own synonyms next to the built-in abbreviations, so that path is covered too
EXTRA_SYNONYMS: dict[str, list[str]] = {
    "một cửa": ["bộ phận tiếp nhận và trả kết quả"],
    "chữ ký số": ["ký điện tử"],
}


def demo_index() -> KnowledgeIndex:
    """The demo guides indexed as the chat does, with EXTRA_SYNONYMS."""
    passages = [
        p
        for g in demo_guides()
        for p in passages_from_guide(g.slug, parse_file(g.file_name, g.content))
    ]
    return KnowledgeIndex.build(passages, synonyms=SynonymTable.build(EXTRA_SYNONYMS))
