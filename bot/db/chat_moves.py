"""A chat the platform gave a new id (a Telegram group upgraded to a supergroup: the same people,
a new chat id, and the old one refuses every message). What troly stores for the chat moves to
the new id in one transaction: messages still to go out, conversation state, used keyboards,
and a chat account whose chat it is. Idempotent: moving again, or a chat already moved, changes
nothing. Platform neutral: the channel edges call it with the ids they were told."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ChatAccount, ConversationState, UsedKeyboard
from bot.outbox import readdress_unsent

logger = logging.getLogger(__name__)


async def move_chat(session: AsyncSession, channel: str, old: str, new: str,
                    now: datetime) -> None:
    """Move the chat `old` of `channel` to `new`, in the caller's transaction. Where the new
    chat already has its own state for a user (or keyboard), that one is kept."""
    if old == new:
        return
    moved = await readdress_unsent(session, channel, old, new, now)
    await _move_keyed(session, ConversationState, ConversationState.user_id, channel, old, new)
    await _move_keyed(session, UsedKeyboard, UsedKeyboard.keyboard, channel, old, new)
    await session.execute(update(ChatAccount).where(
        ChatAccount.channel == channel, ChatAccount.chat_id == old)
        .values(chat_id=new).execution_options(synchronize_session=False))
    logger.info("%s chat %s moved to %s (%d queued messages readdressed)", channel, old, new,
                moved)


async def _move_keyed(session: AsyncSession, model: type[ConversationState] | type[UsedKeyboard],
                      key: Any, channel: str, old: str, new: str) -> None:
    """Move `model`'s rows of chat `old` to `new`; a row whose `key` the new chat already has
    is dropped (the new chat's own one is kept), so the move meets no unique clash."""
    taken = select(key).where(model.channel == channel, model.chat_id == new)
    await session.execute(delete(model).where(
        model.channel == channel, model.chat_id == old, key.in_(taken.scalar_subquery()))
        .execution_options(synchronize_session=False))
    await session.execute(update(model).where(model.channel == channel, model.chat_id == old)
                          .values(chat_id=new).execution_options(synchronize_session=False))
