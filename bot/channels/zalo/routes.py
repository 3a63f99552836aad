"""The aiohttp route POST /zalo/webhook: verify, store, acknowledge, then process from storage.

Each accepted event is stored (table `inbound_events`, unique per event key) *before* the 200,
then processed from storage (bot/channels/inbound_queue.py, the path Telegram's updates take too).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Coroutine
from dataclasses import replace
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.http_edge import add_route, encoded_json, parse_json, raw_body
from bot.channels.inbound_queue import Handlers, InboundQueue, KeepReplies, QueueTiming, Unreadable
from bot.channels.zalo.api import ZaloError
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.webhook import (
    DEFAULT_OPTIONS,
    LinkOpened,
    MalformedEvent,
    ParsedEvent,
    ParseOptions,
    envelope_timestamp,
    file_url,
    parse_event,
    verify_signature,
)
from bot.clock import Clock
from bot.dispatcher import Dispatcher
from bot.events import FileReceived, Interacted, UnsupportedMedia, not_fetched

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/webhook"
CHANNEL = "zalo"
#: webhook bodies are small JSON envelopes (files come as URLs)
MAX_BODY_BYTES = 256 * 1024
#: the webhook's 200, encoded once: the JSON of web.json_response({"status": "ok"})
OK_BODY = b'{"status": "ok"}'

#: what the queue keeps of one stored event: its payload and the event parsed from it
_Item = tuple[dict[str, Any], ParsedEvent]


class ZaloWebhook:
    """Handles Zalo webhook requests; a component (recovery loop) whose stop() waits for work."""

    def __init__(self, *, channel: ZaloChannel, dispatcher: Dispatcher,
                 sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, app_id: str,
                 oa_secret_key: str, max_upload_bytes: int,
                 lease: timedelta = timedelta(minutes=2), poll_seconds: float = 15.0,
                 max_attempts: int = 5, keep: timedelta = timedelta(days=7),
                 options: ParseOptions = DEFAULT_OPTIONS) -> None:
        self._channel = channel
        self._dispatcher = dispatcher
        self._clock = clock
        self._app_id = app_id
        self._oa_secret_key = oa_secret_key
        self._max_upload_bytes = max_upload_bytes
        self._options = options
        self._closing = False
        self._queue: InboundQueue[_Item] = InboundQueue(
            channel=channel, dispatcher=dispatcher, sessionmaker=sessionmaker, clock=clock,
            handlers=Handlers(process=self._process_item,
                              address_of=lambda item: (item[1].chat, item[1].sender),
                              decode=self._decode, chat_of=lambda item: item[1].chat.chat_id),
            timing=QueueTiming(lease=lease, poll_seconds=poll_seconds,
                               max_attempts=max_attempts, keep=keep),
            log=logger)

    def add_route(self, web_app: web.Application) -> None:
        """Register POST /zalo/webhook on the one web server."""
        add_route(web_app, "POST", WEBHOOK_PATH, self.handle, max_body=MAX_BODY_BYTES)

    async def handle(self, request: web.Request) -> web.Response:
        """Verify one webhook request, store it, answer 200, process it after.

        No timestamp age is checked: Zalo retries for hours after an outage, and the stored key
        turns a retry (or a replay of a captured request) into a no-op instead.
        """
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
            event = parse_event(payload, self._options)
        except MalformedEvent as exc:
            return _status(400, f"malformed event: {exc}")
        if event is None:
            return encoded_json(OK_BODY)
        try:
            row_id = await self._queue.store(event.dedupe_key or "", event.chat.chat_id,
                                             raw.decode("utf-8", "replace"))
        except SQLAlchemyError:  # not stored: no 200, so Zalo sends it again
            logger.exception("storing a Zalo event failed")
            return _status(503, "storage unavailable")
        if row_id is not None:  # None: a retry of an event already stored
            self._spawn(self._queue.run(row_id, (payload, event)))
        return encoded_json(OK_BODY)

    def _spawn(self, job: Coroutine[Any, Any, None]) -> None:
        self._queue.track(job)

    async def _process_item(self, row_id: int, item: _Item) -> None:
        await self._process(row_id, *item)

    def _decode(self, body: str) -> _Item:
        try:
            payload = json.loads(body)
            event = parse_event(payload, self._options) if isinstance(payload, dict) else None
        except (ValueError, MalformedEvent) as exc:
            raise Unreadable(str(exc)) from exc
        if event is None:
            raise Unreadable("not an event troly handles (settings changed?)")
        return payload, event

    async def _process(self, row_id: int, payload: dict[str, Any], event: ParsedEvent) -> None:
        if isinstance(event, LinkOpened):  # opening the OA's link counts as an interaction
            if not event.payload_found:
                logger.warning("Zalo click event (row %s) has no payload at "
                               "TROLY_ZALO_CLICK_PAYLOAD_FIELDS; see its body in inbound_events",
                               row_id)
            event = Interacted(chat=event.chat, sender=event.sender, at=event.at,
                               dedupe_key=event.dedupe_key)
        if isinstance(event, FileReceived):
            event = await self._download(payload, event)
        # the replies are written onto the row in the event's transaction: a crash before they
        # are sent leaves them to the next process, which sends them without processing again
        await self._dispatcher.handle(event, self._channel, guard=KeepReplies(row_id))

    async def _download(self, payload: dict[str, Any],
                        event: FileReceived) -> FileReceived | UnsupportedMedia:
        """Fetch the file (size-limited); content stays None when it is too large; a failed
        download becomes the neutral 'file not fetched' (the user is asked to send it again)."""
        if event.size > self._max_upload_bytes:
            return event
        try:
            content = await self._channel.api.download(file_url(payload), self._max_upload_bytes)
        except (ZaloError, MalformedEvent) as exc:
            # the user is asked to send it again (a new message, with a new key)
            logger.warning("downloading %s failed: %s", event.file_name, exc)
            return not_fetched(event)
        if content is None:
            return event
        return replace(event, content=content, size=len(content))

    async def drain(self) -> None:
        """Wait until every event received (or recovered) so far has been processed."""
        await self._queue.drain()

    async def recover_once(self) -> int:
        """Take the stored events nobody holds (their process died) and process them; how many.

        Rows of one chat are processed one after the other, in the order they were stored.
        """
        return await self._queue.recover_once()

    async def start(self) -> None:
        """Accept webhooks; look for stored events left unprocessed (now, then periodically)."""
        self._closing = False
        await self._queue.start()

    async def stop(self) -> None:
        """Refuse new webhooks (503: Zalo retries), stop recovering, finish the work in flight."""
        self._closing = True
        await self._queue.stop()


def _status(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
