"""Neutral inbound events: every channel turns its payloads into these frozen types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ChannelName = Literal["telegram", "zalo", "web", "console"]
#: a one-to-one chat with the bot, or a chat other people read too (Telegram groups and
#: supergroups; Zalo groups when troly supports them)
ChatKind = Literal["private", "group"]


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where a message comes from / goes to: a channel and its chat id (always a string)."""

    channel: ChannelName
    chat_id: str
    #: the topic of the chat an event came from (a Telegram forum group's thread), where its
    #: answers go; not part of the chat's identity (None: the chat itself)
    thread: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent it, as the platform knows them."""

    user_id: str
    display_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Inbound:
    chat: ChatRef
    sender: Sender
    at: datetime
    #: platform id used to drop retried deliveries (Telegram update_id, Zalo msg_id); None: no dedupe
    dedupe_key: str | None = field(default=None, compare=False)
    #: set by the channel adapter; handlers never answer private data where others read along
    chat_kind: ChatKind = "private"


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMessage(_Inbound):
    """A typed message (commands are text too: '/hoi …')."""

    text: str
    message_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonPressed(_Inbound):
    """A button press (Telegram callback query, Zalo query payload, web button)."""

    payload: str
    ack_id: str | None = None
    #: the keyboard (message) pressed, when the channel knows it: a keyboard is single-use, so a
    #: second press on it is answered "already chosen" (bot/keyboards.py); None: not checked
    keyboard: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FileReceived(_Inbound):
    """A file sent to the bot; the adapter has downloaded it unless it was too large."""

    file_name: str
    size: int
    content: bytes | None = field(default=None, repr=False)
    mime_type: str | None = None
    message_id: str = ""
    #: the text sent with it (a document's caption): handled as if typed right after the file
    #: (the dispatcher routes it once the file is handled); in a group, only when it was
    #: addressed to the bot, and the file itself is never taken there
    caption: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscribed(_Inbound):
    """The user followed / unblocked the bot."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsubscribed(_Inbound):
    """The user unfollowed / blocked the bot."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resubscribed(_Inbound):
    """The user unblocked / restarted the bot where the platform sends their first message
    separately (Telegram's /start): the account is active again, nobody is greeted twice."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsupportedMedia(_Inbound):
    """Something the bot cannot read (a photo, a sticker, a voice message, a location…): the
    core answers with a polite notice for its kind."""

    #: photo|image|sticker|video|voice|link|location|business_card|submit_info|unsupported|
    #: file_not_fetched (FILE_NOT_FETCHED)
    kind: str
    #: the file's name, for FILE_NOT_FETCHED
    file_name: str | None = None
    #: the text sent with it (a photo's caption): answered as if typed, after the notice
    caption: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Interacted(_Inbound):
    """The user did something that asks for no answer (opened a link button): it counts only as
    their latest interaction (Zalo's reply window)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagesSeen(_Inbound):
    """The user's app showed these messages of ours (a read receipt: Zalo `user_seen_message`):
    the outbox rows sent with these provider ids are marked seen. Nothing is answered, and it is
    not an interaction (the platform does not reopen its reply window for reading)."""

    #: the platform's ids of the messages shown (OutboxMessage.provider_message_id)
    message_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatMoved(_Inbound):
    """The platform gave this chat a new id (a Telegram group upgraded to a supergroup: the
    same people, and the old id refuses every message): what is stored for `chat` moves to
    `new_chat_id` (bot/db/chat_moves.py). Nothing is answered."""

    new_chat_id: str


#: UnsupportedMedia.kind of a file the adapter could not download: the user is asked to send it
#: again (a new message, with a new key)
FILE_NOT_FETCHED = "file_not_fetched"


def not_fetched(event: FileReceived) -> UnsupportedMedia:
    """The neutral event for a file whose download failed (answered by the core like the rest)."""
    return UnsupportedMedia(chat=event.chat, sender=event.sender, at=event.at,
                            dedupe_key=event.dedupe_key, chat_kind=event.chat_kind,
                            kind=FILE_NOT_FETCHED,
                            file_name=event.file_name)


InboundEvent = (TextMessage | ButtonPressed | FileReceived | Subscribed | Unsubscribed
                | Resubscribed | UnsupportedMedia | Interacted | MessagesSeen | ChatMoved)
