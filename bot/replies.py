"""Sending a batch of replies after commit; a failed reply goes to the outbox instead of the log.

A reply is sent directly (the user is waiting). When that fails with an outcome worth retrying
(429, 5xx, connection error, Zalo transient errors), the reply becomes an outbox row of kind
'reply' and the outbox dispatcher (scheduler/delivery.py) retries it with its leases, backoff and
audit trail, so `troly outbox` shows it. Once one part of a batch is queued, the parts after it
are queued too, so the chat still receives them in order; a batch also queues behind replies of
the same chat still waiting in the outbox.

Policies, per outcome of the direct send:

- RATE_LIMITED: queued with not_before = now + retry_after. This replaces the Telegram adapter's
  old in-line sleep-and-retry: sleeping held the whole polling batch (every chat in it) and, in
  webhook mode, the request; the outbox dispatcher ticks every few seconds, honours retry_after
  and pauses the whole channel, which is what a bot-wide flood limit asks for.
- TRANSIENT, BAD_FORMAT: queued, due now (BAD_FORMAT resends as plain text).
- AMBIGUOUS (timeout after the request went out): recorded as 'ambiguous', not resent. The
  platform most likely delivered it, so a resend would most likely be a duplicate answer; if it
  was lost, the user is in the conversation and sees it, and the conversation state is already
  committed, so asking again works. The later parts, never attempted, are still queued in order.
- BLOCKED: recorded as failed, the account is marked blocked (private chat), the rest is dropped.
- PERMANENT: recorded as failed; the next parts are still sent.

Web replies are never queued: the web chat returns them in the HTTP response. Console replies
are printed. Only channels served by the outbox dispatcher (QUEUED_CHANNELS) are queued.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Channel
from bot.clock import Clock
from bot.db.base import in_fixed, reading
from bot.db.chat_moves import move_chat
from bot.db.models import ChatAccount, OutboxMessage
from bot.errors import DeliveryError, DeliveryOutcome
from bot.events import ChatRef, Sender
from bot.messages import (
    OutgoingMessage,
    PartHook,
    reporting_parts,
    to_payload,
    with_parts_sent,
)
from bot.outbox import IN_FLIGHT, NewRow, OutboxStatus, enqueue, mark_blocked

logger = logging.getLogger(__name__)

#: outbox kind of a queued reply (scheduler/delivery.py treats it specially)
REPLY_KIND = "reply"
#: channels whose queued replies the outbox dispatcher delivers (web: HTTP response; console: tty)
QUEUED_CHANNELS = frozenset({"telegram", "zalo"})
#: an answer arriving later than this is useless (the user has moved on or asked again)
REPLY_TTL = timedelta(hours=4)
#: queued parts get due_at one millisecond apart, so the outbox order matches the batch order
PART_SPACING = timedelta(milliseconds=1)
RETRYABLE = frozenset({DeliveryOutcome.RATE_LIMITED, DeliveryOutcome.TRANSIENT,
                       DeliveryOutcome.BAD_FORMAT})


class ReplyResult(StrEnum):
    """What happened to one reply of a batch."""

    SENT = "sent"
    QUEUED = "queued"  # in the outbox, pending
    AMBIGUOUS = "ambiguous"  # recorded, not resent
    BLOCKED = "blocked"  # recorded, account marked blocked
    FAILED = "failed"  # recorded, permanent refusal
    DROPPED = "dropped"  # not sent and not recorded (after a block, or a channel never queued)


WriteGuard = Callable[[], contextlib.AbstractAsyncContextManager[object]]
#: told (replies done, parts of the next one delivered) while more of a batch is left to send
Progress = Callable[[int, int], Awaitable[None]]


def _parts_of(progress: Progress | None, index: int) -> PartHook | None:
    """The part hook of reply `index`: its first parts delivered, the replies before it done."""
    if progress is None:
        return None

    async def delivered(parts: int) -> None:
        await progress(index, parts)
    return delivered


@dataclass
class _Batch:
    chat: ChatRef
    sender: Sender
    key: str
    official_id: int | None = None
    official_known: bool = False
    #: not_before of the first queued part: the later parts cannot go before it
    not_before: datetime | None = None


class ReplySender:
    """Sends replies in order; queues the retryable failures in the outbox (see module doc)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, *,
                 ttl: timedelta = REPLY_TTL, writes: WriteGuard | None = None,
                 new_key: Callable[[], str] | None = None) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._ttl = ttl
        self._writes: WriteGuard = writes or contextlib.nullcontext
        self._new_key = new_key or (lambda: uuid.uuid4().hex)

    async def deliver(self, chat: ChatRef, sender: Sender, replies: Sequence[OutgoingMessage],
                      channel: Channel, *, waiting: bool | None = None,
                      progress: Progress | None = None) -> list[ReplyResult]:
        """Send `replies` to `chat` in order; return what happened to each.

        `waiting`: whether earlier replies to the chat wait in the outbox, when the caller
        already asked (replies_waiting in the event's own transaction: the dispatcher);
        None: asked here. `progress` is awaited whenever more is left to send after a platform
        message went out (or a reply was queued or recorded): with how many replies are done
        and how many parts of the next one were delivered (a stored update records what is
        left, so that a crash there resends none of it: bot/channels/inbound_queue.py).
        """
        if not replies:
            return []
        queueable = channel.name in QUEUED_CHANNELS
        batch = _Batch(chat, sender, f"{REPLY_KIND}:{chat.channel}:{chat.chat_id}:{self._new_key()}")
        if queueable and waiting is None:
            async with reading(self._sessionmaker) as session:
                waiting = await replies_waiting(session, chat)
        queue_all = queueable and bool(waiting)
        results: list[ReplyResult] = []
        recorded = 0  # replies whose delivery `progress` was told
        for index, message in enumerate(replies):
            if index > recorded and progress is not None:  # the replies before this one are done
                await progress(index, 0)
                recorded = index
            if queue_all:
                await self._queue(batch, index, message, None)
                results.append(ReplyResult.QUEUED)
                continue
            try:
                with reporting_parts(_parts_of(progress, index)):
                    receipt = await channel.send(chat, message)
            except DeliveryError as exc:
                logger.warning("reply to %s not delivered: %s", chat, exc)
                if not queueable:
                    results.append(ReplyResult.DROPPED)
                    continue
                result = await self._failed(batch, index, message, exc)
                results.append(result)
                if result is ReplyResult.BLOCKED:
                    results += [ReplyResult.DROPPED] * (len(replies) - index - 1)
                    return results
                # after a queued or ambiguous part, direct sends could overtake it: queue the rest
                queue_all = result in (ReplyResult.QUEUED, ReplyResult.AMBIGUOUS)
                continue
            if receipt.moved_to is not None:  # the chat has a new id: the rest go there too
                if progress is not None and index + 1 < len(replies):
                    await progress(index + 1, 0)  # this reply is out, whatever the move does
                    recorded = index + 1
                await self._moved(batch, receipt.moved_to)
                chat = batch.chat
            results.append(ReplyResult.SENT)
        return results

    async def _moved(self, batch: _Batch, new: str) -> None:
        """Store the chat's new id (bot/db/chat_moves.py) and send the rest of the batch there.
        A failed move (SQLite busy, a PostgreSQL unique clash with a row the new chat just
        wrote) is logged, not raised: the reply just sent is out, and raising would stop the
        batch and resend it from the stored update. The move is idempotent and the platform's
        service message repeats it."""
        try:
            async with self._writes(), self._sessionmaker.begin() as session:
                await move_chat(session, batch.chat.channel, batch.chat.chat_id, new,
                                self._clock.now())
        except Exception:
            logger.exception("moving %s chat %s to %s failed", batch.chat.channel,
                             batch.chat.chat_id, new)
        batch.chat = replace(batch.chat, chat_id=new)

    async def _failed(self, batch: _Batch, index: int, message: OutgoingMessage,
                      exc: DeliveryError) -> ReplyResult:
        outcome = exc.outcome
        if outcome in RETRYABLE:
            await self._queue(batch, index, message, exc)
            return ReplyResult.QUEUED
        if outcome is DeliveryOutcome.AMBIGUOUS:
            await self._record(batch, index, message, exc, OutboxStatus.AMBIGUOUS, "ambiguous")
            return ReplyResult.AMBIGUOUS
        if outcome is DeliveryOutcome.BLOCKED:
            await self._record(batch, index, message, exc, OutboxStatus.FAILED_PERMANENT, "blocked")
            await self._mark_blocked(batch)
            return ReplyResult.BLOCKED
        await self._record(batch, index, message, exc, OutboxStatus.FAILED_PERMANENT,
                           exc.code or "permanent")
        return ReplyResult.FAILED

    async def _official_id(self, session: AsyncSession, batch: _Batch) -> int | None:
        if not batch.official_known:
            batch.official_id = (await session.execute(
                select(ChatAccount.official_id).where(
                    ChatAccount.channel == batch.chat.channel,
                    ChatAccount.external_id == batch.sender.user_id))).scalars().first()
            batch.official_known = True
        return batch.official_id

    async def _queue(self, batch: _Batch, index: int, message: OutgoingMessage,
                     exc: DeliveryError | None) -> None:
        now = self._clock.now()
        not_before = max(now, batch.not_before or now)
        payload = to_payload(message)
        values: dict[str, Any] = {"status": OutboxStatus.PENDING, "attempts": 0}
        if exc is not None:
            if exc.outcome is DeliveryOutcome.RATE_LIMITED:
                not_before = now + timedelta(seconds=max(exc.retry_after or 1.0, 0.0))
            else:
                values["attempts"] = 1  # the direct try counts towards max_attempts
            if exc.outcome is DeliveryOutcome.BAD_FORMAT:
                payload["plain"] = True
            elif exc.parts_sent:  # its first parts reached the chat: the outbox sends the rest
                payload = with_parts_sent(payload, exc.parts_sent)
            values.update(last_error_code=_code(exc), last_error=f"direct reply: {exc}"[:500])
        await self._insert(batch, index, payload, now, not_before, values)
        batch.not_before = batch.not_before or not_before
        logger.info("reply %s:%d to %s queued in the outbox", batch.key, index, batch.chat)

    async def _record(self, batch: _Batch, index: int, message: OutgoingMessage,
                      exc: DeliveryError, status: OutboxStatus, code: str) -> None:
        now = self._clock.now()
        await self._insert(batch, index, to_payload(message), now, now, {
            "status": status, "attempts": 1, "send_started_at": now,
            "last_error_code": code, "last_error": f"direct reply: {exc}"[:500]})

    async def _insert(self, batch: _Batch, index: int, payload: dict[str, Any],
                      now: datetime, not_before: datetime, values: dict[str, Any]) -> None:
        async with self._writes(), self._sessionmaker.begin() as session:
            await enqueue(session, NewRow(
                idem_key=f"{batch.key}:{index}", kind=REPLY_KIND,
                recipient_id=await self._official_id(session, batch),
                channel=batch.chat.channel, address=batch.chat.chat_id, payload=payload,
                due_at=now + PART_SPACING * index, not_before=not_before,
                expires_at=now + self._ttl, created_at=now, **values))

    async def _mark_blocked(self, batch: _Batch) -> None:
        """The user blocked the bot (private chat only: in a group, the chat is not theirs)."""
        if batch.chat.chat_id != batch.sender.user_id:
            return
        now = self._clock.now()
        async with self._writes(), self._sessionmaker.begin() as session:
            await mark_blocked(session, batch.chat.channel, now, external_id=batch.sender.user_id)


_OUTBOX = cast(Table, OutboxMessage.__table__)
#: built once: it runs before every batch of replies
_WAITING = (select(_OUTBOX.c.id)
            .where(in_fixed(_OUTBOX.c.status, [str(s) for s in IN_FLIGHT]),
                   _OUTBOX.c.kind == REPLY_KIND, _OUTBOX.c.channel == bindparam("p_channel"),
                   _OUTBOX.c.address == bindparam("p_address"))
            .limit(1))
#: the check as a statement (parameters p_channel, p_address): the dispatcher asks it as a column
#: of the statement loading the account
WAITING = _WAITING


async def replies_waiting(session: AsyncSession, chat: ChatRef) -> bool:
    """True when an earlier reply to this chat still waits in the outbox (its replies then queue
    behind it, so the chat receives them in order)."""
    found = (await session.execute(
        _WAITING, {"p_channel": chat.channel, "p_address": chat.chat_id})).first()
    return found is not None


def _code(exc: DeliveryError) -> str:
    return "429" if exc.outcome is DeliveryOutcome.RATE_LIMITED else exc.outcome.value
