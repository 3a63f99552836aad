"""BotHarness: drives the real App (dispatcher, database, knowledge) through fakes, no network."""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Connection, Engine, event, select

from bot.app import App, build_app
from bot.channel import Channel
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import web_tokens
from bot.db.base import BEGIN_SQL
from bot.db.models import ChatAccount
from bot.events import ButtonPressed, ChannelName, ChatRef, FileReceived, Sender, TextMessage
from bot.messages import OutgoingMessage
from bot.texts import guide_upload as upload_texts
from tests.world import World


@contextmanager
def recorded_statements(app: App) -> Iterator[list[str]]:
    """The SQL statements `app`'s engine runs inside the block, whitespace folded to one space."""
    with engine_statements(app.engine.sync_engine) as statements:
        yield statements


@contextmanager
def engine_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements `engine` runs inside the block, whitespace folded to one space, SQLite's
    BEGINs included (bot/db/base.py issues them in the dialect's begin, which the statement
    events do not see; PostgreSQL's driver begins its transactions unseen as ever)."""
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(" ".join(statement.split()))

    def began(conn: Connection) -> None:
        begin = conn.connection.info.get(BEGIN_SQL)  # set by base.py's listener, before this one
        if begin is not None:
            statements.append(begin)

    event.listen(engine, "before_cursor_execute", seen)
    event.listen(engine, "begin", began)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
        event.remove(engine, "begin", began)


class Press(str):
    """A scripted step that presses the button with this label (a bot/texts constant).

    A str, so that a script mixes typed texts and presses in one list[str].
    """

    __slots__ = ()

    @property
    def label(self) -> str:
        """The button's label."""
        return str(self)


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
        #: per chat, the latest replies that offered buttons: what press(label=...) looks in
        self._menus: dict[tuple[ChannelName, str], list[OutgoingMessage]] = {}

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
        return self._seen(chat, await self.app.dispatcher.feed(event))

    async def press(self, payload: str | None = None, *, label: str | None = None,
                    among: Sequence[OutgoingMessage] | None = None, user: str = "u1",
                    channel: ChannelName = "web") -> list[OutgoingMessage]:
        """Press a button as a user does, by its label (a bot/texts constant); return the replies.

        The button is looked up in `among` if given, else in the latest replies to this chat that
        offered buttons. A raw `payload` is for what no label reaches: a stale or forged press.
        """
        chat, sender = self._who(user, channel)
        if label is not None:
            assert payload is None, "press by label or by payload, not both"
            payload = button(self._menus.get((channel, user), []) if among is None else among,
                             label)
        assert payload is not None, "press(label=...) or press(payload)"
        event = ButtonPressed(chat=chat, sender=sender, at=self.clock.now(), payload=payload)
        return self._seen(chat, await self.app.dispatcher.feed(event))

    def _seen(self, chat: ChatRef, replies: list[OutgoingMessage]) -> list[OutgoingMessage]:
        if any(m.buttons for m in replies):
            self._menus[(chat.channel, chat.chat_id)] = replies
        return replies

    async def act(self, step: str | Press, *, user: str = "u1",
                  channel: ChannelName = "web") -> list[OutgoingMessage]:
        """One scripted step: say the text, or press the button a Press names."""
        if isinstance(step, Press):
            return await self.press(label=step.label, user=user, channel=channel)
        return await self.say(step, user=user, channel=channel)

    async def send_file(self, file_name: str, content: bytes | None, *, user: str = "u1",
                        channel: ChannelName = "web") -> list[OutgoingMessage]:
        """Send a file; return the replies."""
        chat, sender = self._who(user, channel)
        event = FileReceived(chat=chat, sender=sender, at=self.clock.now(), file_name=file_name,
                             size=len(content or b""), content=content)
        replies = await self.app.dispatcher.feed(event)
        await self.app.dispatcher.drain()  # let an index rebuild finish
        return self._seen(chat, replies)

    async def upload_guide(self, file_name: str, content: bytes | None, *, user: str = "u1",
                           channel: ChannelName = "web") -> list[OutgoingMessage]:
        """Send a guide file and press "Lưu" under its summary, setting nothing else
        (handlers/guide_upload.py); the replies to both (only the first when nothing was
        offered: a refused or unchanged file)."""
        sent = await self.send_file(file_name, content, user=user, channel=channel)
        save = [label for label in labels(sent)
                if label in (upload_texts.BUTTON_SAVE, upload_texts.BUTTON_SAVE_AND_SEND)]
        if not save:
            return sent
        saved = await self.press(label=save[0], user=user, channel=channel)
        await self.app.dispatcher.drain()  # let the index rebuild finish
        return [*sent, *saved]

    @property
    def world(self) -> World:
        """The seeding helper on this app's database, stamping rows with the harness clock."""
        return World(self.app.sessionmaker, now=self.clock.now, unit_name="Đơn vị {code}",
                     plan_ref="Kế hoạch số 286/KH-BTTTT", plan_title=None)

    async def make_official(self, name: str, *, role: str = "official", user: str = "u1",
                            channel: ChannelName = "web", unit_code: str = "DV1") -> int:
        """Create an official (and their unit if needed) bound to a chat; return its id."""
        return await self.world.official(name, unit_code, role=role, accounts={channel: user})


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


def labels(replies: Sequence[OutgoingMessage]) -> list[str]:
    """Every button label offered in the replies, in order."""
    return [b.label for m in replies for b in m.buttons]


def button(replies: Sequence[OutgoingMessage], label: str) -> str:
    """The payload of the one button labelled `label` in the replies (fails if none or two)."""
    found = {b.payload for m in replies for b in m.buttons if b.label == label}
    assert found, f"no button {label!r}; offered: {labels(replies)}"
    assert len(found) == 1, f"{len(found)} different buttons {label!r}: {sorted(found)}"
    return found.pop()


def fits(text: str, template: str) -> bool:
    """Whether `text` contains `template` (a bot/texts constant), its fields filled with anything.

    For a text whose values come from data the test does not restate; a field spans one line.
    """
    return fields(text, template) is not None


def fields(text: str, template: str) -> dict[str, str] | None:
    """The values of `template`'s fields where `text` contains it (None: it does not).

    E.g. the invitation code out of a people.INVITE_CREATED reply; a field spans one line.
    """
    pattern, seen = "", set[str]()
    parts = list(string.Formatter().parse(template))
    for i, (literal, name, _, _) in enumerate(parts):
        pattern += re.escape(literal)
        if name is None:
            continue
        key = name if name.isidentifier() else f"field{len(seen)}"
        last = i == len(parts) - 1  # nothing after it: the rest of the line, not nothing
        pattern += f"(?P={key})" if key in seen else f"(?P<{key}>.*{'' if last else '?'})"
        seen.add(key)
    found = re.search(pattern, text)
    return None if found is None else found.groupdict()
