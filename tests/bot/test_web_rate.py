"""The web chat's request limits as an office sees them: the session limit is the one a person can
reach; the client network's (an IPv4 address, an IPv6 /64) is a ceiling high enough for an office
of ~50 behind one NAT (TROLY_WEB_RATE_PER_ADDRESS_PER_MINUTE), SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import ManualClock
from bot.config import Settings
from bot.events import ChatRef
from bot.messages import OutgoingMessage
from bot.texts import web as W
from tests.harness import BotHarness, fields, fits, web_login

Client = TestClient[web.Request, web.Application]


async def _status(client: Client, session: str, text: str, address: str | None = None) -> int:
    response = await client.post("/api/chat", json={"session": session, "text": text},
                                 headers={"X-Forwarded-For": address} if address else {})
    await response.read()
    return response.status


@pytest.fixture
async def served(harness: BotHarness) -> AsyncIterator[tuple[BotHarness, Client]]:
    """The default limits (20 a minute per session, 600 per network), everyone at one address."""
    async with TestClient(TestServer(harness.app.web_app)) as client:
        yield harness, client


async def test_forty_colleagues_behind_one_address_are_not_refused(
        served: tuple[BotHarness, Client], clock: ManualClock) -> None:
    """40 pages open at once behind one NAT, each person sending a message or pressing a button
    every 10 seconds for 3 minutes (a busy office: 240 requests a minute, 760 in all, above the
    ceiling's initial allowance): nobody is refused. The old 60 a minute refused from the 61st."""
    harness, client = served
    assert harness.settings.web_rate_per_address_per_minute == 600
    sessions = [f"office-{n}" for n in range(40)]
    assert set(await asyncio.gather(*(_status(client, s, "/start") for s in sessions))) == {200}
    for _ in range(18):
        clock.advance(timedelta(seconds=10))
        statuses = await asyncio.gather(*(_status(client, s, "/trogiup") for s in sessions))
        assert set(statuses) == {200}


async def test_one_session_hammering_is_refused_and_its_colleagues_are_not(
        served: tuple[BotHarness, Client], clock: ManualClock) -> None:
    _, client = served
    statuses = [await _status(client, "hammer", "/trogiup") for _ in range(20)]
    assert statuses == [200] * 20
    response = await client.post("/api/chat", json={"session": "hammer", "text": "/trogiup"})
    assert response.status == 429
    wait = int(response.headers["Retry-After"])
    said = fields((await response.json())["error"], W.TOO_MANY_REQUESTS)
    assert said is not None and said["seconds"] == str(wait) and 1 <= wait <= 3
    assert await _status(client, "colleague", "/trogiup") == 200  # same address, own session
    clock.advance(timedelta(seconds=wait))
    assert await _status(client, "hammer", "/trogiup") == 200


@pytest.fixture
async def proxied(settings: Settings, clock: ManualClock) -> AsyncIterator[Client]:
    """Behind compose.yaml's proxy (the address from X-Forwarded-For), a network ceiling of 5."""
    tight = settings.model_copy(update={"web_trust_proxy": True,
                                        "web_rate_per_address_per_minute": 5})
    harness = await BotHarness(tight, clock).start()
    try:
        async with TestClient(TestServer(harness.app.web_app)) as client:
            yield client
    finally:
        await harness.close()


async def test_ipv6_addresses_of_one_64_share_a_budget(proxied: Client,
                                                       clock: ManualClock) -> None:
    """A host rotating its address within its /64 gets one budget, not one per address; the
    refusal says the network (not the reader) is the one sending a lot."""
    client = proxied
    for n in range(5):
        assert await _status(client, f"v6-{n}", "/trogiup", f"2001:db8:5:7::{n + 1:x}") == 200
    response = await client.post("/api/chat", json={"session": "v6-5", "text": "/trogiup"},
                                 headers={"X-Forwarded-For": "2001:db8:5:7:abcd:ef01:2:9"})
    assert response.status == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert fits((await response.json())["error"], W.TOO_MANY_REQUESTS_NETWORK)
    assert await _status(client, "v6-6", "/trogiup", "2001:db8:5:8::1") == 200  # another /64
    assert await _status(client, "v4", "/trogiup", "203.0.113.7") == 200
    clock.advance(timedelta(seconds=12))  # one request's interval (60 s / 5)
    assert await _status(client, "v6-7", "/trogiup", "2001:db8:5:7::ffff") == 200


async def _poll(client: Client, session: str, headers: dict[str, str] | None = None,
                after: int = 0) -> int:
    response = await client.get("/api/messages", params={"session": session, "after": str(after)},
                                headers=headers or {})
    await response.read()
    return response.status


async def test_polling_fast_is_refused_without_spending_the_message_budget(
        served: tuple[BotHarness, Client], clock: ManualClock) -> None:
    """The mailbox poll has a budget of its own (TROLY_WEB_POLL_PER_MINUTE, 12): a client
    hammering it is refused with Retry-After before its login is even read, and the same
    session's messages (20 a minute) are untouched; a colleague's poll is still served."""
    harness, client = served
    assert harness.settings.web_poll_per_minute == 12
    bearer = {"Authorization": f"Bearer {await web_login(harness, 'poller')}"}
    statuses = [await _poll(client, "poller", bearer) for _ in range(12)]
    assert statuses == [200] * 12
    response = await client.get("/api/messages", params={"session": "poller"}, headers=bearer)
    assert response.status == 429
    wait = int(response.headers["Retry-After"])
    said = fields((await response.json())["error"], W.TOO_MANY_REQUESTS)
    assert said is not None and said["seconds"] == str(wait) and 1 <= wait <= 5
    for _ in range(30):  # keeps hammering: still refused, and it spends nothing else
        assert await _poll(client, "poller", bearer) == 429
    sends = []
    for _ in range(20):
        sent = await client.post("/api/chat", json={"session": "poller", "text": "/trogiup"},
                                 headers=bearer)
        await sent.read()
        sends.append(sent.status)
    assert sends == [200] * 20  # the whole message budget (sending does not spend polls either)
    assert await _poll(client, "colleague") == 200
    # the refused polls lost nothing: after the wait the message waiting is delivered
    await harness.app.web_channel.send(ChatRef("web", "poller"), OutgoingMessage("Nhắc hạn"))
    clock.advance(timedelta(seconds=wait))
    again = await client.get("/api/messages", params={"session": "poller"}, headers=bearer)
    assert again.status == 200
    assert [r["text"] for r in (await again.json())["replies"]] == ["Nhắc hạn"]


async def test_pages_polling_are_never_refused(served: tuple[BotHarness, Client],
                                               clock: ManualClock) -> None:
    """20 people behind one address, each with 6 tabs of the chat open (a browser's tabs share
    one session), every tab polling every 30 s and each person sending every 10 s, for 5
    minutes: no poll and no message is refused."""
    harness, client = served
    sessions = [f"desk-{n}" for n in range(20)]
    assert set(await asyncio.gather(*(_status(client, s, "/start") for s in sessions))) == {200}
    for tick in range(60):  # 5 s steps: tab k of each person polls at k*5 s past each 30 s
        clock.advance(timedelta(seconds=5))
        polls = await asyncio.gather(*(_poll(client, s) for s in sessions))
        assert set(polls) == {200}, tick
        if tick % 2:
            sends = await asyncio.gather(*(_status(client, s, "/trogiup") for s in sessions))
            assert set(sends) == {200}, tick
