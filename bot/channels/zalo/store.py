"""The few database writes the Zalo webhook does itself, outside the dispatcher (one transaction each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import inbound_store
from bot.db.models import ChatAccount, InboundUpdate, OutboxMessage

CHANNEL = "zalo"


async def record_interaction(sessionmaker: async_sessionmaker[AsyncSession], user_id: str,
                             key: str, now: datetime, *, row_id: int,
                             replies: list[dict[str, Any]]) -> None:
    """Record an event handled outside the dispatcher, that the user interacted now, and the
    replies to send on its stored row (status 'answered'), all in one transaction.

    Raises IntegrityError when the key was recorded before (nothing is changed then). Zalo counts
    any message or click as an interaction that reopens its reply window, so a location or a
    voice message renews `last_inbound_at` like a typed one.
    """
    async with sessionmaker.begin() as session:
        session.add(InboundUpdate(channel=CHANNEL, update_id=key, received_at=now))
        await session.flush()
        await session.execute(
            update(ChatAccount)
            .where(ChatAccount.channel == CHANNEL, ChatAccount.external_id == user_id)
            .values(last_inbound_at=now))
        await inbound_store.answered(session, row_id, replies)


async def mark_seen(sessionmaker: async_sessionmaker[AsyncSession], user_id: str,
                    message_ids: Sequence[str], at: datetime) -> int:
    """Stamp `seen_at` on the outbox rows (digests, reminders) the user's app showed; how many.

    A message sent in several parts keeps the id of its last part, which is what a phone reports
    as seen once the whole message was shown.
    """
    if not message_ids:
        return 0
    async with sessionmaker.begin() as session:
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == CHANNEL, OutboxMessage.address == user_id,
                   OutboxMessage.provider_message_id.in_(list(message_ids)),
                   OutboxMessage.seen_at.is_(None))
            .values(seen_at=at))
        return int(getattr(result, "rowcount", 0) or 0)
