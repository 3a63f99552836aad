"""The HTTP edge every route shares: the whole body is read (under a per-route limit) before any
handler runs, and JSON from outside is parsed so that it cannot hurt what comes after.

Why a middleware: `request.content.read(n)` returns whatever has arrived so far, so a body sent
in two TCP writes was parsed half-read (a Telegram update got a 400). Reading it here, once, for
every route, also gives every route the same 413 for a body over its limit, declared or streamed.

JSON: Python's parser raises RecursionError (not ValueError) about 1,000 levels deep, converts a
5,000-digit number only to raise later, accepts NaN, and decodes "\\ud800" to a lone surrogate
that PostgreSQL, logging and the UTF-8 encoders refuse further down. `parse_json` refuses all of
that up front (BadJson → the route answers 400).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.texts import web as texts

#: limit of routes that did not declare one (pages, GET APIs: they expect no body at all)
DEFAULT_MAX_BODY = 64 * 1024
#: deeper JSON is refused; Telegram updates nest about 8 levels, our own APIs 3
MAX_JSON_DEPTH = 32
#: integers outside the signed 64-bit range are refused (platform ids and timestamps fit)
MAX_JSON_INT_DIGITS = 19
INT64 = 2 ** 63

#: each route's limit, by the route aiohttp matches (its own object: no key to build per request)
BODY_LIMITS_KEY = web.AppKey("body_limits", dict[web.AbstractRoute, int])
#: a route's own words for its 413 (the web chat's message box), else texts.BODY_TOO_LARGE
TOO_LARGE_TEXTS_KEY = web.AppKey("too_large_texts", dict[web.AbstractRoute, str])
RAW_BODY_KEY = web.RequestKey("raw_body", bytes)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadJson(ValueError):
    """The body is not JSON troly accepts (→ HTTP 400)."""


def new_application(**kwargs: Any) -> web.Application:
    """An aiohttp application with the edge middleware and an empty table of body limits."""
    app = web.Application(middlewares=[edge_middleware], **kwargs)
    app[BODY_LIMITS_KEY] = {}
    app[TOO_LARGE_TEXTS_KEY] = {}
    return app


def add_route(app: web.Application, method: str, path: str, handler: Handler, *,
              max_body: int = DEFAULT_MAX_BODY, too_large_text: str | None = None) -> None:
    """Register a route with the largest body it accepts (and what its 413 says)."""
    route = app.router.add_route(method, path, handler)
    app[BODY_LIMITS_KEY][route] = max_body
    if too_large_text is not None:
        app[TOO_LARGE_TEXTS_KEY][route] = too_large_text


def raw_body(request: web.Request) -> bytes:
    """The complete request body, read by the middleware."""
    body: bytes = request.get(RAW_BODY_KEY, b"")
    return body


@web.middleware
async def edge_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read the whole body under the route's limit (413 over it), then call the handler."""
    route = request.match_info.route
    limit = request.app.get(BODY_LIMITS_KEY, {}).get(route, DEFAULT_MAX_BODY)
    body = b""
    declared = request.content_length
    if declared is not None and declared > limit:
        return _too_large_for(request, route)
    if request.body_exists:
        read = await read_body(request, limit)
        if read is None:
            return _too_large_for(request, route)
        body = read
    request[RAW_BODY_KEY] = body
    return await handler(request)


def _too_large_for(request: web.Request, route: web.AbstractRoute) -> web.Response:
    """The 413 of `route`, in its own words when it registered some."""
    return too_large(request.app.get(TOO_LARGE_TEXTS_KEY, {}).get(route))


async def read_body(request: web.Request, limit: int) -> bytes | None:
    """The whole body (chunked or not, however it was split); None once it exceeds `limit`."""
    content = request.content
    chunks: list[bytes] = []
    size = 0
    while chunk := await content.readany():  # what iter_any() yields, without its iterator
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def encoded_json(body: bytes, status: int = 200) -> web.Response:
    """A JSON answer encoded beforehand (a webhook's fixed 200): what web.json_response sends
    for the same JSON (type application/json, charset utf-8), without dumping, encoding and
    parsing its content type per request."""
    return web.Response(body=body, status=status, content_type="application/json",
                        charset="utf-8")


def too_large(text: str | None = None) -> web.Response:
    """413 with a JSON body (the web chat shows `error`; platforms only read the status)."""
    return web.json_response({"error": text or texts.BODY_TOO_LARGE}, status=413)


# ---------------------------------------------------------------- JSON


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise BadJson("number too large")
    value = int(text)
    if not -INT64 <= value < INT64:
        raise BadJson("number too large")
    return value


def _float(text: str) -> float:
    if len(text) > 64:
        raise BadJson("number too long")
    value = float(text)
    if not math.isfinite(value):
        raise BadJson("number out of range")
    return value


def _constant(name: str) -> Any:
    raise BadJson(f"{name} is not JSON")


def _check_text(text: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate ("\\ud800" in the JSON)
            raise BadJson("text with a lone surrogate") from exc


def _check_tree(value: Any) -> None:
    """Depth and text checks without recursion (the depth is what is being checked)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
        elif isinstance(node, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadJson("nested too deeply")
            if isinstance(node, dict):
                for key, item in node.items():
                    _check_text(key)
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in node)


def parse_json(raw: bytes) -> Any:
    """Parse a request body; BadJson for anything a well-behaved client never sends."""
    try:
        text = raw.decode("utf-8")
        # integers of up to 18 digits all fit in 64 bits: checked one by one only when longer
        # digit runs are in the body
        value = (_CHECKING_INTS if _LONG_DIGITS.search(raw) else _DECODER).decode(text)
    except BadJson:
        raise
    except RecursionError as exc:  # the C parser's own limit, about 1,000 levels
        raise BadJson("nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadJson("not JSON") from exc
    if _may_hide_trouble(raw):
        _check_tree(value)
    return value


#: json.loads(text, parse_float=…, parse_constant=…) builds a decoder (and its scanner) per call:
#: these are built once
_DECODER = json.JSONDecoder(parse_float=_float, parse_constant=_constant)
_CHECKING_INTS = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)
#: a run of digits that may be an integer outside the 64-bit range
_LONG_DIGITS = re.compile(rb"\d{%d,}" % (MAX_JSON_INT_DIGITS,))
#: the escape of a UTF-16 surrogate (lone or in a pair): the only way JSON text decodes to one
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _may_hide_trouble(raw: bytes) -> bool:
    """Whether the tree walk can find anything (it runs in Python over every node): nesting
    deeper than MAX_JSON_DEPTH takes more brackets than that, a lone surrogate its escape (strict
    UTF-8 decoding lets none through). Brackets and escapes inside strings only make it walk."""
    return (raw.count(b"{") + raw.count(b"[") > MAX_JSON_DEPTH
            or _SURROGATE_ESCAPE.search(raw) is not None)
