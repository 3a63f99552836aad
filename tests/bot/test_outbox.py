"""The outbox module: statuses as stored, the meta codec, idempotent enqueue, claim/finish under
a lease, cancelling a task's reminders, and per-kind send guards."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import outbox
from bot.clock import ManualClock
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import DeliveryAttempt, OutboxMessage
from bot.outbox import Claimed, NewRow, OutboxStatus, SendGuards, Verdict


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker over the migrated test database."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def _row(key: str, clock: ManualClock, **values: object) -> NewRow:
    now = clock.now()
    return NewRow(**{"idem_key": key, "kind": "deadline", "channel": "telegram",  # type: ignore[arg-type]
                     "address": "100", "payload": {"text": "Nhắc hạn"}, "due_at": now,
                     "not_before": now, "created_at": now, **values})


def test_statuses_are_the_stored_strings() -> None:
    # a StrEnum member equals its string at run time, which mypy's strict equality cannot know
    assert OutboxStatus.PENDING == "pending" and f"{OutboxStatus.AWAITING_FETCH}" == "awaiting_fetch"  # type: ignore[comparison-overlap]
    assert {s.value for s in outbox.UNSENT} == {"pending", "awaiting_fetch"}


def test_meta_codec_round_trips_and_copies() -> None:
    payload = {"text": "x", "meta": {"deadline": "2026-12-11", "offset": 3}}
    meta = outbox.meta_of(payload)
    meta["route"] = "window"
    assert payload["meta"] == {"deadline": "2026-12-11", "offset": 3}  # decoding copies
    assert outbox.with_meta(payload, meta) == {
        "text": "x", "meta": {"deadline": "2026-12-11", "offset": 3, "route": "window"}}
    assert outbox.meta_of({"text": "no meta"}) == {}


async def test_enqueue_is_idempotent_per_key(sessionmaker: async_sessionmaker[AsyncSession],
                                             clock: ManualClock) -> None:
    async with sessionmaker.begin() as s:
        assert await outbox.enqueue(s, _row("k:telegram", clock)) is True
        assert await outbox.enqueue(s, _row("k:telegram", clock, kind="overdue")) is False
        assert await outbox.enqueue_many(s, [_row("k:telegram", clock),
                                             _row("j:telegram", clock)]) == {"j:telegram"}
    async with sessionmaker() as s:
        rows = (await s.execute(select(OutboxMessage.idem_key, OutboxMessage.kind,
                                       OutboxMessage.status)
                                .order_by(OutboxMessage.idem_key))).all()
    assert [tuple(r) for r in rows] == [("j:telegram", "deadline", "pending"),
                                        ("k:telegram", "deadline", "pending")]


async def test_claim_finish_and_a_lost_lease(sessionmaker: async_sessionmaker[AsyncSession],
                                             clock: ManualClock) -> None:
    async with sessionmaker.begin() as s:
        await outbox.enqueue(s, _row("a:telegram", clock))
        await outbox.enqueue(s, _row("b:telegram", clock, not_before=clock.now() + timedelta(hours=1)))
    async with sessionmaker.begin() as s:
        [row] = await outbox.claim(s, ["telegram"], clock.now(), owner="w1",
                                   lease_ttl=timedelta(minutes=3), limit=10)
    assert (row.idem_key, row.attempts) == ("a:telegram", 1)
    async with sessionmaker.begin() as s:
        assert await outbox.start_attempt(s, row, "w1", clock.now())
    async with sessionmaker.begin() as s:  # another owner cannot finish it
        assert not await outbox.finish(s, row, "w2", clock.now(), OutboxStatus.SENT)
    async with sessionmaker.begin() as s:
        assert await outbox.finish(s, row, "w1", clock.now(), OutboxStatus.SENT,
                                   attempt_outcome="sent", sent_at=clock.now())
    async with sessionmaker() as s:
        stored = await s.get(OutboxMessage, row.id)
        attempt = (await s.execute(select(DeliveryAttempt))).scalar_one()
    assert stored is not None and (stored.status, stored.lease_owner) == ("sent", None)
    assert (attempt.outcome, attempt.worker_id) == ("sent", "w1")


async def test_cancel_for_task_leaves_other_tasks_and_sent_rows(
        sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessionmaker.begin() as s:
        for key, task, status in (("a", "7", OutboxStatus.PENDING), ("b", "7", OutboxStatus.SENT),
                                  ("c", "8", OutboxStatus.PENDING),
                                  ("d", "7", OutboxStatus.AWAITING_FETCH)):
            await outbox.enqueue(s, _row(key, clock, subject_type="task", subject_id=task,
                                         status=status))
        assert await outbox.cancel_for_task(s, 7, clock.now()) == 1
    async with sessionmaker() as s:
        statuses = dict((await s.execute(select(OutboxMessage.idem_key,
                                                OutboxMessage.status))).all())
    assert statuses == {"a": "cancelled", "b": "sent", "c": "pending", "d": "awaiting_fetch"}


async def test_guards_run_only_for_their_kinds(sessionmaker: async_sessionmaker[AsyncSession],
                                               clock: ManualClock) -> None:
    seen: list[str] = []

    async def stop(session: AsyncSession, row: Claimed) -> Verdict:
        seen.append(row.kind)
        return OutboxStatus.CANCELLED, "stale"

    guards = SendGuards()
    guards.register(stop, "deadline", "snooze")
    claimed = [Claimed(1, "k", kind, "task", "1", 1, "telegram", "100", {}, None, 1, 8, None)
               for kind in ("deadline", "reply")]
    async with sessionmaker() as s:
        assert await guards.check(s, claimed[0]) == (OutboxStatus.CANCELLED, "stale")
        assert await guards.check(s, claimed[1]) is None
    assert seen == ["deadline"] and guards.kinds() == {"deadline", "snooze"}
