"""The live knowledge index: built from the database off the event loop, swapped atomically.

Every process keeps its own index. A guide added, replaced or withdrawn by any process (chat
upload, CLI, another server on PostgreSQL) bumps the 'knowledge' generation in the same
transaction (bot/db/changes.py); KnowledgeWatcher polls that number every few seconds and
rebuilds when it moved. The old index keeps answering until the new one is swapped in.

The index holds only the guides in force on the local day it was built for (effective dates,
replacement; knowledge/validity.py), so it is rebuilt when the local date changes too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, SystemClock, local_date
from bot.db import changes, guide_store, queue_store
from bot.db.base import reading
from bot.db.guide_cache import GuideCache
from bot.texts import feedback as feedback_texts
from knowledge.abbreviations import SynonymTable
from knowledge.index import KnowledgeIndex
from knowledge.qa_match import qa_outcome
from knowledge.types import Passage, SearchResult

logger = logging.getLogger(__name__)


class KnowledgeService:
    """Answers searches from the current index; reloads never block answering."""

    def __init__(self, extra_synonyms: dict[str, list[str]] | None = None,
                 clock: Clock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._index = KnowledgeIndex.build([])
        self._extra_synonyms = dict(extra_synonyms or {})
        self._reload_lock = asyncio.Lock()
        self.passage_count = 0
        #: what answers read about guides, per knowledge generation (checked on every question,
        #: not on the index's schedule: bot/db/guide_cache.py)
        self.guides = GuideCache()
        #: the knowledge generation the current index was built from (-1: never built)
        self.generation = -1
        #: the local day whose guides in force the current index holds (None: never built)
        self.built_for: date | None = None

    @property
    def extra_synonyms(self) -> Mapping[str, list[str]]:
        """TROLY_SYNONYMS_FILE's synonyms (read-only), searched beside the database's (unit
        names read them too: bot/guide_options.py)."""
        return self._extra_synonyms

    def today(self) -> date:
        """The local date now (the day whose guides in force should be searched)."""
        return local_date(self._clock.now())

    def search(self, query: str, limit: int = 5, *, qa_rule: bool = True) -> SearchResult:
        """Search the current index; when the best passage is an admin's Q&A entry, a confident
        answer also needs the question to read as the entry's (knowledge/qa_match.py; `qa_rule`
        False: the decision model alone, for benchmarks)."""
        result = self._index.search(query, limit=limit)
        stored = entry_question(result)
        if not qa_rule or stored is None:
            return result
        outcome = qa_outcome(result.outcome, query, stored)
        return result if outcome == result.outcome else replace(result, outcome=outcome)

    async def reload(self, sessionmaker: async_sessionmaker[AsyncSession]) -> int:
        """Rebuild the index from the active guides; the old index serves until the swap."""
        async with self._reload_lock:
            async with sessionmaker() as session:
                # the generation first: a change committed while we read is then seen as newer
                # than what we built, so the next poll rebuilds again instead of missing it
                built_from = await changes.generation(session, changes.KNOWLEDGE)
                day = self.today()
                passages = queue_store.with_phrasings(
                    await guide_store.active_passages(session, day),
                    await queue_store.phrasings(session))
                synonyms = _merged(self._extra_synonyms, await guide_store.synonyms(session))
            started = time.perf_counter()
            index = await asyncio.to_thread(self._build, passages, synonyms)
            self._index = index  # one reference assignment: searches see old or new, never half
            self.passage_count = len(passages)
            self.generation = built_from
            self.built_for = day
            logger.info("knowledge index rebuilt (generation %d): %d passages in %.2fs",
                        built_from, len(passages), time.perf_counter() - started)
            return len(passages)

    @staticmethod
    def _build(passages: list[Passage], synonyms: dict[str, list[str]]) -> KnowledgeIndex:
        return KnowledgeIndex.build(passages, synonyms=SynonymTable.build(synonyms))


def entry_question(result: SearchResult) -> str | None:
    """The question an admin answered when the best hit is a Q&A entry ("Hỏi – đáp › question")."""
    if not result.hits:
        return None
    path = result.hits[0].passage.heading_path
    if len(path) == 2 and path[0] == feedback_texts.QA_HEADING:
        return path[1]
    return None


def _merged(*tables: dict[str, list[str]]) -> dict[str, list[str]]:
    """Synonym tables joined: a term in several keeps every synonym (file first, then database)."""
    out: dict[str, list[str]] = {}
    for table in tables:
        for term, expansions in table.items():
            out[term] = list(dict.fromkeys([*out.get(term, []), *expansions]))
    return out


class KnowledgeWatcher:
    """Background component: rebuild the index when the knowledge generation moved.

    One primary-key read per poll; `tick()` is the whole check, so tests call it directly.
    """

    def __init__(self, service: KnowledgeService, sessionmaker: async_sessionmaker[AsyncSession],
                 poll_seconds: float) -> None:
        self._service = service
        self._sessionmaker = sessionmaker
        self._poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> bool:
        """One check; True when the index was rebuilt."""
        async with reading(self._sessionmaker) as session:
            current = await changes.generation(session, changes.KNOWLEDGE)
        if current == self._service.generation and self._service.built_for == self._service.today():
            return False
        logger.info("knowledge changed (generation %d → %d): rebuilding",
                    self._service.generation, current)
        await self._service.reload(self._sessionmaker)
        return True

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self.tick()
            except Exception:  # a database hiccup: keep serving the current index, retry later
                logger.exception("knowledge watch failed")

    async def start(self) -> None:
        """Start polling."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="knowledge-watch")

    async def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
