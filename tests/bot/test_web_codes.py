"""Invitation codes typed on the web chat, whose strangers are sessions made at will: failed codes
are limited per client network as well (an IPv4 address, an IPv6 /64), shared by every session and
every process behind it, and high enough that an office behind one NAT is not locked out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.channels.web_auth import client_network
from bot.clock import ManualClock, to_local
from bot.config import Settings
from bot.db import people_store
from bot.db.models import Unit
from bot.texts import people as P
from tests.harness import BotHarness, fields, fits, texts

Client = TestClient[web.Request, web.Application]
OFFICE = "203.0.113.7"


def _wrong(n: int) -> str:
    """The n-th wrong code (ten characters of the alphabet, a letter and a digit)."""
    return "ZZZZ9" + f"{n:05d}".translate(str.maketrans("0123456789", "ABCDEFGHJK"))


async def _codes(h: BotHarness, count: int) -> list[str]:
    async with h.app.sessionmaker.begin() as session:
        unit = (await session.execute(select(Unit).where(Unit.code == "BO"))).scalar()
        if unit is None:
            unit = Unit(code="BO", name="Văn phòng Bộ", created_at=h.clock.now())
            session.add(unit)
            await session.flush()
        return [(await people_store.create_invitation(
            session, now=h.clock.now(), ttl=timedelta(days=1), unit_id=unit.id,
            name=f"Cán bộ {n}")).code for n in range(count)]


async def _say(client: Client, session: str, text: str, address: str = OFFICE) -> str:
    response = await client.post("/api/chat", json={"session": session, "text": text},
                                 headers={"X-Forwarded-For": address})
    assert response.status == 200, await response.text()
    return "\n".join(reply["text"] for reply in (await response.json())["replies"])


def _proxied(settings: Settings, **changes: object) -> Settings:
    """Behind compose.yaml's proxy: the client address comes from X-Forwarded-For."""
    return settings.model_copy(update={"web_trust_proxy": True, **changes})


@pytest.fixture
async def office(settings: Settings, clock: ManualClock) -> AsyncIterator[tuple[BotHarness, Client]]:
    harness = await BotHarness(_proxied(settings, invitation_attempts_per_network=6),
                               clock).start()
    try:
        async with TestClient(TestServer(harness.app.web_app)) as client:
            yield harness, client
    finally:
        await harness.close()


async def test_new_sessions_do_not_renew_the_budget_of_an_address(
        office: tuple[BotHarness, Client], clock: ManualClock) -> None:
    h, client = office
    (right,) = await _codes(h, 1)
    for n in range(6):  # a fresh session for every guess
        assert P.CODE_INVALID in await _say(client, f"guess-{n}", _wrong(n))
    blocked = await _say(client, "guess-6", right)
    said = fields(blocked, P.TOO_MANY_ATTEMPTS_NETWORK)
    assert said == {"minutes": "10", "time": f"{to_local(clock.now() + timedelta(minutes=10)):%H:%M}"}
    assert not fits(blocked, P.BOUND) and right not in blocked
    # another network is not concerned, nor are Telegram and Zalo
    assert P.CODE_INVALID in await _say(client, "elsewhere", _wrong(99), address="198.51.100.1")
    assert P.CODE_INVALID in texts(await h.say(f"/start {_wrong(98)}", user="7", channel="telegram"))
    clock.advance(timedelta(minutes=9))
    assert fits(await _say(client, "guess-7", right), P.TOO_MANY_ATTEMPTS_NETWORK)
    clock.advance(timedelta(minutes=1))  # the block is over: the right code works
    assert fits(await _say(client, "guess-8", right), P.BOUND)


async def test_an_ipv6_network_is_one_budget(office: tuple[BotHarness, Client]) -> None:
    h, client = office
    (right,) = await _codes(h, 1)
    for n in range(6):  # one address of the /64 per guess
        assert P.CODE_INVALID in await _say(client, f"v6-{n}", _wrong(n),
                                            address=f"2001:db8:5:7::{n + 1:x}")
    assert fits(await _say(client, "v6-6", right, address="2001:db8:5:7:abcd::9"),
                P.TOO_MANY_ATTEMPTS_NETWORK)
    assert fits(await _say(client, "v6-7", right, address="2001:db8:5:8::1"), P.BOUND)


def test_client_networks() -> None:
    assert client_network("203.0.113.7") == "203.0.113.7"
    assert client_network("2001:db8:5:7:1:2:3:4") == "2001:db8:5:7::/64"
    assert client_network("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_network("fe80::1%eth0") == "fe80::/64"
    assert client_network("unknown") == "unknown"


async def test_an_office_behind_one_nat_is_not_locked_out(
        settings: Settings, clock: ManualClock) -> None:
    """Forty colleagues bind their pages from one address within minutes, ten of them typing their
    code wrong first: with the default limits nobody is refused (successes spend nothing)."""
    h = await BotHarness(_proxied(settings), clock).start()
    try:
        codes = await _codes(h, 40)
        async with TestClient(TestServer(h.app.web_app)) as client:
            for n, code in enumerate(codes):
                client.session.cookie_jar.clear()  # each desk its own browser
                if n % 4 == 0:
                    # one character wrong, of its kind: a code whose only digit became a
                    # letter is no code any more (it went to the Q&A; about one run in six)
                    last = code[-1]
                    typo = code[:-1] + (("3" if last != "3" else "4") if last.isdigit()
                                        else ("Z" if last != "Z" else "Y"))
                    assert P.CODE_INVALID in await _say(client, f"desk-{n}", typo)
                clock.advance(timedelta(seconds=5))
                assert fits(await _say(client, f"desk-{n}", code), P.BOUND)
    finally:
        await h.close()


async def test_concurrent_tries_from_one_address_through_two_processes_pass_at_most_the_limit(
        settings: Settings, clock: ManualClock) -> None:
    """Sixteen sessions behind one address try a wrong code at the same moment, through two app
    instances over one database: the network's six pass, no more."""
    tight = _proxied(settings, invitation_attempts_per_network=6)
    first = await BotHarness(tight, clock).start()
    second = await BotHarness(tight, clock).start()
    try:
        async with TestClient(TestServer(first.app.web_app)) as a, \
                TestClient(TestServer(second.app.web_app)) as b:
            clients = [a, b]
            replies = await asyncio.gather(*(_say(clients[n % 2], f"rush-{n}", _wrong(n))
                                             for n in range(16)))
    finally:
        await first.close()
        await second.close()
    assert sum(P.CODE_INVALID in reply for reply in replies) == 6, replies
    assert sum(fits(reply, P.TOO_MANY_ATTEMPTS_NETWORK) for reply in replies) == 10
