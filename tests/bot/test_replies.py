"""Replies whose direct send fails: queued in the outbox as 'reply', delivered by the outbox
dispatcher in order; 403, ambiguous and web replies are not queued."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channel import SentMessage
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import ChatAccount, OutboxMessage
from bot.errors import DeliveryError, DeliveryOutcome
from bot.events import ChannelName, ChatRef, Sender, TextMessage
from bot.messages import Button, OutgoingMessage, from_payload
from bot.replies import REPLY_TTL, ReplyResult
from bot.texts import common as T
from scheduler.ticks import Ticks
from tests.fakes import FakeChannel
from tests.harness import BotHarness

USER = "501"


def error(outcome: DeliveryOutcome, retry_after: float | None = None) -> DeliveryError:
    """A scripted delivery failure."""
    return DeliveryError("telegram", outcome, "scripted", retry_after=retry_after)


@pytest.fixture
def telegram() -> FakeChannel:
    """A recording channel named 'telegram' (its replies are queued on failure)."""
    return FakeChannel(name="telegram")


@pytest.fixture
async def bot(settings: Settings, clock: ManualClock,
              telegram: FakeChannel) -> AsyncIterator[BotHarness]:
    """The real app with the fake telegram channel."""
    h = await BotHarness(settings, clock, {"telegram": telegram}).start()
    yield h
    await h.close()


def ticks(bot: BotHarness) -> Ticks:
    """The scheduler service's dispatch entry point over the app's channels."""
    return Ticks(bot.app.sessionmaker, bot.clock, bot.app.channels, owner="test-sender")


async def rows(bot: BotHarness) -> list[OutboxMessage]:
    """Every outbox row, in id order."""
    async with bot.app.sessionmaker() as session:
        return list((await session.execute(
            select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def deliver(bot: BotHarness, channel: FakeChannel, *texts: str,
                  user: str = USER) -> list[ReplyResult]:
    """Send a batch of replies through the dispatcher's one reply path."""
    chat = ChatRef(channel.name, user)
    return await bot.app.dispatcher.deliver(chat, Sender(user),
                                            [OutgoingMessage(t) for t in texts], channel)


async def test_5xx_reply_is_queued_and_delivered_by_one_dispatch_run(
        bot: BotHarness, telegram: FakeChannel, clock: ManualClock) -> None:
    telegram.failures.append(error(DeliveryOutcome.TRANSIENT))
    event = TextMessage(chat=ChatRef("telegram", USER), sender=Sender(USER), at=clock.now(),
                        text="/huy", message_id="m1")
    await bot.app.dispatcher.handle(event, telegram)
    assert telegram.sent == []
    [row] = await rows(bot)
    assert row.kind == "reply" and row.status == "pending" and row.channel == "telegram"
    assert row.idem_key.startswith(f"reply:telegram:{USER}:") and row.address == USER
    assert row.recipient_id is None  # not registered
    assert from_payload(row.payload) == OutgoingMessage(T.NOTHING_TO_CANCEL)
    assert row.not_before == clock.now() and row.expires_at == clock.now() + REPLY_TTL
    assert row.attempts == 1 and row.last_error_code == "transient"

    stats = await ticks(bot).dispatch_tick()  # the failure has cleared
    assert stats.outcomes["sent"] == 1
    assert telegram.texts(USER) == [T.NOTHING_TO_CANCEL]
    [done] = await rows(bot)
    assert done.status == "sent" and done.sent_at == clock.now()


async def test_later_parts_are_queued_behind_a_failed_one_and_keep_their_order(
        bot: BotHarness, telegram: FakeChannel, clock: ManualClock) -> None:
    telegram.failures.append(error(DeliveryOutcome.TRANSIENT))
    results = await deliver(bot, telegram, "một", "hai", "ba")
    assert results == [ReplyResult.QUEUED] * 3
    assert telegram.sent == []  # "hai" did not overtake "một"
    queued = await rows(bot)
    assert [from_payload(r.payload).text for r in queued] == ["một", "hai", "ba"]
    assert [r.due_at for r in queued] == sorted({r.due_at for r in queued})  # strictly increasing
    assert [r.attempts for r in queued] == [1, 0, 0]  # only the first was tried

    # the first part fails once more in the outbox: the others wait for it instead of going first
    telegram.failures.append(error(DeliveryOutcome.TRANSIENT))
    stats = await ticks(bot).dispatch_tick()
    assert stats.outcomes["transient"] == 1 and stats.outcomes["deferred"] == 2
    assert telegram.sent == []
    first = (await rows(bot))[0]
    clock.set(first.not_before)
    await ticks(bot).dispatch_tick()
    assert telegram.texts(USER) == ["một", "hai", "ba"]
    assert {r.status for r in await rows(bot)} == {"sent"}


@dataclass
class SecondPartFails(FakeChannel):
    """Fails the first send of the text 'hai' (a failure in the middle of a batch)."""

    failed_once: bool = False

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Fail 'hai' once, record everything else."""
        if message.text == "hai" and not self.failed_once:
            self.failed_once = True
            raise error(DeliveryOutcome.TRANSIENT)
        return await super().send(chat, message)


async def test_parts_sent_before_the_failure_are_not_queued(bot: BotHarness) -> None:
    channel = SecondPartFails(name="telegram")
    assert await deliver(bot, channel, "một", "hai", "ba") == [
        ReplyResult.SENT, ReplyResult.QUEUED, ReplyResult.QUEUED]
    assert channel.texts() == ["một"]
    assert [from_payload(r.payload).text for r in await rows(bot)] == ["hai", "ba"]


async def test_429_waits_retry_after(bot: BotHarness, telegram: FakeChannel,
                                     clock: ManualClock) -> None:
    telegram.failures.append(error(DeliveryOutcome.RATE_LIMITED, retry_after=12))
    assert await deliver(bot, telegram, "một", "hai") == [ReplyResult.QUEUED] * 2
    queued = await rows(bot)
    assert [r.not_before for r in queued] == [clock.now() + timedelta(seconds=12)] * 2
    assert queued[0].attempts == 0 and queued[0].last_error_code == "429"
    clock.advance(timedelta(seconds=11))
    assert (await ticks(bot).dispatch_tick()).claimed == 0
    clock.advance(timedelta(seconds=1))
    await ticks(bot).dispatch_tick()
    assert telegram.texts(USER) == ["một", "hai"]


async def test_403_is_recorded_not_queued_and_marks_the_account_blocked(
        bot: BotHarness, telegram: FakeChannel) -> None:
    await bot.make_official("Lan", user=USER, channel="telegram")
    telegram.failures.append(error(DeliveryOutcome.BLOCKED))
    assert await deliver(bot, telegram, "một", "hai") == [ReplyResult.BLOCKED,
                                                          ReplyResult.DROPPED]
    [row] = await rows(bot)
    assert row.status == "failed_permanent" and row.last_error_code == "blocked"
    assert (await ticks(bot).dispatch_tick()).claimed == 0
    async with bot.app.sessionmaker() as session:
        status = (await session.execute(select(ChatAccount.status).where(
            ChatAccount.external_id == USER))).scalar_one()
    assert status == "blocked" and telegram.sent == []


async def test_permanent_failure_is_recorded_and_the_next_part_still_goes(
        bot: BotHarness, telegram: FakeChannel) -> None:
    telegram.failures.append(DeliveryError("telegram", DeliveryOutcome.PERMANENT, "400",
                                           code="400"))
    assert await deliver(bot, telegram, "một", "hai") == [ReplyResult.FAILED, ReplyResult.SENT]
    [row] = await rows(bot)
    assert row.status == "failed_permanent" and row.last_error_code == "400"
    assert telegram.texts() == ["hai"]


async def test_ambiguous_reply_is_recorded_not_resent_and_the_rest_follows(
        bot: BotHarness, telegram: FakeChannel) -> None:
    telegram.failures.append(error(DeliveryOutcome.AMBIGUOUS))
    assert await deliver(bot, telegram, "một", "hai") == [ReplyResult.AMBIGUOUS,
                                                          ReplyResult.QUEUED]
    first, second = await rows(bot)
    assert first.status == "ambiguous" and second.status == "pending"
    await ticks(bot).dispatch_tick()
    assert telegram.texts() == ["hai"]  # "một" was probably delivered: never twice


async def test_ambiguous_in_the_outbox_is_not_resent_for_a_reply(
        bot: BotHarness, telegram: FakeChannel) -> None:
    telegram.failures.extend([error(DeliveryOutcome.TRANSIENT), error(DeliveryOutcome.AMBIGUOUS)])
    await deliver(bot, telegram, "một")
    stats = await ticks(bot).dispatcher.drain()  # type: ignore[union-attr]
    assert stats.outcomes["ambiguous"] == 1
    [row] = await rows(bot)
    assert row.status == "ambiguous" and telegram.sent == []


async def test_bound_official_is_the_recipient_and_no_fallback_to_another_channel(
        bot: BotHarness, telegram: FakeChannel, settings: Settings, clock: ManualClock) -> None:
    official = await bot.make_official("Lan", user=USER, channel="telegram")
    async with bot.app.sessionmaker.begin() as session:
        session.add(ChatAccount(channel="web", external_id="w-lan", chat_id="w-lan",
                                official_id=official, status="active", created_at=clock.now()))
    telegram.failures.extend([error(DeliveryOutcome.TRANSIENT), error(DeliveryOutcome.BLOCKED)])
    await deliver(bot, telegram, "một")
    [row] = await rows(bot)
    assert row.recipient_id == official
    await ticks(bot).dispatch_tick()
    [row] = await rows(bot)  # blocked in the outbox: recorded, no copy on the web channel
    assert row.status == "failed_permanent" and row.last_error_code == "blocked"


async def test_a_new_batch_queues_behind_a_waiting_reply(bot: BotHarness,
                                                         telegram: FakeChannel) -> None:
    telegram.failures.append(error(DeliveryOutcome.TRANSIENT))
    await deliver(bot, telegram, "cũ")
    assert await deliver(bot, telegram, "mới") == [ReplyResult.QUEUED]  # Telegram is fine again
    assert telegram.sent == []
    await ticks(bot).dispatch_tick()
    assert telegram.texts() == ["cũ", "mới"]
    assert await deliver(bot, telegram, "sau") == [ReplyResult.SENT]  # nothing waits any more


async def test_an_events_replies_queue_behind_a_waiting_reply(bot: BotHarness,
                                                               telegram: FakeChannel,
                                                               clock: ManualClock) -> None:
    # handle() asks whether replies wait inside the event's transaction, not in deliver
    telegram.failures.append(error(DeliveryOutcome.TRANSIENT))
    await deliver(bot, telegram, "cũ")

    def cancel(update: str) -> TextMessage:
        return TextMessage(chat=ChatRef("telegram", USER), sender=Sender(USER), at=clock.now(),
                           text="/huy", message_id=update)

    await bot.app.dispatcher.handle(cancel("m1"), telegram)  # Telegram is fine again
    assert telegram.sent == []
    await ticks(bot).dispatch_tick()
    assert telegram.texts() == ["cũ", T.NOTHING_TO_CANCEL]
    await bot.app.dispatcher.handle(cancel("m2"), telegram)  # nothing waits any more
    assert telegram.texts() == ["cũ", T.NOTHING_TO_CANCEL, T.NOTHING_TO_CANCEL]
    assert [r.status for r in await rows(bot)] == ["sent", "sent"]


async def test_a_known_accounts_replies_queue_behind_a_waiting_reply(
        bot: BotHarness, telegram: FakeChannel, clock: ManualClock) -> None:
    # the account exists: the dispatcher asks with the statement touching it
    def cancel(update: str) -> TextMessage:
        return TextMessage(chat=ChatRef("telegram", USER), sender=Sender(USER), at=clock.now(),
                           text="/huy", message_id=update)

    await bot.app.dispatcher.handle(cancel("m0"), telegram)
    telegram.failures.append(error(DeliveryOutcome.TRANSIENT))
    await deliver(bot, telegram, "cũ")
    await bot.app.dispatcher.handle(cancel("m1"), telegram)  # Telegram is fine again
    assert telegram.texts() == [T.NOTHING_TO_CANCEL]
    await ticks(bot).dispatch_tick()
    assert telegram.texts() == [T.NOTHING_TO_CANCEL, "cũ", T.NOTHING_TO_CANCEL]


async def test_expired_reply_is_not_sent(bot: BotHarness, telegram: FakeChannel,
                                         clock: ManualClock) -> None:
    telegram.failures.append(error(DeliveryOutcome.TRANSIENT))
    await deliver(bot, telegram, "một")
    clock.advance(REPLY_TTL)
    stats = await ticks(bot).dispatch_tick()
    assert stats.outcomes["expired"] == 1 and telegram.sent == []


@pytest.mark.parametrize("name", ["web", "console"])
async def test_web_and_console_replies_never_go_to_the_outbox(
        bot: BotHarness, name: ChannelName) -> None:
    channel = FakeChannel(name=name)
    channel.failures.append(error(DeliveryOutcome.TRANSIENT))
    results = await deliver(bot, channel, "một", "hai")
    assert results == [ReplyResult.DROPPED, ReplyResult.SENT]
    assert await rows(bot) == []


async def test_buttons_and_plain_flag_survive_the_queue(bot: BotHarness,
                                                        telegram: FakeChannel) -> None:
    telegram.failures.append(error(DeliveryOutcome.BAD_FORMAT))
    message = OutgoingMessage("Chọn:", (Button("Có", "yes"),))
    await bot.app.dispatcher.deliver(ChatRef("telegram", USER), Sender(USER), [message], telegram)
    [row] = await rows(bot)
    assert row.payload["plain"] is True and from_payload(row.payload) == message
    await ticks(bot).dispatch_tick()
    assert telegram.sent[0][1] == OutgoingMessage("Chọn:")  # resent as plain text
