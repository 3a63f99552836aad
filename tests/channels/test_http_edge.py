"""The HTTP edge on every route: whole bodies before parsing, 413 over the limit, and hostile JSON
(deep nesting, huge numbers, lone surrogates, NaN) refused with a 400, never a 500."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.http_edge import BadJson, parse_json
from bot.channels.telegram.receivers import SECRET_HEADER
from bot.clock import ManualClock
from bot.config import Settings
from testkit.fake_telegram import FakeBotAPI
from testkit.fake_zalo import FakeZalo, configure, sign_webhook, webhook_event
from tests.channels.telegram_support import TelegramRun, running_telegram, shown_texts

SECRET = "edge-Secret_1"
TG_PATH = "/telegram/webhook"
WEBHOOK_URL = "https://troly.example" + TG_PATH
USER = 7373


@dataclass
class Edge:
    """troly with the web chat, a Telegram webhook and a Zalo webhook on one real HTTP server."""

    run: TelegramRun
    client: TestClient[web.Request, web.Application]
    fake_tg: FakeBotAPI
    fake_zalo: FakeZalo

    @property
    def port(self) -> int:
        """The port of the test server."""
        assert self.client.port is not None
        return self.client.port

    def zalo_headers(self, body: bytes, timestamp: str) -> dict[str, str]:
        """Headers of a correctly signed Zalo webhook request."""
        return {"Content-Type": "application/json",
                "X-ZEvent-Signature": sign_webhook(body, self.fake_zalo.app_id, timestamp)}


@pytest.fixture
async def edge(settings: Settings, clock: ManualClock) -> AsyncIterator[Edge]:
    async with FakeBotAPI() as fake_tg:
        fake_zalo = FakeZalo()
        await fake_zalo.start()
        try:
            zalo_settings = configure(settings, fake_zalo)
            async with running_telegram(zalo_settings, clock, fake_tg,
                                        telegram_webhook_url=WEBHOOK_URL,
                                        telegram_webhook_secret=SECRET) as run, \
                    TestClient(TestServer(run.app.web_app, host="127.0.0.1")) as client:
                yield Edge(run, client, fake_tg, fake_zalo)
        finally:
            await fake_zalo.close()


async def _raw_post(port: int, path: str, headers: dict[str, str], parts: list[bytes]) -> int:
    """POST over a raw socket, writing the body in `parts` with a pause between them."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body_len = sum(len(p) for p in parts)
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {body_len}",
            "Connection: close", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    writer.write("\r\n".join(head).encode())
    for part in parts:
        writer.write(part)
        await writer.drain()
        await asyncio.sleep(0.2)  # the server sees the first part alone
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_telegram_update_arriving_in_two_tcp_writes_is_processed(edge: Edge) -> None:
    update = json.dumps(edge.fake_tg.text_update(USER, "/huy")).encode()
    half = len(update) // 2
    status = await _raw_post(edge.port, TG_PATH, {SECRET_HEADER: SECRET,
                                                  "Content-Type": "application/json"},
                             [update[:half], update[half:]])
    assert status == 200
    await edge.run.app.dispatcher.drain()
    assert len(shown_texts(edge.fake_tg, USER)) == 1


async def test_web_chat_message_arriving_in_two_tcp_writes_is_answered(edge: Edge) -> None:
    body = json.dumps({"session": "two-parts", "text": "/trogiup"}).encode()
    status = await _raw_post(edge.port, "/api/chat", {"Content-Type": "application/json"},
                             [body[:10], body[10:]])
    assert status == 200


ROUTES = [("GET", "/"), ("GET", "/healthz"), ("GET", "/api/messages?session=s1"),
          ("POST", "/api/chat"), ("POST", TG_PATH), ("POST", "/zalo/webhook")]
TWO_MB = b"x" * (2 * 1024 * 1024)


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_route_refuses_an_oversized_body_with_413(edge: Edge, method: str,
                                                               path: str) -> None:
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    declared = await edge.client.request(method, path, data=TWO_MB, headers=headers)
    assert declared.status == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
        for i in range(0, len(TWO_MB), 64 * 1024):
            yield TWO_MB[i:i + 64 * 1024]

    streamed = await edge.client.request(method, path, data=chunks(), headers=headers)
    assert streamed.status == 413


def _deep(depth: int) -> bytes:
    return ('{"a":' * depth + "1" + "}" * depth).encode()


HOSTILE = {
    "nested-1000-objects": _deep(1000),
    "nested-1000-arrays": b"[" * 1000 + b"]" * 1000,
    "nested-100-objects": _deep(100),
    "huge-int": b'{"session": "s1", "text": "hi", "n": ' + b"9" * 5000 + b"}",
    "int-over-64-bits": b'{"session": "s1", "text": "hi", "n": ' + b"9" * 40 + b"}",
    "nan": b'{"session": "s1", "text": "hi", "n": NaN}',
    "lone-surrogate": b'{"session": "s1", "text": "hi \\ud800 there"}',
    "surrogate-in-a-key": b'{"session": "s1", "text": "hi", "\\udfff": 1}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_hostile_json_on_the_web_chat_is_a_400(edge: Edge, name: str) -> None:
    response = await edge.client.post("/api/chat", data=HOSTILE[name],
                                      headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())["error"]


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_hostile_json_on_the_telegram_webhook_is_a_400(edge: Edge, name: str) -> None:
    response = await edge.client.post(TG_PATH, data=HOSTILE[name], headers={
        SECRET_HEADER: SECRET, "Content-Type": "application/json"})
    assert response.status == 400


async def test_telegram_update_with_a_lone_surrogate_or_huge_id_is_a_400(edge: Edge) -> None:
    update = edge.fake_tg.text_update(USER, "xin chao")
    raw = json.dumps(update).replace("xin chao", "xin \\ud83d chao").encode()
    response = await edge.client.post(TG_PATH, data=raw, headers={SECRET_HEADER: SECRET})
    assert response.status == 400
    raw = json.dumps(update).replace(str(update["update_id"]), "9" * 4000).encode()
    response = await edge.client.post(TG_PATH, data=raw, headers={SECRET_HEADER: SECRET})
    assert response.status == 400
    await edge.run.app.dispatcher.drain()
    assert shown_texts(edge.fake_tg, USER) == []


def _zalo_text(edge: Edge, text: str = "/trogiup", **override: Any) -> dict[str, Any]:
    payload = webhook_event("user_send_text", "z1", edge.run.app.clock.now(),
                            app_id=edge.fake_zalo.app_id, msg_id="m1", text=text)
    payload.update(override)
    return payload


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_hostile_json_on_the_zalo_webhook_is_a_400(edge: Edge, name: str) -> None:
    response = await edge.client.post("/zalo/webhook", data=HOSTILE[name], headers={
        "Content-Type": "application/json", "X-ZEvent-Signature": "mac=" + "0" * 64})
    assert response.status == 400


@pytest.mark.parametrize("timestamp", ["9" * 5000, 10 ** 300, "9" * 30])
async def test_zalo_oversized_timestamp_is_a_400_even_when_signed(edge: Edge,
                                                                  timestamp: object) -> None:
    body = json.dumps(_zalo_text(edge, timestamp=timestamp)).encode()
    response = await edge.client.post("/zalo/webhook", data=body,
                                      headers=edge.zalo_headers(body, str(timestamp)))
    assert response.status == 400


async def test_zalo_text_with_a_lone_surrogate_is_a_400_even_when_signed(edge: Edge) -> None:
    payload = _zalo_text(edge, text="PLACEHOLDER")
    body = json.dumps(payload).replace("PLACEHOLDER", "xin \\udc00").encode()
    response = await edge.client.post("/zalo/webhook", data=body,
                                      headers=edge.zalo_headers(body, payload["timestamp"]))
    assert response.status == 400
    await edge.run.app.dispatcher.drain()
    assert edge.fake_zalo.sent == []


async def test_a_modest_well_formed_body_still_works_everywhere(edge: Edge) -> None:
    chat = await edge.client.post("/api/chat", json={"session": "ok-1", "text": "/trogiup"})
    assert chat.status == 200 and (await chat.json())["replies"]
    payload = _zalo_text(edge)
    body = json.dumps(payload).encode()
    zalo = await edge.client.post("/zalo/webhook", data=body,
                                  headers=edge.zalo_headers(body, payload["timestamp"]))
    assert zalo.status == 200
    health = await edge.client.get("/healthz")
    assert health.status == 200


@pytest.mark.parametrize(("raw", "refused"), [
    (b"[" * 32 + b"]" * 32, False),  # MAX_JSON_DEPTH deep: accepted
    (b"[" * 33 + b"]" * 33, True),
    (b'{"n": 9223372036854775807}', False),  # the largest int64
    (b'{"n": 9223372036854775808}', True),  # 19 digits, one past it
    (b'{"n": -9223372036854775809}', True),
    (b'{"t": "\\ud83d\\ude00"}', False),  # a surrogate pair is one character
    (b'{"t": "\\ud83d"}', True),
    (b'{"t": "\\uDC00x"}', True),
])
def test_parse_json_checks_only_what_the_bytes_allow_but_misses_nothing(
        raw: bytes, refused: bool) -> None:
    if refused:
        with pytest.raises(BadJson):
            parse_json(raw)
    else:
        parse_json(raw)
