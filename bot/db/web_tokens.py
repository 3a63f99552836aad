"""Web chat logins: a random token issued when a web session binds to an official.

The session id is chosen by the client and may leak (a shared link, a log, a screenshot of the
browser's storage); the token never leaves the server except once, in the response that bound the
session. Only its SHA-256 is stored (the token has 256 bits of entropy, so a fast hash is enough:
nothing can be guessed back from it).

Which requests need a token (`check`): every request of a web account that is bound to an official
or has ever been given a token. A token is valid while it is not revoked, was used within the idle
time, and its account is still bound to the official it was issued for — so unbinding an account
by any means ends its logins even without calling `revoke_account`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ChatAccount, WebToken

TOKEN_BYTES = 32
#: using a token pushes its idle expiry back, but at most this often (one write per hour)
TOUCH_EVERY = timedelta(hours=1)


class Access(StrEnum):
    """What a request's credentials make of it."""

    GUEST = "guest"  # an unbound session without a login: anyone may use it, as a guest
    LOGGED_IN = "logged_in"  # a valid token of this session's account
    REFUSED = "refused"  # a token is needed and none valid was presented (→ HTTP 401)


@dataclass(frozen=True, slots=True)
class Issued:
    """A token just issued (the only time it exists in clear) and its idle expiry."""

    token: str
    expires_at: datetime


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def issue(session: AsyncSession, account: ChatAccount, now: datetime,
                idle: timedelta) -> Issued:
    """A new login for a bound account."""
    assert account.official_id is not None and account.id is not None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(WebToken(token_hash=hash_token(token), account_id=account.id,
                         official_id=account.official_id, created_at=now, last_used_at=now,
                         expires_at=now + idle))
    await session.flush()
    return Issued(token, now + idle)


async def _valid(session: AsyncSession, account: ChatAccount, token: str,
                 now: datetime) -> WebToken | None:
    if account.official_id is None or not token or len(token) > 128:
        return None
    row = (await session.execute(select(WebToken).where(
        WebToken.token_hash == hash_token(token)))).scalar_one_or_none()
    if (row is None or row.account_id != account.id or row.official_id != account.official_id
            or row.revoked_at is not None or row.expires_at <= now):
        return None
    return row


async def check(session: AsyncSession, account: ChatAccount | None, token: str | None,
                now: datetime, idle: timedelta) -> Access:
    """Decide a request: guest, logged in (the token's idle expiry is pushed back) or refused."""
    access, stale = await decide(session, account, token, now)
    if stale is not None:
        stale.last_used_at, stale.expires_at = now, now + idle
    return access


async def decide(session: AsyncSession, account: ChatAccount | None, token: str | None,
                 now: datetime) -> tuple[Access, WebToken | None]:
    """`check` without its write: the access, and the token whose idle expiry is due to be
    pushed back (None: no write needed; see `touch`). For a read-only session."""
    if token:
        row = await _valid(session, account, token, now) if account is not None else None
        if row is None:
            return Access.REFUSED, None  # a dead or foreign token: the client is logged out
        return Access.LOGGED_IN, row if now - row.last_used_at >= TOUCH_EVERY else None
    if account is None or account.id is None:
        return Access.GUEST, None
    if account.official_id is not None or await _has_tokens(session, account.id):
        return Access.REFUSED, None
    return Access.GUEST, None


async def touch(session: AsyncSession, token_id: int, now: datetime, idle: timedelta) -> None:
    """Push a live token's idle expiry back (what `check` does to the token it accepts)."""
    await session.execute(
        update(WebToken)
        .where(WebToken.id == token_id, WebToken.revoked_at.is_(None))
        .values(last_used_at=now, expires_at=now + idle)
        .execution_options(synchronize_session=False))


async def still_valid(session: AsyncSession, account: ChatAccount, token: str,
                      now: datetime) -> bool:
    """Whether a token presented at the start of an event is still valid at its end."""
    return await _valid(session, account, token, now) is not None


async def _has_tokens(session: AsyncSession, account_id: int) -> bool:
    found = (await session.execute(
        select(WebToken.id).where(WebToken.account_id == account_id).limit(1))).first()
    return found is not None


async def revoke_account(session: AsyncSession, account_id: int, now: datetime,
                         reason: str) -> int:
    """End every login of an account (log out, unbind); returns how many were live."""
    result = await session.execute(
        update(WebToken)
        .where(WebToken.account_id == account_id, WebToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason[:32])
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
