"""A thin typed client of the Zalo OA Open API (send, upload, token refresh, file download).

Zalo answers API errors with HTTP 200 and a JSON body `{"error": <negative code>, "message"}`
(docs/platforms.md §2.3); this client turns them into ZaloApiError and transport failures into
ZaloTransportError, and leaves the delivery policy (what to retry) to the channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

#: OA text limit, "tối đa 2.000 ký tự" (error -210 beyond), platforms.md §2.3 [V]; whether an
#: emoji counts once or twice is not documented, so troly keeps under both (UTF-16 units, the
#: way Java and JavaScript count, being the stricter)
MAX_TEXT_CHARS = 2000
#: upload limits, platforms.md §2.7 [V]
MAX_UPLOAD_FILE_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_IMAGE_BYTES = 1024 * 1024

# Error codes (platforms.md §2.5, §2.6)
CODE_RATE_LIMITED = -32
CODE_INVALID_PARAM = -201
CODE_TEXT_TOO_LONG = -210
CODE_OUT_OF_QUOTA = -211
CODE_NOT_FOLLOWER = -213
CODE_TOKEN_INVALID = -216
CODE_RECEIVE_LIMIT = -218
CODE_TOKEN_EXPIRED = -220
CODE_NO_INTERACTION = -230
CODE_NO_INTERACTION_2 = -232
TOKEN_ERRORS = frozenset({CODE_TOKEN_INVALID, CODE_TOKEN_EXPIRED})


class ZaloError(Exception):
    """Base of the client's errors."""


class ZaloApiError(ZaloError):
    """Zalo answered with a non-zero `error` code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message


class ZaloTransportError(ZaloError):
    """The request failed below the API: HTTP status, connection, timeout."""

    def __init__(self, detail: str, *, status: int | None = None, maybe_sent: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.status = status
        #: True when the request may have reached Zalo (timeout after sending, dropped reply)
        self.maybe_sent = maybe_sent
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """The answer of the OAuth token endpoint."""

    access_token: str
    refresh_token: str
    expires_in: int  # seconds


class ZaloApi:
    """OA Open API calls over one aiohttp ClientSession (created lazily inside the event loop)."""

    def __init__(self, *, api_url: str, oauth_url: str, app_id: str, app_secret: str,
                 timeout: float = 15.0) -> None:
        self._api_url = api_url.rstrip("/")
        self._oauth_url = oauth_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        # created on first use: ClientSession wants a running loop, build_app() has none
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ------------------------------------------------------------------ messages

    async def send_message(self, access_token: str, user_id: str,
                           message: dict[str, Any]) -> dict[str, Any]:
        """POST /v3.0/oa/message/cs (consultation message); returns `data`."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        return await self._post_json(f"{self._api_url}/v3.0/oa/message/cs", access_token, body)

    async def send_template(self, access_token: str, url: str,
                            body: dict[str, Any]) -> dict[str, Any]:
        """POST a ZNS/ZBS template message (`url` is configured: its endpoint is [S]); `data`."""
        return await self._post_json(url, access_token, body)

    async def upload_file(self, access_token: str, file_name: str, content: bytes,
                          mime_type: str) -> str:
        """POST /v2.0/oa/upload/file (PDF/DOC/DOCX ≤ 5 MB); returns the file token."""
        data = await self._upload("file", access_token, file_name, content, mime_type)
        return str(data["token"])

    async def upload_image(self, access_token: str, file_name: str, content: bytes,
                           mime_type: str) -> str:
        """POST /v2.0/oa/upload/image (JPG/PNG ≤ 1 MB); returns the attachment id."""
        data = await self._upload("image", access_token, file_name, content, mime_type)
        return str(data["attachment_id"])

    async def _upload(self, kind: str, access_token: str, file_name: str, content: bytes,
                      mime_type: str) -> dict[str, Any]:
        form = aiohttp.FormData()
        form.add_field("file", content, filename=file_name, content_type=mime_type)
        url = f"{self._api_url}/v2.0/oa/upload/{kind}"
        return await self._request("POST", url, headers={"access_token": access_token},
                                   data=form)

    async def post_oa(self, path: str, access_token: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON body to another OA API path (e.g. the menu); returns `data`."""
        return await self._post_json(f"{self._api_url}/{path.lstrip('/')}", access_token, body)

    async def _post_json(self, url: str, access_token: str,
                         body: dict[str, Any]) -> dict[str, Any]:
        return await self._request("POST", url, headers={"access_token": access_token},
                                   json=body)

    # ------------------------------------------------------------------ OAuth

    async def refresh_access_token(self, refresh_token: str) -> TokenGrant:
        """Exchange a (single-use) refresh token for new access and refresh tokens."""
        url = f"{self._oauth_url}/v4/oa/access_token"
        form = {"app_id": self._app_id, "grant_type": "refresh_token",
                "refresh_token": refresh_token}
        body = await self._request_raw("POST", url, headers={"secret_key": self._app_secret},
                                       data=form)
        if "access_token" not in body or "refresh_token" not in body:
            code = _int(body.get("error"), -1)
            reason = body.get("error_description") or body.get("error_name") or body.get("message")
            raise ZaloApiError(code, str(reason or "no token in the OAuth response"))
        # expires_in arrives as a string ("90000"), platforms.md §2.5
        return TokenGrant(access_token=str(body["access_token"]),
                          refresh_token=str(body["refresh_token"]),
                          expires_in=_int(body.get("expires_in"), 3600))

    # ------------------------------------------------------------------ files

    async def download(self, url: str, max_bytes: int) -> bytes | None:
        """Fetch a file the user sent (Zalo CDN URL); None when it is larger than max_bytes."""
        try:
            async with self._http().get(url) as response:
                if response.status != 200:
                    raise ZaloTransportError(f"download HTTP {response.status}",
                                             status=response.status)
                if response.content_length is not None and response.content_length > max_bytes:
                    return None
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:  # the declared size may lie: stop reading
                        return None
                    chunks.append(chunk)
                return b"".join(chunks)
        except aiohttp.ClientError as exc:
            raise ZaloTransportError(f"download failed: {exc!r}") from exc
        except TimeoutError as exc:
            raise ZaloTransportError("download timed out") from exc

    # ------------------------------------------------------------------ transport

    async def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        body = await self._request_raw(method, url, **kwargs)
        code = _int(body.get("error"), 0)
        if code != 0:
            raise ZaloApiError(code, str(body.get("message", "")))
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    async def _request_raw(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._http().request(method, url, **kwargs) as response:
                if response.status == 429:
                    raise ZaloTransportError("HTTP 429", status=429,
                                             retry_after=_retry_after(response))
                if response.status >= 400:
                    raise ZaloTransportError(f"HTTP {response.status}", status=response.status)
                try:
                    body = await response.json(content_type=None)
                except ValueError as exc:
                    # the request reached Zalo, the answer is unreadable: the effect is unknown
                    raise ZaloTransportError("unreadable response", status=response.status,
                                             maybe_sent=True) from exc
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            # never reached Zalo: safe to retry
            raise ZaloTransportError(f"cannot connect: {exc!r}") from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError,
                aiohttp.SocketTimeoutError, TimeoutError) as exc:
            raise ZaloTransportError(f"no answer after sending: {exc!r}", maybe_sent=True) from exc
        except aiohttp.ClientError as exc:
            raise ZaloTransportError(f"request failed: {exc!r}") from exc
        if not isinstance(body, dict):
            raise ZaloTransportError("response is not a JSON object", maybe_sent=True)
        return body


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _retry_after(response: aiohttp.ClientResponse) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
