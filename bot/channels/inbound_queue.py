"""Inbound updates stored before they are acknowledged, then processed from storage (any channel).

Each accepted update is stored (table `inbound_events`, unique per channel and platform key)
*before* the platform is acknowledged, leased to this process and processed right after; a row
whose lease runs out unprocessed (its process died) is taken again by any process's recovery loop
(bot/db/inbound_store.py). The event's effects, its row turned 'answered' and its replies commit
in one transaction (KeepReplies), so a process dying before sending them leaves the replies to
whoever takes the row next, and a second run of the row is rolled back; a redelivered update is
not stored again. Zalo's webhook and Telegram's
webhook and polling share this one path.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Channel
from bot.clock import Clock
from bot.context import Context
from bot.db import inbound_store
from bot.dispatcher import Dispatcher, RecordsDelivery, Repeat
from bot.events import ChatRef, Sender
from bot.locks import KeyedLocks
from bot.messages import OutgoingMessage, from_payload, to_payload

logger = logging.getLogger(__name__)

#: rows looked at per recovery pass
RECOVERY_BATCH = 200
#: how often processed rows past their keeping time are deleted
PURGE_EVERY = timedelta(hours=1)

#: what a channel keeps of one update besides its row (Zalo: payload and parsed event; Telegram:
#: the aiogram Update)
Item = TypeVar("Item")


class Unreadable(ValueError):
    """A stored body the channel can no longer read (finished with this error, not retried)."""


@dataclass(frozen=True, slots=True)
class QueueTiming:
    """Leases, recovery and keeping of stored updates (TROLY_ZALO_INBOUND_*,
    TROLY_TELEGRAM_INBOUND_*)."""

    lease: timedelta = timedelta(minutes=2)
    poll_seconds: float = 15.0
    max_attempts: int = 5
    keep: timedelta = timedelta(days=7)


DEFAULT_TIMING = QueueTiming()


@dataclass(frozen=True, slots=True)
class Handlers(Generic[Item]):
    """What the channel does with its items."""

    #: process a stored item for the first time (dispatcher.handle with KeepReplies(row_id))
    process: Callable[[int, Item], Awaitable[None]]
    #: whom an item's replies go to (its replies were committed by a process that died before
    #: sending them; the queue sends them); None: nobody (an update troly ignores)
    address_of: Callable[[Item], tuple[ChatRef, Sender] | None]
    #: a stored body back as an item (raises Unreadable)
    decode: Callable[[str], Item]
    #: the key ordering one chat's items (processed one after the other, in the order stored)
    chat_of: Callable[[Item], str]


@dataclass(frozen=True, slots=True)
class _Done:
    """A row whose replies were sent: to be marked done (with the next group commit)."""

    row_id: int


class InboundQueue(Generic[Item]):
    """One channel's stored inbound updates; a component (recovery loop) whose stop() waits."""

    def __init__(self, *, channel: Channel, dispatcher: Dispatcher,
                 sessionmaker: async_sessionmaker[AsyncSession], clock: Clock,
                 handlers: Handlers[Item], timing: QueueTiming = DEFAULT_TIMING,
                 log: logging.Logger = logger) -> None:
        self._sender = channel
        self._channel = channel.name
        self._dispatcher = dispatcher
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._handlers = handlers
        self._timing = timing
        self._log = log
        self._tasks: set[asyncio.Task[None]] = set()
        self._chats = KeyedLocks()  # one item of a chat at a time, in the order stored
        self._in_flight: set[int] = set()  # rows this process works on (leases renewed)
        self._loop: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._last_purge: datetime | None = None
        # the queue's own writes of concurrent updates share one commit: new updates stored,
        # finished ones marked done (under load both wait at once; SQLite commits one at a time)
        self._writes = inbound_store.GroupCommit(self._write_batch,
                                                 hold=dispatcher.serialised_writes,
                                                 isolate=inbound_store.is_row_fault)

    async def store(self, event_key: str, chat_id: str, body: str) -> int | None:
        """Store one update (group-committed with concurrent ones); its row id, or None when its
        key was stored before (a platform retry). Raises SQLAlchemyError when not stored."""
        return await self._writes.submit(inbound_store.NewEvent(
            channel=self._channel, event_key=event_key, chat_id=chat_id, body=body))

    async def _write_batch(self, items: list[inbound_store.NewEvent | _Done]
                           ) -> list[int | None]:
        events = [item for item in items if isinstance(item, inbound_store.NewEvent)]
        done = [item.row_id for item in items if isinstance(item, _Done)]
        now = self._clock.now()  # (the group commit holds the serialised writes)
        if not events:
            await inbound_store.finish_many(self._sessionmaker, done, now)
            return [None] * len(items)
        ids = iter(await inbound_store.store_many(self._sessionmaker, events, now=now,
                                                  lease=self._timing.lease, finished=done))
        return [next(ids) if isinstance(item, inbound_store.NewEvent) else None
                for item in items]

    def spawn(self, row_id: int, item: Item) -> asyncio.Task[None]:
        """Process a stored row in the background (tracked: drain() and stop() wait for it)."""
        return self.track(self.run(row_id, item))

    def track(self, job: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run `job` in the background; drain() and stop() wait for it."""
        task: asyncio.Task[None] = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def run(self, row_id: int, item: Item,
                  stored_replies: list[dict[str, Any]] | None = None) -> None:
        """Process one stored item (or only send the replies stored with its effects), then mark
        its row done (or leave it for a retry)."""
        self._in_flight.add(row_id)
        try:
            await self._run_held(row_id, item, stored_replies)
        finally:
            self._in_flight.discard(row_id)

    async def _run_held(self, row_id: int, item: Item,
                        stored_replies: list[dict[str, Any]] | None) -> None:
        async with self._chats.hold(self._handlers.chat_of(item)):
            try:
                if stored_replies is not None:  # processed before its process died: send only
                    await self._resend(row_id, item, [from_payload(r) for r in stored_replies])
                else:
                    await self._handlers.process(row_id, item)
            except Exception as exc:  # a background task: log, keep the row for another attempt
                self._log.exception("processing %s event %s failed", self._channel, row_id)
                await self._release(row_id, f"{type(exc).__name__}: {exc}")
                return
        try:
            await self._writes.submit(_Done(row_id))
        except SQLAlchemyError:  # processed; a second run after the lease is a no-op (dedupe)
            self._log.exception("marking %s event %s done failed", self._channel, row_id)

    async def _resend(self, row_id: int, item: Item, replies: list[OutgoingMessage]) -> None:
        address = self._handlers.address_of(item)
        if address is not None:
            await self._dispatcher.resend(*address, replies, self._sender,
                                          guard=KeepReplies(row_id))

    async def _release(self, row_id: int, error: str) -> None:
        try:
            async with self._dispatcher.serialised_writes():
                await inbound_store.release(self._sessionmaker, row_id, error,
                                            max_attempts=self._timing.max_attempts)
        except SQLAlchemyError:
            self._log.exception("recording the failure of %s event %s failed", self._channel,
                                row_id)

    async def drain(self) -> None:
        """Wait until every update stored (or recovered) so far has been processed."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def recover_once(self) -> int:
        """Take the stored updates nobody holds (their process died) and process them; how many.

        Rows of one chat are processed one after the other, in the order they were stored.
        """
        now = self._clock.now()
        if self._in_flight:  # still working on them (a slow send, a big file): keep them
            async with self._dispatcher.serialised_writes():
                await inbound_store.renew(self._sessionmaker, sorted(self._in_flight),
                                          now + self._timing.lease)
        taken: dict[str, list[tuple[inbound_store.StoredEvent, Item]]] = defaultdict(list)
        for row_id in await inbound_store.due(self._sessionmaker, self._channel, now,
                                              RECOVERY_BATCH):
            if row_id in self._in_flight:
                continue
            async with self._dispatcher.serialised_writes():
                row = await inbound_store.claim(self._sessionmaker, row_id, now,
                                                self._timing.lease)
            if row is None:
                continue  # another process took it first
            try:
                item = self._handlers.decode(row.body)
            except Unreadable as exc:
                self._log.warning("stored %s event %s is unreadable: %s", self._channel, row.id,
                                  exc)
                async with self._dispatcher.serialised_writes():
                    await inbound_store.finish(self._sessionmaker, row.id, now, error=str(exc))
                continue
            self._in_flight.add(row.id)  # ours from now on: renewed until its chain runs it
            self._log.info("%s stored %s event %s (attempt %d)",
                           "sending the replies of" if row.status == "answered" else "processing",
                           self._channel, row.id, row.attempts)
            taken[row.chat_id].append((row, item))
        for rows in taken.values():
            self.track(self._run_chain(rows))
        if self._last_purge is None or now - self._last_purge >= PURGE_EVERY:
            self._last_purge = now
            async with self._dispatcher.serialised_writes():
                await inbound_store.purge(self._sessionmaker, self._channel,
                                          now - self._timing.keep)
        return sum(len(rows) for rows in taken.values())

    async def _run_chain(self, rows: list[tuple[inbound_store.StoredEvent, Item]]) -> None:
        for row, item in rows:
            stored = (row.replies or []) if row.status == "answered" else None
            await self.run(row.id, item, stored)

    async def _recovery_loop(self) -> None:
        while not self._stop.is_set():
            try:
                await self.recover_once()
            except Exception:  # the database is down, …: try again next time
                self._log.exception("recovering stored %s events failed", self._channel)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._timing.poll_seconds)

    async def start(self) -> None:
        """Look for stored updates left unprocessed (now, then periodically)."""
        self._stop.clear()
        if self._loop is None:
            self._loop = asyncio.create_task(self._recovery_loop())

    async def stop(self) -> None:
        """Stop recovering and finish the work in flight."""
        self._stop.set()
        if self._loop is not None:
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        await self.drain()


class KeepReplies(RecordsDelivery):
    """EventGuard: inside the event's transaction, store its replies on its row ('answered').

    The row is the record that the update was processed (the dispatcher writes no
    `inbound_updates` key for it): a second run of the row (its lease ran out while the first
    was still working) finds it answered and is rolled back."""

    def __init__(self, row_id: int) -> None:
        self._row_id = row_id

    async def before(self, ctx: Context) -> None:
        """Nothing to check: the platform's credentials were checked before storing."""

    async def after(self, ctx: Context) -> None:
        """Committed together with the event's effects; Repeat when they were committed before."""
        if not await inbound_store.answered(ctx.session, self._row_id,
                                            [to_payload(m) for m in ctx.replies]):
            raise Repeat(self._row_id)

    async def replies_left(self, sessionmaker: async_sessionmaker[AsyncSession],
                           left: list[dict[str, Any]]) -> None:
        """The row keeps only the replies still to send (a crash now resends none of the
        others: at most the one platform message in flight is sent twice)."""
        await inbound_store.replies_left(sessionmaker, self._row_id, left)
