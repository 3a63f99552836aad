"""A reply sent as several platform messages, and the process dying between two of them (here:
the task handling the update stops dead as the next message is about to go, as a SIGKILL
leaves it): another process takes the stored update when its lease runs out and sends only
what was not sent. Before, it sent the whole reply again (every message delivered before the
crash twice); the promise is at most one duplicate per crash, and none here, since the crash
came between two messages."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.telegram.channel import TelegramChannel
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import InboundEventRow
from bot.texts import checkin as CI
from testkit.fake_telegram import FakeBotAPI
from tests.channels.telegram_support import TelegramRun, running_telegram, shown_texts
from tests.world import World

USER = 4711
HEADER = CI.TASK_HEADER.format(n=1, total=1, title="Tập huấn")


@pytest.fixture
async def tg(settings: Settings, clock: ManualClock, fake: FakeBotAPI) -> AsyncIterator[TelegramRun]:
    async with running_telegram(settings, clock, fake) as run:
        yield run


def die_before_send(channel: TelegramChannel, monkeypatch: pytest.MonkeyPatch, *,
                    after: int) -> asyncio.Event:
    """The process dies (its task is cancelled where it stands) as the platform message after
    the first `after` ones is about to be sent; the event is set when it did."""
    died = asyncio.Event()
    real: Callable[..., Awaitable[int]] = channel._send_text
    sent = [0]

    async def send_text(*args: Any) -> int:
        if sent[0] == after:
            died.set()
            raise asyncio.CancelledError  # nothing after this point runs in the dead process
        sent[0] += 1
        return await real(*args)

    monkeypatch.setattr(channel, "_send_text", send_text)
    return died


async def _official_with_a_task(tg: TelegramRun, clock: ManualClock) -> None:
    world = World(tg.app.sessionmaker, now=clock.now)
    oid = await world.official("Lê Minh Châu", "DV1", accounts={"telegram": str(USER)})
    await world.tasks([oid], [("NV1", "Tập huấn", date(2026, 12, 31))])


async def _stored_replies(tg: TelegramRun) -> list[tuple[str, Any]]:
    async with tg.app.sessionmaker() as session:
        return [(str(s), r) for s, r in (await session.execute(
            select(InboundEventRow.status, InboundEventRow.replies))).all()]


async def test_a_crash_between_two_messages_of_a_reply_sends_the_second_once(
        tg: TelegramRun, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tg.fake
    await _official_with_a_task(tg, clock)
    with monkeypatch.context() as patch:
        died = die_before_send(tg.parts.channel, patch, after=1)
        fake.push(fake.text_update(USER, "/baocao"))
        await asyncio.wait_for(died.wait(), 10)
        await asyncio.sleep(0.05)
        first = shown_texts(fake, USER)
        assert len(first) == 1 and HEADER not in first[0]
        [(status, replies)] = await _stored_replies(tg)
        assert status == "answered"
        # the stored update knows the first message went out: only the second is left
        assert len(replies) == 1, json.dumps(replies, ensure_ascii=False)[:300]
    queue = tg.parts.inbound.queue
    clock.advance(timedelta(minutes=3))  # its lease ran out: another process takes it
    assert await queue.recover_once() == 1
    await queue.drain()
    texts = shown_texts(fake, USER)
    assert texts[0] == first[0] and len(texts) == 2, texts  # the first message not again
    assert texts[1].startswith(HEADER)
    assert [s for s, _ in await _stored_replies(tg)] == ["done"]

