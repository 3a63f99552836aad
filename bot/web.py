"""The one aiohttp server: web chat page and API, health; channels add their webhook routes."""

from __future__ import annotations

import logging
import re
import uuid
from importlib import resources
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.http_edge import BadJson, add_route, new_application, parse_json, raw_body
from bot.channels.web import WebChannel
from bot.clock import Clock
from bot.db import web_mailbox
from bot.dispatcher import Dispatcher
from bot.events import ButtonPressed, ChatRef, Sender, TextMessage
from bot.messages import MAX_PAYLOAD_BYTES, OutgoingMessage, from_payload
from bot.texts import web as texts

logger = logging.getLogger(__name__)

#: a web session id chosen by the page: short, URL-safe
SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_BODY_BYTES = 64 * 1024
#: a mailbox id is a positive 64-bit integer
MAX_CURSOR_DIGITS = 19

DISPATCHER_KEY = web.AppKey("dispatcher", Dispatcher)
WEB_CHANNEL_KEY = web.AppKey("web_channel", WebChannel)
SESSIONMAKER_KEY = web.AppKey("sessionmaker", async_sessionmaker[AsyncSession])
HEALTH_KEY = web.AppKey[dict[str, object]]("health")


def build_web_app(dispatcher: Dispatcher, web_channel: WebChannel, clock: Clock,
                  sessionmaker: async_sessionmaker[AsyncSession]) -> web.Application:
    """The aiohttp application with the web chat; channels may add routes before it starts."""
    app = new_application()
    app[DISPATCHER_KEY] = dispatcher
    app[SESSIONMAKER_KEY] = sessionmaker
    app[WEB_CHANNEL_KEY] = web_channel
    health_facts: dict[str, object] = {"started_at": clock.now().isoformat()}
    app[HEALTH_KEY] = health_facts
    add_route(app, "GET", "/", chat_page)
    add_route(app, "POST", "/api/chat", chat_api, max_body=MAX_BODY_BYTES)
    add_route(app, "GET", "/api/messages", mailbox_api)
    add_route(app, "GET", "/healthz", health)
    return app


async def chat_page(request: web.Request) -> web.Response:
    """The single-page web chat."""
    html = resources.files("bot.static").joinpath("chat.html").read_text(encoding="utf-8")
    return web.Response(text=html, content_type="text/html", charset="utf-8")


async def health(request: web.Request) -> web.Response:
    """Liveness and a few facts."""
    dispatcher = request.app[DISPATCHER_KEY]
    body = {"status": "ok", **request.app[HEALTH_KEY],
            "passages": dispatcher.deps.knowledge.passage_count}
    return web.json_response(body)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _render(message: OutgoingMessage) -> dict[str, Any]:
    return {"text": message.text,
            "buttons": [{"label": b.label, "payload": b.payload} for b in message.buttons]}


def _render_waiting(items: list[web_mailbox.Waiting]) -> list[dict[str, Any]]:
    """Mailbox messages carry their id: the client acknowledges up to it with `after`."""
    return [{"id": item.id, **_render(from_payload(item.payload))} for item in items]


def _cursor(value: object) -> int | None:
    """The client's acknowledgement cursor (`after`): a non-negative 64-bit id; None if bad."""
    if value is None:
        return 0
    if isinstance(value, str):
        if not value.isdigit() or len(value) > MAX_CURSOR_DIGITS:
            return None
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2 ** 63:
        return None
    return value


async def _acknowledge(request: web.Request, session_id: str, after: int) -> None:
    if after > 0:
        deps = request.app[DISPATCHER_KEY].deps
        async with request.app[SESSIONMAKER_KEY].begin() as session:
            await web_mailbox.acknowledge(session, session_id, after, deps.clock.now())


async def _waiting(request: web.Request, session_id: str) -> list[dict[str, Any]]:
    deps = request.app[DISPATCHER_KEY].deps
    async with request.app[SESSIONMAKER_KEY]() as session:
        items = await web_mailbox.waiting(session, session_id, deps.clock.now())
    return _render_waiting(items)


async def chat_api(request: web.Request) -> web.Response:
    """POST /api/chat {"session", "text" | "button", "after"?} → {"replies": [...]}."""
    try:
        body = parse_json(raw_body(request))  # read whole, under the limit, by the edge middleware
    except BadJson:
        return _error(400, texts.NOT_JSON)
    if not isinstance(body, dict):
        return _error(400, texts.NOT_AN_OBJECT)
    session = body.get("session")
    if not isinstance(session, str) or not SESSION_RE.match(session):
        return _error(400, texts.BAD_SESSION)
    after = _cursor(body.get("after"))
    if after is None:
        return _error(400, texts.BAD_CURSOR)
    text, button = body.get("text"), body.get("button")
    if not (isinstance(text, str) ^ isinstance(button, str)):
        return _error(400, texts.TEXT_OR_BUTTON)
    if isinstance(button, str) and len(button) > MAX_PAYLOAD_BYTES:
        return _error(400, texts.BAD_BUTTON)
    chat = ChatRef("web", session)
    sender = Sender(session)
    now = request.app[DISPATCHER_KEY].deps.clock.now()
    event: TextMessage | ButtonPressed
    if isinstance(text, str):
        event = TextMessage(chat=chat, sender=sender, at=now, text=text,
                            message_id=uuid.uuid4().hex)
    else:
        assert isinstance(button, str)
        event = ButtonPressed(chat=chat, sender=sender, at=now, payload=button)
    await _acknowledge(request, session, after)
    replies = await request.app[DISPATCHER_KEY].feed(event)
    waiting = await _waiting(request, session)
    return web.json_response({"replies": waiting + [_render(m) for m in replies]})


async def mailbox_api(request: web.Request) -> web.Response:
    """GET /api/messages?session=…&after=N → acknowledge up to N, return what still waits."""
    session = request.query.get("session", "")
    if not SESSION_RE.match(session):
        return _error(400, texts.BAD_SESSION)
    after = _cursor(request.query.get("after"))
    if after is None:
        return _error(400, texts.BAD_CURSOR)
    await _acknowledge(request, session, after)
    return web.json_response({"replies": await _waiting(request, session)})
