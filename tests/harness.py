"""BotHarness: drives the real App (dispatcher, database, knowledge) through fakes, no network."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.app import App, build_app
from bot.channel import Channel
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import web_tokens
from bot.db.models import ChatAccount, Official, Unit
from bot.events import ButtonPressed, ChannelName, ChatRef, FileReceived, Sender, TextMessage
from bot.messages import OutgoingMessage


class BotHarness:
    """Say things as a user, press buttons, restart the process; read the replies."""

    def __init__(
        self,
        settings: Settings,
        clock: ManualClock,
        channels: Mapping[str, Channel] | None = None,
        *,
        load_demo: bool = False,
        extra_setup: list[Callable[[App], None]] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.channels = dict(channels or {})
        self.load_demo = load_demo
        self.extra_setup = list(extra_setup or [])
        self._app: App | None = None
        self._ids = itertools.count(1)

    @property
    def app(self) -> App:
        """The running app (after start())."""
        assert self._app is not None, "call await harness.start() first"
        return self._app

    async def start(self) -> BotHarness:
        """Build and prepare the app on the configured database (already migrated)."""
        self._app = build_app(self.settings, clock=self.clock, channels=self.channels,
                              extra_setup=self.extra_setup)
        await self._app.prepare(migrate=False, load_demo=self.load_demo)
        return self

    async def restart(self) -> None:
        """Throw away every in-memory object and build a new App over the same database."""
        await self.close()
        await self.start()

    async def close(self) -> None:
        """Stop the app."""
        if self._app is not None:
            await self._app.stop()
            self._app = None

    def _who(self, user: str, channel: ChannelName) -> tuple[ChatRef, Sender]:
        return ChatRef(channel, user), Sender(user, display_name=user)

    async def say(self, text: str, *, user: str = "u1",
                  channel: ChannelName = "web") -> list[OutgoingMessage]:
        """Send a text message; return the replies."""
        chat, sender = self._who(user, channel)
        event = TextMessage(chat=chat, sender=sender, at=self.clock.now(), text=text,
                            message_id=str(next(self._ids)))
        return await self.app.dispatcher.feed(event)

    async def press(self, payload: str, *, user: str = "u1",
                    channel: ChannelName = "web") -> list[OutgoingMessage]:
        """Press a button; return the replies."""
        chat, sender = self._who(user, channel)
        event = ButtonPressed(chat=chat, sender=sender, at=self.clock.now(), payload=payload)
        return await self.app.dispatcher.feed(event)

    async def send_file(self, file_name: str, content: bytes | None, *, user: str = "u1",
                        channel: ChannelName = "web") -> list[OutgoingMessage]:
        """Send a file; return the replies."""
        chat, sender = self._who(user, channel)
        event = FileReceived(chat=chat, sender=sender, at=self.clock.now(), file_name=file_name,
                             size=len(content or b""), content=content)
        replies = await self.app.dispatcher.feed(event)
        await self.app.dispatcher.drain()  # let an index rebuild finish
        return replies

    async def make_official(self, name: str, *, role: str = "official", user: str = "u1",
                            channel: ChannelName = "web", unit_code: str = "DV1") -> int:
        """Create an official (and their unit if needed) bound to a chat; return its id."""
        now: datetime = self.clock.now()
        async with self.app.sessionmaker.begin() as session:
            unit = (await session.execute(select(Unit).where(Unit.code == unit_code))).scalar()
            if unit is None:
                unit = Unit(code=unit_code, name=f"Đơn vị {unit_code}", created_at=now)
                session.add(unit)
                await session.flush()
            official = Official(name=name, role=role, unit_id=unit.id, status="active",
                                created_at=now)
            session.add(official)
            await session.flush()
            session.add(ChatAccount(channel=channel, external_id=user, chat_id=user,
                                    official_id=official.id, status="active", created_at=now))
            return official.id


async def web_login(harness: BotHarness, session_id: str, name: str = "Lê Thị Lan", *,
                    role: str = "official") -> str:
    """A web session bound to a new official, and the login token its client presents."""
    official_id = await harness.make_official(name, role=role, user=session_id, channel="web")
    async with harness.app.sessionmaker.begin() as session:
        account = (await session.execute(select(ChatAccount).where(
            ChatAccount.channel == "web", ChatAccount.external_id == session_id))).scalar_one()
        assert account.official_id == official_id
        issued = await web_tokens.issue(session, account, harness.clock.now(),
                                        timedelta(days=harness.settings.web_login_days))
    return issued.token


def texts(replies: list[OutgoingMessage]) -> str:
    """All reply texts joined, for `in` assertions."""
    return "\n".join(m.text for m in replies)


def payloads(replies: list[OutgoingMessage]) -> list[str]:
    """Every button payload offered in the replies."""
    return [b.payload for m in replies for b in m.buttons]
