"""The one aiohttp server: web chat page and API, health; channels add their webhook routes."""

from __future__ import annotations

import logging
import re
import uuid
from importlib import resources
from typing import Any

from aiohttp import web

from bot.channels.http_edge import BadJson, add_route, new_application, parse_json, raw_body
from bot.channels.web import WebChannel
from bot.clock import Clock
from bot.dispatcher import Dispatcher
from bot.events import ButtonPressed, ChatRef, Sender, TextMessage
from bot.messages import OutgoingMessage
from bot.texts import web as texts

logger = logging.getLogger(__name__)

#: a web session id chosen by the page: short, URL-safe
SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_BODY_BYTES = 64 * 1024

DISPATCHER_KEY = web.AppKey("dispatcher", Dispatcher)
WEB_CHANNEL_KEY = web.AppKey("web_channel", WebChannel)
HEALTH_KEY = web.AppKey[dict[str, object]]("health")


def build_web_app(dispatcher: Dispatcher, web_channel: WebChannel, clock: Clock) -> web.Application:
    """The aiohttp application with the web chat; channels may add routes before it starts."""
    app = new_application()
    app[DISPATCHER_KEY] = dispatcher
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


def _render(messages: list[OutgoingMessage]) -> list[dict[str, Any]]:
    return [
        {"text": m.text, "buttons": [{"label": b.label, "payload": b.payload} for b in m.buttons]}
        for m in messages
    ]


async def chat_api(request: web.Request) -> web.Response:
    """POST /api/chat {"session", "text"} or {"session", "button"} → {"replies": [...]}."""
    try:
        body = parse_json(raw_body(request))  # read whole, under the limit, by the edge middleware
    except BadJson:
        return _error(400, texts.NOT_JSON)
    if not isinstance(body, dict):
        return _error(400, texts.NOT_AN_OBJECT)
    session = body.get("session")
    if not isinstance(session, str) or not SESSION_RE.match(session):
        return _error(400, texts.BAD_SESSION)
    text, button = body.get("text"), body.get("button")
    if not (isinstance(text, str) ^ isinstance(button, str)):
        return _error(400, texts.TEXT_OR_BUTTON)
    chat = ChatRef("web", session)
    sender = Sender(session)
    now = request.app[DISPATCHER_KEY].deps.clock.now()
    event: TextMessage | ButtonPressed
    if isinstance(text, str):
        event = TextMessage(chat=chat, sender=sender, at=now, text=text,
                            message_id=uuid.uuid4().hex)
    else:
        assert isinstance(button, str)
        event = ButtonPressed(chat=chat, sender=sender, at=now, payload=button[:64])
    replies = await request.app[DISPATCHER_KEY].feed(event)
    pending = request.app[WEB_CHANNEL_KEY].take(session)
    return web.json_response({"replies": _render(pending + replies)})


async def mailbox_api(request: web.Request) -> web.Response:
    """GET /api/messages?session=… → messages sent to this session while the page was away."""
    session = request.query.get("session", "")
    if not SESSION_RE.match(session):
        return _error(400, texts.BAD_SESSION)
    return web.json_response({"replies": _render(request.app[WEB_CHANNEL_KEY].take(session))})
