"""Telegram webhook mode: secret header, malformed bodies, dedupe, setWebhook on start."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.channels.telegram.receivers import SECRET_HEADER, _finished_or_late
from bot.channels.telegram.wiring import webhook_route
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import InboundEventRow
from bot.texts import common as C
from testkit.fake_telegram import FakeBotAPI
from tests.channels.telegram_support import WEBHOOK_SECRET as SECRET
from tests.channels.telegram_support import WEBHOOK_URL as URL
from tests.channels.telegram_support import (
    TelegramRun,
    running_telegram,
    running_webhook,
    shown,
)
from tests.channels.telegram_support import WebhookClient as Client

USER = 5151


@pytest.fixture
async def tg(settings: Settings, clock: ManualClock,
             fake: FakeBotAPI) -> AsyncIterator[tuple[TelegramRun, Client]]:
    """troly in webhook mode, its web app behind an aiohttp test client."""
    async with running_webhook(settings, clock, fake) as running:
        yield running


async def _inbound_rows(run: TelegramRun) -> int:
    async with run.app.sessionmaker() as session:
        return int((await session.execute(
            select(func.count()).select_from(InboundEventRow))).scalar_one())


async def test_set_webhook_with_secret_and_allowed_updates(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI) -> None:
    assert fake.webhook is not None
    assert fake.webhook["url"] == URL
    assert fake.webhook["secret_token"] == SECRET
    assert fake.webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert not fake.calls("getUpdates") and not fake.calls("deleteWebhook")


async def test_good_secret_is_processed_and_answered(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI) -> None:
    run, client = tg
    update = fake.text_update(USER, "/huy")
    response = await client.post("/tg/hook", json=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    # the reply was sent before the 200 (fast updates are handled within the request)
    assert [shown(p) for p in fake.sent] == [C.NOTHING_TO_CANCEL]
    again = await client.post("/tg/hook", json=update, headers={SECRET_HEADER: SECRET})
    assert again.status == 200  # a Telegram retry is acknowledged but not processed twice
    assert len(fake.sent) == 1
    assert await _inbound_rows(run) == 1


async def test_the_200_is_what_json_response_sent(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI) -> None:
    # the 200 is encoded once: the same status, type and bytes as web.json_response({"ok": True})
    _, client = tg
    response = await client.post("/tg/hook", json=fake.text_update(USER, "/huy"),
                                 headers={SECRET_HEADER: SECRET})
    expected = web.json_response({"ok": True})
    assert (response.status, response.headers["Content-Type"], await response.read()) == (
        expected.status, expected.headers["Content-Type"], expected.body)


async def test_a_slow_update_is_acknowledged_at_the_deadline_and_still_finishes(
        settings: Settings, clock: ManualClock, fake: FakeBotAPI) -> None:
    fake.delay("sendMessage", 5.0)  # the reply is delivered, its answer held 5 s
    async with running_telegram(settings, clock, fake, telegram_webhook_url=URL,
                                telegram_webhook_secret=SECRET,
                                telegram_webhook_ack_seconds=0.2) as run, \
            TestClient(TestServer(run.app.web_app)) as client:
        started = time.monotonic()
        response = await client.post("/tg/hook", json=fake.text_update(USER, "/huy"),
                                     headers={SECRET_HEADER: SECRET})
        acknowledged = time.monotonic() - started
        assert response.status == 200
        # at the deadline, not after the reply's answer (wide: a loaded CI machine is slow)
        assert 0.2 <= acknowledged < 4.0
        await run.parts.inbound.queue.drain()  # the handling went on after the 200
        assert await _done_rows(run) == 1
    assert [shown(p) for p in fake.sent] == [C.NOTHING_TO_CANCEL]


async def _done_rows(run: TelegramRun) -> int:
    async with run.app.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(
            InboundEventRow).where(InboundEventRow.status == "done"))).scalar_one())


async def test_the_acknowledgement_waits_for_the_task_or_the_deadline_only() -> None:
    gate = asyncio.Event()

    async def handling() -> None:
        await gate.wait()

    quick = asyncio.create_task(asyncio.sleep(0))
    await _finished_or_late(quick, 5.0)
    assert quick.done()
    slow = asyncio.create_task(handling())
    await _finished_or_late(slow, 0.05)  # the deadline: the handling goes on
    assert not slow.done()
    waiting = asyncio.create_task(_finished_or_late(slow, 5.0))
    await asyncio.sleep(0.01)
    waiting.cancel()  # the request is cancelled: the handling is not
    await asyncio.gather(waiting, return_exceptions=True)
    assert waiting.cancelled() and not slow.done()
    gate.set()
    await _finished_or_late(slow, 5.0)
    assert slow.done() and not slow.cancelled()


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: ""}])
async def test_wrong_or_missing_secret_is_401_and_nothing_processed(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI, headers: dict[str, str]) -> None:
    run, client = tg
    response = await client.post("/tg/hook", json=fake.text_update(USER, "/huy"),
                                 headers=headers)
    assert response.status == 401
    assert fake.sent == [] and await _inbound_rows(run) == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", json.dumps({"message": {}}).encode(),
                                  b"{\"update_id\": \"x\"}"])
async def test_malformed_body_is_400(tg: tuple[TelegramRun, Client], fake: FakeBotAPI,
                                     body: bytes) -> None:
    run, client = tg
    response = await client.post("/tg/hook", data=body, headers={
        SECRET_HEADER: SECRET, "Content-Type": "application/json"})
    assert response.status == 400
    assert fake.sent == [] and await _inbound_rows(run) == 0


async def test_button_press_via_webhook_is_acknowledged(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI) -> None:
    _, client = tg
    update = fake.callback_update(USER, "nosuchbutton:1", query_id="cb-1")
    response = await client.post("/tg/hook", json=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200
    assert fake.answered == ["cb-1"]
    assert [shown(p) for p in fake.sent] == [C.UNKNOWN_BUTTON]


def _malformed_presses(fake: FakeBotAPI) -> list[dict[str, Any]]:
    no_id = fake.callback_update(USER, "fby:1")
    del no_id["callback_query"]["id"]
    numeric_data = fake.callback_update(USER, "fby:1")
    numeric_data["callback_query"]["data"] = 17
    bad_keyboard = fake.callback_update(USER, "fby:1")
    bad_keyboard["callback_query"]["message"]["reply_markup"] = {"inline_keyboard": "x"}
    no_chat = fake.callback_update(USER, "fby:1")
    del no_chat["callback_query"]["message"]["chat"]
    return [no_id, numeric_data, bad_keyboard, no_chat]


async def test_malformed_presses_are_400_and_unanswered(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI) -> None:
    run, client = tg
    for update in _malformed_presses(fake):
        response = await client.post("/tg/hook", json=update, headers={SECRET_HEADER: SECRET})
        assert response.status == 400, update
    assert fake.sent == [] and fake.answered == [] and await _inbound_rows(run) == 0


async def test_presses_without_meaning_are_answered_and_ignored(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI) -> None:
    """No data, or only the reusable mark: the spinner stops, nothing else happens."""
    _, client = tg
    no_data = fake.callback_update(USER, "x", query_id="cb-1")
    del no_data["callback_query"]["data"]
    for update in [no_data, fake.callback_update(USER, "", query_id="cb-2"),
                   fake.callback_update(USER, "^", query_id="cb-3")]:
        response = await client.post("/tg/hook", json=update, headers={SECRET_HEADER: SECRET})
        assert response.status == 200
    assert fake.answered == ["cb-1", "cb-2", "cb-3"] and fake.sent == []


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong"}])
async def test_a_press_with_a_forged_secret_is_refused(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI, headers: dict[str, str]) -> None:
    run, client = tg
    response = await client.post("/tg/hook", json=fake.callback_update(USER, "fby:1"),
                                 headers=headers)
    assert response.status == 401
    assert fake.sent == [] and fake.answered == [] and await _inbound_rows(run) == 0


def test_webhook_route_from_url() -> None:
    assert webhook_route("https://h.vn/tg/hook") == ("https://h.vn/tg/hook", "/tg/hook")
    assert webhook_route("https://h.vn") == ("https://h.vn/telegram/webhook", "/telegram/webhook")
