"""The web chat's mailbox: outbox rows of channel 'web' that wait for the page or an API client.

A web session has no push channel: a reminder is deposited (status 'awaiting_fetch') by the outbox
dispatcher, returned by every fetch until the client acknowledges it, and only then recorded as
'sent'. The client acknowledges with a cursor, "everything up to id N arrived", sent with its next
fetch; a response lost on the way is therefore fetched again, by any process (the rows are in the
database). Unfetched rows expire (their own expiry, or the mailbox's time to live).

The rows' writes are bot/outbox.py's (deposit, acknowledge, expire_unfetched); this module
reads them and says what the web's are (channel 'web', kind 'notice', addressed by session).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.db.models import OutboxMessage
from bot.outbox import NewRow, OutboxStatus

WEB = "web"
#: outbox kind of a message deposited directly (not planned by the scheduler)
NOTICE_KIND = "notice"
#: messages returned by one fetch; the client acknowledges them and fetches the rest
FETCH_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Waiting:
    """A deposited message: its id (the acknowledgement cursor), recipient and stored payload."""

    id: int
    recipient_id: int | None
    payload: dict[str, Any]


async def acknowledge(session: AsyncSession, address: str, up_to: int, now: datetime) -> int:
    """Record every message of `address` with id ≤ up_to as delivered ('sent'); how many."""
    if up_to <= 0:
        return 0
    return await outbox.acknowledge(session, WEB, address, up_to, now)


async def unacknowledged(session: AsyncSession, address: str, up_to: int) -> bool:
    """Whether `acknowledge(…, up_to)` has anything to mark (read before taking a write lock)."""
    if up_to <= 0:
        return False
    found = (await session.execute(
        select(OutboxMessage.id)
        .where(OutboxMessage.channel == WEB, OutboxMessage.address == address,
               OutboxMessage.status == OutboxStatus.AWAITING_FETCH, OutboxMessage.id <= up_to)
        .limit(1))).first()
    return found is not None


async def waiting(session: AsyncSession, address: str, now: datetime, *, after: int = 0,
                  limit: int = FETCH_LIMIT) -> list[Waiting]:
    """The unexpired messages waiting for `address` with ids above `after`, oldest first."""
    rows = (await session.execute(
        select(OutboxMessage.id, OutboxMessage.recipient_id, OutboxMessage.payload)
        .where(OutboxMessage.channel == WEB, OutboxMessage.address == address,
               OutboxMessage.status == OutboxStatus.AWAITING_FETCH, OutboxMessage.id > after,
               or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now))
        .order_by(OutboxMessage.id)
        .limit(limit))).all()
    return [Waiting(int(row_id), recipient, dict(payload)) for row_id, recipient, payload in rows]


async def put(session: AsyncSession, address: str, payload: dict[str, Any], now: datetime,
              ttl: timedelta, *, recipient_id: int | None = None) -> int:
    """Deposit a message that did not come through the outbox dispatcher; returns its id."""
    return await outbox.deposit(session, NewRow(
        idem_key=f"{NOTICE_KIND}:{WEB}:{address}:{uuid.uuid4().hex}", kind=NOTICE_KIND,
        recipient_id=recipient_id, channel=WEB, address=address, payload=payload, due_at=now,
        not_before=now, expires_at=now + ttl, created_at=now))


async def expire(session: AsyncSession, now: datetime) -> int:
    """Record messages nobody fetched in time as 'expired' (maintenance); how many."""
    return await outbox.expire_unfetched(session, WEB, now)
