"""Pure Zalo webhook logic: signature check and payload → neutral event (no I/O)."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.events import (
    ButtonPressed,
    ChatRef,
    FileReceived,
    InboundEvent,
    MessagesSeen,
    Sender,
    Subscribed,
    TextMessage,
    Unsubscribed,
    UnsupportedMedia,
)

#: query-button payloads come back as user text (platforms.md §2.2 [U]); this prefix marks them,
#: so a press is told apart from typed text. A user typing it by hand just presses that button.
BUTTON_PREFIX = "#btn:"
#: a press ends with this and the keyboard id when the message had one (bot/keyboards.py)
KEYBOARD_MARK = "|k"
_KEYBOARD_RE = re.compile(r"\|k([0-9a-f]{16})$")

#: milliseconds since 1970 have 13 digits until the year 2286
MAX_TIMESTAMP_DIGITS = 15
#: Zalo ids are numbers of about 19 digits; message ids are hex strings of 32
MAX_ID_CHARS = 64
#: message ids read from one seen receipt
MAX_SEEN_IDS = 100

#: events answered with a polite "not supported" (events.UnsupportedMedia), by kind
POLITE_EVENTS = {
    "user_send_image": "image", "user_send_gif": "image", "user_send_sticker": "sticker",
    "user_send_video": "video", "user_send_audio": "voice", "user_send_link": "link",
    "user_send_location": "location", "user_send_business_card": "business_card",
    "user_submit_info": "submit_info",
}
#: events that may carry a button press (platforms.md §2.2 [U]: presses of query buttons are
#: expected as user_send_text; user_click_button / user_click_link are listed by some SDKs)
CLICK_EVENTS = frozenset({"user_click_button", "user_click_link"})
#: where a click event's payload may be, tried in order (dotted paths; the shape is [U])
DEFAULT_CLICK_PAYLOAD_FIELDS = ("message.payload", "message.text", "payload", "button.payload",
                                "message.url", "url")


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """The uncertain parts of Zalo's event format, configurable (docs/zalo.md §6)."""

    #: which events may carry a button press; a press arriving twice (as text *and* as a click)
    #: is answered twice, so leave out the form a test OA shows to be a duplicate
    button_events: frozenset[str] = frozenset({"user_send_text", *CLICK_EVENTS})
    click_payload_fields: tuple[str, ...] = DEFAULT_CLICK_PAYLOAD_FIELDS


DEFAULT_OPTIONS = ParseOptions()


class MalformedEvent(ValueError):
    """The body is not a Zalo event we can read (→ HTTP 400)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkOpened:
    """A click that is not a troly button (a URL button, or no payload where troly looks):
    acknowledged and counted as an interaction only."""

    chat: ChatRef
    sender: Sender
    at: datetime
    dedupe_key: str
    #: False when no payload was found at the configured fields (the click format is [U]):
    #: logged, so an operator can look at the stored body and adjust the setting
    payload_found: bool = True


ParsedEvent = InboundEvent | LinkOpened


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


def parse_event(payload: dict[str, Any],
                options: ParseOptions = DEFAULT_OPTIONS) -> ParsedEvent | None:
    """Turn one webhook payload into a neutral event; None for events troly ignores.

    Every event returned has a dedupe key (the message id, or the event name, user and instant).
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
    handled = (name in ("user_send_text", "user_send_file", "user_seen_message")
               or name in POLITE_EVENTS or name in CLICK_EVENTS)
    if not handled:
        return None  # receipts of delivery, OA echoes, anonymous chats, …
    user_id = _id(_obj(payload, "sender").get("id"), "sender.id")
    chat, sender = ChatRef("zalo", user_id), Sender(user_id)
    if name == "user_seen_message":
        ids = _obj(payload, "message").get("msg_ids")
        if not isinstance(ids, list):
            raise MalformedEvent("message.msg_ids missing")
        message_ids = tuple(_id(i, "message.msg_ids[]") for i in ids[:MAX_SEEN_IDS])
        # a receipt, handled by the core like every other event (no answer, no interaction)
        return MessagesSeen(chat=chat, sender=sender, at=at, message_ids=message_ids,
                            dedupe_key=f"{name}:{user_id}:{envelope_timestamp(payload)}")
    if name in CLICK_EVENTS:
        if name not in options.button_events:
            return None
        return _click(payload, name, chat, sender, at, options)
    if name in POLITE_EVENTS:
        return UnsupportedMedia(chat=chat, sender=sender, at=at, kind=POLITE_EVENTS[name],
                                dedupe_key=_fallback_key(payload, name, user_id),
                                caption=_caption(payload, name))
    message = _obj(payload, "message")
    msg_id = _id(message.get("msg_id"), "message.msg_id")
    if name == "user_send_text":
        text = message.get("text")
        if not isinstance(text, str):
            raise MalformedEvent("message.text missing")
        if text.startswith(BUTTON_PREFIX) and name in options.button_events:
            return _press(text, chat, sender, at, msg_id)
        return TextMessage(chat=chat, sender=sender, at=at, dedupe_key=msg_id, text=text,
                           message_id=msg_id)
    file = _file_payload(message)
    file_name = file.get("name")
    if not isinstance(file_name, str) or not file_name:
        raise MalformedEvent("file name missing")
    size = file.get("size")
    return FileReceived(chat=chat, sender=sender, at=at, dedupe_key=msg_id, file_name=file_name,
                        size=_size(size), content=None, message_id=msg_id,
                        caption=_file_caption(message, file_name))


def _press(text: str, chat: ChatRef, sender: Sender, at: datetime, key: str) -> ButtonPressed:
    body = text[len(BUTTON_PREFIX):].strip()
    found = _KEYBOARD_RE.search(body)
    keyboard = found.group(1) if found else None
    if found:
        body = body[:found.start()]
    return ButtonPressed(chat=chat, sender=sender, at=at, dedupe_key=key, payload=body[:64],
                         keyboard=keyboard)


def _click(payload: dict[str, Any], name: str, chat: ChatRef, sender: Sender, at: datetime,
           options: ParseOptions) -> ParsedEvent:
    """A click event: a troly payload → press; other text → typed text; a bare URL → opened."""
    key = _fallback_key(payload, name, chat.chat_id)
    value = click_payload(payload, options.click_payload_fields)
    if value is None:  # not a 400: Zalo would retry it for hours, and may disable the webhook
        return LinkOpened(chat=chat, sender=sender, at=at, dedupe_key=key, payload_found=False)
    if value.startswith(BUTTON_PREFIX):
        return _press(value, chat, sender, at, key)
    if value.startswith(("https://", "http://")):
        return LinkOpened(chat=chat, sender=sender, at=at, dedupe_key=key)
    # an OA menu item or a button sending a command ("/trogiup") as its payload
    return TextMessage(chat=chat, sender=sender, at=at, dedupe_key=key, text=value,
                       message_id=key)


def click_payload(payload: dict[str, Any], fields: tuple[str, ...]) -> str | None:
    """The first non-empty string found at one of the dotted `fields` (a {"url"}/{"payload"}
    object there is looked into too)."""
    for path in fields:
        value: object = payload
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, dict):
            value = value.get("payload", value.get("url"))
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


#: events whose message.text is the caption the user typed with the media (platforms.md §2.2)
CAPTIONED_EVENTS = frozenset({"user_send_image", "user_send_gif", "user_send_video"})


def _caption(payload: dict[str, Any], name: str) -> str:
    """The text sent with a photo (or a video): answered as if typed, as on Telegram."""
    message = payload.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    return text if name in CAPTIONED_EVENTS and isinstance(text, str) else ""


def _file_caption(message: dict[str, Any], file_name: str) -> str:
    """The text sent with a file, when the event carries one (message.text, as an image's
    caption; whether Zalo sends it for files is [U], platforms.md §2.2): handled as if typed
    after the file. A text that only repeats the file's name is no caption."""
    text = message.get("text")
    if not isinstance(text, str) or text.strip() in ("", file_name):
        return ""
    return text


def _fallback_key(payload: dict[str, Any], name: str, user_id: str) -> str:
    """The message id when the event has one, else the event name, user and instant."""
    message = payload.get("message")
    if isinstance(message, dict) and message.get("msg_id") not in (None, ""):
        return _id(message.get("msg_id"), "message.msg_id")
    return f"{name}:{user_id}:{envelope_timestamp(payload)}"


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
