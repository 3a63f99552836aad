"""Messaging-window routing: which way a proactive message takes on a channel with a window (Zalo).

Zalo OA consultation messages are free for 48 h after the user's last interaction, paid from
48 h to 7 days, refused after that; only template messages (ZNS/ZBS) get through then
(docs/platforms.md §2.4 [S], docs/zalo.md §8). The outbox decides *before* sending, from
`ChatAccount.last_inbound_at`:

| age of the last interaction | decision |
|---|---|
| < free window (48 h)        | send (`window`) |
| free … paid window (7 days) | send when the unit allows paid messages (`paid`), else the next channel |
| ≥ paid window, or unknown   | the configured template (`template`), else the next channel |

and when no other channel is left the row is recorded `unreachable` (listed in the head's digest).
Pure functions of (window, last interaction, now, policy); the dispatcher and the preview share
them; the channel (bot/channels/zalo) declares its window, so neither side knows the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.channel import SentMessage
from bot.events import ChatRef
from bot.messages import OutgoingMessage
from bot.texts import reminders as T

#: the keep-alive check-in prompt (scheduler/keepalive.py): never rerouted nor templated
KEEPALIVE_KIND = "keepalive"


@dataclass(frozen=True, slots=True)
class MessagingWindow:
    """How long after the user's last interaction a channel takes free / paid messages."""

    free: timedelta = timedelta(hours=48)
    paid: timedelta = timedelta(days=7)

    def closes_at(self, last_inbound: datetime | None, *, paid_allowed: bool) -> datetime | None:
        """The instant after which a consultation message is no longer deliverable (None:
        closed already, nothing known)."""
        if last_inbound is None:
            return None
        return last_inbound + (self.paid if paid_allowed else self.free)


class Action(StrEnum):
    """What to do with the message."""

    SEND = "send"  # the ordinary message on this channel
    TEMPLATE = "template"  # the configured template message on this channel
    NEXT = "next"  # the official's next channel (or unreachable)


class Reason(StrEnum):
    """Why: shown by `troly reminders preview` and kept in the outbox row."""

    WINDOW = "window"  # inside the free window
    PAID = "paid"  # inside the paid window, the unit allows paid messages
    PAID_NOT_ALLOWED = "paid_not_allowed"  # inside the paid window, the unit does not pay
    TEMPLATE = "template"  # window closed, a template is configured
    CLOSED = "window_closed"  # window closed (or never opened), no template


@dataclass(frozen=True, slots=True)
class Decision:
    """An action and its reason."""

    action: Action
    reason: Reason


def decide(window: MessagingWindow, last_inbound: datetime | None, now: datetime, *,
           paid_allowed: bool, template_ready: bool) -> Decision:
    """The route of one proactive message at `now` (see the module's table)."""
    age = None if last_inbound is None else now - last_inbound
    if age is not None and age < window.free:
        return Decision(Action.SEND, Reason.WINDOW)
    if age is not None and age < window.paid:
        if paid_allowed:
            return Decision(Action.SEND, Reason.PAID)
        return Decision(Action.NEXT, Reason.PAID_NOT_ALLOWED)
    if template_ready:
        return Decision(Action.TEMPLATE, Reason.TEMPLATE)
    return Decision(Action.NEXT, Reason.CLOSED)


@dataclass(frozen=True, slots=True)
class WindowConfig:
    """A channel's window and whether it has a template (what the preview needs of it)."""

    window: MessagingWindow
    template_ready: bool = False


def span_words(span: timedelta) -> str:
    """A window's length in words, as it is set: '48 giờ', '36 giờ', '1,5 giờ', '3 ngày'
    (whole days from three days up, else hours)."""
    hours = span.total_seconds() / 3600
    if hours >= 72 and hours % 24 == 0:
        return T.SPAN_DAYS.format(days=int(hours // 24))
    shown = f"{round(hours, 1):g}".replace(".", ",")
    return T.SPAN_HOURS.format(hours=shown)


@runtime_checkable
class WindowedChannel(Protocol):
    """A channel whose proactive messages depend on the user's last interaction (Zalo OA)."""

    window: MessagingWindow

    @property
    def template_ready(self) -> bool:
        """Whether a template message is configured for when the window is closed."""
        ...

    async def send_template(self, chat: ChatRef, message: OutgoingMessage,
                            fields: Mapping[str, str]) -> SentMessage:
        """Send the configured template with these fields (name, text, kind, date, phone)."""
        ...
