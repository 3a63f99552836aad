"""Builds the Telegram channel from settings and hands its parts to the composition root (bot/app.py)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from aiogram import Bot
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.inbound_queue import InboundQueue, QueueTiming
from bot.channels.telegram.channel import TelegramChannel, make_bot
from bot.channels.telegram.inbound import TelegramInbound
from bot.channels.telegram.menu import MenuSync
from bot.channels.telegram.parse import TelegramUpdate
from bot.channels.telegram.receivers import TelegramPolling, TelegramWebhook
from bot.clock import Clock
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.router import Router

logger = logging.getLogger(__name__)

DEFAULT_WEBHOOK_PATH = "/telegram/webhook"


class _SessionCloser:
    """Closes the aiogram HTTP session; listed first so it stops last."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def start(self) -> None:
        """Nothing: the session opens on first use."""

    async def stop(self) -> None:
        """Close the HTTP session."""
        await self._bot.session.close()


# ---------------------------------------------------------------------------------- wiring


def webhook_secret(settings: Settings) -> str:
    """TROLY_TELEGRAM_WEBHOOK_SECRET, or one derived from the token (same in every process)."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    assert settings.telegram_token is not None
    token = settings.telegram_token.get_secret_value().encode()
    return hashlib.sha256(b"troly-telegram-webhook:" + token).hexdigest()[:48]


def webhook_route(url: str) -> tuple[str, str]:
    """(URL to register, local path): a bare https://host gets /telegram/webhook appended."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path=DEFAULT_WEBHOOK_PATH)), DEFAULT_WEBHOOK_PATH
    return url, parts.path


@dataclass
class TelegramParts:
    """What attach_telegram built, for the composition root to register (tests reach in)."""

    bot: Bot
    channel: TelegramChannel
    inbound: TelegramInbound
    receiver: TelegramPolling | TelegramWebhook
    menus: MenuSync

    def add_routes(self, web_app: web.Application) -> None:
        """Webhook mode: POST <path> on troly's one web server (polling needs no route)."""
        if isinstance(self.receiver, TelegramWebhook):
            self.receiver.add_route(web_app)

    def components(self) -> list[_SessionCloser | InboundQueue[TelegramUpdate] | TelegramPolling
                                 | TelegramWebhook | MenuSync]:
        """Started in this order, stopped in reverse: the receiver stops taking updates, the
        queue finishes those in flight, the HTTP session closes last."""
        return [_SessionCloser(self.bot), self.inbound.queue, self.receiver, self.menus]


def attach_telegram(settings: Settings, *, dispatcher: Dispatcher, router: Router,
                    sessionmaker: async_sessionmaker[AsyncSession],
                    clock: Clock) -> TelegramParts | None:
    """The channel, its polling or webhook receiver and menu sync when TROLY_TELEGRAM_TOKEN is
    set (None otherwise); the composition root registers them."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        return None
    bot = make_bot(settings)
    channel = TelegramChannel(bot)
    limit_mb = min(settings.max_upload_mb, settings.telegram_max_download_mb)
    inbound = TelegramInbound(bot, channel, dispatcher, sessionmaker, clock,
                              max_download_bytes=limit_mb * 1024 * 1024,
                              typing_after=settings.telegram_typing_after_seconds,
                              timing=QueueTiming(
                                  lease=timedelta(seconds=settings.telegram_inbound_lease_seconds),
                                  poll_seconds=settings.telegram_inbound_poll_seconds,
                                  max_attempts=settings.telegram_inbound_max_attempts,
                                  keep=timedelta(days=settings.telegram_inbound_keep_days)))
    receiver: TelegramPolling | TelegramWebhook
    if settings.telegram_webhook_url:
        url, path = webhook_route(settings.telegram_webhook_url)
        receiver = TelegramWebhook(inbound, router, url=url, secret=webhook_secret(settings),
                                   path=path, ack_seconds=settings.telegram_webhook_ack_seconds)
    else:
        receiver = TelegramPolling(inbound, router,
                                   poll_timeout=settings.telegram_poll_timeout_seconds)
    menus = MenuSync(bot, router, sessionmaker, clock, receiver.ready,
                     interval=settings.telegram_menu_sync_seconds)
    return TelegramParts(bot, channel, inbound, receiver, menus)
