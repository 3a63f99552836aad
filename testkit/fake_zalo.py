"""A fake Zalo OA Open API + OAuth + CDN on 127.0.0.1, recording every request.

Behaviour follows docs/platforms.md §2: API errors are HTTP 200 with {"error": <negative code>};
access tokens go in the `access_token` header; refresh tokens are single use.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.config import Settings

# Error codes the fake can script (platforms.md §2.4–2.6).
#: "User has not interacted with the OA in the past 7 days" [S]; -232 is the other documented
#: code for the same refusal, and -230 is the one quoted with that message, so it is the default.
WINDOW_CLOSED = -230
#: "out of quota" [S]
OUT_OF_QUOTA = -211
#: "Access token is invalid" [V] (chatwoot refreshes on it); -220 is "expired or removed"
TOKEN_INVALID = -216
#: "User has not followed OA" [S]
NOT_FOLLOWER = -213
#: app rate limit (4,000 requests/minute) [S]
RATE_LIMITED = -32
#: OAuth refusal of a reused/unknown refresh token: the code is not in our sources [U];
#: -14014 is what OAuth v4 answers in the integrations we read for an invalid refresh token
INVALID_REFRESH_TOKEN = -14014


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    file_name: str | None = None
    file_content: bytes | None = None


@dataclass
class Failure:
    """A scripted failure of the next message/upload call."""

    code: int = 0  # Zalo error code (HTTP 200)
    http_status: int = 200
    hang_seconds: float = 0.0  # read the request, then answer late (client times out)
    #: message/upload calls answered normally before this failure (a message's later part)
    after: int = 0


class FakeZalo:
    """The fake server; start() returns its base URL (use it for both API and OAuth)."""

    def __init__(self, *, app_id: str = "4242", app_secret: str = "app-secret",
                 expires_in: int = 90000) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.expires_in = expires_in
        self.requests: list[Recorded] = []
        self.valid_access: set[str] = set()
        self.valid_refresh: set[str] = set()
        self.used_refresh: set[str] = set()
        self.failures: deque[Failure] = deque()
        self.files: dict[str, bytes] = {}
        self.uploads: dict[str, tuple[str, bytes]] = {}
        self.refresh_calls = 0
        #: the OA's persistent menu as last set through /v2.0/oa/menu (None: never set)
        self.menu: list[dict[str, Any]] | None = None
        #: the body key the fake expects for the menu items (the real one is uncertain, [U])
        self.menu_key = "menu"
        self._ids = itertools.count(1)
        self._server: TestServer | None = None

    # ------------------------------------------------------------------ control

    async def start(self) -> str:
        """Listen on 127.0.0.1 (random port); return the base URL."""
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send)
        app.router.add_post("/message/template", self._template)
        app.router.add_post("/v4/oa/access_token", self._token)
        app.router.add_post("/v2.0/oa/upload/file", self._upload)
        app.router.add_post("/v2.0/oa/upload/image", self._upload)
        app.router.add_get("/cdn/{name}", self._cdn)
        app.router.add_post("/v2.0/oa/menu", self._menu)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self.url

    async def close(self) -> None:
        """Stop listening."""
        if self._server is not None:
            await self._server.close()
            self._server = None

    @property
    def url(self) -> str:
        """Base URL of the running fake."""
        assert self._server is not None
        return str(self._server.make_url("")).rstrip("/")

    def issue_tokens(self) -> tuple[str, str]:
        """A fresh valid (access, refresh) pair, as the OA admin's first authorisation gives."""
        n = next(self._ids)
        access, refresh = f"access-{n}", f"refresh-{n}"
        self.valid_access.add(access)
        self.valid_refresh.add(refresh)
        return access, refresh

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (as after 25 h)."""
        self.valid_access.clear()

    def fail_next(self, code: int = 0, *, http_status: int = 200, hang_seconds: float = 0.0,
                  times: int = 1, after: int = 0) -> None:
        """Script the next message/upload calls to fail (once `after` calls have succeeded)."""
        for n in range(times):
            self.failures.append(Failure(code, http_status, hang_seconds, after if n == 0 else 0))

    def host_file(self, name: str, content: bytes) -> str:
        """Serve a file as the Zalo CDN would; return its URL."""
        self.files[name] = content
        return f"{self.url}/cdn/{name}"

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Bodies of the messages accepted by /v3.0/oa/message/cs."""
        return [r.json for r in self.requests
                if r.path == "/v3.0/oa/message/cs" and r.json.get("_accepted")]

    @property
    def templates(self) -> list[dict[str, Any]]:
        """Bodies of the template messages (ZNS/ZBS) accepted by /message/template."""
        return [r.json for r in self.requests
                if r.path == "/message/template" and r.json.get("_accepted")]

    def sent_texts(self, user_id: str | None = None) -> list[str]:
        """Texts of accepted messages (to one user, or all)."""
        return [m["message"].get("text", "") for m in self.sent
                if user_id is None or m["recipient"]["user_id"] == user_id]

    # ------------------------------------------------------------------ handlers

    def _record(self, request: web.Request, **kwargs: Any) -> Recorded:
        rec = Recorded(request.method, request.path, dict(request.headers), **kwargs)
        self.requests.append(rec)
        return rec

    async def _fail(self) -> web.Response | None:
        if not self.failures:
            return None
        if self.failures[0].after > 0:
            self.failures[0].after -= 1
            return None
        failure = self.failures.popleft()
        if failure.hang_seconds:
            await asyncio.sleep(failure.hang_seconds)
        if failure.http_status != 200:
            headers = {"Retry-After": "7"} if failure.http_status == 429 else None
            return web.json_response({"error": "http"}, status=failure.http_status,
                                     headers=headers)
        return web.json_response({"error": failure.code, "message": f"scripted {failure.code}"})

    def _token_error(self, request: web.Request) -> web.Response | None:
        if request.headers.get("access_token") not in self.valid_access:
            return web.json_response({"error": TOKEN_INVALID,
                                      "message": "Access token is invalid"})
        return None

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        rec = self._record(request, json=body)
        refused = self._token_error(request) or await self._fail()
        if refused is not None:
            return refused
        text = body.get("message", {}).get("text")
        # "tối đa 2.000 ký tự": counted here as UTF-16 units (an emoji counts twice), the
        # stricter reading of an undocumented detail [U]
        if text is not None and len(text.encode("utf-16-le")) // 2 > 2000:
            return web.json_response({"error": -210, "message": "text too long"})
        body["_accepted"] = True
        rec.json = body
        return web.json_response({"error": 0, "message": "Success", "data": {
            "message_id": f"m{next(self._ids)}", "user_id": body["recipient"]["user_id"]}})

    async def _template(self, request: web.Request) -> web.Response:
        """ZNS/ZBS template send: needs a template id, its data, and a phone or a user id."""
        body = await request.json()
        rec = self._record(request, json=body)
        refused = self._token_error(request) or await self._fail()
        if refused is not None:
            return refused
        if not body.get("template_id") or not isinstance(body.get("template_data"), dict) \
                or not (body.get("phone") or body.get("user_id")):
            return web.json_response({"error": -201, "message": "invalid parameter"})
        body["_accepted"] = True
        rec.json = body
        return web.json_response({"error": 0, "message": "Success", "data": {
            "msg_id": f"t{next(self._ids)}", "sent_time": "0"}})

    async def _upload(self, request: web.Request) -> web.Response:
        reader = await request.multipart()
        part = await reader.next()
        assert isinstance(part, BodyPartReader)
        content = await part.read()
        name = part.filename
        self._record(request, file_name=name, file_content=bytes(content))
        refused = self._token_error(request) or await self._fail()
        if refused is not None:
            return refused
        key = f"up{next(self._ids)}"
        self.uploads[key] = (str(name), bytes(content))
        if request.path.endswith("/image"):
            return web.json_response({"error": 0, "data": {"attachment_id": key}})
        return web.json_response({"error": 0, "data": {"token": key}})

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self._record(request, form=form)
        self.refresh_calls += 1
        if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return web.json_response({"error": -14002, "error_name": "Invalid app"})
        token = form.get("refresh_token", "")
        if form.get("grant_type") != "refresh_token" or token not in self.valid_refresh:
            return web.json_response({"error": INVALID_REFRESH_TOKEN,
                                      "error_name": "Invalid refresh token",
                                      "error_description": "refresh token is invalid or used"})
        self.valid_refresh.discard(token)  # single use
        self.used_refresh.add(token)
        access, refresh = self.issue_tokens()
        return web.json_response({"access_token": access, "refresh_token": refresh,
                                  "expires_in": str(self.expires_in)})

    async def _menu(self, request: web.Request) -> web.Response:
        """Set the OA menu: items of {type: text|url, title, payload}. The endpoint is [U] and
        the limits checked here (1–5 items, titles ≤ 30 characters) are our assumptions."""
        body = await request.json()
        self._record(request, json=body)
        refused = self._token_error(request) or await self._fail()
        if refused is not None:
            return refused
        items = body.get(self.menu_key) if isinstance(body, dict) else None
        valid = isinstance(items, list) and 0 < len(items) <= 5 and all(
            isinstance(i, dict) and i.get("type") in ("text", "url")
            and isinstance(i.get("title"), str) and 0 < len(i["title"]) <= 30
            and isinstance(i.get("payload"), str) and i["payload"] for i in items)
        if not valid:
            return web.json_response({"error": -201, "message": "invalid menu"})
        self.menu = items
        return web.json_response({"error": 0, "message": "Success", "data": {}})

    async def _cdn(self, request: web.Request) -> web.Response:
        self._record(request)
        name = request.match_info["name"]
        if name not in self.files:
            return web.Response(status=404)
        return web.Response(body=self.files[name], content_type="application/octet-stream")


# ---------------------------------------------------------------- helpers for tests driving troly

#: the OA secret key the helpers sign webhooks with (configure() puts it in the settings)
OA_SECRET_KEY = "oa-secret-key"


def sign_webhook(body: bytes, app_id: str, timestamp: str, secret: str = OA_SECRET_KEY) -> str:
    """X-ZEvent-Signature as Zalo computes it (independent of the code under test)."""
    return "mac=" + hashlib.sha256(app_id.encode() + body + timestamp.encode()
                                   + secret.encode()).hexdigest()


def webhook_event(name: str, user: str, now: datetime, *, app_id: str = "4242",
                  **message: Any) -> dict[str, Any]:
    """A Zalo webhook envelope: `name` (user_send_text, follow, …) from `user` at `now`."""
    ts = str(int(now.timestamp() * 1000))
    if name in ("follow", "unfollow"):
        return {"app_id": app_id, "oa_id": "999", "event_name": name, "timestamp": ts,
                "source": "oa_profile", "user_id_by_app": "app-" + user,
                "follower": {"id": user}}
    return {"app_id": app_id, "user_id_by_app": "app-" + user, "event_name": name,
            "timestamp": ts, "sender": {"id": user}, "recipient": {"id": "999"},
            "message": message}


def configure(settings: Settings, fake: FakeZalo, **extra: Any) -> Settings:
    """Settings with Zalo on, pointed at the running fake, first tokens seeded as from the env."""
    access, refresh = fake.issue_tokens()
    return settings.model_copy(update={
        "zalo_app_id": fake.app_id,
        "zalo_app_secret": SecretStr(fake.app_secret),
        "zalo_oa_secret_key": SecretStr(OA_SECRET_KEY),
        "zalo_access_token": SecretStr(access),
        "zalo_refresh_token": SecretStr(refresh),
        "zalo_api_url": fake.url,
        "zalo_oauth_url": fake.url,
        **extra,
    })


async def post_webhook(client: TestClient[Any, Any], payload: dict[str, Any],
                       app_id: str = "4242") -> int:
    """POST a signed webhook to troly's /zalo/webhook through an aiohttp TestClient."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json",
               "X-ZEvent-Signature": sign_webhook(body, app_id, str(payload["timestamp"]))}
    response = await client.post("/zalo/webhook", data=body, headers=headers)
    return response.status
