"""What the Q&A path reads about guides, kept per process and keyed on the knowledge generation.

Answering a question read the same facts from the database several times per answer: which of
the hits are still current chunks of an active guide, every guide's validity (twice), the shown
section's chunks. They change only when guides change, and every such change moves the
'knowledge' generation in its own transaction: the stores bump it (bot/db/changes.py) and database
triggers bump it for any other writer (migration 0017). So each question reads that one number
(a primary-key read) and reuses what was read at that generation: a guide withdrawn, replaced or
added by any process is seen by the very next question, as when every fact was read each time.

A session that changed guides itself in its open transaction reads straight from the database:
its uncommitted view must neither fill the cache nor be answered from it. Everything handed out
is immutable (frozen dataclasses, frozensets) or must be treated so (the states mapping).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import changes, guide_store
from bot.db.guide_store import GuideState, SectionText


@dataclass
class GuideFacts:
    """The guides as of one knowledge generation."""

    generation: int
    #: every chunk of an active guide's current version → its guide's id
    chunk_guides: Mapping[int, int]
    #: every guide's validity facts
    states: Mapping[int, GuideState]
    #: local day → ids of the guides in force that day (filled on demand)
    in_force: dict[date, frozenset[int]] = field(default_factory=dict)
    #: chunk id → its section (filled on demand, current chunks only)
    sections: dict[int, SectionText] = field(default_factory=dict)

    def in_force_on(self, today: date) -> frozenset[int]:
        """Ids of the guides in force on `today`."""
        found = self.in_force.get(today)
        if found is None:
            found = self.in_force[today] = frozenset(guide_store.in_force_ids(self.states, today))
        return found


class GuideCache:
    """Per process: the guide facts of the latest knowledge generation a question saw."""

    def __init__(self) -> None:
        self._facts: GuideFacts | None = None
        # one read of the generation per transaction, even when a reply asks several times
        self._seen_key = f"troly.guide_cache.{id(self)}"

    async def facts(self, session: AsyncSession) -> GuideFacts | None:
        """The facts as `session` sees them; None when it changed guides itself (read directly)."""
        if changes.changed_here(session, changes.KNOWLEDGE):
            return None
        seen = session.info.get(self._seen_key)
        if seen is not None and seen[0] is session.sync_session.get_transaction():
            facts: GuideFacts = seen[1]
            return facts
        generation = await changes.generation(session, changes.KNOWLEDGE)
        cached = self._facts
        if cached is not None and cached.generation == generation:
            facts = cached
        else:
            # read after the generation: a change committed meanwhile makes these facts newer
            # than their number (harmless, the next question reloads), never older
            facts = GuideFacts(generation, await guide_store.current_chunk_guides(session),
                               await guide_store.guide_states(session))
            if await changes.generation(session, changes.KNOWLEDGE) == generation:
                self._facts = facts  # else the two reads may straddle a change: this reply only
        session.info[self._seen_key] = (session.sync_session.get_transaction(), facts)
        return facts

    async def current_chunk_ids(self, session: AsyncSession, chunk_ids: Iterable[int],
                                today: date | None = None) -> set[int]:
        """guide_store.current_chunk_ids, from the cache."""
        facts = await self.facts(session)
        if facts is None:
            return await guide_store.current_chunk_ids(session, chunk_ids, today)
        owners = facts.chunk_guides
        if today is None:
            return {c for c in chunk_ids if c in owners}
        live = facts.in_force_on(today)
        return {c for c in chunk_ids if owners.get(c) in live}

    async def section_of_chunk(self, session: AsyncSession, chunk_id: int) -> SectionText | None:
        """guide_store.section_of_chunk, from the cache."""
        facts = await self.facts(session)
        if facts is None:
            return await guide_store.section_of_chunk(session, chunk_id)
        if chunk_id not in facts.chunk_guides:
            return None
        section = facts.sections.get(chunk_id)
        if section is None:
            section = await guide_store.section_of_chunk(session, chunk_id)
            if section is None:  # withdrawn since the facts were read (another process)
                return None
            for sibling, _ in section.chunks:
                facts.sections[sibling] = section
        return section

    async def guide_states(self, session: AsyncSession) -> Mapping[int, GuideState]:
        """guide_store.guide_states, from the cache (do not modify it)."""
        facts = await self.facts(session)
        return facts.states if facts is not None else await guide_store.guide_states(session)
