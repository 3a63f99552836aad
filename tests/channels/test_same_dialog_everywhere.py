"""One dialog table, run on every channel's fake in ONE app; the transcripts must be identical.

Channels: web (POST /api/chat via an aiohttp test client), console (no buttons: "1" picks the
first option), Telegram (real aiogram, long polling against FakeBotAPI, buttons are callback
queries), Zalo (signed webhooks in, the fake OA API out, buttons are "#btn:" query payloads).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App, build_app
from bot.channels.zalo.routes import ZaloWebhook
from bot.clock import ManualClock
from bot.config import Settings
from bot.events import ChatRef, Sender, TextMessage
from bot.messages import render_as_text
from bot.texts import common as C
from tests.channels.telegram_support import callback_data, exchange, shown, telegram_settings
from tests.fake_telegram import FakeBotAPI
from tests.fake_zalo import FakeZalo, configure, post_webhook, webhook_event
from tests.fakes import FakeChannel


@dataclass(frozen=True)
class Reply:
    """What a user sees: the text and the choices offered (opaque tokens to press)."""

    text: str
    choices: tuple[str, ...]


class Driver(Protocol):
    """Talks to troly as one user on one channel."""

    name: str

    async def say(self, text: str) -> list[Reply]:
        """Type a message; return the replies."""
        ...

    async def choose(self, reply: Reply, index: int) -> list[Reply]:
        """Pick the index-th choice of a reply."""
        ...


# -------------------------------------------------------------------------------- drivers


class WebDriver:
    """The web chat page's API."""

    name = "web"

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self._client = client

    async def _post(self, body: dict[str, str]) -> list[Reply]:
        response = await self._client.post("/api/chat", json={"session": "web-user", **body})
        assert response.status == 200
        data = await response.json()
        return [Reply(r["text"], tuple(b["payload"] for b in r["buttons"]))
                for r in data["replies"]]

    async def say(self, text: str) -> list[Reply]:
        """POST text."""
        return await self._post({"text": text})

    async def choose(self, reply: Reply, index: int) -> list[Reply]:
        """POST the button payload."""
        return await self._post({"button": reply.choices[index]})


class ConsoleDriver:
    """The terminal: no buttons; options are numbered and chosen by typing the number."""

    name = "console"

    def __init__(self, app: App, channel: FakeChannel, clock: ManualClock) -> None:
        self._app, self._channel, self._clock = app, channel, clock
        self._ids = itertools.count(1)

    async def say(self, text: str) -> list[Reply]:
        """Feed a line and collect what the console prints."""
        before = len(self._channel.sent)
        event = TextMessage(chat=ChatRef("console", "local"), sender=Sender("local"),
                            at=self._clock.now(), text=text, message_id=str(next(self._ids)))
        await self._app.dispatcher.handle(event, self._channel)
        replies = []
        for _, message in self._channel.sent[before:]:
            printed = render_as_text(message)  # what the terminal shows
            numbers = tuple(str(i) for i in range(1, len(message.buttons) + 1))
            assert all(f"{n}. " in printed for n in numbers)
            replies.append(Reply(message.text, numbers))
        return replies

    async def choose(self, reply: Reply, index: int) -> list[Reply]:
        """Type the option's number."""
        return await self.say(reply.choices[index])


class TelegramDriver:
    """Updates through FakeBotAPI's getUpdates; replies read from its sendMessage log."""

    name = "telegram"
    user = 777001

    def __init__(self, fake: FakeBotAPI) -> None:
        self._fake = fake

    async def _run(self, update: dict[str, Any]) -> list[Reply]:
        sent = await exchange(self._fake, update)
        return [Reply(shown(p), tuple(callback_data(p))) for p in sent]

    async def say(self, text: str) -> list[Reply]:
        """A text message in a private chat."""
        return await self._run(self._fake.text_update(self.user, text))

    async def choose(self, reply: Reply, index: int) -> list[Reply]:
        """Press the inline button (a callback query; it must be answered)."""
        answered = len(self._fake.answered)
        replies = await self._run(self._fake.callback_update(self.user, reply.choices[index]))
        assert len(self._fake.answered) == answered + 1
        return replies


class ZaloDriver:
    """Signed webhooks in; messages read from the fake OA API."""

    name = "zalo"
    user = "zalo-user-1"

    def __init__(self, app: App, client: TestClient[Any, Any], fake: FakeZalo,
                 clock: ManualClock) -> None:
        self._app, self._client, self._fake, self._clock = app, client, fake, clock
        self._ids = itertools.count(1)
        self._webhook = next(c for c in app.components if isinstance(c, ZaloWebhook))

    async def say(self, text: str) -> list[Reply]:
        """user_send_text."""
        before = len(self._fake.sent)
        payload = webhook_event("user_send_text", self.user, self._clock.now(),
                                app_id=self._fake.app_id, msg_id=f"m{next(self._ids)}", text=text)
        assert await post_webhook(self._client, payload, app_id=self._fake.app_id) == 200
        await self._webhook.drain()
        await self._app.dispatcher.drain()
        replies = []
        for body in self._fake.sent[before:]:
            message = body["message"]
            buttons = (message.get("attachment") or {}).get("payload", {}).get("buttons", [])
            replies.append(Reply(message.get("text", ""), tuple(b["payload"] for b in buttons)))
        return replies

    async def choose(self, reply: Reply, index: int) -> list[Reply]:
        """A query button: Zalo sends its payload back as the user's text."""
        return await self.say(reply.choices[index])


# -------------------------------------------------------------------------------- the app


@pytest.fixture
async def drivers(settings: Settings, clock: ManualClock) -> AsyncIterator[list[Driver]]:
    """One app with all four channels attached, and a driver for each."""
    fake_zalo = FakeZalo()
    await fake_zalo.start()
    console = FakeChannel(name="console", capabilities=frozenset())

    def add_console(app: App) -> None:
        app.channels["console"] = console
        app.dispatcher.deps.capabilities["console"] = console.capabilities

    async with FakeBotAPI() as fake_tg:
        both = configure(telegram_settings(settings, fake_tg), fake_zalo)
        app = build_app(both, clock=clock, extra_setup=[add_console])
        assert {"telegram", "zalo", "web", "console"} <= set(app.channels)
        await app.prepare(migrate=False, load_demo=True)
        await app.start(serve_http=False)
        client = TestClient(TestServer(app.web_app, host="127.0.0.1"))
        await client.start_server()
        try:
            tg_parts = app.dispatcher.deps.services["telegram"]
            await tg_parts.receiver.ready.wait()
            yield [WebDriver(client), ConsoleDriver(app, console, clock),
                   TelegramDriver(fake_tg), ZaloDriver(app, client, fake_zalo, clock)]
        finally:
            await client.close()
            await app.stop()
            await fake_zalo.close()


# -------------------------------------------------------------------------------- the table


async def run_dialog(driver: Driver) -> list[list[str]]:
    """The dialog table; returns the transcript (texts per step) and checks each step."""
    transcript: list[list[str]] = []

    greeting = await driver.say("/start")
    assert C.WELCOME.format(bot=C.BOT_NAME) in [r.text for r in greeting], driver.name
    transcript.append([r.text for r in greeting])

    answer = await driver.say("thu tuc bao cao tien do hang tuan")  # no diacritics
    assert answer and "📖" in answer[-1].text, driver.name  # cites its guide
    assert answer[-1].choices, f"{driver.name}: no 'see also' choices"
    transcript.append([r.text for r in answer])

    more = await driver.choose(answer[-1], 0)
    assert len(more) == 1 and "📖" in more[0].text, driver.name
    assert more[0].text != answer[-1].text, driver.name  # another passage
    transcript.append([r.text for r in more])

    cancel = await driver.say("/huy")
    assert [r.text for r in cancel] == [C.NOTHING_TO_CANCEL], driver.name
    transcript.append([r.text for r in cancel])
    return transcript


async def test_same_dialog_on_every_channel(drivers: list[Driver]) -> None:
    transcripts = {d.name: await run_dialog(d) for d in drivers}
    assert set(transcripts) == {"web", "console", "telegram", "zalo"}
    reference = transcripts["web"]
    assert [len(step) for step in reference][1:] == [1, 1, 1]
    for name, transcript in transcripts.items():
        assert transcript == reference, f"{name} differs from web"
