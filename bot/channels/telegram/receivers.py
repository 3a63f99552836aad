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
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.http_edge import add_route, encoded_json, parse_json, raw_body
from bot.channels.telegram.inbound import TelegramInbound
from bot.channels.telegram.menu import install_menu
from bot.channels.telegram.parse import chat_key, read_update
from bot.router import Router

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024
SETUP_RETRY_MAX = 60.0
#: polling: wait this long before fetching a batch again that could not be stored
STORE_RETRY_SECONDS = 5.0


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
            # best effort: if it fails, their stored rows (inbound_events) drop them on return
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
                try:
                    await self._handle_batch(updates)
                except SQLAlchemyError:  # not stored: not confirmed, fetched again
                    logger.exception("storing telegram updates failed; fetching them again")
                    await asyncio.sleep(STORE_RETRY_SECONDS)
                    continue
                self._offset = updates[-1].update_id + 1

    async def _get_updates(self) -> list[Update]:
        return await self._bot.get_updates(
            offset=self._offset, timeout=self._poll_timeout,
            allowed_updates=ALLOWED_UPDATES, request_timeout=self._poll_timeout + 10)

    async def _handle_batch(self, updates: list[Update]) -> None:
        """Store the batch (one commit), then handle each chat's updates in order; a repeat
        already stored is left to whoever holds it (or to the recovery loop)."""
        rows = await asyncio.gather(*(self._inbound.store(update) for update in updates))
        by_chat: dict[str, list[tuple[int, Update]]] = defaultdict(list)
        for row_id, update in zip(rows, updates, strict=True):
            if row_id is not None:
                by_chat[chat_key(update)].append((row_id, update))

        async def one_chat(batch: list[tuple[int, Update]]) -> None:
            for row_id, update in batch:
                await self._inbound.queue.run(row_id, update)

        await asyncio.gather(*(one_chat(batch) for batch in by_chat.values()))


class TelegramWebhook:
    """Webhook mode: POST route checking the secret header; setWebhook on start.

    Acknowledging: the update is stored first (not stored: 503, Telegram retries), then handled
    in a task and the request waits for it at most `ack_seconds`. Text and buttons finish in
    milliseconds, so Telegram gets its 200 after the reply was committed and sent. A slow update
    (large file ingest) is acknowledged at the deadline and finishes in the background, so
    Telegram never times out and re-sends it while it is still running; a process dying
    meanwhile leaves the stored update to the recovery loop (bot/channels/inbound_queue.py).
    """

    def __init__(self, inbound: TelegramInbound, router: Router, *, url: str, secret: str,
                 path: str, ack_seconds: float) -> None:
        self._inbound = inbound
        self._url = url
        self._secret = secret
        self._secret_bytes = secret.encode()
        self.path = path
        self._ack_seconds = ack_seconds
        self._startup = _Startup(inbound, router, self._set_webhook)
        self._startup_task: asyncio.Task[None] | None = None
        self._closing = False

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
        self._closing = False
        self._startup_task = asyncio.create_task(self._startup.run(), name="telegram-setup")

    async def stop(self) -> None:
        """Refuse new updates (503: Telegram retries); the updates in flight finish in the queue.
        The webhook stays set: other processes may still serve it."""
        self._closing = True
        if self._startup_task is not None:
            self._startup_task.cancel()
            await asyncio.gather(self._startup_task, return_exceptions=True)

    async def handle(self, request: web.Request) -> web.Response:
        """POST from Telegram: 401 on a wrong secret, 400 on a malformed body, 503 when it could
        not be stored (or troly is stopping), else 200."""
        if self._closing:  # another process may take it
            return web.json_response({"ok": False, "error": "shutting down"}, status=503)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._secret_bytes):
            return web.json_response({"ok": False, "error": "unauthorized"}, status=401)
        raw = raw_body(request)  # the whole body, read under MAX_UPDATE_BYTES by the edge
        try:
            # a plain text message is read lightly, anything else validated by aiogram
            update = read_update(parse_json(raw), bot=self._inbound.bot)
        except (ValueError, ValidationError):  # BadJson is a ValueError
            return web.json_response({"ok": False, "error": "malformed update"}, status=400)
        try:
            row_id = await self._inbound.store(update, raw.decode("utf-8", "replace"))
        except SQLAlchemyError:  # not stored: no 200, so Telegram sends it again
            logger.exception("storing telegram update %s failed", update.update_id)
            return web.json_response({"ok": False, "error": "storage unavailable"}, status=503)
        if row_id is not None:  # None: Telegram sent it again; it is stored already
            await _finished_or_late(self._inbound.queue.spawn(row_id, update), self._ack_seconds)
        return encoded_json(OK_BODY)


#: the webhook's 200, encoded once: the JSON of web.json_response({"ok": True})
OK_BODY = b'{"ok": true}'


async def _finished_or_late(task: asyncio.Task[None], seconds: float) -> None:
    """Wait until `task` is done or `seconds` have passed, whichever is first; `task` runs on
    either way (asyncio.wait({task}, timeout=seconds), without its sets and checks)."""
    if task.done():
        return
    waiter = asyncio.get_running_loop().create_future()

    def wake(_: object = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    task.add_done_callback(wake)
    late = waiter.get_loop().call_later(seconds, wake)
    try:
        await waiter
    finally:
        late.cancel()
        task.remove_done_callback(wake)
