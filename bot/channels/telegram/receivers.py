"""Receiving Telegram updates: start-up calls (getMe, menu, webhook), long polling and the webhook route."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from aiogram.exceptions import (
    AiogramError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.channels.http_edge import add_route, parse_json, raw_body
from bot.channels.telegram.inbound import TelegramInbound
from bot.channels.telegram.menu import install_menu
from bot.router import Router

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024
SETUP_RETRY_MAX = 60.0


# ---------------------------------------------------------------------------------- start-up

_T = TypeVar("_T")


async def _call_retrying(call: Callable[[], Awaitable[_T]], what: str) -> _T:
    """Call until it works: 429 waits retry_after, network/API errors back off (1 s … 60 s).

    TelegramUnauthorizedError (a wrong token) is not retried: it propagates to the caller.
    """
    delay = 1.0
    while True:
        try:
            return await call()
        except TelegramRetryAfter as exc:
            await asyncio.sleep(exc.retry_after)
        except TelegramUnauthorizedError:
            raise
        except (AiogramError, aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("%s failed (%s); retrying in %.0f s", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, SETUP_RETRY_MAX)


class _Startup:
    """getMe + menu + (setWebhook | deleteWebhook), retried in the background until it works."""

    def __init__(self, inbound: TelegramInbound, router: Router,
                 mode_setup: Callable[[], Awaitable[object]]) -> None:
        self._inbound = inbound
        self._router = router
        self._mode_setup = mode_setup
        self.done = asyncio.Event()

    async def run(self) -> None:
        try:
            await _call_retrying(self._setup_once, "telegram start-up")
        except TelegramUnauthorizedError:
            logger.error("telegram refused TROLY_TELEGRAM_TOKEN (401); telegram is off")
            return
        self.done.set()

    async def _setup_once(self) -> None:
        await self._inbound.identify()
        await install_menu(self._inbound.bot, self._router, self._inbound.sessionmaker,
                           self._inbound.clock)
        await self._mode_setup()


def _chat_key(update: Update) -> str:
    """Updates of one chat are handled in order; different chats concurrently."""
    if update.message is not None:
        return str(update.message.chat.id)
    if update.callback_query is not None:
        message = update.callback_query.message
        return str(message.chat.id if message is not None else update.callback_query.from_user.id)
    if update.my_chat_member is not None:
        return str(update.my_chat_member.chat.id)
    return f"u{update.update_id}"


class TelegramPolling:
    """Long polling (the default): getUpdates, handle the batch, then confirm it by offset."""

    def __init__(self, inbound: TelegramInbound, router: Router, *, poll_timeout: int) -> None:
        self._inbound = inbound
        self._bot = inbound.bot
        self._poll_timeout = poll_timeout
        self._startup = _Startup(inbound, router, self._delete_webhook)
        self._task: asyncio.Task[None] | None = None
        self._offset: int | None = None

    @property
    def ready(self) -> asyncio.Event:
        """Set once the start-up calls succeeded."""
        return self._startup.done

    async def _delete_webhook(self) -> None:
        await self._bot.delete_webhook(drop_pending_updates=False)  # getUpdates needs no webhook

    async def start(self) -> None:
        """Start polling in the background (start-up calls retried there)."""
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop polling; confirm what was handled so a restart does not fetch it again."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._offset is not None:
            # best effort: if it fails, the inbound_updates table drops them when they come again
            with contextlib.suppress(AiogramError, aiohttp.ClientError, TimeoutError):
                await self._bot.get_updates(offset=self._offset, limit=1, timeout=0,
                                            request_timeout=5)

    async def _run(self) -> None:
        await self._startup.run()
        if not self._startup.done.is_set():
            return
        while True:
            try:
                updates = await _call_retrying(self._get_updates, "getUpdates")
            except TelegramUnauthorizedError:
                logger.error("telegram refused TROLY_TELEGRAM_TOKEN (401); polling stopped")
                return
            if updates:
                await self._handle_batch(updates)
                self._offset = updates[-1].update_id + 1

    async def _get_updates(self) -> list[Update]:
        return await self._bot.get_updates(
            offset=self._offset, timeout=self._poll_timeout,
            allowed_updates=ALLOWED_UPDATES, request_timeout=self._poll_timeout + 10)

    async def _handle_batch(self, updates: list[Update]) -> None:
        by_chat: dict[str, list[Update]] = defaultdict(list)
        for update in updates:
            by_chat[_chat_key(update)].append(update)

        async def one_chat(batch: list[Update]) -> None:
            for update in batch:
                await self._inbound.process(update)

        await asyncio.gather(*(one_chat(batch) for batch in by_chat.values()))


class TelegramWebhook:
    """Webhook mode: POST route checking the secret header; setWebhook on start.

    Acknowledging: the update is handled in a task and the request waits for it at most
    `ack_seconds`. Text and buttons finish in milliseconds, so Telegram gets its 200 after the
    reply was committed and sent (a crash before that makes Telegram retry; dedupe drops
    repeats). A slow update (large file ingest) is acknowledged at the deadline and finishes in
    the background, so Telegram never times out and re-sends it while it is still running.
    """

    def __init__(self, inbound: TelegramInbound, router: Router, *, url: str, secret: str,
                 path: str, ack_seconds: float) -> None:
        self._inbound = inbound
        self._url = url
        self._secret = secret
        self.path = path
        self._ack_seconds = ack_seconds
        self._startup = _Startup(inbound, router, self._set_webhook)
        self._startup_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    @property
    def ready(self) -> asyncio.Event:
        """Set once the start-up calls succeeded."""
        return self._startup.done

    def add_route(self, web_app: web.Application) -> None:
        """Register POST <path> on troly's web server."""
        add_route(web_app, "POST", self.path, self.handle, max_body=MAX_UPDATE_BYTES)

    async def _set_webhook(self) -> None:
        await self._inbound.bot.set_webhook(self._url, secret_token=self._secret,
                                            allowed_updates=ALLOWED_UPDATES,
                                            drop_pending_updates=False)

    async def start(self) -> None:
        """setWebhook (and menu) in the background; the route already accepts updates."""
        self._startup_task = asyncio.create_task(self._startup.run(), name="telegram-setup")

    async def stop(self) -> None:
        """Finish updates in flight. The webhook stays set: other processes may still serve it."""
        if self._startup_task is not None:
            self._startup_task.cancel()
            await asyncio.gather(self._startup_task, return_exceptions=True)
        if self._background:
            await asyncio.wait(self._background, timeout=30)

    async def handle(self, request: web.Request) -> web.Response:
        """POST from Telegram: 401 on a wrong secret, 400 on a malformed body, else 200."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret.encode()):
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        try:  # the whole body, read under MAX_UPDATE_BYTES by the edge middleware
            update = Update.model_validate(parse_json(raw_body(request)),
                                           context={"bot": self._inbound.bot})
        except (ValueError, ValidationError):  # BadJson is a ValueError
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        task = asyncio.create_task(self._inbound.process(update))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        await asyncio.wait({task}, timeout=self._ack_seconds)
        return web.json_response({"ok": True})
