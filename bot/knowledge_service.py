"""The live knowledge index: built from the database off the event loop, swapped atomically."""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import guide_store
from knowledge.abbreviations import SynonymTable
from knowledge.index import KnowledgeIndex
from knowledge.types import Passage, SearchResult

logger = logging.getLogger(__name__)


class KnowledgeService:
    """Answers searches from the current index; reloads never block answering."""

    def __init__(self, extra_synonyms: dict[str, list[str]] | None = None) -> None:
        self._index = KnowledgeIndex.build([])
        self._extra_synonyms = dict(extra_synonyms or {})
        self._reload_lock = asyncio.Lock()
        self.passage_count = 0

    def search(self, query: str, limit: int = 5) -> SearchResult:
        """Search the current index."""
        return self._index.search(query, limit=limit)

    async def reload(self, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
        """Rebuild the index from the active guides; the old index serves until the swap."""
        async with self._reload_lock:
            async with sessionmaker() as session:
                passages = await guide_store.active_passages(session)
                synonyms = {**await guide_store.synonyms(session), **self._extra_synonyms}
            started = time.perf_counter()
            index = await asyncio.to_thread(self._build, passages, synonyms)
            self._index = index  # one reference assignment: searches see old or new, never half
            self.passage_count = len(passages)
            logger.info("knowledge index rebuilt: %d passages in %.2fs", len(passages),
                        time.perf_counter() - started)
            return len(passages)

    @staticmethod
    def _build(passages: list[Passage], synonyms: dict[str, list[str]]) -> KnowledgeIndex:
        return KnowledgeIndex.build(passages, synonyms=SynonymTable.build(synonyms))
