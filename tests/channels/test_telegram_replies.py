"""Telegram replies that fail (5xx, 429, 403) through the real aiogram client and FakeBotAPI:
the retryable ones wait in the outbox and one dispatch run delivers them, in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import OutboxMessage
from bot.events import ChatRef, Sender
from bot.messages import OutgoingMessage, from_payload
from bot.replies import ReplyResult
from bot.texts import common as C
from scheduler.ticks import Ticks
from testkit.fake_telegram import FakeBotAPI, FakeError
from tests.channels.telegram_support import TelegramRun, running_telegram, say, shown_texts

USER = 4202


@pytest.fixture
async def tg(settings: Settings, clock: ManualClock, fake: FakeBotAPI) -> AsyncIterator[TelegramRun]:
    """troly with Telegram (polling)."""
    async with running_telegram(settings, clock, fake) as run:
        yield run


def ticks(tg: TelegramRun) -> Ticks:
    """The scheduler service's dispatch entry point, sending through the real Telegram channel."""
    return Ticks(tg.app.sessionmaker, tg.app.clock, tg.app.channels, owner="test-sender")


async def outbox(tg: TelegramRun) -> list[OutboxMessage]:
    """Every outbox row, in id order."""
    async with tg.app.sessionmaker() as session:
        return list((await session.execute(
            select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def test_5xx_reply_lands_in_the_outbox_and_one_dispatch_run_delivers_it(
        tg: TelegramRun, clock: ManualClock) -> None:
    fake = tg.fake
    fake.fail("sendMessage", FakeError.server_error())
    assert await say(fake, fake.text_update(USER, "/huy")) == []
    [row] = await outbox(tg)
    assert row.kind == "reply" and row.status == "pending" and row.address == str(USER)
    assert row.idem_key.startswith(f"reply:telegram:{USER}:") and row.last_error_code == "transient"
    assert from_payload(row.payload).text == C.NOTHING_TO_CANCEL

    stats = await ticks(tg).dispatch_tick()
    assert stats.outcomes["sent"] == 1
    assert shown_texts(fake, USER) == [C.NOTHING_TO_CANCEL]
    [row] = await outbox(tg)
    assert row.status == "sent" and row.provider_message_id is not None
    assert [c.status for c in fake.calls("sendMessage")] == [500, 200]


async def test_two_part_reply_keeps_its_order_after_a_5xx(tg: TelegramRun) -> None:
    fake = tg.fake
    fake.fail("sendMessage", FakeError.server_error())
    chat, sender = ChatRef("telegram", str(USER)), Sender(str(USER))
    results = await tg.app.dispatcher.deliver(
        chat, sender, [OutgoingMessage("Phần một"), OutgoingMessage("Phần hai")], tg.parts.channel)
    assert results == [ReplyResult.QUEUED, ReplyResult.QUEUED]
    assert len(fake.calls("sendMessage")) == 1  # part two was not sent ahead of part one
    await ticks(tg).dispatch_tick()
    assert shown_texts(fake, USER) == ["Phần một", "Phần hai"]


async def test_429_is_queued_until_retry_after_without_holding_the_poller(
        tg: TelegramRun, clock: ManualClock) -> None:
    fake = tg.fake
    fake.fail("sendMessage", FakeError.retry_after(5))
    assert await say(fake, fake.text_update(USER, "/huy")) == []
    assert len(fake.calls("sendMessage")) == 1  # no in-line sleep-and-retry
    [row] = await outbox(tg)
    assert row.not_before == clock.now() + timedelta(seconds=5) and row.last_error_code == "429"
    assert (await ticks(tg).dispatch_tick()).claimed == 0
    clock.advance(timedelta(seconds=5))
    await ticks(tg).dispatch_tick()
    assert shown_texts(fake, USER) == [C.NOTHING_TO_CANCEL]


async def test_403_is_recorded_not_queued_and_blocks_the_account(tg: TelegramRun) -> None:
    fake = tg.fake
    await say(fake, fake.text_update(USER, "/huy"))
    fake.fail("sendMessage", FakeError.blocked())
    assert await say(fake, fake.text_update(USER, "/huy")) == []
    assert await tg.account_status(USER) == "blocked"
    [row] = await outbox(tg)
    assert row.kind == "reply" and row.status == "failed_permanent"
    assert row.last_error_code == "blocked"
    assert (await ticks(tg).dispatch_tick()).claimed == 0
    assert len(fake.sent) == 1  # only the first answer, before the block
