"""Two processes on one PostgreSQL database: one event of a chat at a time (the advisory lock held
by the event's transaction) and a platform update processed once, whichever process gets it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import InboundUpdate
from bot.events import ChatRef, Sender, TextMessage
from bot.locks import chat_lock_key
from tests.bot.test_dispatcher import add_toy
from tests.harness import BotHarness, texts

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pair(settings: Settings, clock: ManualClock) -> AsyncIterator[tuple[BotHarness,
                                                                               BotHarness]]:
    """Two apps over the same PostgreSQL database, as two `troly run` processes would be."""
    if settings.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite runs one process")
    first = await BotHarness(settings, clock, extra_setup=[add_toy]).start()
    second = await BotHarness(settings, clock, extra_setup=[add_toy]).start()
    yield first, second
    await first.close()
    await second.close()


async def test_two_messages_of_one_chat_in_two_processes_are_serialised(
        pair: tuple[BotHarness, BotHarness]) -> None:
    first, second = pair
    await first.say("/toy")
    for name in ("Lan", "Mai", "Hoa"):
        one, other = await asyncio.gather(first.say(name), second.say("Khác"))
        # one answered the name step, the other came after it, at the colour step
        assert sum("Vui lòng chọn một màu." in texts(r) for r in (one, other)) == 1
        await first.say("/huy")
        await first.say("/toy")


async def test_one_update_sent_to_both_processes_is_processed_once(
        pair: tuple[BotHarness, BotHarness], clock: ManualClock) -> None:
    first, second = pair
    for n in range(5):
        event = TextMessage(chat=ChatRef("telegram", "7"), sender=Sender("7"), at=clock.now(),
                            text="/trogiup", dedupe_key=f"update-{n}")
        answers = await asyncio.gather(first.app.dispatcher.feed(event),
                                       second.app.dispatcher.feed(event))
        assert sorted(bool(a) for a in answers) == [False, True]
    async with first.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 5


@pytest.mark.parametrize("dedupe_key", [None, "update-9"])
async def test_an_event_waits_for_the_chat_lock_another_process_holds(
        pair: tuple[BotHarness, BotHarness], clock: ManualClock, dedupe_key: str | None) -> None:
    first, second = pair
    chat = ChatRef("telegram", "8")
    event = TextMessage(chat=chat, sender=Sender("8"), at=clock.now(), text="/trogiup",
                        dedupe_key=dedupe_key)
    async with second.app.engine.connect() as holder:
        await holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": chat_lock_key(chat)})
        feeding = asyncio.create_task(first.app.dispatcher.feed(event))
        async with second.app.engine.connect() as observer:
            waiting = 0
            for _ in range(600):  # until the event's backend waits for the advisory lock
                waiting = (await observer.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND wait_event = 'advisory' AND datname = current_database()"))).scalar_one()
                if waiting or feeding.done():
                    break
                await asyncio.sleep(0.05)
        assert waiting == 1 and not feeding.done()
        if dedupe_key is not None:  # the update is not recorded before the lock is held
            async with first.app.sessionmaker() as session:
                assert await session.scalar(
                    select(func.count()).select_from(InboundUpdate)) == 0
        await holder.commit()  # the other process's event ends: its lock goes with it
    assert await feeding
