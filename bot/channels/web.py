"""The web chat channel: replies go back in the HTTP response (ResponseChannel); everything else
waits in a mailbox (WebChannel).

The mailbox is the database (bot/db/web_mailbox.py), not this process: a reminder deposited here
is fetched from whichever process serves the page next, after any restart, until the client
acknowledges it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import files
from bot.channel import Capability, SentMessage
from bot.clock import Clock
from bot.db import web_mailbox
from bot.events import ButtonPressed, ChannelName, ChatRef
from bot.messages import OutgoingMessage, from_payload, to_payload

#: how long a message waits for its page by default (TROLY_WEB_MAILBOX_DAYS)
DEFAULT_MAILBOX_TTL = timedelta(days=30)
#: how long a download link works once shown (TROLY_FILE_LINK_HOURS)
DEFAULT_FILE_LINK_TTL = timedelta(hours=24)


#: payload key of a deposited message's file references
FILES_KEY = "files"


class WebChannel:
    """Web chat: buttons rendered by the page; proactive messages are deposited in the mailbox."""

    name: ChannelName = "web"
    capabilities = frozenset({Capability.BUTTONS, Capability.FILES, Capability.MAILBOX})

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock, *,
                 mailbox_ttl: timedelta = DEFAULT_MAILBOX_TTL,
                 file_link_ttl: timedelta = DEFAULT_FILE_LINK_TTL) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self.mailbox_ttl = mailbox_ttl
        self.file_link_ttl = file_link_ttl

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Deposit a message that does not come from the outbox (the outbox calls deposit())."""
        now = self._clock.now()
        async with self._sessionmaker.begin() as session:
            payload = await self.deposit(session, chat.chat_id, to_payload(message), now)
            row_id = await web_mailbox.put(session, chat.chat_id, payload, now, self.mailbox_ttl)
        return SentMessage(str(row_id))

    async def deposit(self, session: AsyncSession, address: str, payload: dict[str, Any],
                      now: datetime) -> dict[str, Any]:
        """Prepare a message for the mailbox: its attachments become stored files (bot/files.py).

        The files are kept as long as the message may wait, plus the life of a link shown at
        the last moment; the payload keeps only their references ("files").
        """
        message = from_payload(payload)
        if not message.attachments:
            return payload
        keep = self.mailbox_ttl + self.file_link_ttl
        refs = [await files.store(session, self.name, address, attachment, now, keep)
                for attachment in message.attachments]
        kept = {key: value for key, value in payload.items() if key != "attachments"}
        kept[FILES_KEY] = [ref.to_json() for ref in refs]
        return kept

    async def acknowledge(self, event: ButtonPressed) -> None:
        """Nothing to acknowledge on the web."""


class ResponseChannel:
    """One web request's channel: dispatcher.handle "sends" its event's replies into the HTTP
    response (a reply to a page never waits in the mailbox)."""

    name: ChannelName = "web"
    capabilities = WebChannel.capabilities

    def __init__(self) -> None:
        self.replies: list[OutgoingMessage] = []

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        """Keep the reply for the response."""
        self.replies.append(message)
        return SentMessage()

    async def acknowledge(self, event: ButtonPressed) -> None:
        """Nothing to acknowledge on the web."""
