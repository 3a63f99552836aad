"""The web channel in the outbox: deposited once in the database mailbox ('awaiting_fetch'), 'sent'
only when the client acknowledges it, withdrawn when its task closes, expired when nobody fetches
it, and deposited by any process (no sender lease to wait for)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.web import WebChannel
from bot.clock import ManualClock
from bot.db import web_mailbox
from bot.db.models import DeliveryAttempt, OutboxMessage
from bot.events import ChatRef
from bot.messages import OutgoingMessage, from_payload
from bot.outbox import UNSENT, cancel_for_task
from bot.texts import reminders as T
from scheduler.digest import undelivered
from scheduler.lease import SenderLease
from scheduler.ticks import Ticks
from tests.scheduler.sim import Sim
from tests.world import World, at

DUE = at(date(2026, 12, 7), 8)  # T-7 of a Monday 14 Dec deadline
SESSION = "page-1"


def _sim(sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> Sim:
    return Sim(sessionmaker, clock, {"web": WebChannel(sessionmaker, clock)})


async def _planned(world: World, sim: Sim, clock: ManualClock) -> tuple[int, OutboxMessage]:
    await world.unit("P1")
    lan = await world.official("Lan", "P1", accounts={"web": SESSION})
    task = await world.task("NV1", date(2026, 12, 14), "P1", [lan])
    clock.set(DUE)
    await sim.plan()
    [row] = await world.rows(kind="deadline")
    assert row.channel == "web" and row.status == "pending"
    return task, row


async def _waiting(sessionmaker: async_sessionmaker[AsyncSession],
                   clock: ManualClock) -> list[web_mailbox.Waiting]:
    async with sessionmaker() as s:
        return await web_mailbox.waiting(s, SESSION, clock.now())


async def test_deposited_once_then_sent_when_the_client_acknowledges(world: World, sessionmaker: async_sessionmaker[AsyncSession],
                                                                     clock: ManualClock) -> None:
    sim = _sim(sessionmaker, clock)
    _, row = await _planned(world, sim, clock)
    first = await sim.dispatcher("w1").drain()
    again = await sim.dispatcher("w2").drain()
    assert first.outcomes == {"awaiting_fetch": 1} and again.claimed == 0
    [deposited] = await world.rows(kind="deadline")
    assert deposited.status == "awaiting_fetch" and deposited.sent_at is None
    async with sessionmaker() as s:
        [attempt] = (await s.execute(select(DeliveryAttempt))).scalars().all()
    assert attempt.outcome == "awaiting_fetch" and attempt.finished_at == DUE

    waiting = await _waiting(sessionmaker, clock)
    assert [w.id for w in waiting] == [row.id]
    assert "NV1" in from_payload(waiting[0].payload).text
    assert [w.id for w in await _waiting(sessionmaker, clock)] == [row.id]  # fetched ≠ delivered

    clock.advance(timedelta(minutes=3))
    async with sessionmaker.begin() as s:
        assert await web_mailbox.acknowledge(s, SESSION, row.id, clock.now()) == 1
        assert await web_mailbox.acknowledge(s, "someone-else", row.id, clock.now()) == 0
    [sent] = await world.rows(kind="deadline")
    assert sent.status == "sent" and sent.sent_at == DUE + timedelta(minutes=3)
    assert await _waiting(sessionmaker, clock) == []


async def test_an_acknowledgement_only_covers_its_own_session(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    sim = _sim(sessionmaker, clock)
    _, row = await _planned(world, sim, clock)
    await sim.dispatcher().drain()
    async with sessionmaker.begin() as s:
        other = await web_mailbox.put(s, "page-2", {"text": "khác"}, clock.now(),
                                      timedelta(days=1))
        assert await web_mailbox.acknowledge(s, "page-2", max(other, row.id), clock.now()) == 1
    assert [w.id for w in await _waiting(sessionmaker, clock)] == [row.id]


async def test_a_closed_task_withdraws_its_unfetched_reminder(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    sim = _sim(sessionmaker, clock)
    task, _ = await _planned(world, sim, clock)
    await sim.dispatcher().drain()
    async with sessionmaker.begin() as s:
        assert await cancel_for_task(s, task, clock.now(), statuses=UNSENT) == 1
    assert await _waiting(sessionmaker, clock) == []
    [row] = await world.rows(kind="deadline")
    assert row.status == "cancelled"


async def test_unfetched_messages_expire(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    channel = WebChannel(sessionmaker, clock, mailbox_ttl=timedelta(days=2))
    sim = Sim(sessionmaker, clock, {"web": channel})
    _, row = await _planned(world, sim, clock)
    await sim.dispatcher().drain()
    [deposited] = await world.rows(kind="deadline")
    assert deposited.expires_at is not None and deposited.expires_at <= DUE + timedelta(days=2)
    clock.set(deposited.expires_at)
    assert await _waiting(sessionmaker, clock) == []  # not shown once expired
    ticks = Ticks(sessionmaker, clock, {"web": channel}, owner="maint")
    assert await ticks.maintenance_tick() >= 1
    [expired] = await world.rows(kind="deadline")
    assert expired.status == "expired" and expired.last_error_code == "not_fetched"
    async with sessionmaker() as s:  # and the unit head's digest says so
        lines = await undelivered(s, [world.units["P1"]], DUE - timedelta(days=1), clock.now())
    assert lines and T.UNDELIVERED_REASONS["not_fetched"] in lines[0]


async def test_web_rows_need_no_sender_lease(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    channel = WebChannel(sessionmaker, clock)
    sim = Sim(sessionmaker, clock, {"web": channel})
    await _planned(world, sim, clock)
    async with sessionmaker.begin() as s:  # a dead process still holds the web sender lease
        assert await SenderLease("sender:web", "dead-process").acquire(s, clock.now())
    ticks = Ticks(sessionmaker, clock, {"web": channel}, owner="alive")
    stats = await ticks.dispatch_tick()
    assert stats.outcomes == {"awaiting_fetch": 1}


async def test_a_direct_send_is_deposited_too(sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    channel = WebChannel(sessionmaker, clock)
    receipt = await channel.send(ChatRef("web", SESSION), OutgoingMessage("Xong rồi"))
    waiting = await _waiting(sessionmaker, clock)
    assert [str(w.id) for w in waiting] == [receipt.message_id]
    async with sessionmaker() as s:
        row = await s.get(OutboxMessage, waiting[0].id)
    assert row is not None and row.status == "awaiting_fetch" and row.kind == "notice"


async def test_a_deposited_message_with_buttons_is_one_choice(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    from bot.keyboards import id_for

    sim = _sim(sessionmaker, clock)
    now = clock.now()
    async with sessionmaker.begin() as s:
        s.add(OutboxMessage(
            idem_key="buttons:1", kind="checkin", channel="web", address=SESSION,
            payload={"text": "Báo cáo tuần này?", "buttons": [["Bắt đầu", "ci:start"]]},
            due_at=now, not_before=now, late=False, status="pending", attempts=0,
            created_at=now, updated_at=now))
    await sim.dispatcher("w1").drain()
    [waiting] = await _waiting(sessionmaker, clock)
    message = from_payload(waiting.payload)
    assert message.keyboard == id_for("buttons:1")  # the web page sends it back with a press
