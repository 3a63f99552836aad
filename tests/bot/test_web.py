"""The web chat over HTTP: the page, POST /api/chat, the mailbox, and bad requests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import Connection, event, select

from bot.context import Context
from bot.db.base import READ_ONLY_OPTION, make_engine, make_sessionmaker
from bot.db.models import WebToken
from bot.db.web_tokens import TOUCH_EVERY
from bot.dispatcher import MAX_TEXT_CHARS
from bot.events import ChatRef
from bot.messages import OutgoingMessage
from bot.router import Fallback
from bot.texts import ask as QT
from bot.texts import common as C
from bot.texts import feedback as F
from bot.texts import web as WT
from bot.web import PAGE_CONFIG_MARK, WEB_CHAT_KEY
from tests.harness import BotHarness, engine_statements, web_login


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


async def test_the_page_knows_the_server_s_limit_and_cuts_nothing(
        client: TestClient[web.Request, web.Application]) -> None:
    """The page counts a message against the dispatcher's limit, with the words of bot/texts,
    and never cuts a text (a maxlength did, silently: found by the outside tester); a text over
    the limit sent anyway is answered with the length and the limit, and nothing is done; an API
    client's body over the route's limit is told the same in words (not "Nội dung quá lớn")."""
    page = await (await client.get("/")).text()
    assert "maxlength" not in page and PAGE_CONFIG_MARK not in page
    config = json.loads(page.split("var config = ", 1)[1].split(";\n", 1)[0])
    assert config == {"maxChars": MAX_TEXT_CHARS, "counter": WT.PAGE_COUNTER,
                      "tooLong": WT.PAGE_TOO_LONG, "offline": WT.PAGE_OFFLINE,
                      "logoutConfirm": WT.PAGE_LOGOUT_CONFIRM}
    # the script's words come from bot/texts too, not written in the page
    assert page.count(WT.PAGE_OFFLINE) == 1
    over = "Nguyễn Thị Lan hỏi về chuyển đổi số. " * 120  # 4,440 characters
    resp = await client.post("/api/chat", json={"session": "s-long", "text": over})
    assert [r["text"] for r in (await resp.json())["replies"]] == [
        C.MESSAGE_TOO_LONG.format(length="4.440", limit="4.000")]
    resp = await client.post("/api/chat", json={"session": "s-long", "text": "ạ" * 40000})
    assert resp.status == 413
    assert (await resp.json())["error"] == WT.MESSAGE_TOO_LARGE.format(limit="4.000")


async def test_a_text_keeps_its_line_breaks(kb_harness: BotHarness,
                                            client: TestClient[web.Request, web.Application]) -> None:
    """What the page's box sends (several lines: a pasted report) reaches the handlers with its
    line breaks, blank lines included, and a reply's line breaks come back as they are; an API
    client's CR LF reads as one line break."""
    async def echo(ctx: Context) -> None:
        ctx.reply("Đã nhận:\n" + ctx.text)

    kb_harness.app.router.fallback(Fallback("echo", echo,
                                            matches=lambda ctx: ctx.text.startswith("Vướng mắc")))
    text = "Vướng mắc:\n- thiếu kinh phí\n\n- thiếu cán bộ\tchuyên trách"
    resp = await client.post("/api/chat", json={"session": "s-lines", "text": text})
    assert [r["text"] for r in (await resp.json())["replies"]] == ["Đã nhận:\n" + text]
    resp = await client.post("/api/chat", json={"session": "s-lines",
                                                "text": text.replace("\n", "\r\n")})
    assert [r["text"] for r in (await resp.json())["replies"]] == ["Đã nhận:\n" + text]


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


@contextmanager
def writes_of(harness: BotHarness) -> Iterator[list[str]]:
    """What the app's engine writes inside the block: "write transaction" for each transaction
    that may write (on SQLite one that takes the write lock, BEGIN IMMEDIATE; not a `reading`
    one, nor PostgreSQL's autocommit), and each INSERT, UPDATE or DELETE (PostgreSQL's shared
    rate limits' own, not the mailbox's, left out)."""
    engine = harness.app.engine.sync_engine
    began: list[str] = []

    def on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if not options.get(READ_ONLY_OPTION) and options.get("isolation_level") != "AUTOCOMMIT":
            began.append("write transaction")

    event.listen(engine, "begin", on_begin)
    try:
        with engine_statements(engine) as statements:
            yield began
    finally:
        event.remove(engine, "begin", on_begin)
    began.extend(s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")
                 and "web_rate_limits" not in s)


async def test_an_empty_mailbox_poll_writes_nothing(
        client: TestClient[web.Request, web.Application], kb_harness: BotHarness) -> None:
    """The page polls every 30 s with the cursor it acknowledged before: such a poll reads in a
    read-only transaction (on SQLite it takes no write lock, which every answer waits for) and
    writes nothing. Only a poll with something to acknowledge, or a login due to be kept alive
    (hourly), writes."""
    bearer = {"Authorization": f"Bearer {await web_login(kb_harness, 's-7')}"}

    async def poll(after: int = 0) -> list[dict[str, Any]]:
        response = await client.get("/api/messages", headers=bearer,
                                    params={"session": "s-7", "after": str(after)})
        assert response.status == 200
        replies: list[dict[str, Any]] = (await response.json())["replies"]
        return replies

    with writes_of(kb_harness) as writes:
        assert await poll() == []
    assert writes == []
    await kb_harness.app.web_channel.send(ChatRef("web", "s-7"), OutgoingMessage("Nhắc hạn"))
    with writes_of(kb_harness) as writes:
        [item] = await poll()  # fetched, not yet acknowledged: nothing to write either
    assert writes == []
    with writes_of(kb_harness) as writes:
        assert await poll(item["id"]) == []
    assert writes[0] == "write transaction" and len(writes) == 2, writes
    assert writes[1].startswith("UPDATE outbox"), writes
    with writes_of(kb_harness) as writes:
        assert await poll(item["id"]) == []  # acknowledged before: nothing to mark
    assert writes == []
    kb_harness.clock.advance(TOUCH_EVERY)  # the login's idle expiry is due to move
    with writes_of(kb_harness) as writes:
        assert await poll(item["id"]) == []
    assert writes[0] == "write transaction" and len(writes) == 2, writes
    assert writes[1].startswith("UPDATE web_tokens"), writes
    async with kb_harness.app.sessionmaker() as session:
        expires_at = (await session.execute(select(WebToken.expires_at))).scalar_one()
    assert expires_at == kb_harness.clock.now() + kb_harness.app.web_app[WEB_CHAT_KEY].login_idle
    with writes_of(kb_harness) as writes:
        assert await poll(item["id"]) == []
    assert writes == []


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
