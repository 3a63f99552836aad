"""The Telegram "/" menu in Vietnamese, from the router's commands, per role (setMyCommands)."""

from __future__ import annotations

import asyncio
import contextlib
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

from bot.channels.telegram.store import menu_roles, privileged_chats, record_menu
from bot.clock import Clock
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
        # a command behind a finer permission (/chuatraloi: the unit owns a guide) would be refused
        # to most who see it: only admins, who always pass, get it in the menu (others who may use
        # it find it in /trogiup, which checks the permission)
        if command.may_use is not None and "admin" not in roles:
            continue
        if any(role in command.roles for role in roles):
            entries.append(BotCommand(command=name,
                                      description=command.description[:MAX_DESCRIPTION]))
    return entries[:MAX_COMMANDS]


async def install_menu(bot: Bot, router: Router,
                       sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Default menu for everyone, a shorter one in groups (only group-safe commands), then each
    head's, deputy's and admin's private chat its own (sync_chat_menus). Returns the number of
    chat menus changed."""
    await bot.set_my_commands(menu_for(router, EVERYONE), scope=BotCommandScopeDefault())
    # in groups only what is answered there (chat-scoped menus are private chats)
    await bot.set_my_commands(menu_for(router, EVERYONE, groups=True),
                              scope=BotCommandScopeAllGroupChats())
    return await sync_chat_menus(bot, router, sessionmaker, clock)


async def sync_chat_menus(bot: Bot, router: Router,
                          sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, *,
                          failed: dict[str, str | None] | None = None) -> int:
    """Make each private chat's menu match its official's role now: a new head or admin gets
    the longer menu, one who lost the role (or whose app was unbound) gets the default back.

    What was set is remembered per chat (telegram_menus), so only changes call Telegram. A chat
    Telegram refuses (blocked the bot, deleted) is logged, kept in `failed` and not retried
    until its wanted menu changes. Returns the number of chats changed.
    """
    default = menu_for(router, EVERYONE)
    wanted: dict[str, str] = {}
    for chat_id, role in await privileged_chats(sessionmaker):
        if menu_for(router, (role, *EVERYONE)) != default:
            wanted[chat_id] = role
    have = await menu_roles(sessionmaker)
    changed = 0
    for chat_id in sorted(set(wanted) | set(have)):
        want = wanted.get(chat_id)
        if have.get(chat_id) == want:
            continue
        if failed is not None and chat_id in failed and failed[chat_id] == want:
            continue
        scope = BotCommandScopeChat(chat_id=int(chat_id))
        try:
            if want is None:
                await bot.delete_my_commands(scope=scope)
            else:
                await bot.set_my_commands(menu_for(router, (want, *EVERYONE)), scope=scope)
        except AiogramError as exc:  # one stale chat must not stop the others or the start
            logger.warning("menu for telegram chat %s not changed: %s", chat_id, exc)
            if failed is not None:
                failed[chat_id] = want
            if want is not None:
                continue
            # a chat scope Telegram refuses to delete is gone anyway: forget it
        await record_menu(sessionmaker, chat_id, want, clock.now())
        if failed is not None:
            failed.pop(chat_id, None)
        changed += 1
    return changed


class MenuSync:
    """Keeps per-chat menus in step with roles: at once when this process changed a role
    (Deps.role_listeners), and every `interval` seconds for changes made elsewhere (the CLI,
    an import in another process)."""

    def __init__(self, bot: Bot, router: Router, sessionmaker: async_sessionmaker[AsyncSession],
                 clock: Clock, ready: asyncio.Event, *, interval: float) -> None:
        self._bot, self._router, self._sessionmaker, self._clock = bot, router, sessionmaker, clock
        self._ready = ready
        self._interval = interval
        self._wake = asyncio.Event()
        self._failed: dict[str, str | None] = {}
        self._task: asyncio.Task[None] | None = None
        #: completed passes (tests wait on it)
        self.passes = 0

    def roles_changed(self) -> None:
        """A role listener: sync soon (called after the commit, on the event loop)."""
        self._wake.set()

    async def start(self) -> None:
        """Run in the background once Telegram's start-up is done."""
        self._task = asyncio.create_task(self._run(), name="telegram-menu-sync")

    async def stop(self) -> None:
        """Stop the loop."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        await self._ready.wait()  # the start-up already synced once
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            try:
                await sync_chat_menus(self._bot, self._router, self._sessionmaker, self._clock,
                                      failed=self._failed)
            except Exception:  # the database or Telegram away: try again next time
                logger.exception("telegram menu sync failed")
            self.passes += 1
