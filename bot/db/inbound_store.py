"""Inbound webhook events stored before they are acknowledged (table `inbound_events`).

The edge stores the raw body under the platform's event key, then answers 200: a crash after that
loses nothing. The storing process holds a lease on the row and processes it at once; a row whose
lease ran out (its process died) is taken again by any process. The effect happens once because the
event's own transaction turns the row from 'pending' to 'answered' (a guarded update: a second run
of the row finds it answered and rolls back), writing the replies onto it, so a process dying
before sending them leaves them to be sent by whoever takes the row next. A repeat of a stored
key inserts no row (its unique key). When processed rows are purged their keys move to
`inbound_updates` (the dispatcher's record of keys processed outside this queue), and a key found
there is not stored again: a very late repeat is still dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Table,
    Text,
    Update,
    any_,
    bindparam,
    delete,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from bot.db.base import UTCDateTime, in_fixed, insert_ignore, is_postgres, one_statement, reading
from bot.db.models import InboundEventRow, InboundUpdate
from bot.db.precompiled import Precompiled

#: longest error text kept on a row
MAX_ERROR_CHARS = 2000

#: statuses of rows still to be worked on
OPEN = ("pending", "answered")
#: statuses of rows whose effects were not committed (a failed row may still succeed: a run
#: that outlived its lease)
UNPROCESSED = ("pending", "failed")

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One stored event, as a worker sees it."""

    id: int
    channel: str
    event_key: str
    chat_id: str
    body: str
    attempts: int
    status: str
    #: the replies committed with the event's effects (status 'answered'), still to be sent
    replies: list[dict[str, Any]] | None


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to store."""

    channel: str
    event_key: str
    chat_id: str
    body: str


_EVENTS = cast(Table, InboundEventRow.__table__)
_UPDATES = cast(Table, InboundUpdate.__table__)


#: PostgreSQL: a batch (the rows as arrays) in one statement whose text is the same for any
#: batch (one prepared statement), with the rows finished meanwhile marked done in it too (a
#: data-modifying CTE: the group commit is one statement, committing by itself). A key stored
#: before (a retry, or a repeat inside the batch), or purged and kept in `inbound_updates`,
#: inserts nothing and returns no id
_STORE_PG = Precompiled(text(
    "WITH finished AS (UPDATE inbound_events SET status = 'done', processed_at = :p_now,"
    " lease_until = NULL, last_error = NULL, replies = NULL WHERE id = ANY(:p_done))"
    " INSERT INTO inbound_events"
    " (channel, event_key, chat_id, body, received_at, status, attempts, lease_until)"
    " SELECT r.channel, r.event_key, r.chat_id, r.body, :p_now, 'pending', 1, :p_lease"
    " FROM unnest(:p_channel, :p_key, :p_chat, :p_body) WITH ORDINALITY"
    " AS r(channel, event_key, chat_id, body, n)"
    " WHERE NOT EXISTS (SELECT 1 FROM inbound_updates AS u"
    " WHERE u.channel = r.channel AND u.update_id = r.event_key) ORDER BY r.n"
    " ON CONFLICT DO NOTHING RETURNING id, channel, event_key"
).bindparams(
    bindparam("p_now", type_=UTCDateTime()), bindparam("p_lease", type_=UTCDateTime()),
    bindparam("p_done", type_=postgresql.ARRAY(Integer)),
    *(bindparam(name, type_=postgresql.ARRAY(Text)) for name in
      ("p_channel", "p_key", "p_chat", "p_body")),
).columns(_EVENTS.c.id, _EVENTS.c.channel, _EVENTS.c.event_key),
    keys=("p_now", "p_lease", "p_done", "p_channel", "p_key", "p_chat", "p_body"))
#: SQLite: the batch as one JSON array of rows, read by json_each (one statement, one thread
#: hop, whatever the batch's size). (SQLite's parser needs a WHERE before ON CONFLICT.)
_STORE_SQLITE = Precompiled(text(
    "INSERT INTO inbound_events"
    " (channel, event_key, chat_id, body, received_at, status, attempts, lease_until)"
    " SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, :p_now, 'pending', 1, :p_lease"
    " FROM json_each(:p_rows) WHERE NOT EXISTS (SELECT 1 FROM inbound_updates AS u"
    " WHERE u.channel = value ->> 0 AND u.update_id = value ->> 1) ORDER BY key"
    " ON CONFLICT DO NOTHING RETURNING id, channel, event_key"
).bindparams(
    bindparam("p_now", type_=UTCDateTime()), bindparam("p_lease", type_=UTCDateTime()),
).columns(_EVENTS.c.id, _EVENTS.c.channel, _EVENTS.c.event_key),
    keys=("p_now", "p_lease", "p_rows"))
#: a row not processed yet becomes 'answered' (a guarded update: of two runs of one row, the
#: second finds it answered, or waits for the first's transaction and then does); run
#: precompiled on the DBAPI cursor, as every event runs it (bot/db/precompiled.py)
_ANSWERED = Precompiled(update(_EVENTS).where(_EVENTS.c.id == bindparam("p_id"),
                                              in_fixed(_EVENTS.c.status, UNPROCESSED))
                        .values(status="answered", replies=bindparam("p_replies")),
                        keys=("p_id", "p_replies"))


def _finished(ids: ColumnElement[bool]) -> Update:
    return (update(_EVENTS).where(ids)
            .values(status="done", processed_at=bindparam("p_now"), lease_until=None,
                    last_error=None, replies=None))


#: rows marked done, their ids as one parameter however many they are, so that the statement's
#: SQL is the same for every batch (compiled once; an IN over a list would be rendered again at
#: every execution, and on PostgreSQL prepared once per batch size): an array on PostgreSQL, a
#: JSON array on SQLite (see _mark_done)
#: (the group commits' statements, like the event's, run precompiled: bot/db/precompiled.py)
_FINISHED_PG = Precompiled(
    _finished(_EVENTS.c.id == any_(bindparam("p_ids", type_=postgresql.ARRAY(Integer)))),
    keys=("p_ids", "p_now"))
_FINISHED_SQLITE = Precompiled(_finished(_EVENTS.c.id.in_(
    select(literal_column("value")).select_from(func.json_each(bindparam("p_ids"))))),
    keys=("p_ids", "p_now"))


def _mark_done(connection: Connection, row_ids: Sequence[int], now: datetime) -> None:
    """Mark `row_ids` done (in the caller's transaction)."""
    if connection.dialect.name == "postgresql":
        _FINISHED_PG.run(connection, {"p_ids": list(row_ids), "p_now": now})
    else:
        _FINISHED_SQLITE.run(connection, {"p_ids": json.dumps(list(row_ids)), "p_now": now})


def _store_sqlite(session: Session, params: dict[str, Any], finished: Sequence[int],
                  now: datetime) -> list[tuple[Any, ...]]:
    """In the session's greenlet (run_sync): SQLite's store, and the rows finished meanwhile
    marked done, in the session's transaction."""
    connection = session.connection()
    rows = _STORE_SQLITE.run(connection, params).rows
    if finished:
        _mark_done(connection, finished, now)
    return rows


def _store_pg(session: Session, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """In the session's greenlet (run_sync): PostgreSQL's store (one statement)."""
    return _STORE_PG.run(session.connection(), params).rows


def _finish_many(session: Session, row_ids: Sequence[int], now: datetime) -> None:
    _mark_done(session.connection(), row_ids, now)


async def store_many(sessionmaker: async_sessionmaker[AsyncSession], events: Sequence[NewEvent],
                     *, now: datetime, lease: timedelta,
                     finished: Sequence[int] = ()) -> list[int | None]:
    """Insert several events in one statement and one commit (a group commit of concurrent
    webhooks); per event its row id, or None when its key was stored before (a retry, or an
    earlier copy in the same batch).

    `finished`: rows whose replies were sent meanwhile, marked done in the same commit (as
    finish_many would; one commit instead of two when both are waiting)."""
    if not events:
        if finished:
            await finish_many(sessionmaker, finished, now)
        return []
    # PostgreSQL: one statement, committing by itself (no BEGIN and COMMIT round trips);
    # SQLite: one transaction holding the insert and the update
    async with one_statement(sessionmaker) as session:
        if is_postgres(session):
            rows = await session.run_sync(_store_pg, {
                "p_now": now, "p_lease": now + lease, "p_done": list(finished),
                "p_channel": [e.channel for e in events], "p_key": [e.event_key for e in events],
                "p_chat": [e.chat_id for e in events], "p_body": [e.body for e in events],
            })
        else:
            rows = await session.run_sync(_store_sqlite, {
                "p_now": now, "p_lease": now + lease,
                "p_rows": json.dumps([[e.channel, e.event_key, e.chat_id, e.body]
                                      for e in events], ensure_ascii=False),
            }, finished, now)
    stored = {(str(channel), str(key)): int(row_id) for row_id, channel, key in rows}
    # the first copy of a key in the batch gets its id (pop): a later copy is a repeat
    return [stored.pop((e.channel, e.event_key), None) for e in events]


async def finish(sessionmaker: async_sessionmaker[AsyncSession], row_id: int, now: datetime,
                 *, error: str | None = None) -> None:
    """Mark a row processed (done), keeping the error text of a handled failure if any."""
    async with one_statement(sessionmaker) as session:
        await session.execute(
            update(InboundEventRow).where(InboundEventRow.id == row_id)
            .values(status="done", processed_at=now, lease_until=None, replies=None,
                    last_error=error[:MAX_ERROR_CHARS] if error else None))


async def answered(session: AsyncSession, row_id: int,
                   replies: list[dict[str, Any]]) -> bool:
    """In the event's own transaction: its effects are committed with these replies. False when
    the row was processed before (or is gone): the caller rolls its transaction back."""
    # Core on the session's connection: the ORM's execute adds its own work per statement
    # (autoflush, its execution options) and nothing this statement needs; the connection and
    # the statement in one greenlet (an awaited AsyncSession call spawns one each)
    return await session.run_sync(_run_answered, {"p_id": row_id, "p_replies": replies})


def _run_answered(session: Session, params: dict[str, Any]) -> bool:
    return _ANSWERED.run(session.connection(), params).rowcount > 0


async def replies_left(sessionmaker: async_sessionmaker[AsyncSession], row_id: int,
                       replies: list[dict[str, Any]]) -> None:
    """An answered row's replies, some sent: keep those still to send (the first one with the
    parts it delivered), which whoever takes the row after a crash sends, and only those."""
    async with one_statement(sessionmaker) as session:
        await session.execute(
            update(InboundEventRow).where(InboundEventRow.id == row_id,
                                          InboundEventRow.status == "answered")
            .values(replies=replies))


async def finish_many(sessionmaker: async_sessionmaker[AsyncSession], row_ids: Sequence[int],
                      now: datetime) -> None:
    """Mark several rows done in one statement (on PostgreSQL without BEGIN and COMMIT)."""
    async with one_statement(sessionmaker) as session:
        await session.run_sync(_finish_many, row_ids, now)


class GroupCommit(Generic[T, R]):
    """Runs `flush` over everything submitted while the previous flush was running.

    Under load, concurrent callers share one transaction (SQLite commits one at a time, each with
    an fsync); alone, a caller waits for nothing but its own flush. When a shared flush fails and
    `isolate` says one item may be the cause, each item is flushed alone: one bad item fails its
    own caller only.
    """

    def __init__(self, flush: Callable[[list[T]], Awaitable[list[R]]], *,
                 max_batch: int = 200,
                 hold: Callable[[], AbstractAsyncContextManager[object]] | None = None,
                 isolate: Callable[[BaseException], bool] = lambda exc: False) -> None:
        self._flush = flush
        #: whether a failed batch is flushed again item by item (the failure may be one item's)
        self._isolate = isolate
        self._max_batch = max_batch
        #: held around each flush (SQLite: the one writer's queue); the batch is taken once it
        #: is held, so what was submitted while waiting for it goes in the same flush
        self._hold = hold
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Queue `item` for the next flush and wait for its result (or its exception)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._pending:
            async with self._hold() if self._hold is not None else contextlib.nullcontext():
                batch, self._pending = (self._pending[:self._max_batch],
                                        self._pending[self._max_batch:])
                try:
                    results = await self._flush([item for item, _ in batch])
                except Exception as exc:
                    if len(batch) == 1 or not self._isolate(exc):
                        _fail(batch, exc)  # every caller of this batch sees the failure
                        continue
                    # one item may be what failed (a value the database refuses): each alone,
                    # so that the others are stored and only that one's caller sees an error
                    for one in batch:
                        try:
                            [result] = await self._flush([one[0]])
                        except Exception as one_exc:
                            _fail([one], one_exc)
                        else:
                            _succeed([one], [result])
                    continue
            _succeed(batch, results)


def _fail(batch: Sequence[tuple[object, asyncio.Future[R]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)


def _succeed(batch: Sequence[tuple[object, asyncio.Future[R]]], results: Sequence[R]) -> None:
    for (_, future), result in zip(batch, results, strict=True):
        if not future.done():
            future.set_result(result)


def is_row_fault(exc: BaseException) -> bool:
    """Could one row have caused this failure (a value refused), rather than the database or the
    connection being unavailable (then retrying rows one by one only waits longer)?"""
    if isinstance(exc, (OperationalError, InterfaceError, TimeoutError, OSError)):
        return False
    return not (isinstance(exc, DBAPIError) and exc.connection_invalidated)


async def release(sessionmaker: async_sessionmaker[AsyncSession], row_id: int, error: str,
                  *, max_attempts: int) -> None:
    """Processing raised: leave the row for a later attempt, or give up after `max_attempts`."""
    async with sessionmaker.begin() as session:
        row = await session.get(InboundEventRow, row_id)
        if row is None or row.status not in OPEN:
            return
        row.last_error = error[:MAX_ERROR_CHARS]
        if row.attempts >= max_attempts:
            row.status, row.lease_until = "failed", None
        # else the lease stays: the row is retried when it runs out (a back-off of one lease)


async def due(sessionmaker: async_sessionmaker[AsyncSession], channel: str, now: datetime,
              limit: int) -> list[int]:
    """Ids of pending rows nobody holds (never leased, or the lease ran out), oldest first."""
    async with reading(sessionmaker) as session:
        rows = await session.execute(
            select(InboundEventRow.id)
            .where(InboundEventRow.channel == channel, InboundEventRow.status.in_(OPEN),
                   or_(InboundEventRow.lease_until.is_(None), InboundEventRow.lease_until < now))
            .order_by(InboundEventRow.id).limit(limit))
        return [int(i) for i in rows.scalars().all()]


async def claim(sessionmaker: async_sessionmaker[AsyncSession], row_id: int, now: datetime,
                lease: timedelta) -> StoredEvent | None:
    """Take a due row (guarded update: two processes never both win); None if someone else did."""
    async with sessionmaker.begin() as session:
        result = await session.execute(
            update(InboundEventRow)
            .where(InboundEventRow.id == row_id, InboundEventRow.status.in_(OPEN),
                   or_(InboundEventRow.lease_until.is_(None), InboundEventRow.lease_until < now))
            .values(lease_until=now + lease, attempts=InboundEventRow.attempts + 1))
        if not getattr(result, "rowcount", 0):
            return None
        row = await session.get(InboundEventRow, row_id)
        assert row is not None
        return StoredEvent(id=row.id, channel=row.channel, event_key=row.event_key,
                           chat_id=row.chat_id, body=row.body, attempts=row.attempts,
                           status=row.status, replies=row.replies)


async def renew(sessionmaker: async_sessionmaker[AsyncSession], row_ids: Sequence[int],
                until: datetime) -> None:
    """Extend the leases of rows this process is still working on (a heartbeat: other processes
    take only the rows of a process that stopped renewing, i.e. died)."""
    async with sessionmaker.begin() as session:
        await session.execute(
            update(InboundEventRow)
            .where(InboundEventRow.id.in_(list(row_ids)), InboundEventRow.status.in_(OPEN))
            .values(lease_until=until))


async def purge(sessionmaker: async_sessionmaker[AsyncSession], channel: str,
                before: datetime) -> int:
    """Delete processed rows received before `before`, their keys kept in `inbound_updates`
    (store_many stores no repeat of them)."""
    async with sessionmaker.begin() as session:
        old = select(_EVENTS.c.channel, _EVENTS.c.event_key, _EVENTS.c.received_at).where(
            _EVENTS.c.channel == channel, _EVENTS.c.status == "done",
            _EVENTS.c.received_at < before)
        await session.execute(
            insert_ignore(session, _UPDATES)
            .from_select(["channel", "update_id", "received_at"], old))
        result = await session.execute(
            delete(InboundEventRow)
            .where(InboundEventRow.channel == channel, InboundEventRow.status == "done",
                   InboundEventRow.received_at < before))
        return int(getattr(result, "rowcount", 0) or 0)
