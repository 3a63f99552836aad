"""Helpers for Telegram tests: the real App with Telegram attached, pointed at FakeBotAPI."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import App, build_app
from bot.channels.telegram.wiring import TelegramParts
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import ChatAccount
from testkit.fake_telegram import FakeBotAPI


@dataclass
class TelegramRun:
    """A running app with Telegram, and the fake server it talks to."""

    app: App
    parts: TelegramParts
    fake: FakeBotAPI

    async def account_status(self, user_id: int) -> str | None:
        """Status of the Telegram chat account of a user (None: no account)."""
        async with self.app.sessionmaker() as session:
            return (await session.execute(select(ChatAccount.status).where(
                ChatAccount.channel == "telegram", ChatAccount.external_id == str(user_id),
            ))).scalar_one_or_none()


def telegram_settings(settings: Settings, fake: FakeBotAPI, **extra: Any) -> Settings:
    """Test settings plus a Telegram token and the fake's URL (short timeouts)."""
    values: dict[str, Any] = {
        "telegram_token": SecretStr(fake.token), "telegram_api_url": fake.base_url,
        "telegram_poll_timeout_seconds": 1, "telegram_request_timeout_seconds": 2.0,
    }
    values.update(extra)
    # validated (SecretStr fields from plain strings) without reading the environment again
    return Settings.model_validate({**settings.model_dump(), **values})


@asynccontextmanager
async def running_telegram(settings: Settings, clock: ManualClock, fake: FakeBotAPI, *,
                           load_demo: bool = False, **extra: Any) -> AsyncIterator[TelegramRun]:
    """Build, prepare and start the app (no HTTP server); wait for Telegram's start-up calls."""
    app = build_app(telegram_settings(settings, fake, **extra), clock=clock)
    await app.prepare(migrate=False, load_demo=load_demo)
    await app.start(serve_http=False)
    try:
        parts = app.telegram
        assert isinstance(parts, TelegramParts)
        await asyncio.wait_for(parts.receiver.ready.wait(), 10)
        yield TelegramRun(app, parts, fake)
    finally:
        await app.stop()


#: the webhook's secret and address in webhook-mode tests
WEBHOOK_SECRET = "s3cret-Token_1"
WEBHOOK_URL = "https://troly.example.gov.vn/tg/hook"
WebhookClient = TestClient[web.Request, web.Application]


@asynccontextmanager
async def running_webhook(settings: Settings, clock: ManualClock,
                          fake: FakeBotAPI) -> AsyncIterator[tuple[TelegramRun, WebhookClient]]:
    """troly in webhook mode, its web app behind an aiohttp test client."""
    async with running_telegram(settings, clock, fake, telegram_webhook_url=WEBHOOK_URL,
                                telegram_webhook_secret=WEBHOOK_SECRET) as run, \
            TestClient(TestServer(run.app.web_app)) as client:
        yield run, client


def shown(params: dict[str, Any]) -> str:
    """What the user sees for a recorded sendMessage (HTML entities decoded)."""
    text = str(params.get("text", ""))
    return html.unescape(text) if params.get("parse_mode") == "HTML" else text


def shown_texts(fake: FakeBotAPI, chat_id: int | str) -> list[str]:
    """Visible texts of accepted sendMessage calls to one chat."""
    return [shown(p) for p in fake.sent if str(p.get("chat_id")) == str(chat_id)]


def callback_data(params: dict[str, Any]) -> list[str]:
    """callback_data of the inline keyboard of a recorded sendMessage."""
    markup = params.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def button_data(params: dict[str, Any], label: str) -> str:
    """callback_data of the inline button labelled `label` (a bot/texts constant)."""
    markup = params.get("reply_markup") or {}
    found = [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
             if b["text"] == label]
    assert len(found) == 1, f"{len(found)} buttons {label!r} in {markup}"
    return str(found[0])


def _chat_of(update: dict[str, Any]) -> str:
    if "message" in update:
        return str(update["message"]["chat"]["id"])
    if "callback_query" in update:
        return str(update["callback_query"]["message"]["chat"]["id"])
    return str(update["my_chat_member"]["chat"]["id"])


async def handled(fake: FakeBotAPI, update_id: int) -> None:
    """Wait until the poller confirmed `update_id` (a batch is confirmed after it was handled)."""
    await fake.wait_for(lambda f: any(int(r.params.get("offset") or 0) > update_id
                                      for r in f.calls("getUpdates")))


async def exchange(fake: FakeBotAPI, *updates: dict[str, Any]) -> list[dict[str, Any]]:
    """Queue updates, wait until handled; return the sendMessage params sent to their chats."""
    before = len(fake.sent)
    ids = [fake.push(update) for update in updates]
    await handled(fake, max(ids))
    chats = {_chat_of(u) for u in updates}
    return [p for p in fake.sent[before:] if str(p.get("chat_id")) in chats]


async def say(fake: FakeBotAPI, *updates: dict[str, Any]) -> list[str]:
    """exchange(), returning only the visible texts."""
    return [shown(p) for p in await exchange(fake, *updates)]
