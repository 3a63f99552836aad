"""The outbox dispatcher against the fake Telegram Bot API on 127.0.0.1, through the real aiogram
client and TelegramChannel: 429 retry_after, 403 blocked, 5xx, a timeout (ambiguous)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.telegram.channel import TelegramChannel, make_bot
from bot.channels.telegram.render import split_for_telegram
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.chat_moves import move_chat
from bot.db.models import ChatAccount, ConversationState, DeliveryAttempt, OutboxMessage
from bot.events import ChatRef, Sender
from bot.messages import Attachment, OutgoingMessage, to_payload
from bot.outbox import NewRow, enqueue
from bot.replies import REPLY_KIND, ReplyResult, ReplySender
from bot.texts import reminders as R
from testkit.fake_telegram import FakeBotAPI, FakeError, visible_html
from tests.harness import fits
from tests.scheduler.sim import Sim
from tests.world import World, at

DUE = at(date(2026, 12, 7), 8)


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def tg_sim(fake: FakeBotAPI, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> AsyncIterator[Sim]:
    settings = Settings(_env_file=None, telegram_token=SecretStr(fake.token),
                        telegram_api_url=fake.base_url, telegram_request_timeout_seconds=3)  # 1 s flaked on a loaded CI machine
    bot = make_bot(settings)
    yield Sim(sessionmaker, clock, {"telegram": TelegramChannel(bot)})
    await bot.session.close()


async def _reminder(world: World, sim: Sim, clock: ManualClock) -> None:
    await world.unit("P1")
    lan = await world.official("Lan", "P1", accounts={"telegram": "1001"})
    await world.task("NV1", date(2026, 12, 14), "P1", [lan])
    clock.set(DUE)
    await sim.plan()


async def _outcomes(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str | None]:
    async with sessionmaker() as s:
        return list((await s.execute(select(DeliveryAttempt.outcome)
                                     .order_by(DeliveryAttempt.id))).scalars())


async def test_delivered_with_buttons(world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI) -> None:
    await _reminder(world, tg_sim, clock)
    await tg_sim.dispatcher().drain()
    [row] = await world.rows(kind="deadline")
    assert row.status == "sent" and row.provider_message_id == "1"
    [sent] = fake.sent
    assert sent["chat_id"] in (1001, "1001") and fits(sent["text"], R.DEADLINE_AHEAD.format(
        code="{code}", title="{title}", deadline="{deadline}", days=7))
    buttons = [b["callback_data"] for line in sent["reply_markup"]["inline_keyboard"] for b in line]
    assert buttons[0].startswith("rem_done:")


async def test_429_honours_retry_after(world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _reminder(world, tg_sim, clock)
    fake.fail("sendMessage", FakeError.retry_after(7))
    dispatcher = tg_sim.dispatcher()
    await dispatcher.drain()
    [row] = await world.rows(kind="deadline")
    assert row.status == "pending" and row.not_before == DUE + timedelta(seconds=7)
    clock.advance(timedelta(seconds=7))
    await dispatcher.drain()
    [row] = await world.rows(kind="deadline")
    assert row.status == "sent" and len(fake.sent) == 1
    assert await _outcomes(sessionmaker) == ["rate_limited", "sent"]


async def test_403_blocked_no_retry(world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _reminder(world, tg_sim, clock)
    fake.fail("sendMessage", FakeError.blocked())
    await tg_sim.dispatcher().drain()
    clock.advance(timedelta(hours=1))
    await tg_sim.dispatcher().drain()
    [row] = await world.rows(kind="deadline")
    assert row.status == "failed_permanent" and row.last_error_code == "blocked"
    assert len(fake.calls("sendMessage")) == 1
    async with sessionmaker() as s:
        assert (await s.execute(select(ChatAccount.status))).scalar_one() == "blocked"


async def test_5xx_backs_off_then_sends(world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _reminder(world, tg_sim, clock)
    fake.fail("sendMessage", FakeError.server_error(), times=2)
    dispatcher = tg_sim.dispatcher()
    for _ in range(3):
        await dispatcher.drain()
        [row] = await world.rows(kind="deadline")
        if row.status == "pending":
            assert row.not_before > clock.now()
            clock.set(row.not_before)
    assert row.status == "sent" and len(fake.sent) == 1
    assert await _outcomes(sessionmaker) == ["transient", "transient", "sent"]


async def test_timeout_after_sending_is_ambiguous_and_resent(world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI,
                                                             sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _reminder(world, tg_sim, clock)
    fake.delay("sendMessage", 6.0)  # the server accepts, then answers after our 3 s timeout
    dispatcher = tg_sim.dispatcher()
    await dispatcher.drain()
    [row] = await world.rows(kind="deadline")
    assert row.status == "pending" and row.last_error_code == "ambiguous"
    clock.set(row.not_before)
    await dispatcher.drain()
    [row] = await world.rows(kind="deadline")
    assert row.status == "sent"
    # the one duplicate the promise allows, and it is recorded as such
    assert len(fake.sent) == 2
    assert await _outcomes(sessionmaker) == ["ambiguous", "sent"]


# ---------------------------------------------------------------- messages sent in several parts

LONG = "\n\n".join(f"Đoạn {n}: " + "cán bộ cập nhật tiến độ nhiệm vụ hằng tuần. " * 40
                   for n in range(1, 7))


async def _queue(sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock,
                 message: OutgoingMessage) -> None:
    now = clock.now()
    async with sessionmaker.begin() as session:
        await enqueue(session, NewRow(
            idem_key="reply:telegram:1001:parts:0", kind=REPLY_KIND, channel="telegram",
            address="1001", payload=to_payload(message), due_at=now, not_before=now,
            expires_at=now + timedelta(hours=4), created_at=now))


async def _retried(sim: Sim, world: World, clock: ManualClock) -> OutboxMessage:
    """Drain, then again once the failed row is due; the row as it ends."""
    dispatcher = sim.dispatcher()
    await dispatcher.drain()
    [row] = await world.rows(kind=REPLY_KIND)
    assert row.status == "pending", row.status
    clock.set(max(row.not_before, clock.now()))
    await dispatcher.drain()
    [row] = await world.rows(kind=REPLY_KIND)
    return row


async def test_a_later_part_failing_resends_only_what_was_not_delivered(
        world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A long message goes as several Telegram messages: when the second is refused (5xx, or
    429: the per-chat limit bites exactly there), the retry sends what was not delivered, and
    the first part reaches the chat once, not twice."""
    clock.set(DUE)
    parts = split_for_telegram(LONG)
    assert len(parts) >= 2
    await _queue(sessionmaker, clock, OutgoingMessage(LONG))
    fake.fail("sendMessage", FakeError.server_error(), after=1)
    row = await _retried(tg_sim, world, clock)
    assert row.status == "sent"
    assert len(fake.sent) == len(parts)  # each part once
    assert [visible_html(p["text"]) for p in fake.sent] == parts
    assert await _outcomes(sessionmaker) == ["transient", "sent"]


async def test_a_document_failing_after_its_text_sends_the_document_alone(
        world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A digest's text, then its spreadsheet: the upload is rate-limited, the retry uploads the
    spreadsheet and does not repeat the text."""
    clock.set(DUE)
    sheet = Attachment("tong-hop.xlsx", b"PK\x03\x04 sheet", "application/vnd.ms-excel")
    await _queue(sessionmaker, clock, OutgoingMessage("Tổng hợp tuần 49", (), (sheet,)))
    fake.fail("sendDocument", FakeError.retry_after(3))
    row = await _retried(tg_sim, world, clock)
    assert row.status == "sent"
    assert [p["text"] for p in fake.sent] == ["Tổng hợp tuần 49"] and len(fake.documents) == 1
    assert await _outcomes(sessionmaker) == ["rate_limited", "sent"]


async def test_a_direct_reply_queued_after_its_first_part_sends_the_rest_only(
        world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """An answer sent right after the question (bot/replies.py): its second part is refused,
    the reply is queued, and the outbox sends the parts not delivered, in order."""
    clock.set(DUE)
    parts = split_for_telegram(LONG)
    fake.fail("sendMessage", FakeError.server_error(), after=1)
    replies = ReplySender(sessionmaker, clock)
    results = await replies.deliver(ChatRef("telegram", "1001"), Sender("1001"),
                                    [OutgoingMessage(LONG)], tg_sim.channels["telegram"])
    assert results == [ReplyResult.QUEUED] and len(fake.sent) == 1
    [row] = await world.rows(kind=REPLY_KIND)
    clock.set(max(row.not_before, clock.now()))
    await tg_sim.dispatcher().drain()
    [row] = await world.rows(kind=REPLY_KIND)
    assert row.status == "sent"
    assert [visible_html(p["text"]) for p in fake.sent] == parts


def _die_before_part(channel: TelegramChannel, monkeypatch: pytest.MonkeyPatch,
                     after: int) -> None:
    """The sender dies (its task stops where it stands) as the Telegram message after the
    first `after` ones is about to go."""
    real = channel._send_text
    sent = [0]

    async def send_text(*args: Any) -> int:
        if sent[0] == after:
            raise asyncio.CancelledError  # nothing after this point runs in the dead process
        sent[0] += 1
        return await real(*args)

    monkeypatch.setattr(channel, "_send_text", send_text)


async def test_a_sender_dying_between_two_parts_resends_only_the_rest(
        world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A reminder sent as several Telegram messages, the sender killed after the first: its
    outcome is unknown to whoever takes the row after the lease, and reminders are resent. The
    parts delivered were recorded one by one, so the resend starts after them: the first part
    reaches the chat once (before: the whole message again, each part sent before the crash
    twice)."""
    await _reminder(world, tg_sim, clock)
    [row] = await world.rows(kind="deadline")
    async with world.sessionmaker.begin() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                              .values(payload={**row.payload, "text": LONG}))
    parts = split_for_telegram(LONG)
    channel = tg_sim.channels["telegram"]
    assert isinstance(channel, TelegramChannel) and len(parts) >= 3
    with monkeypatch.context() as patch:
        _die_before_part(channel, patch, after=1)
        with pytest.raises(asyncio.CancelledError):
            await tg_sim.dispatcher("w1").drain()
    assert len(fake.sent) == 1
    clock.advance(timedelta(minutes=4))  # its lease ran out: another sender takes it
    await tg_sim.dispatcher("w2").drain()
    [row] = await world.rows(kind="deadline")
    assert row.status == "sent" and row.last_error_code == "ambiguous"
    shown = [visible_html(p["text"]) for p in fake.sent]
    assert shown[0] == parts[0] and shown.count(parts[0]) == 1, len(shown)
    assert shown == parts  # each part once, in order


async def test_a_group_upgraded_to_a_supergroup_is_moved_for_good(
        world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The first send to the old group id is refused with its new id: that message goes there,
    and what is stored for the group moves with it (the next queued message, the group's
    conversation state), so the next send reaches the new id at once, not after a refusal."""
    clock.set(DUE)
    old, new = "-4001", "-1004001"
    now = clock.now()
    async with sessionmaker.begin() as session:
        for n, later in ((0, 0), (1, 30)):
            await enqueue(session, NewRow(
                idem_key=f"reply:telegram:{old}:k:{n}", kind=REPLY_KIND, channel="telegram",
                address=old, payload=to_payload(OutgoingMessage(f"Phần {n}")), due_at=now,
                not_before=now + timedelta(minutes=later), expires_at=now + timedelta(hours=4),
                created_at=now))
        session.add(ConversationState(channel="telegram", chat_id=old, user_id="77",
                                      flow="ask", step="q", data={}, updated_at=now))
    fake.fail("sendMessage", FakeError.migrated(int(new)), chat_id=old, times=100)
    dispatcher = tg_sim.dispatcher()
    await dispatcher.drain()
    async with sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage.address, OutboxMessage.status)
                                      .order_by(OutboxMessage.id))).all()
        states = (await session.execute(select(ConversationState.chat_id))).scalars().all()
    assert [tuple(r) for r in rows] == [(new, "sent"), (new, "pending")]
    assert states == [new]
    clock.advance(timedelta(minutes=31))
    await dispatcher.drain()
    refused = [r for r in fake.requests if r.method == "sendMessage" and r.status != 200]
    assert len(refused) == 1  # the first send only
    assert [str(p["chat_id"]) for p in fake.sent] == [new, new]
    # a move told twice (the service message after the send) changes nothing more
    async with sessionmaker.begin() as session:
        await move_chat(session, "telegram", old, new, clock.now())
    async with sessionmaker() as session:
        assert (await session.execute(select(ConversationState.chat_id))).scalars().all() == [new]


async def test_a_direct_reply_to_a_moved_group_moves_it(
        world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """An answer sent right away (bot/replies.py) learns the new id too (its second message
    goes there at once); a reply waiting in the outbox for the group is readdressed."""
    clock.set(DUE)
    old, new = "-4002", "-1004002"
    now = clock.now()
    async with sessionmaker.begin() as session:
        await enqueue(session, NewRow(
            idem_key=f"reply:telegram:{old}:w:0", kind=REPLY_KIND, channel="telegram",
            address=old, payload=to_payload(OutgoingMessage("Chờ")), due_at=now,
            not_before=now + timedelta(minutes=5), expires_at=now + timedelta(hours=4),
            created_at=now))
    fake.fail("sendMessage", FakeError.migrated(int(new)), chat_id=old, times=100)
    replies = ReplySender(sessionmaker, clock)
    results = await replies.deliver(ChatRef("telegram", old), Sender("77"),
                                    [OutgoingMessage("Một"), OutgoingMessage("Hai")],
                                    tg_sim.channels["telegram"], waiting=False)
    assert results == [ReplyResult.SENT, ReplyResult.SENT]
    assert [str(p["chat_id"]) for p in fake.sent] == [new, new]
    assert len([r for r in fake.requests if r.status != 200]) == 1
    [row] = await world.rows(kind=REPLY_KIND)
    assert row.address == new


async def _failing_move(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("database is locked")


async def test_a_failed_move_after_the_send_still_marks_the_row_sent(
        world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform took the message and said the chat moved; storing the move fails (SQLite
    busy, a unique clash on PostgreSQL). The message is out: its row is sent, and it is not sent
    again after the lease. The move is retried by the next refusal or the service message."""
    await _reminder(world, tg_sim, clock)
    fake.fail("sendMessage", FakeError.migrated(-1004003), chat_id="1001", times=100)
    monkeypatch.setattr("scheduler.delivery.move_chat", _failing_move)
    dispatcher = tg_sim.dispatcher()
    await dispatcher.drain()
    [row] = await world.rows(kind="deadline")
    assert row.status == "sent" and row.address == "-1004003"
    clock.advance(timedelta(minutes=30))  # long after any lease
    await dispatcher.drain()
    assert len(fake.sent) == 1
    [row] = await world.rows(kind="deadline")
    assert row.status == "sent"


async def test_a_failed_move_on_a_direct_reply_sends_the_rest_once(
        world: World, tg_sim: Sim, clock: ManualClock, fake: FakeBotAPI,
        sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A direct reply is out but storing the move fails: the rest of the batch still goes (to
    the new id), and the progress says the first reply is done before the move is tried, so a
    stored update resumed later does not send it twice."""
    clock.set(DUE)
    old, new = "-4004", "-1004004"
    fake.fail("sendMessage", FakeError.migrated(int(new)), chat_id=old, times=100)
    monkeypatch.setattr("bot.replies.move_chat", _failing_move)
    progress: list[tuple[int, int]] = []

    async def record(done: int, parts: int) -> None:
        progress.append((done, parts))

    replies = ReplySender(sessionmaker, clock)
    results = await replies.deliver(ChatRef("telegram", old), Sender("77"),
                                    [OutgoingMessage("Một"), OutgoingMessage("Hai")],
                                    tg_sim.channels["telegram"], waiting=False,
                                    progress=record)
    assert results == [ReplyResult.SENT, ReplyResult.SENT]
    assert [visible_html(p["text"]) for p in fake.sent] == ["Một", "Hai"]
    assert [str(p["chat_id"]) for p in fake.sent] == [new, new]
    assert progress == [(1, 0)]
