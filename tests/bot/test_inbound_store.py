"""bot/db/inbound_store.py: stored webhook events, leases, group commits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import inbound_store
from bot.db.base import is_postgres, make_engine, make_sessionmaker
from bot.db.inbound_store import GroupCommit, NewEvent
from bot.db.models import InboundEventRow, InboundUpdate
from tests.harness import engine_statements

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker on the migrated test database."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def _event(key: str, chat: str = "u1") -> NewEvent:
    return NewEvent(channel="zalo", event_key=key, chat_id=chat, body=f'{{"k": "{key}"}}')


async def test_store_many_keeps_one_row_per_key(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    ids = await inbound_store.store_many(sessionmaker, [_event("a"), _event("b"), _event("a")],
                                         now=NOW, lease=LEASE)
    assert ids[0] is not None and ids[1] is not None and ids[2] is None
    again = await inbound_store.store_many(sessionmaker, [_event("b"), _event("c")], now=NOW,
                                           lease=LEASE)
    assert again[0] is None and again[1] is not None
    # the same key on another channel is another event
    other = NewEvent(channel="telegram", event_key="a", chat_id="1", body="{}")
    assert (await inbound_store.store_many(sessionmaker, [other], now=NOW, lease=LEASE))[0]


async def test_leases_claims_and_failures(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    [first, second] = await inbound_store.store_many(sessionmaker, [_event("a"), _event("b")],
                                                     now=NOW, lease=LEASE)
    assert first is not None and second is not None
    assert await inbound_store.due(sessionmaker, "zalo", NOW, 10) == []  # held by the storer
    later = NOW + LEASE + timedelta(seconds=1)
    assert await inbound_store.due(sessionmaker, "zalo", later, 10) == [first, second]
    claimed = await inbound_store.claim(sessionmaker, first, later, LEASE)
    assert claimed is not None and claimed.attempts == 2 and claimed.event_key == "a"
    assert await inbound_store.claim(sessionmaker, first, later, LEASE) is None  # one winner
    await inbound_store.finish_many(sessionmaker, [first], later)
    await inbound_store.release(sessionmaker, second, "boom", max_attempts=1)
    assert await inbound_store.due(sessionmaker, "zalo", later + timedelta(days=1), 10) == []
    assert await inbound_store.purge(sessionmaker, "zalo", later + timedelta(seconds=1)) == 1


async def test_a_purged_rows_key_is_kept_and_not_stored_again(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    [done, pending] = await inbound_store.store_many(sessionmaker, [_event("a"), _event("b")],
                                                     now=NOW, lease=LEASE)
    assert done is not None and pending is not None
    await inbound_store.finish_many(sessionmaker, [done], NOW)
    later = NOW + timedelta(days=8)
    assert await inbound_store.purge(sessionmaker, "zalo", later) == 1
    async with sessionmaker() as session:
        kept = (await session.execute(select(InboundUpdate.channel, InboundUpdate.update_id,
                                             InboundUpdate.received_at))).all()
    assert [tuple(k) for k in kept] == [("zalo", "a", NOW)]  # the pending row stays, unkept
    # a very late repeat of the purged one is not stored again; a new key is
    ids = await inbound_store.store_many(sessionmaker, [_event("a"), _event("c")], now=later,
                                         lease=LEASE)
    assert ids[0] is None and ids[1] is not None
    assert await inbound_store.purge(sessionmaker, "zalo", later) == 0  # twice: no conflict


async def test_group_commit_batches_concurrent_submits_and_shares_failures() -> None:
    batches: list[list[int]] = []
    fail = False

    async def flush(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0.01)
        if fail:
            raise RuntimeError("disk full")
        return [i * 10 for i in items]

    group: GroupCommit[int, int] = GroupCommit(flush)
    results = await asyncio.gather(*(group.submit(i) for i in range(5)))
    assert results == [0, 10, 20, 30, 40] and batches == [[0, 1, 2, 3, 4]]  # one flush
    batches.clear()
    first = asyncio.ensure_future(group.submit(0))
    await asyncio.sleep(0.001)  # its flush is running: the next ones wait and share one
    rest = await asyncio.gather(*(group.submit(i) for i in range(1, 4)))
    assert await first == 0 and rest == [10, 20, 30] and batches == [[0], [1, 2, 3]]
    fail = True
    outcomes = await asyncio.gather(*(group.submit(i) for i in range(3)),
                                    return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    fail = False
    assert await group.submit(7) == 70  # a failed batch does not stop the next


async def test_group_commit_isolates_the_item_that_failed_a_shared_flush() -> None:
    """One item the flush refuses fails its own caller; the others of its batch succeed."""
    batches: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        batches.append(items)
        await asyncio.sleep(0.01)
        if 2 in items:
            raise ValueError("refused")
        return [i * 10 for i in items]

    group: GroupCommit[int, int] = GroupCommit(flush, isolate=lambda exc: True)
    outcomes = await asyncio.gather(*(group.submit(i) for i in range(4)), return_exceptions=True)
    assert outcomes[:2] == [0, 10] and outcomes[3] == 30 and isinstance(outcomes[2], ValueError)
    assert batches == [[0, 1, 2, 3], [0], [1], [2], [3]]
    # a failure isolate says is not an item's (the database is away): shared, no retries
    batches.clear()
    group = GroupCommit(flush, isolate=lambda exc: False)
    outcomes = await asyncio.gather(*(group.submit(i) for i in range(4)), return_exceptions=True)
    assert all(isinstance(o, ValueError) for o in outcomes) and batches == [[0, 1, 2, 3]]


def test_a_lost_connection_is_not_a_row_fault() -> None:
    assert not inbound_store.is_row_fault(OSError("connection refused"))
    assert not inbound_store.is_row_fault(TimeoutError())
    assert not inbound_store.is_row_fault(OperationalError("SELECT 1", {}, Exception("gone")))
    assert inbound_store.is_row_fault(DataError("INSERT", {}, Exception("bad value")))


async def test_one_event_the_database_refuses_does_not_fail_the_others_of_its_batch(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A body PostgreSQL refuses (a NUL character) fails its own store only; concurrent webhooks
    sharing its group commit are stored (before: every one of them got an error, each retry)."""
    async def flush(events: list[NewEvent]) -> list[int | None]:
        return await inbound_store.store_many(sessionmaker, events, now=NOW, lease=LEASE)

    group: GroupCommit[NewEvent, int | None] = GroupCommit(flush,
                                                           isolate=inbound_store.is_row_fault)
    bad = NewEvent(channel="zalo", event_key="bad", chat_id="u9", body='{"k": "a\x00b"}')
    outcomes = await asyncio.gather(group.submit(_event("a")), group.submit(bad),
                                    group.submit(_event("b", chat="u2")), return_exceptions=True)
    assert isinstance(outcomes[0], int) and isinstance(outcomes[2], int)
    async with sessionmaker() as session:
        keys = set((await session.execute(select(InboundEventRow.event_key))).scalars().all())
    if is_postgres(sessionmaker.kw["bind"]):
        assert isinstance(outcomes[1], DBAPIError) and keys == {"a", "b"}
    else:  # SQLite keeps the character
        assert isinstance(outcomes[1], int) and keys == {"a", "b", "bad"}


async def test_store_many_marks_finished_rows_done_in_the_same_commit(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    [first] = await inbound_store.store_many(sessionmaker, [_event("a")], now=NOW, lease=LEASE)
    assert first is not None
    [second] = await inbound_store.store_many(sessionmaker, [_event("b")], now=NOW, lease=LEASE,
                                              finished=[first])
    async with sessionmaker() as session:
        rows = (await session.execute(
            select(InboundEventRow.event_key, InboundEventRow.status, InboundEventRow.lease_until)
            .order_by(InboundEventRow.id))).all()
    assert [(key, status, lease is None) for key, status, lease in rows] == [
        ("a", "done", True), ("b", "pending", False)]
    assert second is not None


async def test_a_batch_is_one_statement_whatever_its_size(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A group commit's batch is one INSERT (not one per event); on PostgreSQL the rows finished
    meanwhile are marked done in that same statement, which commits by itself."""
    [first] = await inbound_store.store_many(sessionmaker, [_event("a")], now=NOW, lease=LEASE)
    assert first is not None
    engine = sessionmaker.kw["bind"].sync_engine
    with engine_statements(engine) as seen:
        ids = await inbound_store.store_many(
            sessionmaker, [_event(k, chat=f"u{k}") for k in "bcdeb"] + [_event("a")], now=NOW,
            lease=LEASE, finished=[first])
    statements = [statement.split()[0].upper() for statement in seen]
    assert [i is not None for i in ids] == [True] * 4 + [False, False]  # b again, a stored before
    assert len(set(ids)) == 5
    postgres = engine.dialect.name == "postgresql"
    assert statements == (["WITH"] if postgres else ["BEGIN", "INSERT", "UPDATE"]), statements
    async with sessionmaker() as session:
        rows = (await session.execute(
            select(InboundEventRow.id, InboundEventRow.event_key, InboundEventRow.chat_id,
                   InboundEventRow.status).order_by(InboundEventRow.id))).all()
    assert [tuple(r) for r in rows] == [(first, "a", "u1", "done")] + [
        (ids[i], k, f"u{k}", "pending") for i, k in enumerate("bcde")]


async def test_group_commit_takes_its_batch_once_it_holds_the_writer() -> None:
    writer = asyncio.Lock()
    batches: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        batches.append(items)
        return items

    group: GroupCommit[int, int] = GroupCommit(flush, hold=lambda: writer)
    await writer.acquire()  # another transaction is writing
    first = asyncio.ensure_future(group.submit(1))
    for _ in range(3):
        await asyncio.sleep(0)  # its flush starts, and waits for the writer
    later = [asyncio.ensure_future(group.submit(i)) for i in (2, 3)]
    await asyncio.sleep(0)
    writer.release()
    assert await asyncio.gather(first, *later) == [1, 2, 3]
    assert batches == [[1, 2, 3]]  # one flush: they came while it waited


async def test_answered_turns_a_row_once_and_runs_precompiled(
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The event's own transaction turns its row 'answered' with the replies; a second run of the
    row finds it answered (False). Every event runs it: precompiled on the DBAPI cursor
    (bot/db/precompiled.py), no SQLAlchemy execution context."""
    [row_id] = await inbound_store.store_many(sessionmaker, [_event("a")], now=NOW, lease=LEASE)
    assert row_id is not None
    replies = [{"text": "Chào anh/chị", "buttons": []}]
    contexts: list[object] = []

    def seen(_conn: object, _cursor: object, statement: str, _parameters: object,
             context: object, _many: bool) -> None:
        if statement.startswith("UPDATE inbound_events"):
            contexts.append(context)

    engine = sessionmaker.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        async with sessionmaker.begin() as session:
            assert await inbound_store.answered(session, row_id, replies)
        async with sessionmaker.begin() as session:
            assert not await inbound_store.answered(session, row_id, replies)
            assert not await inbound_store.answered(session, row_id + 1, replies)  # no such row
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert contexts == [None, None, None]
    async with sessionmaker() as session:
        row = await session.get(InboundEventRow, row_id)
        assert row is not None and (row.status, row.replies) == ("answered", replies)
