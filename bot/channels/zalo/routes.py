"""The aiohttp route POST /zalo/webhook: verify, store, acknowledge, then process from storage.

Each accepted event is stored (table `inbound_events`, unique per event key) *before* the 200,
leased to this process and processed right after; a row whose lease runs out unprocessed (its
process died) is taken again by any process's recovery loop (bot/db/inbound_store.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.http_edge import add_route, parse_json, raw_body
from bot.channels.zalo import store as zalo_store
from bot.channels.zalo.api import ZaloError
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.webhook import (
    DEFAULT_OPTIONS,
    LinkOpened,
    MalformedEvent,
    ParsedEvent,
    ParseOptions,
    SeenReceipt,
    UnsupportedMedia,
    envelope_timestamp,
    file_url,
    parse_event,
    verify_signature,
)
from bot.clock import Clock
from bot.context import Context
from bot.db import inbound_store
from bot.dispatcher import Dispatcher
from bot.events import FileReceived, InboundEvent
from bot.locks import KeyedLocks
from bot.messages import OutgoingMessage, from_payload, to_payload
from bot.texts import common as C
from bot.texts import zalo as T

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/webhook"
CHANNEL = "zalo"
#: webhook bodies are small JSON envelopes (files come as URLs)
MAX_BODY_BYTES = 256 * 1024
#: rows looked at per recovery pass
RECOVERY_BATCH = 200
#: how often processed rows past their keeping time are deleted
PURGE_EVERY = timedelta(hours=1)
#: the polite answer per kind of event troly cannot read (bot/texts)
POLITE_TEXTS = {
    "image": C.IMAGE_NOT_SUPPORTED, "sticker": C.IMAGE_NOT_SUPPORTED,
    "video": C.IMAGE_NOT_SUPPORTED, "voice": T.VOICE_NOT_SUPPORTED, "link": T.LINK_NOT_SUPPORTED,
    "location": T.LOCATION_NOT_SUPPORTED, "business_card": T.BUSINESS_CARD_NOT_SUPPORTED,
    "submit_info": T.SUBMIT_INFO_NOT_USED,
}

_Taken = tuple[inbound_store.StoredEvent, dict[str, Any], ParsedEvent]


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
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._app_id = app_id
        self._oa_secret_key = oa_secret_key
        self._max_upload_bytes = max_upload_bytes
        self._lease = lease
        self._poll_seconds = poll_seconds
        self._max_attempts = max_attempts
        self._keep = keep
        self._options = options
        self._tasks: set[asyncio.Task[None]] = set()
        self._chats = KeyedLocks()  # one event of a chat at a time, in the order stored
        self._in_flight: set[int] = set()  # rows this process works on (leases renewed)
        self._closing = False
        self._loop: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._last_purge: datetime | None = None
        # concurrent webhooks share one commit for storing, finished events one for marking done
        self._stores = inbound_store.GroupCommit(self._store_batch)
        self._finishes = inbound_store.GroupCommit(self._finish_batch)

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
            return web.json_response({"status": "ok"})
        try:
            row_id = await self._stores.submit(inbound_store.NewEvent(
                channel=CHANNEL, event_key=event.dedupe_key or "", chat_id=event.chat.chat_id,
                body=raw.decode("utf-8", "replace")))
        except SQLAlchemyError:  # not stored: no 200, so Zalo sends it again
            logger.exception("storing a Zalo event failed")
            return _status(503, "storage unavailable")
        if row_id is not None:  # None: a retry of an event already stored
            self._spawn(self._run_row(row_id, payload, event))
        return web.json_response({"status": "ok"})

    async def _store_batch(self, events: list[inbound_store.NewEvent]) -> list[int | None]:
        async with self._dispatcher.serialised_writes():
            return await inbound_store.store_many(self._sessionmaker, events,
                                                  now=self._clock.now(), lease=self._lease)

    async def _finish_batch(self, row_ids: list[int]) -> list[None]:
        async with self._dispatcher.serialised_writes():
            await inbound_store.finish_many(self._sessionmaker, row_ids, self._clock.now())
        return [None] * len(row_ids)

    def _spawn(self, job: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_row(self, row_id: int, payload: dict[str, Any], event: ParsedEvent,
                       stored_replies: list[dict[str, Any]] | None = None) -> None:
        """Process one stored event (or only send the replies stored with its effects), then mark
        its row done (or leave it for a retry)."""
        self._in_flight.add(row_id)
        try:
            await self._run_row_held(row_id, payload, event, stored_replies)
        finally:
            self._in_flight.discard(row_id)

    async def _run_row_held(self, row_id: int, payload: dict[str, Any], event: ParsedEvent,
                            stored_replies: list[dict[str, Any]] | None) -> None:
        async with self._chats.hold(event.chat.chat_id):
            try:
                if stored_replies is not None:  # processed before its process died: send only
                    await self._dispatcher.deliver(
                        event.chat, event.sender, [from_payload(r) for r in stored_replies],
                        self._channel)
                else:
                    await self._process(row_id, payload, event)
            except Exception as exc:  # a background task: log, keep the row for another attempt
                logger.exception("processing Zalo event %s for %s failed", row_id, event.chat)
                await self._release(row_id, f"{type(exc).__name__}: {exc}")
                return
        try:
            await self._finishes.submit(row_id)
        except SQLAlchemyError:  # processed; a second run after the lease is a no-op (dedupe)
            logger.exception("marking Zalo event %s done failed", row_id)

    async def _release(self, row_id: int, error: str) -> None:
        try:
            async with self._dispatcher.serialised_writes():
                await inbound_store.release(self._sessionmaker, row_id, error,
                                            max_attempts=self._max_attempts)
        except SQLAlchemyError:
            logger.exception("recording the failure of Zalo event %s failed", row_id)

    async def _process(self, row_id: int, payload: dict[str, Any], event: ParsedEvent) -> None:
        if isinstance(event, SeenReceipt):  # not an interaction: Zalo's window is not renewed
            async with self._dispatcher.serialised_writes():
                marked = await zalo_store.mark_seen(self._sessionmaker, event.chat.chat_id,
                                                    event.message_ids, event.at)
            logger.debug("%d message(s) seen by %s", marked, event.chat)
            return
        if isinstance(event, LinkOpened):  # opening the OA's link counts as an interaction
            if not event.payload_found:
                logger.warning("Zalo click event (row %s) has no payload at "
                               "TROLY_ZALO_CLICK_PAYLOAD_FIELDS; see its body in inbound_events",
                               row_id)
            await self._first_interaction(row_id, event, [])
            return
        if isinstance(event, UnsupportedMedia):
            polite = [OutgoingMessage(POLITE_TEXTS.get(event.kind, C.IMAGE_NOT_SUPPORTED))]
            if await self._first_interaction(row_id, event, polite):
                await self._dispatcher.deliver(event.chat, event.sender, polite, self._channel)
            return
        if isinstance(event, FileReceived):
            downloaded = await self._download(payload, event)
            if downloaded is None:
                return
            event = downloaded
        # the replies are written onto the row in the event's transaction: a crash before they
        # are sent leaves them to the next process, which sends them without processing again
        replies = await self._dispatcher.feed(event, guard=_KeepReplies(row_id))
        await self._dispatcher.deliver(event.chat, event.sender, replies, self._channel)

    async def _download(self, payload: dict[str, Any],
                        event: FileReceived) -> FileReceived | None:
        """Fetch the file (size-limited); content stays None when it is too large."""
        if event.size > self._max_upload_bytes:
            return event
        try:
            content = await self._channel.api.download(file_url(payload), self._max_upload_bytes)
        except (ZaloError, MalformedEvent) as exc:
            # the user is asked to send it again (a new message, with a new key)
            logger.warning("downloading %s failed: %s", event.file_name, exc)
            await self._tell(event, T.FILE_DOWNLOAD_FAILED.format(file=event.file_name))
            return None
        if content is None:
            return event
        return replace(event, content=content, size=len(content))

    async def _first_interaction(self, row_id: int, event: UnsupportedMedia | LinkOpened,
                                 replies: list[OutgoingMessage]) -> bool:
        """Record the event key, the user's interaction and the replies to send (one
        transaction, like the dispatcher's); False if the key was seen before."""
        try:
            async with self._dispatcher.serialised_writes():
                await zalo_store.record_interaction(
                    self._sessionmaker, event.chat.chat_id, event.dedupe_key, self._clock.now(),
                    row_id=row_id, replies=[to_payload(m) for m in replies])
        except IntegrityError:
            return False
        return True

    async def _tell(self, event: InboundEvent | UnsupportedMedia, text: str) -> None:
        # the dispatcher's one reply path: a transient failure is queued in the outbox
        await self._dispatcher.deliver(event.chat, event.sender, [OutgoingMessage(text)],
                                       self._channel)

    async def drain(self) -> None:
        """Wait until every event received (or recovered) so far has been processed."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def recover_once(self) -> int:
        """Take the stored events nobody holds (their process died) and process them; how many.

        Rows of one chat are processed one after the other, in the order they were stored.
        """
        now = self._clock.now()
        if self._in_flight:  # still working on them (a slow send, a big file): keep them
            async with self._dispatcher.serialised_writes():
                await inbound_store.renew(self._sessionmaker, sorted(self._in_flight),
                                          now + self._lease)
        taken: dict[str, list[_Taken]] = defaultdict(list)
        for row_id in await inbound_store.due(self._sessionmaker, CHANNEL, now, RECOVERY_BATCH):
            if row_id in self._in_flight:
                continue
            async with self._dispatcher.serialised_writes():
                row = await inbound_store.claim(self._sessionmaker, row_id, now, self._lease)
            if row is None:
                continue  # another process took it first
            try:
                payload = json.loads(row.body)
                event = parse_event(payload, self._options) if isinstance(payload, dict) else None
                if event is None:
                    raise MalformedEvent("not an event troly handles (settings changed?)")
            except (ValueError, MalformedEvent) as exc:
                logger.warning("stored Zalo event %s is unreadable: %s", row.id, exc)
                async with self._dispatcher.serialised_writes():
                    await inbound_store.finish(self._sessionmaker, row.id, now, error=str(exc))
                continue
            self._in_flight.add(row.id)  # ours from now on: renewed until its chain runs it
            logger.info("%s stored Zalo event %s (attempt %d)",
                        "sending the replies of" if row.status == "answered" else "processing",
                        row.id, row.attempts)
            taken[row.chat_id].append((row, payload, event))
        for rows in taken.values():
            self._spawn(self._run_chain(rows))
        if self._last_purge is None or now - self._last_purge >= PURGE_EVERY:
            self._last_purge = now
            async with self._dispatcher.serialised_writes():
                await inbound_store.purge(self._sessionmaker, CHANNEL, now - self._keep)
        return sum(len(rows) for rows in taken.values())

    async def _run_chain(self, rows: list[_Taken]) -> None:
        for row, payload, event in rows:
            stored = (row.replies or []) if row.status == "answered" else None
            await self._run_row(row.id, payload, event, stored)

    async def _recovery_loop(self) -> None:
        while not self._stop.is_set():
            try:
                await self.recover_once()
            except Exception:  # the database is down, …: try again next time
                logger.exception("recovering stored Zalo events failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), timeout=self._poll_seconds)

    async def start(self) -> None:
        """Accept webhooks; look for stored events left unprocessed (now, then periodically)."""
        self._closing = False
        self._stop.clear()
        if self._loop is None:
            self._loop = asyncio.create_task(self._recovery_loop())

    async def stop(self) -> None:
        """Refuse new webhooks (503: Zalo retries), stop recovering, finish the work in flight."""
        self._closing = True
        self._stop.set()
        if self._loop is not None:
            await asyncio.gather(self._loop, return_exceptions=True)
            self._loop = None
        await self.drain()


class _KeepReplies:
    """EventGuard: inside the event's transaction, store its replies on its row ('answered')."""

    def __init__(self, row_id: int) -> None:
        self._row_id = row_id

    async def before(self, ctx: Context) -> None:
        """Nothing to check: the webhook signature was checked before storing."""

    async def after(self, ctx: Context) -> None:
        """Committed together with the event's effects and its `inbound_updates` key."""
        await inbound_store.answered(ctx.session, self._row_id,
                                     [to_payload(m) for m in ctx.replies])


def _status(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)
