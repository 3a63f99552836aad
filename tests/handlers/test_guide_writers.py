"""Every way guides change reaches the very next question of every process (issue 8), now that
each process keeps what answers read about guides per knowledge generation (bot/db/guide_cache.py).

`kb_harness` is the process answering; the writer is the CLI (its own app and engine, as another
process), a second app's chat, or plain SQL. The answering process's index is not rebuilt in
between unless a test says so: what it cites must follow the database at once all the same.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import changes, guide_store
from bot.db.guide_cache import GuideCache
from bot.db.models import Guide
from bot.texts import ask as T
from knowledge.demo import demo_guides
from knowledge.ingest import parse_file
from tests.harness import BotHarness, payloads, recorded_statements, texts

ANSWERABLE = "to cong nghe so cong dong gom nhung ai"
UNANSWERABLE = "gia vang hom nay bao nhieu mot chi"
TITLE = "Hướng dẫn triển khai chuyển đổi số cấp xã"
CITED = T.ANSWER_SOURCE.format(title=TITLE)
SLUG = "chuyen-doi-so-cap-xa"  # the demo file's name; its guide's slug is read from the database
PASSAGE = "Tổ thường có từ 5 đến 7 người"  # in the section the question is answered from
NEW_WORDING = "Tổ thường có từ 9 đến 11 người"

Cli = Callable[..., Awaitable[str]]


@pytest.fixture
def cli(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`troly …` on the test database, in its own app and engine (another process, in effect)."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("TROLY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TROLY_LOAD_DEMO_GUIDES", "false")
    monkeypatch.setenv("TROLY_LOG_LEVEL", "WARNING")
    runner = CliRunner()

    async def run(*args: str) -> str:
        # a thread: the CLI runs its own event loop (asyncio.run)
        result = await asyncio.to_thread(runner.invoke, build_cli(), list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    return run


async def _slug(h: BotHarness) -> str:
    async with h.app.sessionmaker() as session:
        return (await session.execute(select(Guide.slug).where(Guide.title == TITLE))).scalar_one()


async def _cited_then(h: BotHarness) -> None:
    """The guide answers before the change (so this process has cached it)."""
    answered = texts(await h.say(ANSWERABLE))
    assert CITED in answered and PASSAGE in answered


async def _not_cited(h: BotHarness) -> None:
    replies = await h.say(ANSWERABLE)
    assert CITED not in texts(replies) and PASSAGE not in texts(replies)
    for payload in payloads(replies):  # nothing offered points into the guide either
        assert CITED not in texts(await h.press(payload))


async def test_withdrawn_through_the_cli(kb_harness: BotHarness, cli: Cli) -> None:
    await _cited_then(kb_harness)
    await cli("guides", "withdraw", await _slug(kb_harness))
    await _not_cited(kb_harness)


async def test_out_of_force_through_the_cli(kb_harness: BotHarness, cli: Cli) -> None:
    await _cited_then(kb_harness)
    yesterday = kb_harness.clock.now().date().fromordinal(kb_harness.clock.now().toordinal() - 1)
    await cli("guides", "set", await _slug(kb_harness), "--until", yesterday.isoformat())
    await _not_cited(kb_harness)


async def test_replaced_by_another_guide_through_the_cli(kb_harness: BotHarness, cli: Cli,
                                                         tmp_path: Path) -> None:
    await _cited_then(kb_harness)
    newer = tmp_path / "moi.md"
    newer.write_text("# Hướng dẫn mới về tổ công nghệ số\n\n## Thành phần\n\n"
                     "Do Ủy ban nhân dân xã quyết định.\n", encoding="utf-8")
    await cli("guides", "add", str(newer), "--replaces", await _slug(kb_harness))
    await _not_cited(kb_harness)


async def test_new_version_through_the_cli(kb_harness: BotHarness, cli: Cli,
                                           tmp_path: Path) -> None:
    await _cited_then(kb_harness)
    (demo,) = [g for g in demo_guides() if g.slug == SLUG]
    source = demo.content.decode("utf-8")
    assert PASSAGE in source
    changed = tmp_path / "moi.md"
    changed.write_text(source.replace(PASSAGE, NEW_WORDING, 1),
                       encoding="utf-8")
    await cli("guides", "add", str(changed), "--replace", await _slug(kb_harness))
    assert NEW_WORDING not in texts(await kb_harness.say(ANSWERABLE))  # old chunks: never cited
    assert kb_harness.app.knowledge_watcher is not None
    assert await kb_harness.app.knowledge_watcher.tick()
    assert NEW_WORDING in texts(await kb_harness.say(ANSWERABLE))  # the new version's chunks


async def test_added_through_the_cli(kb_harness: BotHarness, cli: Cli, tmp_path: Path) -> None:
    added = tmp_path / "vang.md"
    added.write_text("# Hướng dẫn mua vàng\n\n## Giá vàng hôm nay\n\n"
                     "Giá vàng hôm nay là tám mươi triệu đồng một chỉ.\n", encoding="utf-8")
    assert "tám mươi triệu" not in texts(await kb_harness.say(UNANSWERABLE))
    await cli("guides", "add", str(added))
    assert kb_harness.app.knowledge_watcher is not None
    assert await kb_harness.app.knowledge_watcher.tick()
    assert "tám mươi triệu" in texts(await kb_harness.say(UNANSWERABLE))


async def test_an_admin_answer_through_the_cli(kb_harness: BotHarness, cli: Cli) -> None:
    # the entry goes into the demo guide: a new version, so every chunk id of the guide changes
    await _cited_then(kb_harness)
    assert T.NOT_FOUND in texts(await kb_harness.say(UNANSWERABLE))
    (group,) = [json.loads(line) for line in (await cli("unanswered", "list", "--json")).splitlines()]
    await cli("unanswered", "answer", str(group["group"]), "--text", "Xem bảng giá của ngân hàng.",
              "--guide", await _slug(kb_harness))
    assert kb_harness.app.knowledge_watcher is not None
    assert await kb_harness.app.knowledge_watcher.tick()
    assert "Xem bảng giá của ngân hàng." in texts(await kb_harness.say(UNANSWERABLE))
    assert CITED in texts(await kb_harness.say(ANSWERABLE))  # the guide's new chunks are current


@pytest.fixture
async def second(settings: Settings, clock: ManualClock,
                 kb_harness: BotHarness) -> AsyncIterator[BotHarness]:
    """A second troly process on the same database, with an admin."""
    other = await BotHarness(settings, clock, load_demo=True).start()
    await other.make_official("Quản trị", role="admin", user="admin")
    yield other
    await other.close()


async def test_withdrawn_in_another_process_chat(kb_harness: BotHarness,
                                                 second: BotHarness) -> None:
    await _cited_then(kb_harness)
    await second.say(f"/thuhoi {await _slug(kb_harness)}", user="admin")
    await _not_cited(kb_harness)


async def test_the_next_questions_read_only_the_generation(kb_harness: BotHarness) -> None:
    """What the cache is for: once a section was shown, answering from it reads no guide row."""
    await _cited_then(kb_harness)
    with recorded_statements(kb_harness.app) as statements:
        await _cited_then(kb_harness)
        await _cited_then(kb_harness)
    # one read per question: on its own here (a web stranger has no account row to read it with,
    # bot/dispatcher.py), the touch of the account having found none
    assert sum("change_counters" in s and not s.startswith("UPDATE chat_accounts")
               for s in statements) == 2
    assert not [s for s in statements if "guide" in s]


# ---------------------------------------------------------------- the generation itself


WATCHED = [
    "UPDATE guides SET status = 'withdrawn' WHERE title = :title",
    "UPDATE guides SET title = title || '!' WHERE title = :title",
    "UPDATE guides SET source_ref = NULL WHERE title = :title",
    "UPDATE guides SET effective_until = '2000-01-01' WHERE title = :title",
    "UPDATE guides SET effective_from = '2999-01-01' WHERE title = :title",
    "UPDATE guides SET replaces_id = id WHERE title = :title",
    "UPDATE guides SET current_version_id = NULL WHERE title = :title",
    "UPDATE guides SET slug = slug || '-x' WHERE title = :title",
    "UPDATE guide_chunks SET text = text || '!' WHERE id = (SELECT min(id) FROM guide_chunks)",
    "DELETE FROM synonyms",
    "INSERT INTO synonyms (term, expansions, updated_at) VALUES ('ubnd', '[\"ủy ban\"]', :now)",
]


@pytest.mark.parametrize("statement", WATCHED)
async def test_any_write_to_what_answers_read_moves_the_generation(
        kb_harness: BotHarness, statement: str) -> None:
    """Plain SQL too: the database's triggers bump it (migration 0017), whoever writes."""
    maker = kb_harness.app.sessionmaker
    async with maker.begin() as session:  # something to delete
        await session.execute(text("INSERT INTO synonyms (term, expansions, updated_at) "
                                   "VALUES ('xa', '[\"phường\"]', :now)"), {"now": _now(kb_harness)})
    async with maker() as session:
        before = await changes.generation(session, changes.KNOWLEDGE)
    async with maker.begin() as session:
        await session.execute(text(statement), {"title": TITLE, "now": _now(kb_harness)})
    async with maker() as session:
        assert await changes.generation(session, changes.KNOWLEDGE) > before


async def test_announcing_does_not_move_the_generation(kb_harness: BotHarness) -> None:
    """Columns answers do not read leave the indexes alone (no rebuild in every process)."""
    maker = kb_harness.app.sessionmaker
    async with maker() as session:
        before = await changes.generation(session, changes.KNOWLEDGE)
    async with maker.begin() as session:
        await session.execute(text("UPDATE guides SET announced_version = 1, audience = NULL"))
    async with maker() as session:
        assert await changes.generation(session, changes.KNOWLEDGE) == before


def _now(h: BotHarness) -> datetime:
    return h.clock.now().replace(tzinfo=None)


async def test_a_transaction_that_changed_guides_reads_its_own_view(
        kb_harness: BotHarness) -> None:
    """Its uncommitted guides are read straight from the database, and never cached."""
    cache = GuideCache()
    maker = kb_harness.app.sessionmaker
    (demo,) = [g for g in demo_guides() if g.slug == SLUG]
    async with maker() as session:
        guide = (await session.execute(select(Guide).where(Guide.title == TITLE))).scalar_one()
        old = {c for c, g in (await guide_store.current_chunk_guides(session)).items()
               if g == guide.id}
        assert old <= await cache.current_chunk_ids(session, old)  # cached: the old version
        await guide_store.add_guide(session, parse_file(demo.file_name, demo.content + b"\nx"),
                                    file_name=demo.file_name, content=demo.content + b"\nx",
                                    uploaded_by=None, now=kb_harness.clock.now(), target=guide)
        new = {c for c, g in (await guide_store.current_chunk_guides(session)).items()
               if g == guide.id}
        assert not new & old
        assert new and await cache.current_chunk_ids(session, new) == new  # its own new chunks
        assert not await cache.current_chunk_ids(session, old)
        await session.rollback()
    async with maker() as session:  # rolled back: the old version, not the view it had
        assert await cache.current_chunk_ids(session, old | new) == old
