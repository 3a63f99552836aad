"""Pure translation of one Telegram Update into what troly does with it (no I/O here).

Group chats: troly is meant for private chats; in a group it reacts only to a command (for
this bot, `/cmd` or `/cmd@thisbot`), a message mentioning `@thisbot` (the whole username:
`@thisbot_hcm` is someone else), a reply to one of its messages, and presses of its own buttons. A photo or a file in a group counts only through its
caption, read by the same rules (the file itself is never downloaded there); everything else in
groups is ignored.
Events from groups and supergroups carry chat_kind="group", so the core answers there only what
is group-safe (bot/group_chats.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from aiogram import Bot
from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    InaccessibleMessage,
    Message,
    Update,
    User,
)

from bot.channels.telegram.render import REUSABLE_MARK, is_reusable
from bot.events import (
    ButtonPressed,
    ChatMoved,
    ChatRef,
    FileReceived,
    InboundEvent,
    Resubscribed,
    Sender,
    TextMessage,
    Unsubscribed,
    UnsupportedMedia,
)

PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class PlainText:
    """A plain text message (most updates), read without building aiogram's models.

    Only a body whose every field is one of the few below, of exactly its JSON type, is read
    this way (read_update); anything else goes through aiogram's full validation as before, so
    what is accepted, refused (400) and translated does not depend on which way it was read.
    """

    update_id: int
    message_id: int
    chat_id: int
    chat_type: str
    user_id: int
    user_is_bot: bool
    #: aiogram's User.full_name
    full_name: str
    text: str


@dataclass(frozen=True, slots=True)
class PlainPress:
    """A press of one of troly's buttons (a callback query on a message in a chat), read without
    building aiogram's models, on the same terms as PlainText: only a body whose every field is
    one of the few below, of exactly its JSON type, is read this way (read_update)."""

    update_id: int
    query_id: str
    user_id: int
    #: aiogram's User.full_name
    full_name: str
    #: the callback_data (None: none)
    data: str | None
    #: the message carrying the keyboard, its chat
    message_id: int
    chat_id: int
    chat_type: str
    #: the message's keyboard as the Bot API's JSON object (None: none)
    markup: dict[str, Any] | None


#: what troly keeps of one update: a light text message or press, or aiogram's validated Update
TelegramUpdate = Update | PlainText | PlainPress

#: the fields (and their JSON types) a plain text message may have; others: full validation
_MESSAGE_KEYS = {"message_id": int, "date": int, "chat": dict, "from": dict, "text": str,
                 "entities": list}
_MESSAGE_REQUIRED = frozenset({"message_id", "date", "chat", "from", "text"})
_CHAT_KEYS = {"id": int, "type": str, "first_name": str, "last_name": str, "username": str,
              "title": str}
_USER_KEYS = {"id": int, "is_bot": bool, "first_name": str, "last_name": str, "username": str,
              "language_code": str, "is_premium": bool}
_ENTITY_KEYS = {"type": str, "offset": int, "length": int}
_CHAT_REQUIRED = frozenset({"id", "type"})
_USER_REQUIRED = frozenset({"id", "is_bot", "first_name"})
_ENTITY_REQUIRED = frozenset(_ENTITY_KEYS)
#: `date` (Unix seconds) up to the year 2286: larger values aiogram reads differently or refuses
_MAX_DATE = 10 ** 10
#: a button press: the callback query and the message (troly's) carrying the keyboard
_QUERY_KEYS: dict[str, type] = {"id": str, "from": dict, "chat_instance": str, "data": str, "message": dict}
_QUERY_REQUIRED = frozenset({"id", "from", "chat_instance", "message"})
_PRESSED_KEYS: dict[str, type] = {"message_id": int, "date": int, "edit_date": int, "chat": dict, "from": dict,
                 "text": str, "entities": list, "reply_markup": dict}
_PRESSED_REQUIRED = frozenset({"message_id", "date", "chat"})
#: formatting entities of the bot's own text (bold, a link…)
_TEXT_ENTITY_KEYS: dict[str, type] = {**_ENTITY_KEYS, "url": str, "language": str, "custom_emoji_id": str}
_MARKUP_KEYS: dict[str, type] = {"inline_keyboard": list}
_BUTTON_KEYS: dict[str, type] = {"text": str, "callback_data": str}
_BUTTON_REQUIRED = frozenset(_BUTTON_KEYS)


def _typed(value: object, keys: dict[str, type],
           required: frozenset[str]) -> TypeGuard[dict[str, Any]]:
    """A dict with only these keys, each of exactly its type (bool is not an int here)."""
    if type(value) is not dict or not required.issubset(value):
        return False
    for key, item in value.items():  # noqa: SIM110 (a loop: no generator per dict, per update)
        if type(item) is not keys.get(key):
            return False
    return True


def plain_text(data: Any) -> PlainText | None:
    """The update as a PlainText when it is one (see PlainText), else None."""
    if type(data) is not dict or len(data) != 2 or type(data.get("update_id")) is not int:
        return None
    message = data.get("message")
    if not _typed(message, _MESSAGE_KEYS, _MESSAGE_REQUIRED):
        return None
    chat, user = message["chat"], message["from"]
    if not (_typed(chat, _CHAT_KEYS, _CHAT_REQUIRED) and _user(user)
            and 0 <= message["date"] <= _MAX_DATE):
        return None
    entities = message.get("entities", [])
    if not all(_typed(e, _ENTITY_KEYS, _ENTITY_REQUIRED) for e in entities):
        return None
    return PlainText(update_id=data["update_id"], message_id=message["message_id"],
                     chat_id=chat["id"], chat_type=chat["type"], user_id=user["id"],
                     user_is_bot=user["is_bot"], full_name=_full_name(user),
                     text=message["text"])


def _user(value: object) -> bool:
    return _typed(value, _USER_KEYS, _USER_REQUIRED)


def _full_name(user: dict[str, Any]) -> str:
    first_name: str = user["first_name"]
    last_name = user.get("last_name")
    return f"{first_name} {last_name}" if last_name else first_name


def _keyboard(value: object) -> TypeGuard[dict[str, Any]]:
    """An inline keyboard of callback buttons only, each a text and its callback_data."""
    if not _typed(value, _MARKUP_KEYS, frozenset(_MARKUP_KEYS)):
        return False
    return all(type(row) is list
               and all(_typed(button, _BUTTON_KEYS, _BUTTON_REQUIRED) for button in row)
               for row in value["inline_keyboard"])


def plain_press(data: Any) -> PlainPress | None:
    """The update as a PlainPress when it is one (see PlainPress), else None."""
    if type(data) is not dict or len(data) != 2 or type(data.get("update_id")) is not int:
        return None
    query = data.get("callback_query")
    if not (_typed(query, _QUERY_KEYS, _QUERY_REQUIRED) and _user(query["from"])):
        return None
    message = query["message"]
    if not _typed(message, _PRESSED_KEYS, _PRESSED_REQUIRED):
        return None
    chat, sender, markup = message["chat"], message.get("from"), message.get("reply_markup")
    # date 0: an inaccessible message (aiogram's InaccessibleMessage); left to aiogram
    if not (_typed(chat, _CHAT_KEYS, _CHAT_REQUIRED)
            and (sender is None or _user(sender))
            and 0 < message["date"] <= _MAX_DATE
            and 0 <= message.get("edit_date", 0) <= _MAX_DATE
            and (markup is None or _keyboard(markup))):
        return None
    if not all(_typed(e, _TEXT_ENTITY_KEYS, _ENTITY_REQUIRED)
               for e in message.get("entities", [])):
        return None
    user = query["from"]
    return PlainPress(update_id=data["update_id"], query_id=query["id"], user_id=user["id"],
                      full_name=_full_name(user), data=query.get("data"),
                      message_id=message["message_id"], chat_id=chat["id"],
                      chat_type=chat["type"], markup=markup)


def light_update(data: Any) -> PlainText | PlainPress | None:
    """The update read lightly when it is a plain text message or a press, else None."""
    return plain_text(data) or plain_press(data)


def read_update(data: Any, *, bot: Bot) -> TelegramUpdate:
    """A parsed update body as troly keeps it; ValueError (pydantic's ValidationError is one)
    when it is not an update."""
    light = light_update(data)
    if light is not None:
        return light
    return Update.model_validate(data, context={"bot": bot})


def chat_key(update: TelegramUpdate) -> str:
    """Updates of one chat are handled in order; different chats concurrently."""
    if isinstance(update, PlainText | PlainPress):
        return str(update.chat_id)
    if update.message is not None:
        return str(update.message.chat.id)
    if update.callback_query is not None:
        message = update.callback_query.message
        return str(message.chat.id if message is not None else update.callback_query.from_user.id)
    if update.my_chat_member is not None:
        return str(update.my_chat_member.chat.id)
    return f"u{update.update_id}"


@dataclass(frozen=True, slots=True)
class Dispatch:
    """Feed this neutral event to the dispatcher."""

    event: InboundEvent


@dataclass(frozen=True, slots=True)
class DocumentIn:
    """A document: download it (unless too large), then dispatch a FileReceived."""

    chat: ChatRef
    sender: Sender
    dedupe_key: str
    file_id: str
    file_name: str
    size: int | None
    mime_type: str | None
    message_id: str
    #: the text sent with it: handled as if typed right after the file (events.FileReceived)
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Ignore:
    """Nothing to do (but still answer a callback query if ack_id is set)."""

    reason: str
    ack_id: str | None = None


Translation = Dispatch | DocumentIn | Ignore


def translate(update: TelegramUpdate, *, bot_username: str | None,
              now: datetime) -> Translation:
    """Decide what an update means for troly."""
    key = str(update.update_id)
    if isinstance(update, PlainText):
        return _plain(update, key, bot_username, now)
    if isinstance(update, PlainPress):
        return _press(update.query_id, update.data, update.chat_id, update.chat_type,
                      update.message_id, Sender(str(update.user_id),
                                                display_name=update.full_name or None), key, now)
    if update.message is not None:
        return _message(update.message, key, bot_username, now)
    if update.callback_query is not None:
        return _callback(update.callback_query, key, now)
    if update.my_chat_member is not None:
        return _member(update.my_chat_member, key, now)
    return Ignore("update type not handled")


def _moved(message: Message, key: str, now: datetime) -> Translation | None:
    """A group upgraded to a supergroup: Telegram says so in the old group (migrate_to_chat_id)
    and in the new one (migrate_from_chat_id); either moves what troly stores for the group."""
    if message.migrate_to_chat_id is not None:
        old, new = str(message.chat.id), str(message.migrate_to_chat_id)
    elif message.migrate_from_chat_id is not None:
        old, new = str(message.migrate_from_chat_id), str(message.chat.id)
    else:
        return None
    user = message.from_user
    sender = Sender(str(user.id) if user is not None else old)
    return Dispatch(ChatMoved(chat=ChatRef("telegram", old), sender=sender, at=now,
                              dedupe_key=key, chat_kind="group", new_chat_id=new))


def _sender(user: User) -> Sender:
    return Sender(str(user.id), display_name=user.full_name or None)


def _plain(update: PlainText, key: str, bot_username: str | None, now: datetime) -> Translation:
    """_message's text branch for a PlainText (no reply_to_message: it is not one)."""
    if update.user_is_bot:
        return Ignore("no human sender")
    return _text(ChatRef("telegram", str(update.chat_id)),
                 Sender(str(update.user_id), display_name=update.full_name or None),
                 update.chat_type == PRIVATE, update.text, None, update.message_id, key,
                 bot_username, now)


def _text(chat: ChatRef, sender: Sender, private: bool, text: str, replied_to: str | None,
          message_id: int, key: str, bot_username: str | None, now: datetime) -> Translation:
    said = text if private else _group_text(text, replied_to, bot_username)
    if said is None:
        return Ignore("group message not for the bot")
    return Dispatch(TextMessage(chat=chat, sender=sender, at=now, text=said,
                                message_id=str(message_id), dedupe_key=key,
                                chat_kind="private" if private else "group"))


def _message(message: Message, key: str, bot_username: str | None,
             now: datetime) -> Translation:
    moved = _moved(message, key, now)
    if moved is not None:
        return moved
    user = message.from_user
    if user is None or user.is_bot:
        return Ignore("no human sender")
    chat = ChatRef("telegram", str(message.chat.id), thread=_topic(message))
    sender = _sender(user)
    private = message.chat.type == PRIVATE
    replied = message.reply_to_message
    replied_to = (replied.from_user.username or ""
                  if replied is not None and replied.from_user is not None else None)
    if message.text is not None:
        return _text(chat, sender, private, message.text, replied_to, message.message_id, key,
                     bot_username, now)
    caption = message.caption or ""
    if not private:
        # media in a group is for the bot only when its caption is, as a text would be (a
        # command, a mention, a reply to the bot); the core then answers the caption under the
        # group's rules and never takes the file there (nothing is downloaded)
        said = _group_text(caption, replied_to, bot_username) if caption else None
        if said is None:
            return Ignore("group media not for the bot")
        caption = said
    kind = "photo" if message.photo else "unsupported"
    if message.document is not None:
        doc = message.document
        file_name = doc.file_name or f"tep_{message.message_id}"
        if not private:
            return Dispatch(FileReceived(chat=chat, sender=sender, at=now, dedupe_key=key,
                                         file_name=file_name, size=doc.file_size or 0,
                                         mime_type=doc.mime_type, chat_kind="group",
                                         message_id=str(message.message_id), caption=caption))
        return DocumentIn(chat=chat, sender=sender, dedupe_key=key, file_id=doc.file_id,
                          file_name=file_name, size=doc.file_size, mime_type=doc.mime_type,
                          message_id=str(message.message_id), caption=caption)
    # photos, stickers, voice…: the core answers what troly can read, and a caption (a photo's,
    # a video's) as if it had been typed
    return Dispatch(UnsupportedMedia(chat=chat, sender=sender, at=now, dedupe_key=key,
                                     kind=kind, caption=caption,
                                     chat_kind="private" if private else "group"))


def _group_text(text: str, replied_to: str | None, bot_username: str | None) -> str | None:
    """The text the core should see for a group message, or None when it is not for us.

    `replied_to`: the username of the sender of the message it replies to ("" when that sender
    has none), None when it is no reply (or the replied message has no sender)."""
    text = text.strip()
    me = (bot_username or "").casefold()
    if text.startswith("/"):
        # the command ends at any whitespace: "/hoi@thisbot" then a new line is ours too
        parts = _FIRST_SPACE.split(text, maxsplit=1)
        head, sep, rest = parts if len(parts) == 3 else (text, "", "")
        name, at, target = head.partition("@")
        if at and target.casefold() != me:
            return None  # a command for another bot
        return name + sep + rest
    if me:
        # a whole username only: "@thisbot_hcm" (another bot, a member) is no mention of us
        found = re.search(rf"(?<![A-Za-z0-9_])@{re.escape(me)}(?![A-Za-z0-9_])", text,
                          re.IGNORECASE)
        if found is not None:
            return (text[:found.start()] + text[found.end():]).strip()
    if replied_to is not None and me and replied_to.casefold() == me:
        return text
    return None


#: the first whitespace of a text, kept (re.split with a group returns it)
_FIRST_SPACE = re.compile(r"(\s)")


def _topic(message: Message | InaccessibleMessage | None) -> str | None:
    """The forum topic a message is in (answers to it go there too), else None: without it,
    Telegram puts the bot's answer in the group's General topic, away from the question."""
    if (isinstance(message, Message) and message.is_topic_message
            and message.message_thread_id is not None):
        return str(message.message_thread_id)
    return None


def _callback(query: CallbackQuery, key: str, now: datetime) -> Translation:
    message = query.message
    # a press on an inline-mode message has no chat: it may be anywhere, so treat it as a group
    return _press(query.id, query.data,
                  message.chat.id if message is not None else query.from_user.id,
                  message.chat.type if message is not None else None,
                  message.message_id if message is not None else None,
                  _sender(query.from_user), key, now, thread=_topic(message))


def _press(query_id: str, data: str | None, chat_id: int, chat_type: str | None,
           message_id: int | None, sender: Sender, key: str, now: datetime, *,
           thread: str | None = None) -> Translation:
    """A callback query (`message_id` None: on an inline-mode message, which has no chat)."""
    if not data:
        return Ignore("callback without data", ack_id=query_id)
    # the keyboard is the message carrying it: one choice per message (bot/keyboards.py); a
    # reusable (navigation) button is marked and belongs to no choice
    reusable = is_reusable(data)
    payload = data[len(REUSABLE_MARK):] if reusable else data
    keyboard = str(message_id) if message_id is not None and not reusable else None
    if not payload:
        return Ignore("callback without data", ack_id=query_id)
    return Dispatch(ButtonPressed(chat=ChatRef("telegram", str(chat_id), thread=thread),
                                  sender=sender, at=now,
                                  payload=payload, ack_id=query_id, dedupe_key=key,
                                  chat_kind="private" if chat_type == PRIVATE else "group",
                                  keyboard=keyboard))


def _member(update: ChatMemberUpdated, key: str, now: datetime) -> Translation:
    if update.chat.type != PRIVATE:
        return Ignore("membership change in a group")
    status = update.new_chat_member.status
    sender = _sender(update.from_user)
    if status == "kicked":
        return Dispatch(Unsubscribed(chat=ChatRef("telegram", str(update.chat.id)),
                                     sender=sender, at=now, dedupe_key=key))
    if status == "member":  # (re)started: active again; the /start that follows greets them
        return Dispatch(Resubscribed(chat=ChatRef("telegram", str(update.chat.id)),
                                     sender=sender, at=now, dedupe_key=key))
    return Ignore(f"membership status {status}")
