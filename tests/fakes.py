"""Fakes of troly's own seams: a recording channel (the clock fake is bot.clock.ManualClock)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.channel import Capability, SentMessage
from bot.errors import DeliveryError
from bot.events import ButtonPressed, ChannelName, ChatRef
from bot.messages import OutgoingMessage


@dataclass
class FakeChannel:
    """Records every message sent; can be scripted to fail the next sends."""

    name: ChannelName = "web"
    capabilities: frozenset[Capability] = frozenset({Capability.BUTTONS})
    sent: list[tuple[ChatRef, OutgoingMessage]] = field(default_factory=list)
    failures: deque[DeliveryError] = field(default_factory=deque)
    acknowledged: list[ButtonPressed] = field(default_factory=list)

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Record (or fail with the next scripted error)."""
        if self.failures:
            raise self.failures.popleft()
        self.sent.append((chat, message))
        return SentMessage(message_id=str(len(self.sent)))

    async def acknowledge(self, event: ButtonPressed) -> None:
        """Record the acknowledgement."""
        self.acknowledged.append(event)

    def button(self, label: str, chat_id: str | None = None) -> str:
        """Payload of the button labelled `label` in the latest message (to one chat) offering it."""
        for chat, message in reversed(self.sent):
            if chat_id is not None and chat.chat_id != chat_id:
                continue
            found = [b.payload for b in message.buttons if b.label == label]
            if found:
                assert len(set(found)) == 1, f"{len(found)} buttons {label!r} in one message"
                return found[0]
        offered = [b.label for c, m in self.sent for b in m.buttons
                   if chat_id is None or c.chat_id == chat_id]
        raise AssertionError(f"no button {label!r} sent; offered: {offered}")

    def texts(self, chat_id: str | None = None) -> list[str]:
        """Texts sent (to one chat, or all)."""
        return [m.text for c, m in self.sent if chat_id is None or c.chat_id == chat_id]
