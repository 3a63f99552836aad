"""The terminal channel (`troly chat`): numbered options instead of buttons."""

from __future__ import annotations

import sys
from typing import TextIO

from bot.channel import Capability, SentMessage
from bot.events import ButtonPressed, ChannelName, ChatRef
from bot.messages import OutgoingMessage, render_as_text
from bot.texts import channels as texts


class ConsoleChannel:
    """Prints messages to a text stream."""

    name: ChannelName = "console"
    capabilities: frozenset[Capability] = frozenset()

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out or sys.stdout

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Print one message with numbered options."""
        self._out.write(render_as_text(message) + "\n")
        for attachment in message.attachments:
            self._out.write(texts.CONSOLE_ATTACHMENT.format(file=attachment.file_name) + "\n")
        self._out.write("\n")
        self._out.flush()
        return SentMessage()

    async def acknowledge(self, event: ButtonPressed) -> None:
        """Nothing to acknowledge in a terminal."""
