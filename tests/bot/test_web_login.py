"""Web chat identity: once a session binds to an official, the server's token (an HttpOnly cookie for
the page, a bearer token for API clients) is what proves it; logging out, a revoked token and a
restart behave as a user expects; strangers leave no account rows and are rate limited."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db import account_store, people_store
from bot.db.models import ChatAccount, OutboxMessage, Unit, WebToken
from bot.events import ChatRef
from bot.messages import OutgoingMessage
from bot.texts import logout as LT
from bot.texts import web as W
from tests.harness import BotHarness, fits

Client = TestClient[web.Request, web.Application]
PAGE = {"X-Troly-Client": "page"}
COOKIE = "troly_token"


@pytest.fixture
async def served(harness: BotHarness) -> AsyncIterator[tuple[BotHarness, Client]]:
    async with TestClient(TestServer(harness.app.web_app)) as client:
        yield harness, client


@pytest.fixture
async def stranger(served: tuple[BotHarness, Client]) -> AsyncIterator[Client]:
    """Another browser: the same server, its own (empty) cookie jar."""
    async with TestClient(TestServer(served[0].app.web_app)) as client:
        yield client


async def _code(harness: BotHarness, name: str = "Lê Thị Lan") -> str:
    async with harness.app.sessionmaker.begin() as s:
        unit = Unit(code="DV1", name="Phòng Một", created_at=harness.clock.now())
        s.add(unit)
        await s.flush()
        invitation = await people_store.create_invitation(
            s, now=harness.clock.now(), ttl=timedelta(days=1), unit_id=unit.id, name=name)
        return invitation.code


async def _chat(client: Client, session: str, text: str, *, headers: dict[str, str] | None = None,
                status: int = 200) -> dict[str, Any]:
    response = await client.post("/api/chat", json={"session": session, "text": text},
                                 headers=headers or {})
    assert response.status == status, await response.text()
    body: dict[str, Any] = await response.json()
    return body


def _cookie(client: Client) -> str | None:
    morsel = client.session.cookie_jar.filter_cookies(client.make_url("/")).get(COOKIE)
    return morsel.value if morsel is not None and morsel.value else None


async def _bind_page(harness: BotHarness, client: Client, session: str = "page-1") -> dict[str, Any]:
    body = await _chat(client, session, await _code(harness), headers=PAGE)
    assert body["user"] == {"name": "Lê Thị Lan"}
    return body


async def test_binding_sets_an_httponly_cookie_and_the_session_id_alone_is_refused(
        served: tuple[BotHarness, Client], stranger: Client) -> None:
    harness, client = served
    response = await client.post("/api/chat", json={"session": "page-1",
                                                    "text": await _code(harness)}, headers=PAGE)
    assert response.status == 200
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{COOKIE}=") and "HttpOnly" in set_cookie
    assert "SameSite=Strict" in set_cookie and "Secure" not in set_cookie  # plain HTTP here
    body = await response.json()
    assert "token" not in body  # the page never sees its token
    assert "Lê Thị Lan" in body["replies"][0]["text"]
    assert (await _chat(client, "page-1", "/nhiemvu"))["user"] == {"name": "Lê Thị Lan"}

    # whoever learns the session id is not that official any more
    refused = await _chat(stranger, "page-1", "/nhiemvu", status=401)
    assert refused["error"] == W.LOGIN_REQUIRED and refused["logged_out"] is True
    mailbox = await stranger.get("/api/messages", params={"session": "page-1"})
    assert mailbox.status == 401
    assert (await _chat(client, "page-1", "/nhiemvu"))["user"] == {"name": "Lê Thị Lan"}


async def test_the_token_is_stored_hashed(served: tuple[BotHarness, Client]) -> None:
    harness, client = served
    await _bind_page(harness, client)
    token = _cookie(client)
    assert token and len(token) >= 40
    async with harness.app.sessionmaker() as s:
        [row] = (await s.execute(select(WebToken))).scalars().all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token


async def test_an_api_client_gets_its_token_once_and_sends_it_as_bearer(
        served: tuple[BotHarness, Client], stranger: Client) -> None:
    harness, client = served
    bound = await _chat(client, "api-1", await _code(harness))
    token = bound["token"]
    assert isinstance(token, str) and len(token) >= 40
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await _chat(stranger, "api-1", "/nhiemvu", headers=bearer))["user"]["name"]
    await _chat(stranger, "api-1", "/nhiemvu", status=401)
    await _chat(stranger, "api-1", "/nhiemvu", headers={"Authorization": "Bearer x" * 3},
                status=401)
    await _chat(stranger, "other-session", "/nhiemvu", headers=bearer, status=401)
    assert "token" not in await _chat(stranger, "api-1", "/trogiup", headers=bearer)


async def test_messages_of_a_bound_session_are_only_for_its_token(
        served: tuple[BotHarness, Client], stranger: Client) -> None:
    harness, client = served
    await _bind_page(harness, client)
    await harness.app.web_channel.send(ChatRef("web", "page-1"), OutgoingMessage("Riêng tư"))
    assert (await stranger.get("/api/messages", params={"session": "page-1"})).status == 401
    body = await (await client.get("/api/messages", params={"session": "page-1"})).json()
    assert [r["text"] for r in body["replies"]] == ["Riêng tư"]


@pytest.mark.parametrize("words", ["/dangxuat", "đăng xuất", "Dang xuat"])
async def test_logging_out_in_chat_ends_the_login(served: tuple[BotHarness, Client],
                                                  stranger: Client, words: str) -> None:
    harness, client = served
    await _bind_page(harness, client)
    token = _cookie(client)
    await harness.app.web_channel.send(ChatRef("web", "page-1"), OutgoingMessage("Còn chờ"))
    response = await client.post("/api/chat", json={"session": "page-1", "text": words},
                                 headers=PAGE)
    assert response.status == 200
    assert "Max-Age=0" in response.headers["Set-Cookie"]  # the page's cookie is removed
    body = await response.json()
    assert body["logged_out"] is True and body["user"] is None
    assert body["replies"][-1]["text"] == LT.LOGGED_OUT.format(name="Lê Thị Lan")
    assert _cookie(client) is None
    # the old token is dead everywhere, and the session's account is no longer that official
    await _chat(stranger, "page-1", "/nhiemvu", headers={"Authorization": f"Bearer {token}"},
                status=401)
    async with harness.app.sessionmaker() as s:
        account = (await s.execute(select(ChatAccount).where(
            ChatAccount.external_id == "page-1"))).scalar_one()
        tokens = (await s.execute(select(WebToken))).scalars().all()
        waiting = (await s.execute(select(OutboxMessage.status))).scalars().all()
    assert account.official_id is None and all(t.revoked_at is not None for t in tokens)
    assert waiting == ["cancelled"]  # nothing meant for the official waits for the next visitor
    # a fresh session on the same page is a guest again
    assert (await _chat(client, "page-2", "/trogiup"))["user"] is None


async def test_a_revoked_login_gets_a_polite_401_and_the_cookie_cleared(
        served: tuple[BotHarness, Client]) -> None:
    harness, client = served
    await _bind_page(harness, client)
    async with harness.app.sessionmaker.begin() as s:  # what `troly accounts unbind` does
        account = (await s.execute(select(ChatAccount).where(
            ChatAccount.external_id == "page-1"))).scalar_one()
        await account_store.unbind_account(s, account, harness.clock.now(), channels=["web"])
    response = await client.post("/api/chat", json={"session": "page-1", "text": "/nhiemvu"},
                                 headers=PAGE)
    assert response.status == 401
    assert (await response.json())["error"] == W.LOGIN_REQUIRED
    assert "Max-Age=0" in response.headers["Set-Cookie"]
    assert (await client.get("/api/messages", params={"session": "page-1"})).status == 401


async def test_a_login_expires_after_the_idle_time_and_survives_a_restart(
        served: tuple[BotHarness, Client], clock: ManualClock) -> None:
    harness, client = served
    await _bind_page(harness, client)
    await harness.restart()  # tokens live in the database, not in the process
    async with TestClient(TestServer(harness.app.web_app)) as again:
        again.session.cookie_jar.update_cookies({COOKIE: _cookie(client) or ""})
        assert (await _chat(again, "page-1", "/trogiup"))["user"] == {"name": "Lê Thị Lan"}
        clock.advance(timedelta(days=harness.settings.web_login_days, minutes=1))
        await _chat(again, "page-1", "/trogiup", status=401)


async def test_secure_cookie_behind_an_https_proxy(settings: Settings, clock: ManualClock) -> None:
    trusting = settings.model_copy(update={"web_trust_proxy": True})
    harness = await BotHarness(trusting, clock).start()
    try:
        async with TestClient(TestServer(harness.app.web_app)) as client:
            response = await client.post(
                "/api/chat", json={"session": "page-1", "text": await _code(harness)},
                headers={**PAGE, "X-Forwarded-Proto": "https"})
            assert "Secure" in response.headers["Set-Cookie"]
    finally:
        await harness.close()


async def _accounts(harness: BotHarness) -> int:
    async with harness.app.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(ChatAccount))).scalar_one())


async def test_a_stranger_who_only_loads_the_page_leaves_no_account_row(
        served: tuple[BotHarness, Client]) -> None:
    harness, client = served
    assert (await client.get("/")).status == 200
    for i in range(5):  # what the page sends when it opens, from five browsers
        body = await _chat(client, f"visitor-{i}", "/start")
        assert body["replies"] and body["user"] is None
    await _chat(client, "visitor-0", "/trogiup")
    assert (await client.get("/api/messages", params={"session": "visitor-1"})).status == 200
    assert await _accounts(harness) == 0
    await _bind_page(harness, client, "visitor-2")  # binding stores the one account it needs
    assert await _accounts(harness) == 1


@pytest.fixture
async def limited(settings: Settings, clock: ManualClock) -> AsyncIterator[tuple[BotHarness, Client]]:
    tight = settings.model_copy(update={"web_rate_per_minute": 3,
                                        "web_rate_per_address_per_minute": 5})
    harness = await BotHarness(tight, clock).start()
    try:
        async with TestClient(TestServer(harness.app.web_app)) as client:
            yield harness, client
    finally:
        await harness.close()


async def test_two_processes_share_the_limits_on_postgresql(
        limited: tuple[BotHarness, Client], settings: Settings, clock: ManualClock) -> None:
    """Two app instances over one database, as compose.yaml's two processes behind one address:
    on PostgreSQL a session and an address get one budget between them; SQLite (one process by
    design) keeps a budget per process."""
    first, client = limited
    second = await BotHarness(first.settings, clock).start()
    try:
        async with TestClient(TestServer(second.app.web_app)) as other:
            clients = {"first": client, "second": other}
            script = [("first", "busy"), ("second", "busy"), ("first", "busy"),
                      ("second", "busy"), ("first", "busy"),  # the session's 4th and 5th
                      ("second", "calm-1"), ("second", "calm-2"),  # the address's 4th and 5th
                      ("first", "calm-3")]  # the address's 6th
            statuses = []
            for which, session in script:
                response = await clients[which].post(
                    "/api/chat", json={"session": session, "text": "/trogiup"})
                statuses.append(response.status)
            if settings.database_url.startswith("postgresql"):
                assert statuses == [200, 200, 200, 429, 429, 200, 200, 429]
            else:  # each process counts alone: 3 of busy's 5, 4 of the address's 8 at most
                assert statuses == [200] * 8
            clock.advance(timedelta(minutes=1))
            await _chat(other, "busy", "/trogiup")
    finally:
        await second.close()


async def test_chat_is_rate_limited_per_session_and_per_address(
        limited: tuple[BotHarness, Client], clock: ManualClock) -> None:
    _, client = limited
    for _ in range(3):
        await _chat(client, "busy", "/trogiup")
    response = await client.post("/api/chat", json={"session": "busy", "text": "/trogiup"})
    assert response.status == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert fits((await response.json())["error"], W.TOO_MANY_REQUESTS)
    await _chat(client, "calm-1", "/trogiup")  # another session from the same address
    await _chat(client, "calm-2", "/trogiup")
    await _chat(client, "calm-3", "/trogiup", status=429)  # the address used its 5 per minute
    clock.advance(timedelta(minutes=1))
    await _chat(client, "busy", "/trogiup")
