"""The web chat over HTTP: the page, POST /api/chat, the mailbox, and bad requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event

from bot.db.base import make_engine, make_sessionmaker
from bot.events import ChatRef
from bot.messages import OutgoingMessage
from bot.texts import ask as QT
from bot.texts import common as C
from bot.texts import feedback as F
from bot.web import WEB_CHAT_KEY
from tests.harness import BotHarness, web_login


def _button(reply: dict[str, Any], label: str) -> dict[str, Any]:
    """The one button labelled `label` (a bot/texts constant) in a reply of /api/chat."""
    found: list[dict[str, Any]] = [b for b in reply["buttons"] if b["label"] == label]
    assert len(found) == 1, f"{len(found)} buttons {label!r} in {reply['buttons']}"
    return found[0]


@pytest.fixture
async def client(kb_harness: BotHarness) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(kb_harness.app.web_app)) as c:
        yield c


async def test_page_is_served(client: TestClient[web.Request, web.Application]) -> None:
    resp = await client.get("/")
    assert resp.status == 200
    assert "Trợ lý" in await resp.text()


async def test_question_and_button(client: TestClient[web.Request, web.Application]) -> None:
    resp = await client.post("/api/chat", json={"session": "s-1",
                                                "text": "to cong nghe so cong dong gom nhung ai"})
    assert resp.status == 200
    body = await resp.json()
    reply = body["replies"][0]
    assert "Tổ công nghệ số cộng đồng" in reply["text"]
    # see also (navigation, reusable) first, the feedback choice last
    assert reply["buttons"] and set(reply["buttons"][0]) == {"label", "payload", "reusable"}
    assert set(reply["buttons"][-1]) == {"label", "payload"}
    resp = await client.post("/api/chat", json={"session": "s-1",
                                                "button": reply["buttons"][0]["payload"]})
    assert "📖" in (await resp.json())["replies"][0]["text"]


async def test_a_keyboard_is_single_use(client: TestClient[web.Request, web.Application]) -> None:
    resp = await client.post("/api/chat", json={"session": "s-kb",
                                                "text": "to cong nghe so cong dong gom nhung ai"})
    reply = (await resp.json())["replies"][0]
    keyboard = reply["keyboard"]
    assert isinstance(keyboard, str) and len(reply["buttons"]) >= 2
    choice = [_button(reply, F.BUTTON_HELPFUL), _button(reply, F.BUTTON_WRONG)]
    first, second = (b["payload"] for b in choice)
    assert not any(b.get("reusable") for b in choice)
    resp = await client.post("/api/chat", json={"session": "s-kb", "button": first,
                                                "keyboard": keyboard})
    assert [r["text"] for r in (await resp.json())["replies"]] == [QT.FEEDBACK_THANKS]
    # the page disables the buttons; a second choice sent anyway is refused, nothing done
    resp = await client.post("/api/chat", json={"session": "s-kb", "button": second,
                                                "keyboard": keyboard})
    assert [r["text"] for r in (await resp.json())["replies"]] == [C.ALREADY_CHOSEN]
    # the navigation of the same answer (see also, sent without the keyboard) still opens
    nav = reply["buttons"][0]
    assert nav.get("reusable") is True
    resp = await client.post("/api/chat", json={"session": "s-kb", "button": nav["payload"]})
    assert "📖" in (await resp.json())["replies"][0]["text"]
    # another conversation's keyboard ids are its own
    resp = await client.post("/api/chat", json={"session": "s-other", "button": first,
                                                "keyboard": keyboard})
    assert [r["text"] for r in (await resp.json())["replies"]] == [QT.FEEDBACK_THANKS]
    # a client that sends no keyboard is not checked (older pages)
    resp = await client.post("/api/chat", json={"session": "s-kb", "button": first})
    assert [r["text"] for r in (await resp.json())["replies"]] == [QT.FEEDBACK_THANKS]
    bad = await client.post("/api/chat", json={"session": "s-kb", "text": "x", "keyboard": "k"})
    assert bad.status == 400


async def test_a_guide_section_list_is_navigation(client: TestClient[web.Request, web.Application]) -> None:
    # /huongdan → a guide: its sections are reusable and the list has no keyboard to spend
    resp = await client.post("/api/chat", json={"session": "s-nav", "text": "/huongdan"})
    guides = next(r for r in (await resp.json())["replies"] if r["buttons"])
    assert "keyboard" not in guides and all(b["reusable"] for b in guides["buttons"])
    resp = await client.post("/api/chat", json={"session": "s-nav",
                                                "button": guides["buttons"][0]["payload"]})
    menu = next(r for r in (await resp.json())["replies"] if r["buttons"])
    sections = [b for b in menu["buttons"] if b["payload"].startswith("sec:")]
    assert len(sections) >= 2 and all(b.get("reusable") for b in sections)
    opened = []
    for button in (sections[0], sections[1], sections[0]):
        resp = await client.post("/api/chat", json={"session": "s-nav",
                                                    "button": button["payload"]})
        opened.append((await resp.json())["replies"][0]["text"])
    assert all("📖" in text for text in opened)
    assert opened[0] != opened[1] and opened[0] == opened[2]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"text": "hi"}', 400),
        (b'{"session": "bad id!", "text": "hi"}', 400),
        # '$' matched before a final newline: 's\n' was a second session beside 's'
        (b'{"session": "s\\n", "text": "hi"}', 400),
        (b'{"session": "s", "text": "a", "button": "b"}', 400),
        (b'{"session": "s"}', 400),
        (b'{"session": "s", "text": "' + b"a" * 70_000 + b'"}', 413),
    ],
)
async def test_bad_requests_get_a_clear_error(client: TestClient[web.Request, web.Application], body: bytes, status: int) -> None:
    resp = await client.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == status
    assert (await resp.json())["error"]


async def test_mailbox_keeps_messages_until_acknowledged(client: TestClient[web.Request, web.Application],
                                                         kb_harness: BotHarness) -> None:
    bearer = {"Authorization": f"Bearer {await web_login(kb_harness, 's-2')}"}
    await kb_harness.app.web_channel.send(ChatRef("web", "s-2"), OutgoingMessage("Nhắc hạn"))
    resp = await client.get("/api/messages", params={"session": "s-2"}, headers=bearer)
    [item] = (await resp.json())["replies"]
    assert item["text"] == "Nhắc hạn" and isinstance(item["id"], int)
    again = await (await client.get("/api/messages", params={"session": "s-2"},
                                    headers=bearer)).json()
    assert again["replies"] == [item]  # fetched is not delivered: the response may have been lost
    acked = await client.get("/api/messages", params={"session": "s-2", "after": str(item["id"])},
                             headers=bearer)
    assert (await acked.json())["replies"] == []
    assert (await client.get("/api/messages", params={"session": "x y"})).status == 400


async def test_waiting_messages_come_with_the_next_reply_and_are_acknowledged_by_it(
        client: TestClient[web.Request, web.Application], kb_harness: BotHarness) -> None:
    bearer = {"Authorization": f"Bearer {await web_login(kb_harness, 's-3')}"}
    await kb_harness.app.web_channel.send(ChatRef("web", "s-3"), OutgoingMessage("Nhắc hạn"))
    body = await (await client.post("/api/chat", json={"session": "s-3", "text": "/trogiup"},
                                     headers=bearer)).json()
    first, *rest = body["replies"]
    assert first["text"] == "Nhắc hạn" and rest and "id" not in rest[0]
    body = await (await client.post("/api/chat", json={"session": "s-3", "text": "/trogiup",
                                                       "after": first["id"]},
                                    headers=bearer)).json()
    assert all("id" not in r for r in body["replies"])


async def test_a_web_message_takes_one_transaction_mailbox_included(
        client: TestClient[web.Request, web.Application], kb_harness: BotHarness) -> None:
    """A logged-in page's message acknowledges its mailbox and reads what waits in the event's
    own transaction (was two more): no more transactions than a stranger's message."""
    bearer = {"Authorization": f"Bearer {await web_login(kb_harness, 's-5')}"}
    await kb_harness.app.web_channel.send(ChatRef("web", "s-5"), OutgoingMessage("Nhắc hạn"))
    await kb_harness.app.web_channel.send(ChatRef("web", "s-5"), OutgoingMessage("Nhắc lần 2"))
    first = (await (await client.get("/api/messages", params={"session": "s-5"},
                                     headers=bearer)).json())["replies"][0]
    checkouts: list[object] = []

    def checked_out(*args: object) -> None:
        checkouts.append(args)

    pool = kb_harness.app.engine.sync_engine.pool
    event.listen(pool, "checkout", checked_out)
    try:
        body = await (await client.post("/api/chat", headers=bearer, json={
            "session": "s-5", "text": "/trogiup", "after": first["id"]})).json()
        assert [r["text"] for r in body["replies"] if "id" in r] == ["Nhắc lần 2"]
        assert body["user"] == {"name": "Lê Thị Lan"}
        logged_in = len(checkouts)
        checkouts.clear()
        body = await (await client.post("/api/chat", json={"session": "s-6",
                                                           "text": "/trogiup"})).json()
        assert body["replies"] and body["user"] is None
        # a stranger's message: the event's transaction (and, on PostgreSQL, the rate limits')
        assert logged_in == len(checkouts) <= 3, (logged_in, len(checkouts))
    finally:
        event.remove(pool, "checkout", checked_out)
    again = await (await client.get("/api/messages", params={"session": "s-5"},
                                    headers=bearer)).json()
    assert [r["text"] for r in again["replies"]] == ["Nhắc lần 2"]  # the first acknowledged


@pytest.mark.parametrize("after", ["-1", "1.5", "9" * 30, "abc"])
async def test_a_bad_cursor_is_a_400(client: TestClient[web.Request, web.Application], after: str) -> None:
    resp = await client.get("/api/messages", params={"session": "s-4", "after": after})
    assert resp.status == 400 and (await resp.json())["error"]
    resp = await client.post("/api/chat", json={"session": "s-4", "text": "hi",
                                                "after": after if after != "-1" else -1})
    assert resp.status == 400


async def test_health(client: TestClient[web.Request, web.Application]) -> None:
    body = await (await client.get("/healthz")).json()
    assert body["status"] == "ok" and body["passages"] > 0


async def test_healthz_reports_a_database_that_is_down(
        client: TestClient[web.Request, web.Application], kb_harness: BotHarness) -> None:
    assert (await client.get("/healthz")).status == 200
    chat = kb_harness.app.web_app[WEB_CHAT_KEY]
    working = chat.sessionmaker
    unreachable = make_engine("postgresql+asyncpg://troly@127.0.0.1:9/nowhere")
    chat.sessionmaker = make_sessionmaker(unreachable)  # the database server went away
    try:
        response = await client.get("/healthz")
        assert response.status == 503
        body = await response.json()
        assert body["status"] == "down" and body["database"] == "down"
    finally:
        chat.sessionmaker = working
        await unreachable.dispose()
    assert (await client.get("/healthz")).status == 200
