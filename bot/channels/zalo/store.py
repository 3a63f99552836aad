"""The one database write the Zalo webhook does itself, outside the dispatcher: seen receipts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import OutboxMessage

CHANNEL = "zalo"


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
