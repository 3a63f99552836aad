"""The Telegram menu's own reads and writes (each in its own transaction); every inbound update
goes through the dispatcher."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import ChatAccount, Official, TelegramMenu

logger = logging.getLogger(__name__)
CHANNEL = "telegram"


async def privileged_chats(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    """(chat_id, role) of active Telegram accounts of active heads, deputies and admins."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(ChatAccount.chat_id, Official.role)
            .join(Official, Official.id == ChatAccount.official_id)
            .where(ChatAccount.channel == CHANNEL, ChatAccount.status == "active",
                   Official.status == "active", Official.role.in_(("head", "deputy", "admin")))
            .order_by(ChatAccount.id)
        )
        return [(str(chat_id), str(role)) for chat_id, role in rows.all()]


async def menu_roles(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """chat_id → role of the per-chat menus set so far (bot/channels/telegram/menu.py)."""
    async with sessionmaker() as session:
        rows = await session.execute(select(TelegramMenu.chat_id, TelegramMenu.role))
        return {str(chat_id): str(role) for chat_id, role in rows.all()}


async def record_menu(sessionmaker: async_sessionmaker[AsyncSession], chat_id: str,
                      role: str | None, now: datetime) -> None:
    """Remember the role whose menu a chat now has (None: the chat has the default menu)."""
    async with sessionmaker.begin() as session:
        row = await session.get(TelegramMenu, chat_id)
        if role is None:
            if row is not None:
                await session.delete(row)
        elif row is None:
            session.add(TelegramMenu(chat_id=chat_id, role=role, set_at=now))
        else:
            row.role, row.set_at = role, now
