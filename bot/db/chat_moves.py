"""A chat the platform gave a new id (a Telegram group upgraded to a supergroup: the same people,
a new chat id, and the old one refuses every message). What troly stores for the chat moves to
the new id in one transaction: messages still to go out, conversation state, used keyboards,
and a chat account whose chat it is. Idempotent: moving again, or a chat already moved, changes
nothing. Platform neutral: the channel edges call it with the ids they were told."""

from __future__ import annotations

import logging
from datetime import datetime

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
    taken_users = select(ConversationState.user_id).where(
        ConversationState.channel == channel, ConversationState.chat_id == new)
    await session.execute(delete(ConversationState).where(
        ConversationState.channel == channel, ConversationState.chat_id == old,
        ConversationState.user_id.in_(taken_users.scalar_subquery()))
        .execution_options(synchronize_session=False))
    await session.execute(update(ConversationState).where(
        ConversationState.channel == channel, ConversationState.chat_id == old)
        .values(chat_id=new).execution_options(synchronize_session=False))
    taken_keyboards = select(UsedKeyboard.keyboard).where(
        UsedKeyboard.channel == channel, UsedKeyboard.chat_id == new)
    await session.execute(delete(UsedKeyboard).where(
        UsedKeyboard.channel == channel, UsedKeyboard.chat_id == old,
        UsedKeyboard.keyboard.in_(taken_keyboards.scalar_subquery()))
        .execution_options(synchronize_session=False))
    await session.execute(update(UsedKeyboard).where(
        UsedKeyboard.channel == channel, UsedKeyboard.chat_id == old)
        .values(chat_id=new).execution_options(synchronize_session=False))
    await session.execute(update(ChatAccount).where(
        ChatAccount.channel == channel, ChatAccount.chat_id == old)
        .values(chat_id=new).execution_options(synchronize_session=False))
    logger.info("%s chat %s moved to %s (%d queued messages readdressed)", channel, old, new,
                moved)
