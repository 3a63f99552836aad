"""The Telegram "/" menu in Vietnamese, from the router's commands, per role (setMyCommands)."""

from __future__ import annotations

import logging
import re

from aiogram import Bot
from aiogram.exceptions import AiogramError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.telegram_store import privileged_chats
from bot.router import Router

COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_COMMANDS = 100
MAX_DESCRIPTION = 256
#: the default menu is what an ordinary (or not yet registered) user may use
EVERYONE = ("guest", "official")

logger = logging.getLogger(__name__)


def menu_for(router: Router, roles: tuple[str, ...], *,
             groups: bool = False) -> list[BotCommand]:
    """Menu entries (canonical name, Vietnamese description) usable by any of `roles` (with
    `groups`: only those answered in a group chat)."""
    entries: list[BotCommand] = []
    for command in router.command_list:
        name = command.names[0]
        if not command.in_menu or not COMMAND_RE.match(name) or (groups and not command.group_safe):
            continue
        if any(role in command.roles for role in roles):
            entries.append(BotCommand(command=name,
                                      description=command.description[:MAX_DESCRIPTION]))
    return entries[:MAX_COMMANDS]


async def install_menu(bot: Bot, router: Router,
                       sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """Default menu for everyone, a shorter one in groups; heads/deputies/admins get theirs per
    private chat. Returns the number of chat-specific menus set.

    Scopes set for a chat stay until replaced: an official who loses a role keeps the longer
    menu until the next change (the commands themselves are still refused by the core).
    """
    default = menu_for(router, EVERYONE)
    await bot.set_my_commands(default, scope=BotCommandScopeDefault())
    # in groups only what is answered there (chat-scoped menus below are private chats)
    await bot.set_my_commands(menu_for(router, EVERYONE, groups=True),
                              scope=BotCommandScopeAllGroupChats())
    done = 0
    for chat_id, role in await privileged_chats(sessionmaker):
        commands = menu_for(router, (role, *EVERYONE))
        if commands == default:
            continue
        try:
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=int(chat_id)))
            done += 1
        except AiogramError as exc:  # one stale chat must not stop the others or the start
            logger.warning("menu for telegram chat %s not set: %s", chat_id, exc)
    return done
