"""Telegram outbound: the aiogram client and the channel sending neutral messages (HTML, inline keyboards)."""

from __future__ import annotations

import logging
from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramNetworkError,
)
from aiogram.methods.base import Response, TelegramMethod, TelegramType
from aiogram.types import BufferedInputFile, InputFile, Message, MessageId
from aiohttp import ClientError, ClientTimeout

from bot.channel import Capability, SentMessage
from bot.channels.telegram.errors import classify, is_parse_error
from bot.channels.telegram.render import (
    collapsed,
    is_photo,
    reply_markup,
    split_for_telegram,
    to_html,
)
from bot.config import Settings
from bot.events import ButtonPressed, ChannelName, ChatRef
from bot.messages import Attachment, OutgoingMessage
from bot.texts import channels as TC

logger = logging.getLogger(__name__)


#: the Bot API takes every method but a file upload as a JSON body
JSON_BODY = {"Content-Type": "application/json"}


class KeepingSession(AiohttpSession):
    """aiogram's aiohttp session, with less work per request.

    - Requests without a file go as a JSON body (the Bot API takes application/json for every
      method but uploads). aiogram sends a urlencoded form, and percent-encoding a Vietnamese
      answer byte by byte in Python costs ~0.4 ms; uploads still go as aiogram's multipart form.
    - aiogram reads every answer with `Response[method.__returning__]`, a pydantic generic model
      that pydantic caches only weakly: once a garbage collection frees it, the next answer builds
      it again (schema and validator, ~25 ms; a few per cent of the inbound path's CPU under
      load). Held here, each is built once per process.

    Connections are aiogram's: one aiohttp ClientSession, its pool kept alive between requests.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._models: dict[Any, Any] = {}

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:  # noqa: ASYNC109
        """aiogram's request, as JSON unless it uploads a file."""
        files: dict[str, InputFile] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            # the values aiogram's form would carry (Default resolved, models dumped, None and
            # "" left out), as JSON values instead of JSON-in-a-string
            value = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if value is not None and value != "":
                params[key] = value
        if files:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(url, data=self.json_dumps(params).encode(), headers=JSON_BODY,
                                    timeout=ClientTimeout(total=self.timeout if timeout is None
                                                          else timeout)) as resp:
                raw_result = await resp.text()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method, message="Request timeout error") from exc
        except ClientError as exc:
            raise TelegramNetworkError(method=method,
                                       message=f"{type(exc).__name__}: {exc}") from exc
        response = self.check_response(bot=bot, method=method, status_code=resp.status,
                                       content=raw_result)
        return cast(TelegramType, response.result)

    def check_response(self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int,
                       content: str) -> Response[TelegramType]:
        """aiogram's check, with the response model kept."""
        returning = method.__returning__
        if returning not in self._models:
            self._models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


class SendText(TelegramMethod[MessageId]):
    """sendMessage with only the fields troly sets, its answer read for the message id only.

    aiogram's SendMessage validates and dumps ~20 fields, and its answer builds a whole Message
    (chat, sender, text, keyboard) of which troly keeps the id. Error answers are aiogram's
    (TelegramRetryAfter, TelegramForbiddenError…), as errors.classify expects.
    """

    __returning__ = MessageId
    __api_method__ = "sendMessage"

    chat_id: int | str
    text: str
    parse_mode: str | None = None
    #: the Bot API's JSON object (render.reply_markup)
    reply_markup: dict[str, Any] | None = None
    disable_notification: bool | None = None


class AnswerQuery(TelegramMethod[bool]):
    """answerCallbackQuery with only the fields troly sets (aiogram's AnswerCallbackQuery
    validates and dumps five)."""

    __returning__ = bool
    __api_method__ = "answerCallbackQuery"

    callback_query_id: str
    text: str | None = None


class EditMarkup(TelegramMethod[dict[str, Any] | bool]):
    """editMessageReplyMarkup with the keyboard as the Bot API's JSON, its answer (the edited
    Message, or True) not read into aiogram's models: troly keeps nothing of it."""

    __returning__ = dict[str, Any] | bool
    __api_method__ = "editMessageReplyMarkup"

    chat_id: int | str
    message_id: int
    #: the Bot API's JSON object (render.collapsed)
    reply_markup: dict[str, Any]


def make_bot(settings: Settings) -> Bot:
    """The aiogram client for TROLY_TELEGRAM_TOKEN at TROLY_TELEGRAM_API_URL."""
    assert settings.telegram_token is not None
    session = KeepingSession(api=TelegramAPIServer.from_base(settings.telegram_api_url),
                             timeout=settings.telegram_request_timeout_seconds)
    return Bot(settings.telegram_token.get_secret_value(), session=session)


def _chat_id(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


# ---------------------------------------------------------------------------------- outbound


class TelegramChannel:
    """Sends neutral messages as HTML with inline keyboards; raises DeliveryError on failure.

    A long text goes as several messages (buttons on the last), its attachments after it. If a
    later part fails, the error says how many parts were delivered (DeliveryError.parts_sent);
    the retry, given them as OutgoingMessage.parts_sent, starts after them.
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
        markup = reply_markup(message.buttons, message.layout)
        silent = True if message.silent else None  # None: the parameter is left out
        last: Message | MessageId | None = None
        done = message.parts_sent  # delivered by an earlier try: not again
        try:
            for i, part in enumerate(parts):
                if i >= done:
                    last = await self._send_text(chat.chat_id, part,
                                                 markup if i == len(parts) - 1 else None, silent)
                    done = i + 1
            for j, attachment in enumerate(message.attachments, start=len(parts)):
                if j >= done:
                    last = await self._send_file(chat.chat_id, attachment, silent)
                    done = j + 1
        except AiogramError as exc:
            error = classify(exc)
            error.parts_sent = done
            raise error from exc
        return SentMessage(message_id=str(last.message_id) if last is not None else None)

    async def _send_text(self, chat_id: str, text: str, markup: dict[str, Any] | None,
                         silent: bool | None) -> MessageId:
        try:
            return await self.bot(SendText(chat_id=_chat_id(chat_id), text=to_html(text),
                                           parse_mode="HTML", reply_markup=markup,
                                           disable_notification=silent))
        except TelegramBadRequest as exc:
            if not is_parse_error(exc):
                raise
            logger.warning("telegram refused our HTML (%s); resending as plain text", exc.message)
            return await self.bot(SendText(chat_id=_chat_id(chat_id), text=text, parse_mode=None,
                                           reply_markup=markup, disable_notification=silent))

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

    async def collapse(self, chat_id: str, message_id: int, markup: dict[str, Any] | None,
                       pressed: str) -> None:
        """Replace a used keyboard (the Bot API's JSON object) by the choice made (best effort:
        the core refuses a second choice anyway)."""
        try:
            await self.bot(EditMarkup(chat_id=_chat_id(chat_id), message_id=message_id,
                                      reply_markup=collapsed(markup, pressed)))
        except AiogramError as exc:  # too old to edit, not modified, deleted: nothing to do
            logger.info("keyboard of %s/%s not collapsed: %s", chat_id, message_id, exc)

    async def acknowledge(self, event: ButtonPressed, text: str | None = None) -> None:
        """answerCallbackQuery, so the phone stops its spinner (with `text`: a short notice);
        errors are only logged."""
        if not event.ack_id:
            return
        try:
            await self.bot(AnswerQuery(callback_query_id=event.ack_id, text=text))
        except AiogramError as exc:  # too old / already answered: nothing useful to do
            logger.info("callback %s not answered: %s", event.ack_id, exc)
