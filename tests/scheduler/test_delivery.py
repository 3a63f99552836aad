"""Dispatcher: outcome classification (429, blocked, transient, ambiguous, Zalo refusal → fallback),
lease fencing, reclaim after a crash mid-send, sender election."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import ManualClock
from bot.db.models import ChatAccount, DeliveryAttempt, OutboxMessage
from bot.errors import DeliveryError, DeliveryOutcome
from scheduler.delivery import OutboxDispatcher
from scheduler.lease import SenderLease
from scheduler.planner import send_guards
from tests.fakes import FakeChannel
from tests.scheduler.sim import Sim
from tests.world import World, at

DUE = at(date(2026, 12, 7), 8)  # T-7 of a Monday 14 Dec deadline (no Friday check-in noise)


async def _pending_row(world: World, sim: Sim, clock: ManualClock, *,
                       accounts: dict[str, str] | None = None) -> OutboxMessage:
    await world.unit("P1")
    lan = await world.official("Lan", "P1", accounts=accounts)
    await world.task("NV1", date(2026, 12, 14), "P1", [lan])
    clock.set(DUE)
    await sim.plan()
    rows = await world.rows(kind="deadline")
    assert len(rows) == 1 and rows[0].status == "pending"
    return rows[0]


async def _attempts(sessionmaker: async_sessionmaker[AsyncSession], row_id: int) -> list[DeliveryAttempt]:
    async with sessionmaker() as s:
        return list((await s.execute(select(DeliveryAttempt).where(
            DeliveryAttempt.outbox_id == row_id).order_by(DeliveryAttempt.id))).scalars())


async def test_sent_once_and_recorded(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    row = await _pending_row(world, sim, clock)
    stats = await sim.dispatcher().drain()
    again = await sim.dispatcher().drain()
    assert stats.outcomes["sent"] == 1 and again.claimed == 0
    [done] = await world.rows(kind="deadline")
    assert done.status == "sent" and done.sent_at == DUE and done.provider_message_id == "1"
    assert done.send_started_at == DUE and done.lease_owner is None
    [attempt] = await _attempts(sessionmaker, row.id)
    assert attempt.outcome == "sent" and attempt.attempt_no == 1
    assert len(telegram.sent) == 1


async def test_429_waits_retry_after_and_pauses_the_channel(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel,
                                                            sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    row = await _pending_row(world, sim, clock)
    telegram.failures.append(DeliveryError("telegram", DeliveryOutcome.RATE_LIMITED, "429",
                                           retry_after=7))
    dispatcher = sim.dispatcher()
    stats = await dispatcher.run_once()
    assert stats.outcomes["rate_limited"] == 1
    [r] = await world.rows(kind="deadline")
    assert r.status == "pending" and r.not_before == DUE + timedelta(seconds=7)
    assert r.attempts == 0  # the attempt is given back
    clock.advance(timedelta(seconds=6))
    assert (await dispatcher.run_once()).claimed == 0  # paused
    clock.advance(timedelta(seconds=1))
    assert (await dispatcher.run_once()).outcomes["sent"] == 1
    outcomes = [a.outcome for a in await _attempts(sessionmaker, row.id)]
    assert outcomes == ["rate_limited", "sent"]
    assert (await _attempts(sessionmaker, row.id))[0].retry_after == 7


async def test_blocked_is_permanent_and_marks_the_account(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel,
                                                          sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _pending_row(world, sim, clock)
    telegram.failures.append(DeliveryError("telegram", DeliveryOutcome.BLOCKED, "403"))
    stats = await sim.dispatcher().drain()
    assert stats.outcomes["blocked"] == 1 and stats.claimed == 1  # no retry
    [r] = await world.rows(kind="deadline")
    assert r.status == "failed_permanent" and r.last_error_code == "blocked"
    async with sessionmaker() as s:
        account = (await s.execute(select(ChatAccount))).scalar_one()
    assert account.status == "blocked"


async def test_transient_backs_off_then_dead_after_max_attempts(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    await _pending_row(world, sim, clock)
    for _ in range(8):
        telegram.failures.append(DeliveryError("telegram", DeliveryOutcome.TRANSIENT, "502"))
    dispatcher = sim.dispatcher()
    waits = []
    for _ in range(8):
        assert (await dispatcher.run_once()).claimed == 1
        [r] = await world.rows(kind="deadline")
        if r.status == "pending":
            waits.append((r.not_before - clock.now()).total_seconds())
            clock.set(r.not_before)
    assert r.status == "dead" and r.attempts == 8
    assert waits == sorted(waits) and 30 <= waits[0] < 34 and len(waits) == 7
    assert telegram.sent == []


async def test_ambiguous_timeout_is_resent_and_recorded(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel,
                                                        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    row = await _pending_row(world, sim, clock)
    telegram.failures.append(DeliveryError("telegram", DeliveryOutcome.AMBIGUOUS, "timeout"))
    dispatcher = sim.dispatcher()
    await dispatcher.run_once()
    [r] = await world.rows(kind="deadline")
    assert r.status == "pending" and r.last_error_code == "ambiguous"
    clock.set(r.not_before)
    await dispatcher.run_once()
    assert [a.outcome for a in await _attempts(sessionmaker, row.id)] == ["ambiguous", "sent"]


async def test_zalo_refusal_falls_back_to_the_other_channel(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    zalo = FakeChannel(name="zalo")
    telegram = FakeChannel(name="telegram")
    sim = Sim(sessionmaker, clock, {"zalo": zalo, "telegram": telegram})
    row = await _pending_row(world, sim, clock, accounts={"zalo": "z-lan", "telegram": "t-lan"})
    assert row.channel == "zalo"  # this deployment prefers Zalo
    zalo.failures.append(DeliveryError("zalo", DeliveryOutcome.PERMANENT, "window closed",
                                       code="zalo_window"))
    await sim.dispatcher().drain()
    rows = {r.channel: r for r in await world.rows(kind="deadline")}
    assert rows["zalo"].status == "failed_permanent" and rows["zalo"].last_error_code == "zalo_window"
    assert "fallback:telegram" in (rows["zalo"].last_error or "")
    assert rows["telegram"].status == "sent"
    assert rows["telegram"].payload["meta"]["fallback_of"] == rows["zalo"].id
    assert telegram.texts("t-lan") and not zalo.sent
    await sim.plan()  # the planner does not plan the occurrence again on either channel
    assert len(await world.rows(kind="deadline")) == 2


async def test_lease_fencing_stale_worker_cannot_record(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    await _pending_row(world, sim, clock)
    a = OutboxDispatcher(sim.sessionmaker, clock, sim.channels, worker_id="A",
                         lease_ttl=timedelta(minutes=3), guards=send_guards())
    b = OutboxDispatcher(sim.sessionmaker, clock, sim.channels, worker_id="B", guards=send_guards())
    [claimed] = await a.claim()
    clock.advance(timedelta(minutes=4))  # A stalls past its lease; B reclaims and sends
    assert (await b.run_once()).outcomes["sent"] == 1
    assert await a.deliver(claimed) == "lost_lease"  # A's late writes match no row
    [r] = await world.rows(kind="deadline")
    assert r.status == "sent" and len(telegram.sent) == 1


async def test_reclaimed_in_flight_row_is_ambiguous_then_resent(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel,
                                                                sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    row = await _pending_row(world, sim, clock)
    dead = OutboxDispatcher(sim.sessionmaker, clock, sim.channels, worker_id="dead", guards=send_guards())
    [claimed] = await dead.claim()
    assert await dead._mark_started(claimed, clock.now())  # then the process "dies"
    clock.advance(timedelta(minutes=4))
    stats = await sim.dispatcher("restarted").drain()
    assert stats.outcomes["sent"] == 1
    outcomes = [(a.worker_id, a.outcome) for a in await _attempts(sessionmaker, row.id)]
    assert outcomes == [("dead", "ambiguous"), ("restarted", "sent")]
    [r] = await world.rows(kind="deadline")
    assert r.last_error_code == "ambiguous" and r.status == "sent"


async def test_one_row_that_cannot_be_sent_stops_no_one_else(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel,
        caplog: pytest.LogCaptureFixture) -> None:
    """A row the sender cannot even build (a payload written by an older version, damaged by
    hand, or a bug in a guard) fails alone: the rows claimed with it go out in the same round,
    it backs off and ends 'dead' after its attempts, and the sender never raises (it raised
    from the round, leaving every row of the batch claimed, and the same row came first again
    after their leases ran out: one bad row stopped everyone else's reminders)."""
    await world.unit("P1")
    people = [await world.official(name, "P1") for name in ("Lan", "Châu", "Minh")]
    await world.task("NV1", date(2026, 12, 14), "P1", people)
    clock.set(DUE)
    await sim.plan()
    first, *others = await world.rows(kind="deadline")
    assert len(others) == 2
    async with sim.sessionmaker.begin() as s:
        bad = await s.get_one(OutboxMessage, first.id)
        bad.payload = {**bad.payload, "attachments": [{"file_name": "bao-cao.xlsx"}]}  # no b64
    dispatcher = sim.dispatcher()
    with caplog.at_level(logging.ERROR, logger="scheduler.delivery"):
        stats = await dispatcher.run_once()
    assert stats.claimed == 3 and stats.outcomes["sent"] == 2
    assert sorted(c.chat_id for c, _ in telegram.sent) == ["Châu", "Minh"]
    assert any(str(first.id) in r.getMessage() for r in caplog.records)
    for _ in range(10):
        [row] = await world.rows(id=first.id)
        if row.status != "pending":
            break
        clock.set(row.not_before)
        assert (await dispatcher.run_once()).claimed == 1
    assert row.status == "dead" and "KeyError" in (row.last_error or "")
    assert len(telegram.sent) == 2


async def test_sender_lease_election_and_takeover(sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    a, b = SenderLease("sender:telegram", "A"), SenderLease("sender:telegram", "B")
    async with sessionmaker.begin() as s:
        assert await a.acquire(s, clock.now())
    async with sessionmaker.begin() as s:
        assert not await b.acquire(s, clock.now())
    first_epoch = a.epoch
    clock.advance(timedelta(seconds=10))
    async with sessionmaker.begin() as s:
        assert await a.acquire(s, clock.now()) and a.epoch == first_epoch  # renewal
    clock.advance(timedelta(seconds=31))  # A died
    async with sessionmaker.begin() as s:
        assert await b.acquire(s, clock.now())
    assert b.epoch == (first_epoch or 0) + 1 and b.token == f"B#{b.epoch}"
    async with sessionmaker.begin() as s:
        assert not await a.acquire(s, clock.now())
        await b.release(s)
    async with sessionmaker.begin() as s:
        assert await a.acquire(s, clock.now())


async def test_a_message_with_buttons_goes_out_as_one_keyboard(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel,
                                                               sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from bot.keyboards import id_for

    await world.unit("P1")
    await world.official("Lan", "P1")
    clock.set(DUE)
    now = clock.now()
    async with sessionmaker.begin() as s:
        for key, buttons in (("kb:1", [["Bắt đầu", "ci:start"]]), ("kb:2", [])):
            s.add(OutboxMessage(
                idem_key=key, kind="checkin", channel="telegram", address="lan_tg",
                payload={"text": "Báo cáo tuần này?", "buttons": buttons}, due_at=now,
                not_before=now, late=False, status="pending", attempts=0, created_at=now,
                updated_at=now))
    await sim.dispatcher().drain()
    keyboards = {m.text + str(len(m.buttons)): m.keyboard for _, m in telegram.sent}
    # derived from the row, so a resend after a crash is the same keyboard (bot/keyboards.py)
    assert keyboards == {"Báo cáo tuần này?1": id_for("kb:1"), "Báo cáo tuần này?0": None}
