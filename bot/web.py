"""The one aiohttp server: web chat page and API, health; channels add their webhook routes."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import PurePath
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web
from sqlalchemy import select
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import files
from bot.channels import web_auth
from bot.channels.http_edge import BadJson, add_route, new_application, parse_json, raw_body
from bot.channels.web import FILES_KEY, ResponseChannel, WebChannel
from bot.clock import Clock
from bot.config import Settings
from bot.dates import fmt_time_day
from bot.db import web_mailbox, web_tokens
from bot.db.base import reading, transaction
from bot.db.models import ChatAccount, Official, StoredFile
from bot.db.web_tokens import Access
from bot.dispatcher import MAX_TEXT_CHARS, Dispatcher, Refused, vietnamese_count
from bot.events import ButtonPressed, ChatRef, FileReceived, Sender, TextMessage
from bot.files import FileLinks, LinkCheck
from bot.messages import MAX_PAYLOAD_BYTES, OutgoingMessage, from_payload
from bot.rate_limit import Limiter, RateLimit, SharedRateLimit
from bot.texts import admin_import as admin_texts
from bot.texts import web as texts
from bot.web_login import WebLogin

logger = logging.getLogger(__name__)

#: a web session id chosen by the page: short, URL-safe
SESSION_RE = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")  # \Z: '$' would let a final newline in
MAX_BODY_BYTES = 64 * 1024
#: /healthz waits this long for the database before it says "down"
HEALTH_DB_TIMEOUT_SECONDS = 3.0
#: a mailbox id is a positive 64-bit integer
MAX_CURSOR_DIGITS = 19


@dataclass
class WebChat:
    """What the web chat routes need, built once in build_web_app."""

    dispatcher: Dispatcher
    channel: WebChannel
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings
    per_session: Limiter = field(init=False)
    per_address: Limiter = field(init=False)
    #: the mailbox poll's own budgets: polling never spends what a person may send
    poll_per_session: Limiter = field(init=False)
    poll_per_address: Limiter = field(init=False)
    _links: FileLinks | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        s = self.settings
        engine = self.sessionmaker.kw.get("bind")

        def limiter(scope: str, limit: int) -> Limiter:
            if isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
                # several processes may serve one address: one budget for all
                # (bot/rate_limit.py); "address" scopes' keys are client networks (an IPv4
                # address, an IPv6 /64)
                return SharedRateLimit(engine, scope, limit, 60.0)
            return RateLimit(limit, 60.0)

        self.per_session = limiter("session", s.web_rate_per_minute)
        self.per_address = limiter("address", s.web_rate_per_address_per_minute)
        self.poll_per_session = limiter("poll-session", s.web_poll_per_minute)
        self.poll_per_address = limiter("poll-address", s.web_poll_per_address_per_minute)

    async def links(self) -> FileLinks:
        """The download-link signer (its secret is read from settings or the database once)."""
        if self._links is None:
            configured = self.settings.file_link_secret
            async with self.dispatcher.serialised_writes(), self.sessionmaker.begin() as session:
                secret = await files.link_secret(
                    session, configured.get_secret_value() if configured else None,
                    self.clock.now())
            self._links = FileLinks(secret, self.channel.file_link_ttl)
        return self._links

    @property
    def login_idle(self) -> timedelta:
        """How long an unused web login stays valid."""
        return timedelta(days=self.settings.web_login_days)


WEB_CHAT_KEY = web.AppKey("web_chat", WebChat)
HEALTH_KEY = web.AppKey[dict[str, object]]("health")
#: the chat page's HTML, built once (chat_page_html)
PAGE_KEY = web.AppKey("chat_page", str)


def build_web_app(dispatcher: Dispatcher, web_channel: WebChannel, clock: Clock,
                  sessionmaker: async_sessionmaker[AsyncSession]) -> web.Application:
    """The aiohttp application with the web chat; channels may add routes before it starts."""
    app = new_application()
    app[WEB_CHAT_KEY] = WebChat(dispatcher, web_channel, sessionmaker, clock,
                                dispatcher.deps.settings)
    health_facts: dict[str, object] = {"started_at": clock.now().isoformat()}
    app[HEALTH_KEY] = health_facts
    app[PAGE_KEY] = chat_page_html()
    add_route(app, "GET", "/", chat_page)
    add_route(app, "POST", "/api/chat", chat_api, max_body=MAX_BODY_BYTES,
              too_large_text=texts.MESSAGE_TOO_LARGE.format(
                  limit=vietnamese_count(MAX_TEXT_CHARS)))
    add_route(app, "POST", "/api/upload", upload_api,
              max_body=dispatcher.deps.settings.max_upload_mb * 1024 * 1024)
    add_route(app, "GET", "/api/messages", mailbox_api)
    add_route(app, "GET", "/healthz", health)
    add_route(app, "GET", files.ROUTE + "/{file_id}/{name}", download)
    add_route(app, "GET", files.PAGE_ROUTE + "/{file_id}", file_page)
    return app


#: where chat.html takes its settings and words (a JSON object, filled in by chat_page_html)
PAGE_CONFIG_MARK = "__TROLY_PAGE_CONFIG__"


def page_config() -> dict[str, object]:
    """What the page needs from the server: the dispatcher's text limit (the page says a message
    is too long before sending it, counted as the server counts) and the words its script
    shows."""
    return {"maxChars": MAX_TEXT_CHARS, "counter": texts.PAGE_COUNTER,
            "tooLong": texts.PAGE_TOO_LONG, "offline": texts.PAGE_OFFLINE,
            "logoutConfirm": texts.PAGE_LOGOUT_CONFIRM}


def chat_page_html() -> str:
    """The web chat page with its config filled in (the same for every request: built once, in
    build_web_app)."""
    page = resources.files("bot.static").joinpath("chat.html").read_text(encoding="utf-8")
    # inside a <script>: '<' escaped, so no text can close the element
    config = json.dumps(page_config(), ensure_ascii=False).replace("<", "\\u003c")
    return page.replace(PAGE_CONFIG_MARK, config)


async def chat_page(request: web.Request) -> web.Response:
    """The single-page web chat."""
    return web.Response(text=request.app[PAGE_KEY], content_type="text/html", charset="utf-8")


async def health(request: web.Request) -> web.Response:
    """Liveness, the database's state (503 when it cannot be reached) and a few facts."""
    chat = request.app[WEB_CHAT_KEY]
    try:
        async with asyncio.timeout(HEALTH_DB_TIMEOUT_SECONDS), chat.sessionmaker() as session:
            await session.execute(sql_text("SELECT 1"))
    except Exception as exc:  # any failure to reach it: the answer is "down", never a 500
        logger.warning("healthz: database unreachable: %s", type(exc).__name__)
        facts = request.app[HEALTH_KEY]
        return web.json_response({"status": "down", "database": "down", **facts}, status=503)
    body = {"status": "ok", "database": "ok", **request.app[HEALTH_KEY],
            "passages": chat.dispatcher.deps.knowledge.passage_count}
    return web.json_response(body)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _logged_out() -> web.Response:
    """401: this session needs a login it does not have (logged out, revoked, expired)."""
    response = web.json_response({"error": texts.LOGIN_REQUIRED, "logged_out": True}, status=401)
    web_auth.clear_token_cookie(response)
    return response


def _render(message: OutgoingMessage, links: list[dict[str, str]] | None = None) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "text": message.text,
        # a reusable (navigation) button stays enabled and is sent without the keyboard id
        "buttons": [{"label": b.label, "payload": b.payload, **({"reusable": True} if b.reusable
                                                                 else {})}
                    for b in message.buttons],
        "files": links or []}
    if message.buttons and message.keyboard:  # sent back with a press: one choice per keyboard
        rendered["keyboard"] = message.keyboard
    if message.buttons and message.layout:  # buttons per row (the page groups them)
        rendered["layout"] = list(message.layout)
    return rendered


async def _file_links(chat: WebChat, session_id: str,
                      refs: list[files.FileRef]) -> list[dict[str, str]]:
    """Download links signed now, for this session only."""
    if not refs:
        return []
    links, now = await chat.links(), chat.clock.now()
    owner = files.owner_of("web", session_id)
    return [{"name": ref.name, "url": links.url(ref, owner, now)} for ref in refs]


async def _render_waiting(chat: WebChat, session_id: str,
                          items: list[web_mailbox.Waiting]) -> list[dict[str, Any]]:
    """Mailbox messages carry their id: the client acknowledges up to it with `after`."""
    rendered = []
    for item in items:
        refs = [files.FileRef.from_json(f) for f in item.payload.get(FILES_KEY) or []]
        message = from_payload({k: v for k, v in item.payload.items() if k != FILES_KEY})
        rendered.append({"id": item.id, **_render(message,
                                                  await _file_links(chat, session_id, refs))})
    return rendered


async def _render_replies(chat: WebChat, session_id: str, replies: list[OutgoingMessage],
                          logged_in: bool) -> list[dict[str, Any]]:
    """Replies of this request; their attachments are stored and become links (logged in only:
    a file is readable only with the session's login, which a guest does not have)."""
    refs: list[list[files.FileRef]] = [[] for _ in replies]
    if logged_in and any(m.attachments for m in replies):
        keep, now = chat.channel.file_link_ttl, chat.clock.now()
        async with chat.dispatcher.serialised_writes(), chat.sessionmaker.begin() as session:
            for i, message in enumerate(replies):
                for attachment in message.attachments:
                    refs[i].append(await files.store(session, "web", session_id, attachment,
                                                     now, keep))
    return [_render(m, await _file_links(chat, session_id, r)) for m, r in zip(replies, refs,
                                                                                strict=True)]


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


async def _too_fast(chat: WebChat, request: web.Request, session_id: str, *,
                    poll: bool = False) -> web.Response | None:
    """429 when this session, or the client network (an IPv4 address, an IPv6 /64: every
    session behind one NAT, or one host's rotating addresses), sends faster than the limits.
    `poll`: the mailbox poll's own limits (it never spends the messages' budget)."""
    per_session, per_address = ((chat.poll_per_session, chat.poll_per_address) if poll
                                else (chat.per_session, chat.per_address))
    now = chat.clock.now()
    text = texts.TOO_MANY_REQUESTS
    wait = await per_session.wait(session_id, now)
    if not wait:
        address = web_auth.client_address(request, trust_proxy=chat.settings.web_trust_proxy)
        wait = await per_address.wait(web_auth.client_network(address), now)
        text = texts.TOO_MANY_REQUESTS_NETWORK
    if not wait:
        return None
    response = _error(429, text.format(seconds=wait))
    response.headers["Retry-After"] = str(wait)
    return response


async def _mailbox(chat: WebChat, session_id: str, official_id: int | None,
                   after: int) -> list[dict[str, Any]]:
    """Acknowledge up to `after`, then what still waits for this logged-in session.

    Read first, in a read-only transaction: the page polls every 30 s with the cursor it
    acknowledged before, so almost every poll has nothing to mark and nothing waiting, and on
    SQLite a write transaction would take the one write lock every answer waits for."""
    now = chat.clock.now()
    async with reading(chat.sessionmaker) as session:
        to_mark = await web_mailbox.unacknowledged(session, session_id, after)
        # above the cursor: what the acknowledgement below leaves waiting
        items = await web_mailbox.waiting(session, session_id, now, after=after)
    if to_mark:
        async with chat.dispatcher.serialised_writes(), transaction(chat.sessionmaker) as session:
            await web_mailbox.acknowledge(session, session_id, after, now)
    # only what was meant for the official logged in now (a session id may be reused)
    return await _render_waiting(chat, session_id,
                                 [i for i in items if i.recipient_id in (None, official_id)])


async def chat_api(request: web.Request) -> web.Response:
    """POST /api/chat {"session", "text" | "button" (+ "keyboard"), "after"?} →
    {"replies": [...], "user"}."""
    chat = request.app[WEB_CHAT_KEY]
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
    keyboard = body.get("keyboard")
    if keyboard is not None and not (isinstance(keyboard, str) and isinstance(button, str)
                                     and 0 < len(keyboard) <= MAX_PAYLOAD_BYTES):
        return _error(400, texts.BAD_BUTTON)
    refusal = await _too_fast(chat, request, session)
    if refusal is not None:
        return refusal
    chat_ref, sender, now = ChatRef("web", session), Sender(session), chat.clock.now()
    event: TextMessage | ButtonPressed
    if isinstance(text, str):
        event = TextMessage(chat=chat_ref, sender=sender, at=now, text=text,
                            message_id=uuid.uuid4().hex)
    else:
        assert isinstance(button, str)
        event = ButtonPressed(chat=chat_ref, sender=sender, at=now, payload=button,
                              keyboard=keyboard)
    return await _answer(chat, request, session, after, event)


def _upload_name(header: str) -> str | None:
    """The file name the page sends (X-File-Name, percent-encoded UTF-8): its last path part,
    printable, at most 255 characters; None when there is none."""
    try:
        name = unquote(header, errors="strict")
    except UnicodeDecodeError:
        return None
    name = PurePath(name.replace("\\", "/")).name.strip()
    if name in ("", ".", "..") or len(name) > 255 or not name.isprintable():
        return None
    return name


async def upload_api(request: web.Request) -> web.Response:
    """POST /api/upload?session=…&after=N, the file's bytes as the body and its name in
    X-File-Name → the same answer as /api/chat (a guide or a table for admins to import)."""
    chat = request.app[WEB_CHAT_KEY]
    session = request.query.get("session", "")
    if not SESSION_RE.match(session):
        return _error(400, texts.BAD_SESSION)
    after = _cursor(request.query.get("after"))
    if after is None:
        return _error(400, texts.BAD_CURSOR)
    name = _upload_name(request.headers.get("X-File-Name", ""))
    if name is None:
        return _error(400, admin_texts.WEB_BAD_FILE_NAME)
    refusal = await _too_fast(chat, request, session)
    if refusal is not None:
        return refusal
    content = raw_body(request)
    event = FileReceived(chat=ChatRef("web", session), sender=Sender(session),
                         at=chat.clock.now(), file_name=name, size=len(content),
                         content=content, message_id=uuid.uuid4().hex)
    return await _answer(chat, request, session, after, event)


async def _answer(chat: WebChat, request: web.Request, session: str, after: int,
                  event: TextMessage | ButtonPressed | FileReceived) -> web.Response:
    """Handle one event under the request's login; the replies (and the mailbox) as JSON."""
    address = web_auth.client_address(request, trust_proxy=chat.settings.web_trust_proxy)
    login = WebLogin(web_auth.presented_token(request), chat.login_idle, mailbox_after=after,
                     network=web_auth.client_network(address))
    answer = ResponseChannel()  # the replies, sent after commit, go back in this response
    try:
        await chat.dispatcher.handle(event, answer, guard=login)
    except Refused:
        return _logged_out()
    logged_in = login.name is not None
    # the mailbox (acknowledged up to `after`) was read in the event's transaction
    waiting = await _render_waiting(chat, session, login.waiting or [])
    rendered = await _render_replies(chat, session, answer.replies, logged_in)
    payload: dict[str, Any] = {"replies": waiting + rendered,
                               "user": {"name": login.name} if logged_in else None}
    if login.ended:
        payload["logged_out"] = True
    if login.issued is not None and not web_auth.from_page(request):
        payload["token"] = login.issued.token  # API clients: shown once, send it as Bearer
    response = web.json_response(payload)
    if login.issued is not None:
        secure = web_auth.is_https(request, trust_proxy=chat.settings.web_trust_proxy)
        web_auth.set_token_cookie(response, login.issued.token, chat.login_idle, secure=secure)
    elif login.ended:
        web_auth.clear_token_cookie(response)
    return response


async def _login_of(chat: WebChat, request: web.Request,
                    session_id: str) -> tuple[Access, Official | None]:
    """The login a request presents for a web session (no dispatcher event: mailbox, files).

    Read in a read-only transaction (no write lock on SQLite); the token's idle expiry, when
    due (hourly, web_tokens.TOUCH_EVERY), is pushed back in a write of its own."""
    now = chat.clock.now()
    async with reading(chat.sessionmaker) as session:
        account = (await session.execute(select(ChatAccount).where(
            ChatAccount.channel == "web", ChatAccount.external_id == session_id,
        ))).scalar_one_or_none()
        access, stale = await web_tokens.decide(session, account,
                                                web_auth.presented_token(request), now)
        official = (await session.get(Official, account.official_id)
                    if access is Access.LOGGED_IN and account and account.official_id else None)
        if official is not None:
            session.expunge(official)
    if stale is not None:
        async with chat.dispatcher.serialised_writes(), transaction(chat.sessionmaker) as session:
            await web_tokens.touch(session, stale.id, now, chat.login_idle)
    return access, official


async def mailbox_api(request: web.Request) -> web.Response:
    """GET /api/messages?session=…&after=N → acknowledge up to N, return what still waits."""
    chat = request.app[WEB_CHAT_KEY]
    session_id = request.query.get("session", "")
    if not SESSION_RE.match(session_id):
        return _error(400, texts.BAD_SESSION)
    after = _cursor(request.query.get("after"))
    if after is None:
        return _error(400, texts.BAD_CURSOR)
    # before the login is read (a write transaction under the write lock): a client polling
    # fast, logged in or not, is refused before it takes the write lock or a transaction
    refusal = await _too_fast(chat, request, session_id, poll=True)
    if refusal is not None:
        return refusal  # the page waits Retry-After and polls again, quietly
    access, official = await _login_of(chat, request, session_id)
    if access is Access.REFUSED:
        return _logged_out()
    if official is None:  # a guest has no mailbox
        return web.json_response({"replies": [], "user": None})
    return web.json_response({"replies": await _mailbox(chat, session_id, official.id, after),
                              "user": {"name": official.name}})


def _file_error(status: int, text: str) -> web.Response:
    """Download errors are shown by the browser itself: plain text."""
    return web.Response(status=status, text=text, content_type="text/plain", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


async def _signed_file(request: web.Request, *, expired_text: str) -> StoredFile | web.Response:
    """The stored file a signed link names, or the polite error page: 404 unknown, 403 forged
    (or a web file without its session's login), 410 expired."""
    chat = request.app[WEB_CHAT_KEY]
    now = chat.clock.now()
    async with chat.sessionmaker() as session:
        row = await files.load(session, request.match_info["file_id"])
        if row is not None:
            session.expunge(row)
    if row is None:
        return _file_error(404, texts.FILE_NOT_FOUND)
    owner = files.owner_of(row.owner_channel, row.owner_address)
    verdict = (await chat.links()).check(row.id, owner, request.query.get("e", ""),
                                         request.query.get("s", ""), now)
    if verdict is LinkCheck.FORGED:
        return _file_error(403, texts.FILE_FORBIDDEN)
    if verdict is LinkCheck.EXPIRED or row.expires_at <= now:
        return _file_error(410, expired_text)
    if row.owner_channel == "web":
        access, _ = await _login_of(chat, request, row.owner_address)
        if access is not Access.LOGGED_IN:
            return _file_error(403, texts.FILE_FORBIDDEN)
    return row


async def download(request: web.Request) -> web.Response:
    """GET /files/<id>/<name>?e=…&s=…: a file sent as a link (bot/files.py).

    The signature binds the file, its owner (the chat it was sent to) and the expiry; a file sent
    to a web session is also served only with that session's login. Other owners (Zalo's coming
    download page) rely on the signed, expiring link alone.
    """
    row = await _signed_file(request, expired_text=texts.FILE_LINK_EXPIRED)
    if isinstance(row, web.Response):
        return row
    ascii_name = row.file_name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    disposition = (f'attachment; filename="{ascii_name}"; '
                   f"filename*=UTF-8''{quote(row.file_name)}")
    return web.Response(body=row.content, content_type=row.mime_type or "application/octet-stream",
                        headers={"Content-Disposition": disposition,
                                 "Cache-Control": "private, no-store",
                                 "X-Content-Type-Options": "nosniff"})


def _size_text(size: int) -> str:
    """A file size as a person reads it (KB below 1 MB, else MB with one decimal)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


FILE_PAGE_HTML = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; padding: 1.5rem; background: #f4f6f8; }}
main {{ max-width: 28rem; margin: auto; background: #fff; border-radius: .75rem;
        padding: 1.5rem; box-shadow: 0 1px 4px rgba(0,0,0,.1); }}
h1 {{ font-size: 1.2rem; margin-top: 0; }}
.name {{ font-weight: 600; word-break: break-word; }}
a.button {{ display: block; text-align: center; background: #0068ff; color: #fff;
            padding: .9rem; border-radius: .5rem; text-decoration: none; font-size: 1.1rem;
            margin: 1.25rem 0; }}
.note {{ color: #555; font-size: .9rem; }}
</style></head>
<body><main>
<h1>{heading}</h1>
<p class="name">{name}</p>
<p>{size}</p>
<a class="button" href="{href}" download>{button}</a>
<p>{expires}</p>
<p class="note">{note}</p>
</main></body></html>
"""


async def file_page(request: web.Request) -> web.Response:
    """GET /tep/<id>?e=…&s=…: the page a file link sent on Zalo opens (name, size, expiry and a
    download button carrying the same signature). Checked like the download itself."""
    row = await _signed_file(request, expired_text=texts.FILE_PAGE_EXPIRED)
    if isinstance(row, web.Response):
        return row
    expires, signature = request.query.get("e", ""), request.query.get("s", "")
    href = f"{files.ROUTE}/{row.id}/{quote(row.file_name)}?e={expires}&s={signature}"
    until = min(row.expires_at, datetime.fromtimestamp(int(expires), tz=UTC))
    page = FILE_PAGE_HTML.format(
        title=html.escape(texts.FILE_PAGE_TITLE), heading=html.escape(texts.FILE_PAGE_HEADING),
        name=html.escape(row.file_name),
        size=html.escape(texts.FILE_PAGE_SIZE.format(size=_size_text(row.size))),
        href=html.escape(href), button=html.escape(texts.FILE_PAGE_BUTTON),
        expires=html.escape(texts.FILE_PAGE_EXPIRES.format(
            until=fmt_time_day(until))),
        note=html.escape(texts.FILE_PAGE_NOTE))
    return web.Response(text=page, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "private, no-store",
                                 "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "no-referrer",
                                 "Content-Security-Policy": "default-src 'none'; "
                                 "style-src 'unsafe-inline'"})
