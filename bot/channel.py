"""The Channel protocol every platform adapter implements (outbound side)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.events import ButtonPressed, ChannelName, ChatRef
from bot.messages import OutgoingMessage


class Capability(StrEnum):
    """What a channel can render; missing capabilities get a text fallback."""

    BUTTONS = "buttons"
    FILES = "files"


@dataclass(frozen=True, slots=True)
class SentMessage:
    """Platform receipt of a delivered message."""

    message_id: str | None = None


class Channel(Protocol):
    """Sends neutral messages to one platform; raises bot.errors.DeliveryError on failure."""

    name: ChannelName
    capabilities: frozenset[Capability]

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Deliver one message (split as the platform needs)."""
        ...

    async def acknowledge(self, event: ButtonPressed) -> None:
        """Stop the client's spinner for a button press (no-op where not needed)."""
        ...
