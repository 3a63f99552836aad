"""Inbound webhook events stored before they are acknowledged (table `inbound_events`).

The edge stores the raw body under the platform's event key, then answers 200: a crash after that
loses nothing. The storing process holds a lease on the row and processes it at once; a row whose
lease ran out (its process died) is taken again by any process. The effect happens once because the
dispatcher records the key in `inbound_updates` inside the event's own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import InboundEventRow

#: longest error text kept on a row
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One stored event, as a worker sees it."""

    id: int
    channel: str
    event_key: str
    chat_id: str
    body: str
    attempts: int


async def store(sessionmaker: async_sessionmaker[AsyncSession], *, channel: str, event_key: str,
                chat_id: str, body: str, now: datetime, lease: timedelta) -> int | None:
    """Insert (and commit) the event, leased to the caller; None when its key is already stored."""
    row = InboundEventRow(channel=channel, event_key=event_key, chat_id=chat_id, body=body,
                          received_at=now, status="pending", attempts=1,
                          lease_until=now + lease)
    try:
        async with sessionmaker.begin() as session:
            session.add(row)
    except IntegrityError:  # a platform retry (or a concurrent copy of it) of a stored event
        return None
    return row.id


async def finish(sessionmaker: async_sessionmaker[AsyncSession], row_id: int, now: datetime,
                 *, error: str | None = None) -> None:
    """Mark a row processed (done), keeping the error text of a handled failure if any."""
    async with sessionmaker.begin() as session:
        await session.execute(
            update(InboundEventRow).where(InboundEventRow.id == row_id)
            .values(status="done", processed_at=now, lease_until=None,
                    last_error=error[:MAX_ERROR_CHARS] if error else None))


async def release(sessionmaker: async_sessionmaker[AsyncSession], row_id: int, error: str,
                  *, max_attempts: int) -> None:
    """Processing raised: leave the row for a later attempt, or give up after `max_attempts`."""
    async with sessionmaker.begin() as session:
        row = await session.get(InboundEventRow, row_id)
        if row is None or row.status != "pending":
            return
        row.last_error = error[:MAX_ERROR_CHARS]
        if row.attempts >= max_attempts:
            row.status, row.lease_until = "failed", None
        # else the lease stays: the row is retried when it runs out (a back-off of one lease)


async def due(sessionmaker: async_sessionmaker[AsyncSession], channel: str, now: datetime,
              limit: int) -> list[int]:
    """Ids of pending rows nobody holds (never leased, or the lease ran out), oldest first."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(InboundEventRow.id)
            .where(InboundEventRow.channel == channel, InboundEventRow.status == "pending",
                   or_(InboundEventRow.lease_until.is_(None), InboundEventRow.lease_until < now))
            .order_by(InboundEventRow.id).limit(limit))
        return [int(i) for i in rows.scalars().all()]


async def claim(sessionmaker: async_sessionmaker[AsyncSession], row_id: int, now: datetime,
                lease: timedelta) -> StoredEvent | None:
    """Take a due row (guarded update: two processes never both win); None if someone else did."""
    async with sessionmaker.begin() as session:
        result = await session.execute(
            update(InboundEventRow)
            .where(InboundEventRow.id == row_id, InboundEventRow.status == "pending",
                   or_(InboundEventRow.lease_until.is_(None), InboundEventRow.lease_until < now))
            .values(lease_until=now + lease, attempts=InboundEventRow.attempts + 1))
        if not getattr(result, "rowcount", 0):
            return None
        row = await session.get(InboundEventRow, row_id)
        assert row is not None
        return StoredEvent(id=row.id, channel=row.channel, event_key=row.event_key,
                           chat_id=row.chat_id, body=row.body, attempts=row.attempts)


async def purge(sessionmaker: async_sessionmaker[AsyncSession], channel: str,
                before: datetime) -> int:
    """Delete processed rows received before `before` (retries of them can no longer come)."""
    async with sessionmaker.begin() as session:
        result = await session.execute(
            delete(InboundEventRow)
            .where(InboundEventRow.channel == channel, InboundEventRow.status == "done",
                   InboundEventRow.received_at < before))
        return int(getattr(result, "rowcount", 0) or 0)
