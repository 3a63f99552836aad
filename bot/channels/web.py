"""The web chat channel: replies go back in the HTTP response; proactive messages wait in a mailbox."""

from __future__ import annotations

from collections import defaultdict, deque

from bot.channel import Capability, SentMessage
from bot.events import ButtonPressed, ChannelName, ChatRef
from bot.messages import OutgoingMessage

#: messages kept per web session for the page to fetch (reminders sent while it was closed)
MAILBOX_LIMIT = 50


class WebChannel:
    """Web chat: buttons rendered by the page; proactive sends are kept for the next poll."""

    name: ChannelName = "web"
    capabilities = frozenset({Capability.BUTTONS})

    def __init__(self) -> None:
        self._mailboxes: dict[str, deque[OutgoingMessage]] = defaultdict(
            lambda: deque(maxlen=MAILBOX_LIMIT)
        )

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Queue a proactive message for the session's page."""
        self._mailboxes[chat.chat_id].append(message)
        return SentMessage()

    async def acknowledge(self, event: ButtonPressed) -> None:
        """Nothing to acknowledge on the web."""

    def take(self, session: str) -> list[OutgoingMessage]:
        """Pop the messages waiting for a session."""
        box = self._mailboxes.pop(session, None)
        return list(box) if box else []
