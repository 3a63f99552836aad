"""The aiohttp route POST /zalo/webhook: verify, acknowledge at once, process in the background."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.http_edge import add_route, parse_json, raw_body
from bot.channels.zalo.api import ZaloError
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.webhook import (
    MalformedEvent,
    UnsupportedMedia,
    envelope_timestamp,
    event_time,
    file_url,
    parse_event,
    verify_signature,
)
from bot.clock import Clock
from bot.db.models import InboundUpdate
from bot.dispatcher import Dispatcher
from bot.events import FileReceived, InboundEvent
from bot.messages import OutgoingMessage
from bot.texts import common as C
from bot.texts import zalo as T

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/webhook"
#: webhook bodies are small JSON envelopes (files come as URLs)
MAX_BODY_BYTES = 256 * 1024


class ZaloWebhook:
    """Handles Zalo webhook requests; a component whose stop() waits for work in flight."""

    def __init__(self, *, channel: ZaloChannel, dispatcher: Dispatcher,
                 sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, app_id: str,
                 oa_secret_key: str, max_age: timedelta, max_upload_bytes: int) -> None:
        self._channel = channel
        self._dispatcher = dispatcher
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._app_id = app_id
        self._oa_secret_key = oa_secret_key
        self._max_age = max_age
        self._max_upload_bytes = max_upload_bytes
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    def add_route(self, web_app: web.Application) -> None:
        """Register POST /zalo/webhook on the one web server."""
        add_route(web_app, "POST", WEBHOOK_PATH, self.handle, max_body=MAX_BODY_BYTES)

    async def handle(self, request: web.Request) -> web.Response:
        """Verify one webhook request, answer 200 at once, process the event after."""
        if self._closing:  # shutting down: Zalo retries later, another process may take it
            return _status(503, "shutting down")
        raw = raw_body(request)  # read whole, under MAX_BODY_BYTES, by the edge middleware
        try:
            payload = parse_json(raw)
            if not isinstance(payload, dict):
                raise MalformedEvent("not a JSON object")
            # the signature covers the timestamp, so it must be readable before verifying
            timestamp = envelope_timestamp(payload)
        except ValueError:  # MalformedEvent and BadJson are ValueErrors
            return _status(400, "malformed body")
        if not verify_signature(raw, request.headers.get("X-ZEvent-Signature"),
                                app_id=self._app_id, timestamp=timestamp,
                                oa_secret_key=self._oa_secret_key):
            return _status(401, "bad signature")
        try:
            at = event_time(payload)
            # 401, not 400: the body is well formed and signed, but a signature without a fresh
            # timestamp does not authenticate *this* request (a replay of a captured one)
            if abs(self._clock.now() - at) > self._max_age:
                return _status(401, "stale timestamp")
            event = parse_event(payload)
        except MalformedEvent as exc:
            return _status(400, f"malformed event: {exc}")
        if event is not None:
            self._spawn(self._process(payload, event))
        return web.json_response({"status": "ok"})

    def _spawn(self, job: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _process(self, payload: dict[str, Any],
                       event: InboundEvent | UnsupportedMedia) -> None:
        try:
            if isinstance(event, UnsupportedMedia):
                await self._unsupported(event)
                return
            if isinstance(event, FileReceived):
                downloaded = await self._download(payload, event)
                if downloaded is None:
                    return
                event = downloaded
            await self._dispatcher.handle(event, self._channel)
        except Exception:  # a background task: log, never lose the traceback
            logger.exception("processing Zalo event for %s failed", event.chat)

    async def _download(self, payload: dict[str, Any],
                        event: FileReceived) -> FileReceived | None:
        """Fetch the file (size-limited); content stays None when it is too large."""
        if event.size > self._max_upload_bytes:
            return event
        try:
            content = await self._channel.api.download(file_url(payload), self._max_upload_bytes)
        except (ZaloError, MalformedEvent) as exc:
            # not recorded as handled: a Zalo retry of this event may still succeed
            logger.warning("downloading %s failed: %s", event.file_name, exc)
            await self._tell(event, T.FILE_DOWNLOAD_FAILED.format(file=event.file_name))
            return None
        if content is None:
            return event
        return replace(event, content=content, size=len(content))

    async def _unsupported(self, event: UnsupportedMedia) -> None:
        """Answer images once (replays are dropped like any other event)."""
        if event.dedupe_key is not None:
            try:
                async with self._sessionmaker.begin() as session:
                    session.add(InboundUpdate(channel="zalo", update_id=event.dedupe_key,
                                              received_at=self._clock.now()))
            except IntegrityError:
                return
        await self._tell(event, C.IMAGE_NOT_SUPPORTED)

    async def _tell(self, event: InboundEvent | UnsupportedMedia, text: str) -> None:
        # the dispatcher's one reply path: a transient failure is queued in the outbox
        await self._dispatcher.deliver(event.chat, event.sender, [OutgoingMessage(text)],
                                       self._channel)

    async def drain(self) -> None:
        """Wait until every event received so far has been processed."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def start(self) -> None:
        """Accept webhooks."""
        self._closing = False

    async def stop(self) -> None:
        """Refuse new webhooks (503: Zalo retries) and finish the ones in flight."""
        self._closing = True
        await self.drain()


def _status(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
