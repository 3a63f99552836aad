"""Pure translation of one Telegram Update into what troly does with it (no I/O here).

Group chats: troly is meant for private chats; in a group it reacts only to a command (for
this bot, `/cmd` or `/cmd@thisbot`), a message mentioning `@thisbot`, a reply to one of its
messages, and presses of its own buttons. Files, photos and everything else in groups are ignored.
Events from groups and supergroups carry chat_kind="group", so the core answers there only what
is group-safe (bot/group_chats.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update, User

from bot.channels.telegram.render import REUSABLE_MARK, is_reusable
from bot.events import (
    ButtonPressed,
    ChatRef,
    InboundEvent,
    Resubscribed,
    Sender,
    TextMessage,
    Unsubscribed,
    UnsupportedMedia,
)

PRIVATE = "private"


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


@dataclass(frozen=True, slots=True)
class Ignore:
    """Nothing to do (but still answer a callback query if ack_id is set)."""

    reason: str
    ack_id: str | None = None


Translation = Dispatch | DocumentIn | Ignore


def translate(update: Update, *, bot_username: str | None, now: datetime) -> Translation:
    """Decide what an update means for troly."""
    key = str(update.update_id)
    if update.message is not None:
        return _message(update.message, key, bot_username, now)
    if update.callback_query is not None:
        return _callback(update.callback_query, key, now)
    if update.my_chat_member is not None:
        return _member(update.my_chat_member, key, now)
    return Ignore("update type not handled")


def _sender(user: User) -> Sender:
    return Sender(str(user.id), display_name=user.full_name or None)


def _message(message: Message, key: str, bot_username: str | None,
             now: datetime) -> Translation:
    user = message.from_user
    if user is None or user.is_bot:
        return Ignore("no human sender")
    chat = ChatRef("telegram", str(message.chat.id))
    sender = _sender(user)
    private = message.chat.type == PRIVATE
    if message.text is not None:
        text = message.text if private else _group_text(message, bot_username)
        if text is None:
            return Ignore("group message not for the bot")
        return Dispatch(TextMessage(chat=chat, sender=sender, at=now, text=text,
                                    message_id=str(message.message_id), dedupe_key=key,
                                    chat_kind="private" if private else "group"))
    if not private:
        return Ignore("non-text group message")
    if message.document is not None:
        doc = message.document
        return DocumentIn(chat=chat, sender=sender, dedupe_key=key, file_id=doc.file_id,
                          file_name=doc.file_name or f"tep_{message.message_id}",
                          size=doc.file_size, mime_type=doc.mime_type,
                          message_id=str(message.message_id))
    # photos, stickers, voice…: the core answers what troly can read
    return Dispatch(UnsupportedMedia(chat=chat, sender=sender, at=now, dedupe_key=key,
                                     kind="photo" if message.photo else "unsupported"))


def _group_text(message: Message, bot_username: str | None) -> str | None:
    """The text the core should see for a group message, or None when it is not for us."""
    text = (message.text or "").strip()
    me = (bot_username or "").casefold()
    if text.startswith("/"):
        head, sep, rest = text.partition(" ")
        name, at, target = head.partition("@")
        if at and target.casefold() != me:
            return None  # a command for another bot
        return name + sep + rest
    mention = f"@{me}" if me else None
    if mention and mention in text.casefold():
        start = text.casefold().index(mention)
        return (text[:start] + text[start + len(mention):]).strip()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and me \
            and (replied.from_user.username or "").casefold() == me:
        return text
    return None


def _callback(query: CallbackQuery, key: str, now: datetime) -> Translation:
    if not query.data:
        return Ignore("callback without data", ack_id=query.id)
    message = query.message
    chat_id = message.chat.id if message is not None else query.from_user.id
    # a press on an inline-mode message has no chat: it may be anywhere, so treat it as a group
    private = message is not None and message.chat.type == PRIVATE
    # the keyboard is the message carrying it: one choice per message (bot/keyboards.py); a
    # reusable (navigation) button is marked and belongs to no choice
    reusable = is_reusable(query.data)
    payload = query.data[len(REUSABLE_MARK):] if reusable else query.data
    keyboard = str(message.message_id) if message is not None and not reusable else None
    if not payload:
        return Ignore("callback without data", ack_id=query.id)
    return Dispatch(ButtonPressed(chat=ChatRef("telegram", str(chat_id)),
                                  sender=_sender(query.from_user), at=now,
                                  payload=payload, ack_id=query.id, dedupe_key=key,
                                  chat_kind="private" if private else "group",
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
