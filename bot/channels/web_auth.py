"""HTTP details of the web chat login: where the token travels and how the cookie is set.

The page gets its token as an HttpOnly cookie (scripts on the page never see it; SameSite=Strict
keeps other sites from sending it; Secure when troly is reached over HTTPS). API clients get it
once in the JSON of the reply that bound their session and send `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from aiohttp import web

COOKIE = "troly_token"
#: the page marks its requests so the token stays out of the JSON it can read
PAGE_HEADER = "X-Troly-Client"
PAGE_VALUE = "page"


def presented_token(request: web.Request) -> str | None:
    """The token of a request: the bearer token, else the cookie."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


def from_page(request: web.Request) -> bool:
    """True for requests of troly's own chat page."""
    return request.headers.get(PAGE_HEADER) == PAGE_VALUE


def is_https(request: web.Request, *, trust_proxy: bool) -> bool:
    """Whether the client reached us over HTTPS (directly, or via a trusted reverse proxy)."""
    if request.secure:
        return True
    return trust_proxy and request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def client_address(request: web.Request, *, trust_proxy: bool) -> str:
    """The client's address: the peer, or what a trusted reverse proxy says it saw."""
    if trust_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "")
        last = forwarded.rsplit(",", 1)[-1].strip()  # the hop our own proxy added
        if last:
            return last[:64]
    return request.remote or "unknown"


#: an IPv6 client is counted by its /64: one subscriber's home or office gets a whole /64 (often
#: more), so a single address would let a guesser change address at every try
IPV6_NETWORK_PREFIX = 64


def client_network(address: str) -> str:
    """The network a client address stands for in per-client limits: an IPv4 address itself, an
    IPv6 address's /64 (an IPv4-mapped one as IPv4); anything unreadable as it is."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_NETWORK_PREFIX), strict=False))
    return str(parsed)


def set_token_cookie(response: web.StreamResponse, token: str, idle: timedelta, *,
                     secure: bool) -> None:
    """Give the page its login (the server decides validity; the cookie lives as long)."""
    response.set_cookie(COOKIE, token, max_age=int(idle.total_seconds()), path="/",
                        httponly=True, samesite="Strict", secure=secure)


def clear_token_cookie(response: web.StreamResponse) -> None:
    """Remove the page's login cookie."""
    response.del_cookie(COOKIE, path="/")
