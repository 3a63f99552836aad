"""The live index: rebuilt off the event loop from active guides; answering never waits for it."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.knowledge_service import KnowledgeService
from knowledge.index import KnowledgeIndex
from knowledge.types import Passage
from tests.harness import BotHarness


async def test_reload_indexes_only_active_guides(kb_harness: BotHarness) -> None:
    service = kb_harness.app.knowledge
    assert service.passage_count > 20
    assert service.search("to cong nghe so cong dong").hits


async def test_search_answers_from_old_index_while_rebuilding(
    kb_harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    service: KnowledgeService = kb_harness.app.knowledge
    release = threading.Event()
    started = threading.Event()
    real_build = KnowledgeService._build

    def slow_build(passages: list[Passage], synonyms: dict[str, list[str]]) -> KnowledgeIndex:
        started.set()
        release.wait(timeout=10)
        return real_build(passages, synonyms)

    monkeypatch.setattr(KnowledgeService, "_build", staticmethod(slow_build))
    reload = asyncio.create_task(service.reload(kb_harness.app.sessionmaker))
    await asyncio.to_thread(started.wait, 10)
    # the rebuild is stuck in its thread; the bot still answers from the current index
    replies = await kb_harness.say("to cong nghe so cong dong gom nhung ai")
    assert "📖" in replies[0].text
    assert not reload.done()
    release.set()
    assert await reload > 20
