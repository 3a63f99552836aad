"""The Channel protocol every platform adapter implements (outbound side)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.events import ButtonPressed, ChannelName, ChatRef
from bot.messages import OutgoingMessage


class Capability(StrEnum):
    """What a channel can render; missing capabilities get a text fallback."""

    BUTTONS = "buttons"
    FILES = "files"
    #: messages wait in the database until the client fetches and acknowledges them (web chat)
    MAILBOX = "mailbox"


@dataclass(frozen=True, slots=True)
class SentMessage:
    """Platform receipt of a delivered message."""

    message_id: str | None = None
    #: the chat's new id when the platform moved it while sending (a Telegram group upgraded
    #: to a supergroup): the caller stores it (bot/db/chat_moves.move_chat)
    moved_to: str | None = None


class Channel(Protocol):
    """Sends neutral messages to one platform; raises bot.errors.DeliveryError on failure.

    A channel whose messages carry only a few buttons says how many in an optional `max_buttons`
    attribute (Zalo: 5; Deps.button_limit_of): a choice with more is sent numbered instead
    (OutgoingMessage.numbered)."""

    name: ChannelName
    capabilities: frozenset[Capability]

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Deliver one message (split as the platform needs)."""
        ...

    async def acknowledge(self, event: ButtonPressed) -> None:
        """Stop the client's spinner for a button press (no-op where not needed)."""
        ...


class Mailbox(Protocol):
    """A channel with Capability.MAILBOX: the outbox dispatcher deposits instead of sending.

    Depositing is one database transaction with the outbox row's change to 'awaiting_fetch', so a
    crash can neither lose the message nor store it twice; 'sent' comes with the client's
    acknowledgement (bot/db/web_mailbox.py).
    """

    #: how long a deposited message waits for its client before it expires unfetched
    mailbox_ttl: timedelta

    async def deposit(self, session: AsyncSession, address: str, payload: dict[str, Any],
                      now: datetime) -> dict[str, Any]:
        """Prepare a stored message for fetching (e.g. files become links); returns its payload."""
        ...
