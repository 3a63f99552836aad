"""A fake Telegram Bot API server for tests and benchmarks (aiohttp on 127.0.0.1, random port).

Point the real aiogram client at it::

    async with FakeBotAPI() as fake:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
        # or: Settings(telegram_token=fake.token, telegram_api_url=fake.base_url)

Methods implemented (anything else answers 404 "Not Found"):
``getMe``, ``getUpdates`` (long poll: waits for a queued update at most ``min(timeout,
max_poll_wait)`` seconds; ``offset`` confirms and drops older updates; 409 while a webhook is set),
``sendMessage`` (validates chat_id, text length ≤ 4096 after entity parsing, HTML markup when
``parse_mode=HTML`` — a stray ``<`` or ``&`` gives the real 400 "can't parse entities" —, and
callback_data ≤ 64 bytes), ``sendDocument``, ``sendPhoto`` (multipart files are kept),
``answerCallbackQuery`` (a second answer to the same query is a 400, like Telegram),
``getFile`` (400 "file is too big" above 20 MB) and the download path
``GET /file/bot<token>/<file_path>``, ``setMyCommands`` / ``getMyCommands`` / ``deleteMyCommands``
(kept per scope and language), ``setWebhook`` / ``deleteWebhook`` / ``getWebhookInfo``,
``sendChatAction``. A wrong token answers 401.

Scripting (``method`` is the Bot API name, e.g. ``"sendMessage"``; ``times`` failures are used
up in order; ``chat_id`` limits a script to one chat)::

    fake.fail("sendMessage", FakeError.parse_error())       # 400 can't parse entities
    fake.fail("sendMessage", FakeError.blocked(), times=3)  # 403 bot was blocked by the user
    fake.fail("sendMessage", FakeError.retry_after(2))      # 429 + parameters.retry_after
    fake.fail("sendMessage", FakeError.server_error())      # 500
    fake.fail("sendMessage", FakeError.chat_not_found())    # 400 chat not found
    fake.delay("sendMessage", 2.0)  # deliver, then hold the response 2 s (client timeout → ambiguous)

Rate limit: ``FakeBotAPI(rate_limit=30)`` answers 429 (``retry_after=rate_retry_after``) to a send
(sendMessage/sendDocument/sendPhoto) when 30 sends were already accepted in the last second
(sliding window); ``per_chat_rate_limit=1`` does the same per chat. ``rate_limited`` counts them.

Recording: ``requests`` (every request, failed ones too: method, params, files, monotonic time),
``sent`` (accepted sendMessage params in order), ``sent_per_chat`` (Counter of accepted
sendMessage per chat_id, as str), ``documents`` / ``photos`` (accepted uploads), ``answered``
(callback query ids), ``downloads`` (file paths fetched), ``commands`` ({(scope JSON, language):
[commands]}), ``webhook`` (the setWebhook params or None). ``sent_at`` keeps the monotonic time of
each accepted sendMessage and ``last_sent_at`` the latest per chat, for latency measurements.

Inbound: ``push(update)`` queues a raw update (an ``update_id`` is assigned when missing);
builders return updates without queueing (for webhook tests): ``text_update``,
``callback_update``, ``document_update`` (registers the file so getFile/download work;
``size=`` declares a size without storing bytes), ``photo_update``, ``member_update``.
``wait_for(predicate, within=10)`` waits until a predicate over the server holds (re-checked after
each request).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024
SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
CHAT_ACTIONS = frozenset({"typing", "upload_photo", "upload_document", "record_voice",
                          "upload_voice", "upload_video", "record_video", "choose_sticker",
                          "find_location", "record_video_note", "upload_video_note"})
#: fields the Bot API takes as JSON-serialised values in form data
JSON_FIELDS = frozenset({"reply_markup", "commands", "scope", "allowed_updates", "entities",
                         "link_preview_options", "reply_parameters", "media", "caption_entities"})
ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                          "tg-spoiler", "a", "tg-emoji", "code", "pre", "blockquote"})
TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
BOT_USER = {"id": 900000001, "is_bot": True, "first_name": "Trợ lý", "username": "troly_test_bot"}


@dataclass(frozen=True)
class FakeError:
    """A scripted error reply."""

    status: int
    description: str
    retry_seconds: int | None = None
    #: parameters.migrate_to_chat_id: the group became this supergroup
    migrate_to: int | None = None

    @classmethod
    def parse_error(cls) -> FakeError:
        """400 can't parse entities."""
        return cls(400, "Bad Request: can't parse entities: unsupported start tag \"x\" at "
                        "byte offset 0")

    @classmethod
    def blocked(cls) -> FakeError:
        """403 bot was blocked by the user."""
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def retry_after(cls, seconds: int = 1) -> FakeError:
        """429 Too Many Requests with parameters.retry_after."""
        return cls(429, f"Too Many Requests: retry after {seconds}", retry_seconds=seconds)

    @classmethod
    def server_error(cls) -> FakeError:
        """500 Internal Server Error."""
        return cls(500, "Internal Server Error")

    @classmethod
    def migrated(cls, new_chat_id: int) -> FakeError:
        """400: the group was upgraded to a supergroup, with parameters.migrate_to_chat_id."""
        return cls(400, "Bad Request: group chat was upgraded to a supergroup chat",
                   migrate_to=new_chat_id)

    @classmethod
    def chat_not_found(cls) -> FakeError:
        """400 chat not found."""
        return cls(400, "Bad Request: chat not found")

    def body(self) -> dict[str, Any]:
        """The JSON the Bot API answers."""
        out: dict[str, Any] = {"ok": False, "error_code": self.status,
                               "description": self.description}
        if self.retry_seconds is not None:
            out["parameters"] = {"retry_after": self.retry_seconds}
        if self.migrate_to is not None:
            out["parameters"] = {"migrate_to_chat_id": self.migrate_to}
        return out


@dataclass
class RecordedRequest:
    """One request the fake received."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    at: float
    status: int = 200


@dataclass
class _Script:
    error: FakeError | None
    delay: float
    times: int
    chat_id: str | None
    #: calls answered normally before this script applies
    after: int = 0


@dataclass
class _StoredFile:
    file_path: str
    size: int
    content: bytes | None


class BadRequest(Exception):
    """Raised inside a method to answer a 400."""


@dataclass
class FakeBotAPI:
    """The fake server; use `async with FakeBotAPI() as fake` (or start()/stop())."""

    token: str = "123456:TEST-token"
    rate_limit: int | None = None
    per_chat_rate_limit: int | None = None
    rate_retry_after: int = 1
    max_poll_wait: float = 0.5
    requests: list[RecordedRequest] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)
    sent_per_chat: Counter[str] = field(default_factory=Counter)
    last_sent_at: dict[str, float] = field(default_factory=dict)
    documents: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    commands: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    webhook: dict[str, Any] | None = None
    rate_limited: int = 0
    #: (chat id, message id) → reply_markup of every message the bot sent (None: no keyboard);
    #: editMessageReplyMarkup changes it
    markups: dict[tuple[str, int], dict[str, Any] | None] = field(default_factory=dict)
    #: message id of each accepted sendMessage, parallel to `sent`
    sent_ids: list[int] = field(default_factory=list)
    #: accepted editMessageReplyMarkup calls
    edits: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._updates: deque[dict[str, Any]] = deque()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._scripts: dict[str, list[_Script]] = defaultdict(list)
        self._files: dict[str, _StoredFile] = {}
        self._recent: deque[float] = deque()
        self._recent_per_chat: dict[str, deque[float]] = defaultdict(deque)
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port> (give it to TelegramAPIServer.from_base)."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> FakeBotAPI:
        """Listen on a random loopback port."""
        self._stopping = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            # end held long polls and delayed responses now: their clients are gone, and the
            # server's cleanup would otherwise wait for them
            self._stopping = True
            async with self._changed:
                self._changed.notify_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ scripting

    def fail(self, method: str, error: FakeError, *, times: int = 1,
             chat_id: str | int | None = None, after: int = 0) -> None:
        """Answer the next `times` calls of `method` (optionally to one chat) with `error`,
        once `after` calls have been answered normally (a message's later part failing)."""
        self._scripts[method].append(_Script(error, 0.0, times, _str(chat_id), after))

    def delay(self, method: str, seconds: float, *, times: int = 1,
              chat_id: str | int | None = None) -> None:
        """Process the next `times` calls normally but hold the response `seconds`."""
        self._scripts[method].append(_Script(None, seconds, times, _str(chat_id)))

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._notify()
        return int(update["update_id"])

    def next_update_id(self) -> int:
        """A fresh update id (builders use it)."""
        return next(self._update_ids)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by an offset."""
        return len(self._updates)

    # ------------------------------------------------------------------ update builders

    def _user(self, user_id: int, name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"}

    def _chat(self, chat_id: int, chat_type: str, name: str) -> dict[str, Any]:
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": name}
        return {"id": chat_id, "type": chat_type, "title": name}

    def _message(self, user_id: int, chat_id: int | None, chat_type: str,
                 name: str) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": self._chat(user_id if chat_id is None else chat_id, chat_type, name),
                "from": self._user(user_id, name)}

    def text_update(self, user_id: int, text: str, *, chat_id: int | None = None,
                    chat_type: str = "private", name: str = "Lan",
                    update_id: int | None = None) -> dict[str, Any]:
        """A text message update (a leading /command gets its bot_command entity)."""
        message = self._message(user_id, chat_id, chat_type, name) | {"text": text}
        if text.startswith("/"):
            length = len(text.split(None, 1)[0])  # Telegram ends the entity at any space
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": update_id or next(self._update_ids), "message": message}

    def callback_update(self, user_id: int, data: str, *, chat_id: int | None = None,
                        name: str = "Lan", query_id: str | None = None,
                        chat_type: str = "private",
                        message_id: int | None = None) -> dict[str, Any]:
        """A button press on a message the bot sent (in a group: pass chat_id and chat_type;
        with message_id: on that sent message, carrying its current keyboard)."""
        message = self._message(user_id, chat_id, chat_type, name)
        message["from"] = BOT_USER
        message["text"] = "…"
        if message_id is not None:
            message["message_id"] = message_id
            markup = self.markups.get((str(message["chat"]["id"]), message_id))
            if markup:
                message["reply_markup"] = markup
        update_id = next(self._update_ids)
        return {"update_id": update_id,
                "callback_query": {"id": query_id or f"cq{update_id}",
                                   "from": self._user(user_id, name), "chat_instance": "ci1",
                                   "message": message, "data": data}}

    def add_file(self, content: bytes | None, *, file_name: str = "file.bin",
                 size: int | None = None) -> str:
        """Register a downloadable file; returns its file_id."""
        number = next(self._file_ids)
        file_id = f"F{number}"
        self._files[file_id] = _StoredFile(f"documents/{number}_{file_name}",
                                           size if size is not None else len(content or b""),
                                           content)
        return file_id

    def document_update(self, user_id: int, file_name: str, content: bytes | None, *,
                        mime_type: str = "application/octet-stream", size: int | None = None,
                        name: str = "Lan", chat_id: int | None = None,
                        chat_type: str = "private",
                        caption: str | None = None) -> dict[str, Any]:
        """A document message (with the text typed under it, when `caption` is given); the file
        is registered for getFile + download."""
        file_id = self.add_file(content, file_name=file_name, size=size)
        message = self._message(user_id, chat_id, chat_type, name)
        message["document"] = {"file_id": file_id, "file_unique_id": "u" + file_id,
                               "file_name": file_name, "mime_type": mime_type,
                               "file_size": self._files[file_id].size}
        if caption is not None:
            message["caption"] = caption
        return {"update_id": next(self._update_ids), "message": message}

    def photo_update(self, user_id: int, *, name: str = "Lan", caption: str | None = None,
                     chat_id: int | None = None, chat_type: str = "private") -> dict[str, Any]:
        """A photo message (with the text typed under it, when `caption` is given)."""
        file_id = self.add_file(b"\x89PNG fake", file_name="photo.png")
        message = self._message(user_id, chat_id, chat_type, name)
        message["photo"] = [{"file_id": file_id, "file_unique_id": "u" + file_id,
                             "width": 90, "height": 90, "file_size": 9}]
        if caption is not None:
            message["caption"] = caption
        return {"update_id": next(self._update_ids), "message": message}

    def member_update(self, user_id: int, status: str, *, name: str = "Lan") -> dict[str, Any]:
        """my_chat_member: the user blocked ('kicked') or unblocked ('member') the bot."""
        old = "member" if status == "kicked" else "kicked"
        return {"update_id": next(self._update_ids), "my_chat_member": {
            "chat": self._chat(user_id, "private", name), "from": self._user(user_id, name),
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": BOT_USER} | (
                {"until_date": 0} if old == "kicked" else {}),
            "new_chat_member": {"status": status, "user": BOT_USER} | (
                {"until_date": 0} if status == "kicked" else {}),
        }}

    # ------------------------------------------------------------------ queries

    def calls(self, method: str) -> list[RecordedRequest]:
        """Requests of one method, in order."""
        return [r for r in self.requests if r.method == method]

    def texts(self, chat_id: str | int | None = None) -> list[str]:
        """Texts of accepted sendMessage calls (to one chat, or all)."""
        wanted = _str(chat_id)
        return [str(p["text"]) for p in self.sent
                if wanted is None or str(p.get("chat_id")) == wanted]

    async def wait_for(self, predicate: Callable[[FakeBotAPI], bool],
                       within: float = 10.0) -> None:
        """Wait until predicate(self) holds (re-checked after every request, and when a poll
        arrives)."""
        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self))
        await asyncio.wait_for(_wait(), within)

    def _notify(self) -> None:
        async def _go() -> None:
            async with self._changed:
                self._changed.notify_all()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # queued before the loop runs: getUpdates re-checks anyway
            return
        task = loop.create_task(_go())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ HTTP

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            params = dict(await request.json())
        elif request.method == "POST" and request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                elif key in JSON_FIELDS and isinstance(value, str):
                    params[key] = json.loads(value)
                else:
                    params[key] = value
        params.update({k: v for k, v in request.query.items() if k not in params})
        return params, files

    def _take_script(self, method: str, chat_id: str | None) -> _Script | None:
        for script in self._scripts.get(method, []):
            if script.chat_id is None or script.chat_id == chat_id:
                if script.after > 0:
                    script.after -= 1
                    return None
                script.times -= 1
                if script.times <= 0:
                    self._scripts[method].remove(script)
                return script
        return None

    def _over_rate(self, chat_id: str) -> bool:
        now = time.monotonic()
        for window in (self._recent, self._recent_per_chat[chat_id]):
            while window and window[0] <= now - 1.0:
                window.popleft()
        if self.rate_limit is not None and len(self._recent) >= self.rate_limit:
            return True
        per_chat = self._recent_per_chat[chat_id]
        if self.per_chat_rate_limit is not None and len(per_chat) >= self.per_chat_rate_limit:
            return True
        self._recent.append(now)
        per_chat.append(now)
        return False

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params, files = await self._params(request)
        except (ValueError, UnicodeDecodeError):
            params, files = {}, {}
        record = RecordedRequest(method, params, files, time.monotonic())
        self.requests.append(record)
        if method == "getUpdates":
            # a poll's offset confirms the batch before it: waiters see it now, not when the long
            # poll ends (up to max_poll_wait later)
            self._notify()
        try:
            if request.match_info["token"] != self.token:
                return self._reply(record, FakeError(401, "Unauthorized").body(), 401)
            chat_id = _str(params.get("chat_id"))
            script = self._take_script(method, chat_id)
            if script is not None and script.error is not None:
                return self._reply(record, script.error.body(), script.error.status)
            if method in SEND_METHODS and chat_id is not None and self._over_rate(chat_id):
                self.rate_limited += 1
                error = FakeError.retry_after(self.rate_retry_after)
                return self._reply(record, error.body(), 429)
            handler = getattr(self, "_m_" + method, None)
            if handler is None:
                return self._reply(record, FakeError(404, "Not Found").body(), 404)
            try:
                result = await handler(params, files)
            except BadRequest as exc:
                return self._reply(record, FakeError(400, f"Bad Request: {exc}").body(), 400)
            except _Conflict as exc:
                return self._reply(record, FakeError(409, f"Conflict: {exc}").body(), 409)
            if script is not None and script.delay:
                await self._hold(script.delay, lambda: False)
            return self._reply(record, {"ok": True, "result": result}, 200)
        finally:
            self._notify()

    async def _hold(self, seconds: float, until: Callable[[], bool]) -> None:
        """Wait `seconds`, less if `until()` comes true or the server stops."""
        try:
            async with self._changed:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: until() or self._stopping), seconds)
        except TimeoutError:
            pass

    def _reply(self, record: RecordedRequest, body: dict[str, Any], status: int) -> web.Response:
        record.status = status
        return web.json_response(body, status=status)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.requests.append(RecordedRequest("download", {"path": path}, {}, time.monotonic()))
        self._notify()
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        for stored in self._files.values():
            if stored.file_path == path and stored.content is not None:
                self.downloads.append(path)
                return web.Response(body=stored.content)
        return web.Response(status=404)

    # ------------------------------------------------------------------ methods

    def _new_message(self, chat_id: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        message_id = next(self._message_ids)
        self.markups[(chat_id, message_id)] = (params or {}).get("reply_markup") or None
        return {"message_id": message_id, "date": int(time.time()),
                "chat": {"id": int(chat_id), "type": "private"}, "from": BOT_USER}

    async def _m_getMe(self, params: dict[str, Any], files: Any) -> Any:
        return BOT_USER

    async def _m_getUpdates(self, params: dict[str, Any], files: Any) -> Any:
        if self.webhook is not None:
            raise _Conflict("can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset", 0) or 0)
        while self._updates and offset and int(self._updates[0]["update_id"]) < offset:
            self._updates.popleft()
        wait = min(float(params.get("timeout", 0) or 0), self.max_poll_wait)
        if not self._updates and wait > 0:
            await self._hold(wait, lambda: bool(self._updates))
        limit = int(params.get("limit", 100) or 100)
        return list(itertools.islice(self._updates, limit))

    def _check_chat(self, params: dict[str, Any]) -> str:
        chat_id = _str(params.get("chat_id"))
        if not chat_id or not chat_id.lstrip("-").isdigit():
            raise BadRequest("chat not found")
        return chat_id

    def _check_markup(self, params: dict[str, Any]) -> None:
        markup = params.get("reply_markup")
        if not markup:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise BadRequest("BUTTON_DATA_INVALID")

    async def _m_sendMessage(self, params: dict[str, Any], files: Any) -> Any:
        chat_id = self._check_chat(params)
        text = str(params.get("text", ""))
        visible = text
        if params.get("parse_mode") == "HTML":
            visible = visible_html(text)
        if not visible.strip():
            raise BadRequest("message text is empty")
        if utf16_len(visible) > MAX_TEXT:
            raise BadRequest("message is too long")
        self._check_markup(params)
        message = self._new_message(chat_id, params) | {"text": visible}
        self.sent.append(params)
        self.sent_ids.append(message["message_id"])
        self.sent_at.append(time.monotonic())
        self.sent_per_chat[chat_id] += 1
        self.last_sent_at[chat_id] = self.sent_at[-1]
        return message

    def _upload(self, field_name: str, params: dict[str, Any],
                files: dict[str, tuple[str, bytes]]) -> tuple[str, bytes]:
        ref = str(params.get(field_name, ""))
        if not ref.startswith("attach://") or ref[9:] not in files:
            raise BadRequest(f"there is no {field_name} in the request")
        return files[ref[9:]]

    async def _m_sendDocument(self, params: dict[str, Any], files: Any) -> Any:
        chat_id = self._check_chat(params)
        name, content = self._upload("document", params, files)
        self._check_markup(params)
        self.documents.append(params | {"file_name": name, "content": content})
        return self._new_message(chat_id, params) | {"document": {
            "file_id": "D" + str(len(self.documents)), "file_unique_id": "d",
            "file_name": name, "file_size": len(content)}}

    async def _m_sendPhoto(self, params: dict[str, Any], files: Any) -> Any:
        chat_id = self._check_chat(params)
        name, content = self._upload("photo", params, files)
        self.photos.append(params | {"file_name": name, "content": content})
        return self._new_message(chat_id, params) | {"photo": [{
            "file_id": "P" + str(len(self.photos)), "file_unique_id": "p",
            "width": 1, "height": 1}]}

    async def _m_sendChatAction(self, params: dict[str, Any], files: Any) -> Any:
        self._check_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise BadRequest("wrong parameter action in request")
        return True

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> Any:
        chat_id = self._check_chat(params)
        key = (chat_id, int(params.get("message_id") or 0))
        if key not in self.markups:
            raise BadRequest("message to edit not found")
        markup = params.get("reply_markup") or None
        if markup == self.markups[key] or (markup == {"inline_keyboard": []}
                                           and self.markups[key] is None):
            raise BadRequest("message is not modified: specified new message content and reply "
                             "markup are exactly the same as a current content and reply markup "
                             "of the message")
        self._check_markup(params)
        self.markups[key] = markup
        self.edits.append(params)
        return self._new_message_view(chat_id, key[1])

    def _new_message_view(self, chat_id: str, message_id: int) -> dict[str, Any]:
        view = {"message_id": message_id, "date": int(time.time()),
                "chat": {"id": int(chat_id), "type": "private"}, "from": BOT_USER, "text": "…"}
        markup = self.markups.get((chat_id, message_id))
        return view | ({"reply_markup": markup} if markup else {})

    async def _m_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> Any:
        query_id = str(params.get("callback_query_id", ""))
        if not query_id or query_id in self.answered:
            raise BadRequest("query is too old and response timeout expired or query ID "
                             "is invalid")
        self.answered.append(query_id)
        return True

    async def _m_getFile(self, params: dict[str, Any], files: Any) -> Any:
        file_id = str(params.get("file_id", ""))
        stored = self._files.get(file_id)
        if stored is None:
            raise BadRequest("invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            raise BadRequest("file is too big")
        return {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": stored.size,
                "file_path": stored.file_path}

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _m_setMyCommands(self, params: dict[str, Any], files: Any) -> Any:
        commands = params.get("commands") or []
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(description) <= 256:
                raise BadRequest("BOT_COMMAND_INVALID")
        if len(commands) > 100:
            raise BadRequest("too many commands")
        self.commands[self._scope_key(params)] = list(commands)
        return True

    async def _m_getMyCommands(self, params: dict[str, Any], files: Any) -> Any:
        return self.commands.get(self._scope_key(params), [])

    async def _m_deleteMyCommands(self, params: dict[str, Any], files: Any) -> Any:
        self.commands.pop(self._scope_key(params), None)
        return True

    async def _m_setWebhook(self, params: dict[str, Any], files: Any) -> Any:
        url = str(params.get("url", ""))
        if not url:
            self.webhook = None
            return True
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise BadRequest("secret token contains unallowed characters")
        self.webhook = dict(params)
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any], files: Any) -> Any:
        self.webhook = None
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self._updates.clear()
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any], files: Any) -> Any:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}


class _Conflict(Exception):
    """409 Conflict."""


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def visible_html(text: str) -> str:
    """Validate Telegram HTML like the Bot API does; return the visible text or raise BadRequest."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for match in TAG_RE.finditer(text):
        out.append(_entities(text[pos:match.start()], pos))
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in ALLOWED_TAGS:
            raise BadRequest(f"can't parse entities: unsupported start tag \"{name}\" at byte "
                             f"offset {match.start()}")
        if closing:
            if not stack or stack[-1] != name:
                raise BadRequest(f"can't parse entities: unexpected end tag at byte offset "
                                 f"{match.start()}")
            stack.pop()
        else:
            stack.append(name)
        pos = match.end()
    out.append(_entities(text[pos:], pos))
    if stack:
        raise BadRequest(f"can't parse entities: can't find end tag corresponding to start tag "
                         f"\"{stack[-1]}\"")
    return "".join(out)


def _entities(chunk: str, offset: int) -> str:
    if "<" in chunk or ">" in chunk:
        raise BadRequest(f"can't parse entities: unexpected character at byte offset {offset}")
    for i, char in enumerate(chunk):
        if char == "&" and not ENTITY_RE.match(chunk, i):
            raise BadRequest(f"can't parse entities: character '&' at byte offset {offset + i} "
                             f"is reserved")
    return html.unescape(chunk)
