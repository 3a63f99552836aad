"""Telegram inbound: one Update → stored → the dispatcher → replies (polling and webhook share it).

aiogram is used as a thin typed client (Bot, its aiohttp session, the Update model) and its
Dispatcher is *not* used: troly's own bot.dispatcher.Dispatcher is the only router, so a second
router with its own middlewares/FSM would only add a place for behaviour to hide. Every update is
stored (table `inbound_events`, like Zalo's: bot/channels/inbound_queue.py) before Telegram is
acknowledged — the webhook's 200, the next getUpdates offset — and processed from storage: its
effects and replies commit together, a repeat is dropped, and a process dying halfway leaves the
update (or its replies still to send) to the recovery loop. aiogram's own loop confirms updates
before its handler tasks finish, and its webhook handler answers 500, not 400, to a malformed body.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
)
from aiogram.types import Message, Update
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.inbound_queue import (
    DEFAULT_TIMING,
    Handlers,
    InboundQueue,
    KeepReplies,
    QueueTiming,
    Unreadable,
)
from bot.channels.telegram.channel import TelegramChannel, thread_id
from bot.channels.telegram.parse import (
    Dispatch,
    DocumentIn,
    Ignore,
    PlainPress,
    PlainText,
    TelegramUpdate,
    chat_key,
    light_update,
    translate,
)
from bot.channels.telegram.render import (
    is_collapsed,
)
from bot.clock import Clock
from bot.dispatcher import Dispatcher, EventGuard
from bot.events import ButtonPressed, ChatRef, FileReceived, InboundEvent, Sender, not_fetched
from bot.texts import common as C

logger = logging.getLogger(__name__)

#: the core working longer than this shows "typing…" (seconds), renewed every TYPING_REPEAT
TYPING_AFTER = 1.0
TYPING_REPEAT = 4.0
#: at most this long the replies wait for a chat action already sent to finish
TYPING_GRACE = 1.0


# ---------------------------------------------------------------------------------- inbound


def _pressed_on(update: Update | PlainPress) -> tuple[int | None, dict[str, Any] | None]:
    """The id of the message a press was on (None: an inline-mode message) and its keyboard as
    the Bot API's JSON object (None: none, or the message is no longer accessible)."""
    if isinstance(update, PlainPress):
        return update.message_id, update.markup
    query = update.callback_query
    message = query.message if query is not None else None
    markup = message.reply_markup if isinstance(message, Message) else None
    return (message.message_id if message is not None else None,
            markup.model_dump(mode="json", exclude_none=True) if markup is not None else None)


class TelegramInbound:
    """Turns Updates into dispatcher calls and sends the replies (shared by polling and webhook)."""

    def __init__(self, bot: Bot, channel: TelegramChannel, dispatcher: Dispatcher,
                 sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, *,
                 max_download_bytes: int, typing_after: float = TYPING_AFTER,
                 timing: QueueTiming = DEFAULT_TIMING) -> None:
        self.bot = bot
        self.channel = channel
        self.dispatcher = dispatcher
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.max_download_bytes = max_download_bytes
        self.typing_after = typing_after
        self.bot_username: str | None = None
        #: the stored updates (a component: its recovery loop takes rows of dead processes)
        self.queue: InboundQueue[TelegramUpdate] = InboundQueue(
            channel=channel, dispatcher=dispatcher, sessionmaker=sessionmaker, clock=clock,
            handlers=Handlers(process=self._process_stored, address_of=self._address_of,
                              decode=self._decode, chat_of=chat_key),
            timing=timing, log=logger)

    async def identify(self) -> None:
        """getMe: learn our @username (group mentions and /cmd@bot need it)."""
        me = await self.bot.get_me()
        self.bot_username = me.username

    async def store(self, update: TelegramUpdate, body: str | None = None) -> int | None:
        """Store one update before it is acknowledged (`body`: as received; without it, an
        Update is stored re-serialised); its row id, or None when it was stored before
        (Telegram delivered it again). Raises SQLAlchemyError when not stored."""
        if body is None:
            assert isinstance(update, Update), "a light update is stored with its body"
            body = update.model_dump_json(exclude_none=True)
        return await self.queue.store(str(update.update_id), chat_key(update), body)

    async def _process_stored(self, row_id: int, update: TelegramUpdate) -> None:
        await self._process(update, KeepReplies(row_id))

    def _address_of(self, update: TelegramUpdate) -> tuple[ChatRef, Sender] | None:
        action = translate(update, bot_username=self.bot_username, now=self.clock.now())
        where = action.event if isinstance(action, Dispatch) else action
        if isinstance(where, Ignore):
            return None
        return where.chat, where.sender

    def _decode(self, body: str) -> TelegramUpdate:
        try:
            light = light_update(json.loads(body))
            if light is not None:
                return light
            return Update.model_validate_json(body, context={"bot": self.bot})
        except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
            raise Unreadable(str(exc)) from exc

    async def _process(self, update: TelegramUpdate, guard: EventGuard) -> None:
        action = translate(update, bot_username=self.bot_username, now=self.clock.now())
        if isinstance(action, Dispatch):
            if isinstance(action.event, ButtonPressed) and not isinstance(update, PlainText):
                await self._press(action.event, update, guard)
            else:
                await self._dispatch(action.event, guard)
        elif isinstance(action, DocumentIn):
            await self._document(action, guard)
        elif isinstance(action, Ignore):
            logger.debug("telegram update %s ignored: %s", update.update_id, action.reason)
            if action.ack_id:
                await self.channel.acknowledge(ButtonPressed(
                    chat=ChatRef("telegram", ""), sender=Sender(""), at=self.clock.now(),
                    payload="", ack_id=action.ack_id))

    async def _dispatch(self, event: InboundEvent, guard: EventGuard) -> None:
        await self.dispatcher.handle(event, self.channel, guard=guard,
                                     working=self._typing(event.chat))

    async def _press(self, event: ButtonPressed, update: Update | PlainPress,
                     guard: EventGuard) -> None:
        """A button: a stale press (its keyboard already chosen from) gets a short answer and
        nothing else; a fresh one is answered at once, handled, and its keyboard collapsed."""
        message_id, markup = _pressed_on(update)
        if event.keyboard and await self.dispatcher.keyboard_used(event.chat, event.keyboard):
            await self.channel.acknowledge(event, C.ALREADY_CHOSEN)
            if message_id is not None and markup is not None and not is_collapsed(markup):
                await self.channel.collapse(event.chat.chat_id, message_id, markup,
                                            event.payload)  # an earlier collapse failed
            return
        await self.channel.acknowledge(event)  # first: the spinner stops at once

        async def collapse(spent: bool | None) -> None:  # after the commit, before the replies
            if message_id is None or not event.keyboard:
                return
            if spent is None:  # not known from the event's transaction: read it
                spent = await self.dispatcher.keyboard_used(event.chat, event.keyboard)
            if spent:
                await self.channel.collapse(event.chat.chat_id, message_id, markup,
                                            event.payload)

        await self.dispatcher.handle(event, self.channel, guard=guard,
                                     working=self._typing(event.chat), before_send=collapse)

    @contextlib.asynccontextmanager
    async def _typing(self, chat: ChatRef) -> AsyncIterator[None]:
        """Show 'typing…' while the core works longer than typing_after (an answer, a file)."""
        done = asyncio.Event()
        shown: list[asyncio.Task[None]] = []
        thread = thread_id(chat.thread)

        async def show() -> None:
            while not done.is_set():
                await self.channel.chat_action(chat.chat_id, "typing", thread)
                with contextlib.suppress(TimeoutError):  # Telegram shows it for about 5 s
                    await asyncio.wait_for(done.wait(), TYPING_REPEAT)

        # a timer, not a task waiting: most events finish before it fires, and then cost no task
        timer = asyncio.get_running_loop().call_later(
            self.typing_after, lambda: shown.append(asyncio.create_task(show())))
        try:
            yield
        finally:
            timer.cancel()
            done.set()
            if shown:
                # a chat action already on its way may finish (briefly); then stop it regardless
                await asyncio.wait(shown, timeout=TYPING_GRACE)
                shown[0].cancel()
                await asyncio.gather(*shown, return_exceptions=True)

    async def _document(self, doc: DocumentIn, guard: EventGuard) -> None:
        content: bytes | None = None
        failed = False
        too_big = doc.size is not None and doc.size > self.max_download_bytes
        if not too_big:  # above the limit: refuse without downloading anything
            try:
                content = await self._download(doc.file_id)
            except TelegramBadRequest as exc:
                logger.info("telegram refused the download of %s: %s", doc.file_name, exc)
            except (AiogramError, aiohttp.ClientError, TimeoutError) as exc:
                logger.warning("download of %s failed: %s", doc.file_name, exc)
                failed = True
            if content is not None and len(content) > self.max_download_bytes:
                content = None
        event = FileReceived(chat=doc.chat, sender=doc.sender, at=self.clock.now(),
                             file_name=doc.file_name,
                             size=doc.size if doc.size is not None else len(content or b""),
                             content=content, mime_type=doc.mime_type,
                             message_id=doc.message_id, dedupe_key=doc.dedupe_key,
                             caption=doc.caption)
        if failed:  # the user is asked to send it again (a new message, with a new key)
            await self.dispatcher.handle(not_fetched(event), self.channel, guard=guard)
            return
        # "typing…" while a file is ingested; its replies are sent once it is committed
        await self.dispatcher.handle(event, self.channel, guard=guard,
                                     working=self._typing(doc.chat))

    async def _download(self, file_id: str) -> bytes | None:
        file = await self.bot.get_file(file_id)
        if file.file_path is None:
            return None
        if file.file_size is not None and file.file_size > self.max_download_bytes:
            return None
        buffer = await self.bot.download_file(file.file_path, timeout=120)
        return buffer.read() if buffer is not None else None
