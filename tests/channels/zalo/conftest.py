"""Fixtures: the fake Zalo server, Zalo settings, and the real app with the Zalo channel attached."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App, build_app, install_zalo
from bot.channels.zalo.wiring import ZaloParts
from bot.clock import ManualClock
from bot.config import Settings
from testkit.fake_zalo import OA_SECRET_KEY, FakeZalo, configure, sign_webhook, webhook_event

OA_SECRET = OA_SECRET_KEY


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    """A started fake OA API on 127.0.0.1."""
    fake = FakeZalo()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def zalo_settings(settings: Settings, fake_zalo: FakeZalo) -> Settings:
    """Test settings with Zalo configured against the fake (first tokens seeded from 'env')."""
    return configure(settings, fake_zalo, zalo_request_timeout_seconds=10.0, max_upload_mb=1)


@dataclass
class ZaloApp:
    """The real app with Zalo attached, and an HTTP client on its web server."""

    app: App
    parts: ZaloParts
    client: TestClient[Any, Any]
    clock: ManualClock

    async def post_event(self, payload: dict[str, Any], *, signature: str | None = "good",
                         raw: bytes | None = None) -> int:
        """POST a webhook body (signed unless told otherwise); return the HTTP status."""
        body = raw if raw is not None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers["X-ZEvent-Signature"] = sign(body, self.parts_app_id, str(payload["timestamp"]))
        elif signature is not None:
            headers["X-ZEvent-Signature"] = signature
        response = await self.client.post("/zalo/webhook", data=body, headers=headers)
        return response.status

    @property
    def parts_app_id(self) -> str:
        """The configured app id."""
        assert self.app.settings.zalo_app_id is not None
        return self.app.settings.zalo_app_id

    async def settle(self) -> None:
        """Wait for background processing of the webhooks received so far."""
        await self.parts.webhook.drain()
        await self.app.dispatcher.drain()


def sign(body: bytes, app_id: str, timestamp: str, secret: str = OA_SECRET) -> str:
    """What Zalo puts in X-ZEvent-Signature."""
    return sign_webhook(body, app_id, timestamp, secret)


@asynccontextmanager
async def open_zalo_app(settings: Settings, clock: ManualClock) -> AsyncIterator[ZaloApp]:
    """build_app + the Zalo wiring, served by an aiohttp test server (a second one on the same
    database is a restarted process)."""
    captured: list[ZaloParts] = []

    def setup(app: App) -> None:
        parts = install_zalo(app)
        assert parts is not None
        captured.append(parts)

    app = build_app(settings, clock=clock, channels={}, extra_setup=[setup])
    await app.prepare(migrate=False, load_demo=False)
    client = TestClient(TestServer(app.web_app, host="127.0.0.1"))
    await client.start_server()
    try:
        yield ZaloApp(app=app, parts=captured[0], client=client, clock=clock)
    finally:
        await client.close()
        await app.stop()


@pytest.fixture
async def zalo_app(zalo_settings: Settings, clock: ManualClock) -> AsyncIterator[ZaloApp]:
    """build_app + the Zalo wiring, served by an aiohttp test server."""
    async with open_zalo_app(zalo_settings, clock) as zalo:
        yield zalo


def event(name: str, user: str, clock: ManualClock, *, app_id: str = "4242",
          **message: Any) -> dict[str, Any]:
    """A Zalo webhook envelope for `name` sent by `user` now."""
    return webhook_event(name, user, clock.now(), app_id=app_id, **message)
