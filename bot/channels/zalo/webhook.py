"""Pure Zalo webhook logic: signature check and payload → neutral event (no I/O)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.events import (
    ButtonPressed,
    ChatRef,
    FileReceived,
    InboundEvent,
    Sender,
    Subscribed,
    TextMessage,
    Unsubscribed,
)

#: query-button payloads come back as user text (platforms.md §2.2 [U]); this prefix marks them,
#: so a press is told apart from typed text. A user typing it by hand just presses that button.
BUTTON_PREFIX = "#btn:"

#: milliseconds since 1970 have 13 digits until the year 2286
MAX_TIMESTAMP_DIGITS = 15
#: Zalo ids are numbers of about 19 digits; message ids are hex strings of 32
MAX_ID_CHARS = 64

#: media we answer with "not supported" (the core has no event for them)
UNSUPPORTED_MEDIA_EVENTS = frozenset({
    "user_send_image", "user_send_gif", "user_send_sticker", "user_send_audio",
    "user_send_video",
})


class MalformedEvent(ValueError):
    """The body is not a Zalo event we can read (→ HTTP 400)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsupportedMedia:
    """An image (or other media) the bot cannot read: answered politely, nothing else."""

    chat: ChatRef
    sender: Sender
    at: datetime
    kind: str
    dedupe_key: str | None


def expected_signature(raw_body: bytes, *, app_id: str, timestamp: str,
                       oa_secret_key: str) -> str:
    """`mac=` + SHA-256 hex of app_id + raw body + timestamp + OA secret key (platforms.md §2.1)."""
    digest = hashlib.sha256(
        app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()
    ).hexdigest()
    return f"mac={digest}"


def verify_signature(raw_body: bytes, header: str | None, *, app_id: str, timestamp: str,
                     oa_secret_key: str) -> bool:
    """True when the X-ZEvent-Signature header matches the raw body (constant-time compare)."""
    if not header:
        return False
    expected = expected_signature(raw_body, app_id=app_id, timestamp=timestamp,
                                  oa_secret_key=oa_secret_key)
    given = header.strip()
    if not given.startswith("mac="):  # some senders omit the prefix; accept the bare hex too
        given = "mac=" + given
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def envelope_timestamp(payload: dict[str, Any]) -> str:
    """The `timestamp` field as Zalo sent it (milliseconds, usually a string)."""
    value = payload.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedEvent("missing timestamp")
    text = str(value)
    if not text.isdigit():
        raise MalformedEvent("timestamp is not a number of milliseconds")
    if len(text) > MAX_TIMESTAMP_DIGITS:  # int() of a 5,000-digit string raises, past this check
        raise MalformedEvent("timestamp out of range")
    return text


def event_time(payload: dict[str, Any]) -> datetime:
    """The event instant (UTC) from its millisecond timestamp."""
    millis = int(envelope_timestamp(payload))
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedEvent("timestamp out of range") from exc


def parse_event(payload: dict[str, Any]) -> InboundEvent | UnsupportedMedia | None:
    """Turn one webhook payload into a neutral event; None for events troly ignores.

    Raises MalformedEvent when a handled event lacks what it needs.
    """
    name = payload.get("event_name")
    if not isinstance(name, str):
        raise MalformedEvent("missing event_name")
    at = event_time(payload)
    if name in ("follow", "unfollow"):
        follower = _obj(payload, "follower")
        user_id = _id(follower.get("id"), "follower.id")
        chat, sender = ChatRef("zalo", user_id), Sender(user_id)
        # no msg_id for follows: the user and the instant identify one event
        key = f"{name}:{user_id}:{envelope_timestamp(payload)}"
        if name == "follow":
            return Subscribed(chat=chat, sender=sender, at=at, dedupe_key=key)
        return Unsubscribed(chat=chat, sender=sender, at=at, dedupe_key=key)
    if name not in ("user_send_text", "user_send_file") and name not in UNSUPPORTED_MEDIA_EVENTS:
        return None  # receipts, OA echoes, anonymous chats, …
    user_id = _id(_obj(payload, "sender").get("id"), "sender.id")
    message = _obj(payload, "message")
    msg_id = _id(message.get("msg_id"), "message.msg_id")
    chat, sender = ChatRef("zalo", user_id), Sender(user_id)
    if name == "user_send_text":
        text = message.get("text")
        if not isinstance(text, str):
            raise MalformedEvent("message.text missing")
        if text.startswith(BUTTON_PREFIX):
            return ButtonPressed(chat=chat, sender=sender, at=at, dedupe_key=msg_id,
                                 payload=text[len(BUTTON_PREFIX):].strip()[:64])
        return TextMessage(chat=chat, sender=sender, at=at, dedupe_key=msg_id, text=text,
                           message_id=msg_id)
    if name in UNSUPPORTED_MEDIA_EVENTS:
        return UnsupportedMedia(chat=chat, sender=sender, at=at, kind=name.removeprefix("user_send_"),
                                dedupe_key=msg_id)
    file = _file_payload(message)
    file_name = file.get("name")
    if not isinstance(file_name, str) or not file_name:
        raise MalformedEvent("file name missing")
    size = file.get("size")
    return FileReceived(chat=chat, sender=sender, at=at, dedupe_key=msg_id, file_name=file_name,
                        size=_size(size), content=None, message_id=msg_id)


def file_url(payload: dict[str, Any]) -> str:
    """The download URL of a user_send_file event."""
    url = _file_payload(_obj(payload, "message")).get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise MalformedEvent("file url missing")
    return url


def _file_payload(message: dict[str, Any]) -> dict[str, Any]:
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        raise MalformedEvent("message.attachments missing")
    first = attachments[0]
    if not isinstance(first, dict) or not isinstance(first.get("payload"), dict):
        raise MalformedEvent("attachment payload missing")
    payload: dict[str, Any] = first["payload"]
    return payload


def _obj(payload: dict[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise MalformedEvent(f"{key} missing")
    return value


def _id(value: object, what: str) -> str:
    # ids are long numbers; keep them as strings (JSON number precision, platforms.md §2.1)
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise MalformedEvent(f"{what} missing")
    if len(str(value)) > MAX_ID_CHARS:  # stored in 128-character columns
        raise MalformedEvent(f"{what} too long")
    return str(value)


def _size(value: object) -> int:
    try:
        return max(int(str(value)), 0)
    except (TypeError, ValueError):
        return 0  # unknown: the download enforces the limit anyway
