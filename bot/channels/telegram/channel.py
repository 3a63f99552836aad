"""Telegram outbound: the aiogram client and the channel sending neutral messages (HTML, inline keyboards)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Generic, TypeVar, cast

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    TelegramBadRequest,
    TelegramMigrateToChat,
    TelegramNetworkError,
)
from aiogram.methods.base import Response, TelegramMethod, TelegramType
from aiogram.types import BufferedInputFile, InputFile, Message, MessageId
from aiohttp import ClientError, ClientTimeout
from aiohttp.payload import BytesPayload
from yarl import URL

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
from bot.messages import Attachment, OutgoingMessage, part_delivered, parts_to_send
from bot.texts import channels as TC

logger = logging.getLogger(__name__)


#: the Bot API takes every method but a file upload as a JSON body
JSON_TYPE = "application/json"
#: the statuses aiogram reads as a success (HTTPStatus.OK … IM_USED; a range: no enum per answer)
_SUCCESS = range(HTTPStatus.OK, HTTPStatus.IM_USED + 1)
#: what troly keeps of a call's result
_R = TypeVar("_R")


class KeepingSession(AiohttpSession):
    """aiogram's aiohttp session, with less work per request.

    - Requests without a file go as a JSON body (the Bot API takes application/json for every
      method but uploads). aiogram sends a urlencoded form, and percent-encoding a Vietnamese
      answer byte by byte in Python costs ~0.4 ms; uploads still go as aiogram's multipart form.
    - aiogram reads every answer with `Response[method.__returning__]`, a pydantic generic model
      that pydantic caches only weakly: once a garbage collection frees it, the next answer builds
      it again (schema and validator, ~25 ms; a few per cent of the inbound path's CPU under
      load). Held here, each is built once per process.
    - `call` sends troly's own calls (a reply, a button's answer, a keyboard's collapse, a chat
      action: LeanCall) without aiogram's models on the way out or on a successful answer: what
      it builds and reads per request (the method's model, its dump walked value by value, the
      answer's whole Message with its text) was about 60 % of a reply's CPU in this client.
      An answer that is not a plain success goes through aiogram's own check, so errors are
      aiogram's exceptions (TelegramRetryAfter, TelegramForbiddenError…) as before.

    Connections are aiogram's: one aiohttp ClientSession, its pool kept alive between requests.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._models: dict[Any, Any] = {}
        self._urls: dict[tuple[str, str], URL] = {}
        self._timeouts: dict[float, ClientTimeout] = {}

    def _url(self, token: str, api_method: str) -> URL:
        """The method's URL, parsed once (aiohttp would parse the string per request)."""
        url = self._urls.get((token, api_method))
        if url is None:
            url = self._urls[(token, api_method)] = URL(
                self.api.api_url(token=token, method=api_method))
        return url

    def _timeout(self, timeout: float | None) -> ClientTimeout:
        total = self.timeout if timeout is None else timeout
        kept = self._timeouts.get(total)
        if kept is None:
            kept = self._timeouts[total] = ClientTimeout(total=total)
        return kept

    async def _post_json(self, bot: Bot, api_method: str, params: dict[str, Any],
                         method: Callable[[], TelegramMethod[Any]],
                         timeout: float | None) -> tuple[int, bytes]:  # noqa: ASYNC109
        """POST the parameters as JSON; the answer's status and body. aiogram's network errors,
        their method built by `method` (only then)."""
        session = await self.create_session()
        try:
            # the body as a payload of its own type: no headers to merge, and aiohttp's payload
            # registry returns it as it is
            async with session.post(self._url(bot.token, api_method),
                                    data=BytesPayload(self.json_dumps(params).encode(),
                                                     content_type=JSON_TYPE),
                                    timeout=self._timeout(timeout)) as resp:
                return resp.status, await resp.read()
        except TimeoutError as exc:
            raise TelegramNetworkError(method=method(), message="Request timeout error") from exc
        except ClientError as exc:
            raise TelegramNetworkError(method=method(),
                                       message=f"{type(exc).__name__}: {exc}") from exc

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
        status, content = await self._post_json(bot, method.__api_method__, params,
                                                lambda: method, timeout)
        response = self.check_response(bot=bot, method=method, status_code=status,
                                       content=content.decode("utf-8", "replace"))
        return cast(TelegramType, response.result)

    async def call(self, bot: Bot, call: LeanCall[_R]) -> _R:
        """Send one of troly's own calls (see the class; lean_call chooses this way); its result
        as `call.read` keeps it. Request middlewares are not run here: call it through lean_call,
        which sends by aiogram's models when any are registered."""
        status, content = await self._post_json(bot, call.model.__api_method__, call.params,
                                                call.method, None)
        if status in _SUCCESS:
            try:
                answer = self.json_loads(content)
                if answer["ok"] is True:
                    return call.read(answer.get("result"))
            except (ValueError, TypeError, KeyError):
                pass  # not the answer expected: aiogram's check below says what is wrong
        response = self.check_response(bot=bot, method=call.method(), status_code=status,
                                       content=content.decode("utf-8", "replace"))
        return call.read(response.result)  # aiogram read a success that `read` did not

    def check_response(self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int,
                       content: str) -> Response[TelegramType]:
        """aiogram's check, with the response model kept."""
        returning = method.__returning__
        if returning not in self._models:
            self._models[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


@dataclass(frozen=True, slots=True)
class LeanCall(Generic[_R]):
    """One of troly's Bot API calls, its parameters already the Bot API's JSON values (None
    left out), sent by KeepingSession.call; through any other session, as aiogram's model."""

    #: aiogram's model of the call: built for another session and for error answers only
    model: type[TelegramMethod[Any]]
    params: dict[str, Any]
    #: what troly keeps of a successful answer's `result` (its JSON, or aiogram's model of it
    #: when aiogram read the answer); ValueError when it is not what the method answers
    read: Callable[[Any], _R]

    def method(self) -> TelegramMethod[Any]:
        """The call as aiogram's model."""
        return self.model(**self.params)


async def lean_call(bot: Bot, call: LeanCall[_R]) -> _R:
    """Send `call` through KeepingSession.call; as aiogram's model through another session, or
    when request middlewares are registered (they see aiogram's models)."""
    session = bot.session
    if isinstance(session, KeepingSession) and not session.middleware:
        return await session.call(bot, call)
    return call.read(await bot(call.method()))


def _message_id(result: Any) -> int:
    """The id of the message a send answered with (JSON or aiogram's MessageId / Message)."""
    if isinstance(result, MessageId | Message):
        return result.message_id
    if type(result) is dict and type(result.get("message_id")) is int:
        return cast(int, result["message_id"])
    raise ValueError(f"no message id in {type(result).__name__}")


def _true(result: Any) -> bool:
    """A method answering True on success."""
    if result is not True:
        raise ValueError(f"expected true, got {type(result).__name__}")
    return True


def _message_or_true(result: Any) -> None:
    """A method answering the edited Message or True: nothing of it is kept."""
    if not (result is True or isinstance(result, dict | Message)):
        raise ValueError(f"expected a message or true, got {type(result).__name__}")


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
    #: the forum topic (ChatRef.thread) the answer goes to
    message_thread_id: int | None = None


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


class ChatAction(TelegramMethod[bool]):
    """sendChatAction with the two fields troly sets."""

    __returning__ = bool
    __api_method__ = "sendChatAction"

    chat_id: int | str
    action: str
    message_thread_id: int | None = None


def _params(**values: Any) -> dict[str, Any]:
    """The call's parameters without the ones left out (None)."""
    return {key: value for key, value in values.items() if value is not None}


def send_text(chat_id: int | str, text: str, parse_mode: str | None,
              reply_markup: dict[str, Any] | None,
              disable_notification: bool | None, thread: int | None = None) -> LeanCall[int]:
    """sendMessage (SendText): the sent message's id."""
    return LeanCall(SendText, _params(chat_id=chat_id, text=text, parse_mode=parse_mode,
                                      reply_markup=reply_markup,
                                      disable_notification=disable_notification,
                                      message_thread_id=thread), _message_id)


def answer_query(query_id: str, text: str | None) -> LeanCall[bool]:
    """answerCallbackQuery (AnswerQuery)."""
    return LeanCall(AnswerQuery, _params(callback_query_id=query_id, text=text), _true)


def edit_markup(chat_id: int | str, message_id: int,
                reply_markup: dict[str, Any]) -> LeanCall[None]:
    """editMessageReplyMarkup (EditMarkup)."""
    return LeanCall(EditMarkup, {"chat_id": chat_id, "message_id": message_id,
                                 "reply_markup": reply_markup}, _message_or_true)


def chat_action(chat_id: int | str, action: str, thread: int | None = None) -> LeanCall[bool]:
    """sendChatAction (ChatAction)."""
    return LeanCall(ChatAction, _params(chat_id=chat_id, action=action,
                                        message_thread_id=thread), _true)


def make_bot(settings: Settings) -> Bot:
    """The aiogram client for TROLY_TELEGRAM_TOKEN at TROLY_TELEGRAM_API_URL."""
    assert settings.telegram_token is not None
    session = KeepingSession(api=TelegramAPIServer.from_base(settings.telegram_api_url),
                             timeout=settings.telegram_request_timeout_seconds)
    return Bot(settings.telegram_token.get_secret_value(), session=session)


def _chat_id(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


def thread_id(thread: str | None) -> int | None:
    """A forum topic's message_thread_id (ChatRef.thread), None: none."""
    return int(thread) if thread is not None and thread.isdigit() else None


# ---------------------------------------------------------------------------------- outbound


class TelegramChannel:
    """Sends neutral messages as HTML with inline keyboards; raises DeliveryError on failure.

    A long text goes as several messages (buttons on the last), its attachments after it. If a
    later part fails, the error says how many parts were delivered (DeliveryError.parts_sent);
    the retry, given them as OutgoingMessage.parts_sent, starts after them. A group upgraded
    to a supergroup (400 with migrate_to_chat_id) gets the message at its new id, and the
    receipt says so (SentMessage.moved_to): the caller moves what is stored for the chat.
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
        last: int | None = None  # the id of the last message sent
        done = message.parts_sent  # delivered by an earlier try: not again
        thread = thread_id(chat.thread)
        target = chat.chat_id
        total = len(parts) + len(message.attachments)
        try:
            for sent, part in parts_to_send(parts, message):
                buttons = markup if sent == len(parts) else None
                try:
                    last = await self._send_part(target, part, buttons, silent, thread)
                except TelegramMigrateToChat as exc:
                    # the group became a supergroup: the same people under a new id
                    logger.info("telegram chat %s moved to %s; sending there", target,
                                exc.migrate_to_chat_id)
                    target = str(exc.migrate_to_chat_id)
                    last = await self._send_part(target, part, buttons, silent, thread)
                done = sent
                await part_delivered(sent, total)  # the sender records it: not sent again
        except AiogramError as exc:
            error = classify(exc)
            error.parts_sent = done
            raise error from exc
        return SentMessage(message_id=str(last) if last is not None else None,
                           moved_to=target if target != chat.chat_id else None)

    async def _send_part(self, chat_id: str, part: str | Attachment,
                         markup: dict[str, Any] | None, silent: bool | None,
                         thread: int | None) -> int:
        if isinstance(part, Attachment):
            return await self._send_file(chat_id, part, silent, thread)
        return await self._send_text(chat_id, part, markup, silent, thread)

    async def _send_text(self, chat_id: str, text: str, markup: dict[str, Any] | None,
                         silent: bool | None, thread: int | None = None) -> int:
        try:
            return await lean_call(self.bot, send_text(_chat_id(chat_id), to_html(text), "HTML",
                                                       markup, silent, thread))
        except TelegramBadRequest as exc:
            if not is_parse_error(exc):
                raise
            logger.warning("telegram refused our HTML (%s); resending as plain text", exc.message)
            return await lean_call(self.bot, send_text(_chat_id(chat_id), text, None, markup,
                                                       silent, thread))

    async def _send_file(self, chat_id: str, attachment: Attachment,
                         silent: bool | None, thread: int | None = None) -> int:
        upload = BufferedInputFile(attachment.content, filename=attachment.file_name)
        photo = is_photo(attachment.mime_type, len(attachment.content))
        await self.chat_action(chat_id, "upload_photo" if photo else "upload_document", thread)
        if photo:
            sent = await self.bot.send_photo(_chat_id(chat_id), upload,
                                             disable_notification=silent,
                                             message_thread_id=thread)
        else:
            sent = await self.bot.send_document(_chat_id(chat_id), upload,
                                                disable_notification=silent,
                                                message_thread_id=thread)
        return sent.message_id

    async def chat_action(self, chat_id: str, action: str, thread: int | None = None) -> None:
        """sendChatAction ('typing', 'upload_document'…; in a forum topic: `thread`): best
        effort, failures only logged."""
        try:
            await lean_call(self.bot, chat_action(_chat_id(chat_id), action, thread))
        except AiogramError as exc:
            logger.info("chat action %s to %s not shown: %s", action, chat_id, exc)

    async def collapse(self, chat_id: str, message_id: int, markup: dict[str, Any] | None,
                       pressed: str) -> None:
        """Replace a used keyboard (the Bot API's JSON object) by the choice made (best effort:
        the core refuses a second choice anyway)."""
        try:
            await lean_call(self.bot, edit_markup(_chat_id(chat_id), message_id,
                                                  collapsed(markup, pressed)))
        except AiogramError as exc:  # too old to edit, not modified, deleted: nothing to do
            logger.info("keyboard of %s/%s not collapsed: %s", chat_id, message_id, exc)

    async def acknowledge(self, event: ButtonPressed, text: str | None = None) -> None:
        """answerCallbackQuery, so the phone stops its spinner (with `text`: a short notice);
        errors are only logged."""
        if not event.ack_id:
            return
        try:
            await lean_call(self.bot, answer_query(event.ack_id, text))
        except AiogramError as exc:  # too old / already answered: nothing useful to do
            logger.info("callback %s not answered: %s", event.ack_id, exc)
