"""Telegram: the channel (send), inbound processing, long polling and webhook, via aiogram 3.

aiogram is used as a thin typed client (Bot, its aiohttp session, the Update model) and its
Dispatcher is *not* used: troly's own bot.dispatcher.Dispatcher is the only router, so a second
router with its own middlewares/FSM would only add a place for behaviour to hide. Owning the
polling loop also lets us confirm an update (next getUpdates offset) only after it was handled
(at-least-once; the inbound_updates table drops repeats), where aiogram's loop confirms updates
before its handler tasks finish. Its webhook handler answers 500, not 400, to a malformed body.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message, Update
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Capability, SentMessage
from bot.channels.http_edge import add_route, parse_json, raw_body
from bot.channels.telegram import store
from bot.channels.telegram.errors import classify, is_parse_error
from bot.channels.telegram.menu import MenuSync, install_menu
from bot.channels.telegram.parse import (
    Dispatch,
    DocumentIn,
    Ignore,
    Reactivate,
    ReplyOnly,
    translate,
)
from bot.channels.telegram.render import (
    collapsed,
    is_collapsed,
    is_photo,
    keyboard,
    split_for_telegram,
    to_html,
)
from bot.clock import Clock
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.events import ButtonPressed, ChannelName, ChatRef, FileReceived, InboundEvent, Sender
from bot.messages import Attachment, OutgoingMessage
from bot.router import Router
from bot.texts import channels as TC
from bot.texts import common as C

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
MAX_UPDATE_BYTES = 1024 * 1024
SETUP_RETRY_MAX = 60.0
#: the core working longer than this shows "typing…" (seconds), renewed every TYPING_REPEAT
TYPING_AFTER = 1.0
TYPING_REPEAT = 4.0
#: at most this long the replies wait for a chat action already sent to finish
TYPING_GRACE = 1.0


def make_bot(settings: Settings) -> Bot:
    """The aiogram client for TROLY_TELEGRAM_TOKEN at TROLY_TELEGRAM_API_URL."""
    assert settings.telegram_token is not None
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url),
                             timeout=settings.telegram_request_timeout_seconds)
    return Bot(settings.telegram_token.get_secret_value(), session=session)


def _chat_id(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


# ---------------------------------------------------------------------------------- outbound


class TelegramChannel:
    """Sends neutral messages as HTML with inline keyboards; raises DeliveryError on failure.

    A long text goes as several messages (buttons on the last). If a later part fails, the error
    is raised and a retry of the whole message repeats the parts already delivered.
    """

    name: ChannelName = "telegram"
    capabilities = frozenset({Capability.BUTTONS, Capability.FILES})

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Deliver text parts, then attachments; return the id of the last Telegram message."""
        parts = split_for_telegram(message.text)
        if not parts and message.buttons:
            parts = [TC.CHOOSE]
        markup = keyboard(message.buttons, message.layout)
        silent = True if message.silent else None  # None: the parameter is left out
        last: Message | None = None
        try:
            for i, part in enumerate(parts):
                last = await self._send_text(chat.chat_id, part,
                                             markup if i == len(parts) - 1 else None, silent)
            for attachment in message.attachments:
                last = await self._send_file(chat.chat_id, attachment, silent)
        except AiogramError as exc:
            raise classify(exc) from exc
        return SentMessage(message_id=str(last.message_id) if last is not None else None)

    async def _send_text(self, chat_id: str, text: str, markup: InlineKeyboardMarkup | None,
                         silent: bool | None) -> Message:
        try:
            return await self.bot.send_message(_chat_id(chat_id), to_html(text),
                                               parse_mode="HTML", reply_markup=markup,
                                               disable_notification=silent)
        except TelegramBadRequest as exc:
            if not is_parse_error(exc):
                raise
            logger.warning("telegram refused our HTML (%s); resending as plain text", exc.message)
            return await self.bot.send_message(_chat_id(chat_id), text, parse_mode=None,
                                               reply_markup=markup, disable_notification=silent)

    async def _send_file(self, chat_id: str, attachment: Attachment,
                         silent: bool | None) -> Message:
        upload = BufferedInputFile(attachment.content, filename=attachment.file_name)
        photo = is_photo(attachment.mime_type, len(attachment.content))
        await self.chat_action(chat_id, "upload_photo" if photo else "upload_document")
        if photo:
            return await self.bot.send_photo(_chat_id(chat_id), upload,
                                             disable_notification=silent)
        return await self.bot.send_document(_chat_id(chat_id), upload,
                                            disable_notification=silent)

    async def chat_action(self, chat_id: str, action: str) -> None:
        """sendChatAction ('typing', 'upload_document'…): best effort, failures only logged."""
        try:
            await self.bot.send_chat_action(_chat_id(chat_id), action)
        except AiogramError as exc:
            logger.info("chat action %s to %s not shown: %s", action, chat_id, exc)

    async def collapse(self, chat_id: str, message_id: int, markup: InlineKeyboardMarkup | None,
                       pressed: str) -> None:
        """Replace a used keyboard by the choice made (best effort: the core refuses a second
        choice anyway)."""
        try:
            await self.bot.edit_message_reply_markup(chat_id=_chat_id(chat_id),
                                                     message_id=message_id,
                                                     reply_markup=collapsed(markup, pressed))
        except AiogramError as exc:  # too old to edit, not modified, deleted: nothing to do
            logger.info("keyboard of %s/%s not collapsed: %s", chat_id, message_id, exc)

    async def acknowledge(self, event: ButtonPressed, text: str | None = None) -> None:
        """answerCallbackQuery, so the phone stops its spinner (with `text`: a short notice);
        errors are only logged."""
        if not event.ack_id:
            return
        try:
            await self.bot.answer_callback_query(event.ack_id, text=text)
        except AiogramError as exc:  # too old / already answered: nothing useful to do
            logger.info("callback %s not answered: %s", event.ack_id, exc)


# ---------------------------------------------------------------------------------- inbound


class TelegramInbound:
    """Turns Updates into dispatcher calls and sends the replies (shared by polling and webhook)."""

    def __init__(self, bot: Bot, channel: TelegramChannel, dispatcher: Dispatcher,
                 sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, *,
                 max_download_bytes: int, typing_after: float = TYPING_AFTER) -> None:
        self.bot = bot
        self.channel = channel
        self.dispatcher = dispatcher
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.max_download_bytes = max_download_bytes
        self.typing_after = typing_after
        self.bot_username: str | None = None

    async def identify(self) -> None:
        """getMe: learn our @username (group mentions and /cmd@bot need it)."""
        me = await self.bot.get_me()
        self.bot_username = me.username

    async def process(self, update: Update) -> None:
        """Handle one update end to end; never raises (errors are logged)."""
        try:
            await self._process(update)
        except Exception:
            logger.exception("telegram update %s failed", update.update_id)

    async def _process(self, update: Update) -> None:
        action = translate(update, bot_username=self.bot_username, now=self.clock.now())
        if isinstance(action, Dispatch):
            if isinstance(action.event, ButtonPressed):
                await self._press(action.event, update)
            else:
                await self._dispatch(action.event)
        elif isinstance(action, DocumentIn):
            await self._document(action)
        elif isinstance(action, ReplyOnly):
            if await store.first_delivery(self.sessionmaker, action.dedupe_key, self.clock.now()):
                text = C.IMAGE_NOT_SUPPORTED if action.kind == "photo" else TC.UNSUPPORTED_MESSAGE
                await self._send_replies(action.chat, action.sender, [OutgoingMessage(text)])
        elif isinstance(action, Reactivate):
            await store.set_account_status(self.sessionmaker, action.sender.user_id, "active",
                                           self.clock.now())
        elif isinstance(action, Ignore):
            logger.debug("telegram update %s ignored: %s", update.update_id, action.reason)
            if action.ack_id:
                await self.channel.acknowledge(ButtonPressed(
                    chat=ChatRef("telegram", ""), sender=Sender(""), at=self.clock.now(),
                    payload="", ack_id=action.ack_id))

    async def _dispatch(self, event: InboundEvent) -> None:
        async with self._typing(event.chat):
            replies = await self.dispatcher.feed(event)
        await self._send_replies(event.chat, event.sender, replies)

    async def _press(self, event: ButtonPressed, update: Update) -> None:
        """A button: a stale press (its keyboard already chosen from) gets a short answer and
        nothing else; a fresh one is answered at once, handled, and its keyboard collapsed."""
        query = update.callback_query
        message = query.message if query is not None else None
        markup = message.reply_markup if isinstance(message, Message) else None
        if event.keyboard and await self.dispatcher.keyboard_used(event.chat, event.keyboard):
            await self.channel.acknowledge(event, C.ALREADY_CHOSEN)
            if message is not None and markup is not None and not is_collapsed(markup):
                await self.channel.collapse(event.chat.chat_id, message.message_id, markup,
                                            event.payload)  # an earlier collapse failed
            return
        await self.channel.acknowledge(event)  # first: the spinner stops at once
        async with self._typing(event.chat):
            replies = await self.dispatcher.feed(event)
        if message is not None and event.keyboard \
                and await self.dispatcher.keyboard_used(event.chat, event.keyboard):
            await self.channel.collapse(event.chat.chat_id, message.message_id, markup,
                                        event.payload)
        await self._send_replies(event.chat, event.sender, replies)

    @contextlib.asynccontextmanager
    async def _typing(self, chat: ChatRef) -> AsyncIterator[None]:
        """Show 'typing…' while the core works longer than typing_after (an answer, a file)."""
        done = asyncio.Event()

        async def show() -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.typing_after)
            while not done.is_set():
                await self.channel.chat_action(chat.chat_id, "typing")
                with contextlib.suppress(TimeoutError):  # Telegram shows it for about 5 s
                    await asyncio.wait_for(done.wait(), TYPING_REPEAT)

        task = asyncio.create_task(show())
        try:
            yield
        finally:
            done.set()
            # a chat action already on its way may finish (briefly); then stop it regardless
            await asyncio.wait({task}, timeout=TYPING_GRACE)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _send_replies(self, chat: ChatRef, sender: Sender,
                            replies: list[OutgoingMessage]) -> None:
        """Send after commit, in order, through the dispatcher's one reply path."""
        # bot/replies.py: a 403 marks the account blocked; a retryable failure (429, 5xx,
        # connection) goes to the outbox with the rest of the batch instead of being logged
        await self.dispatcher.deliver(chat, sender, replies, self.channel)

    async def _document(self, doc: DocumentIn) -> None:
        content: bytes | None = None
        too_big = doc.size is not None and doc.size > self.max_download_bytes
        if not too_big:  # above the limit: refuse without downloading anything
            try:
                content = await self._download(doc.file_id)
            except TelegramBadRequest as exc:
                logger.info("telegram refused the download of %s: %s", doc.file_name, exc)
            except (AiogramError, aiohttp.ClientError, TimeoutError) as exc:
                logger.warning("download of %s failed: %s", doc.file_name, exc)
                await self._send_replies(doc.chat, doc.sender, [OutgoingMessage(
                    TC.FILE_DOWNLOAD_FAILED.format(file=doc.file_name))])
                return
            if content is not None and len(content) > self.max_download_bytes:
                content = None
        event = FileReceived(chat=doc.chat, sender=doc.sender, at=self.clock.now(),
                             file_name=doc.file_name,
                             size=doc.size if doc.size is not None else len(content or b""),
                             content=content, mime_type=doc.mime_type,
                             message_id=doc.message_id, dedupe_key=doc.dedupe_key)
        async with self._typing(doc.chat):
            replies = await self.dispatcher.feed(event)
        await self._send_replies(doc.chat, doc.sender, replies)

    async def _download(self, file_id: str) -> bytes | None:
        file = await self.bot.get_file(file_id)
        if file.file_path is None:
            return None
        if file.file_size is not None and file.file_size > self.max_download_bytes:
            return None
        buffer = await self.bot.download_file(file.file_path, timeout=120)
        return buffer.read() if buffer is not None else None


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


class TelegramParts:
    """What attach_telegram built (tests reach in)."""

    def __init__(self, bot: Bot, channel: TelegramChannel, inbound: TelegramInbound,
                 receiver: TelegramPolling | TelegramWebhook, menus: MenuSync) -> None:
        self.bot = bot
        self.channel = channel
        self.inbound = inbound
        self.receiver = receiver
        self.menus = menus


def attach_telegram(app: App) -> TelegramParts | None:
    """Create the channel and its polling or webhook component when TROLY_TELEGRAM_TOKEN is set."""
    settings = app.settings
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        return None
    bot = make_bot(settings)
    channel = TelegramChannel(bot)
    limit_mb = min(settings.max_upload_mb, settings.telegram_max_download_mb)
    inbound = TelegramInbound(bot, channel, app.dispatcher, app.sessionmaker, app.clock,
                              max_download_bytes=limit_mb * 1024 * 1024,
                              typing_after=settings.telegram_typing_after_seconds)
    receiver: TelegramPolling | TelegramWebhook
    if settings.telegram_webhook_url:
        url, path = webhook_route(settings.telegram_webhook_url)
        receiver = TelegramWebhook(inbound, app.router, url=url, secret=webhook_secret(settings),
                                   path=path, ack_seconds=settings.telegram_webhook_ack_seconds)
        receiver.add_route(app.web_app)
    else:
        receiver = TelegramPolling(inbound, app.router,
                                   poll_timeout=settings.telegram_poll_timeout_seconds)
    app.channels["telegram"] = channel
    app.dispatcher.deps.capabilities["telegram"] = channel.capabilities
    menus = MenuSync(bot, app.router, app.sessionmaker, app.clock, receiver.ready,
                     interval=settings.telegram_menu_sync_seconds)
    app.dispatcher.deps.role_listeners.append(menus.roles_changed)
    app.components.extend([_SessionCloser(bot), receiver, menus])
    parts = TelegramParts(bot, channel, inbound, receiver, menus)
    app.dispatcher.deps.services["telegram"] = parts
    return parts
