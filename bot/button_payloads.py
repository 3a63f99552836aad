"""Button payloads of any length: a long one travels as a short token resolved on the server.

Telegram limits callback_data to 64 bytes, and a payload naming a guide by its id can be longer.
Handlers build buttons with whatever payload they mean; where outgoing messages leave the core
(the dispatcher's replies, the outbox dispatcher's sends) every payload that would not fit the
wire is swapped for a token `~<20 chars>` stored in `button_payloads`, and where a press enters
the dispatcher the token is swapped back. Handlers never see a token, so the checks they make on
a payload's meaning (who may press it) apply unchanged.

The token is a hash of the payload, so the same payload shown to many people or re-sent after a
crash reuses one row; issuing it again pushes its expiry back. Expired rows are deleted by the
scheduler's maintenance tick; pressing an expired token gets a polite "no longer valid".

A process remembers the tokens it stored (IssuedTokens, once their transaction committed) and
does not write one again while its row has most of its time to live left: issuing it again then
pushes the expiry back at most once a day, and a token shown again costs no statement.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from bot.db.base import is_postgres
from bot.db.models import ButtonPayload
from bot.messages import MAX_PAYLOAD_BYTES, Button, OutgoingMessage

#: marks a token; no handler prefix starts with it
TOKEN_PREFIX = "~"
TOKEN_CHARS = 20  # 100 bits of the payload's SHA-256
#: a reminder's buttons may be pressed weeks later; each new issue of a token extends it
TOKEN_TTL = timedelta(days=90)
#: a token this process stored is written again (its expiry pushed back) once it is this old
REFRESH_AFTER = timedelta(days=1)
#: tokens a process remembers having stored (the oldest forgotten first: written again if seen)
REMEMBERED_TOKENS = 20_000


#: room a channel may need to mark a reusable button on the wire (Telegram: one character)
REUSABLE_MARK_BYTES = 1


def fits_wire(payload: str, *, reusable: bool = False) -> bool:
    """True when a payload can travel as is: ASCII, at most 64 bytes (63 for a reusable button,
    whose mark takes one), not mistaken for a token."""
    limit = MAX_PAYLOAD_BYTES - (REUSABLE_MARK_BYTES if reusable else 0)
    return (payload.isascii() and len(payload.encode("ascii")) <= limit
            and not payload.startswith(TOKEN_PREFIX))


def token_for(payload: str) -> str:
    """The token standing for a payload (stable: the same payload gives the same token)."""
    digest = hashlib.sha256(payload.encode("utf-8")).digest()
    return TOKEN_PREFIX + base64.b32encode(digest).decode("ascii").lower()[:TOKEN_CHARS]


def is_token(payload: str) -> bool:
    """True when a pressed payload is one of our tokens."""
    return payload.startswith(TOKEN_PREFIX)


class IssuedTokens:
    """Per process: the tokens it stored in committed transactions, with the expiry it gave them.

    No other writer shortens a row's life (the garbage collector deletes expired rows only), so
    a row remembered here with most of its time to live left is still there.
    """

    def __init__(self, limit: int = REMEMBERED_TOKENS) -> None:
        self._expiry: dict[str, datetime] = {}
        self._limit = limit

    def fresh(self, token: str, now: datetime) -> bool:
        """Whether `token` is stored with an expiry pushed back less than REFRESH_AFTER ago."""
        expires = self._expiry.get(token)
        return expires is not None and expires - now > TOKEN_TTL - REFRESH_AFTER

    def remember(self, stored: Mapping[str, datetime]) -> None:
        """Tokens whose rows were committed, each with the expiry written."""
        for token, expires in stored.items():
            self._expiry.pop(token, None)  # re-inserted last: the oldest is forgotten first
            self._expiry[token] = expires
        while len(self._expiry) > self._limit:
            del self._expiry[next(iter(self._expiry))]


#: session.info key: tokens written in the session's open transaction → their expiry
_PENDING = "troly.button_payloads.pending"


def _pending(session: AsyncSession, issued: IssuedTokens) -> dict[str, datetime]:
    """Tokens written in this transaction, handed to `issued` only when it commits (a rolled back
    row must not be remembered as stored)."""
    pending: dict[str, datetime] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = {}
        written = pending

        def committed(_: Session) -> None:
            issued.remember(written)
            written.clear()

        def rolled_back(_: Session, __: SessionTransaction) -> None:
            written.clear()  # any rollback, a savepoint's too: at worst a row is written again

        event.listen(session.sync_session, "after_commit", committed)
        event.listen(session.sync_session, "after_soft_rollback", rolled_back)
    return pending


async def shorten(session: AsyncSession, messages: Sequence[OutgoingMessage],
                  now: datetime, issued: IssuedTokens | None = None) -> list[OutgoingMessage]:
    """The messages with every payload that does not fit the wire replaced by its token; the
    tokens `issued` knows as stored and fresh are not written again."""
    tokens: dict[str, str] = {}  # payload → token
    result: list[OutgoingMessage] = []
    for message in messages:
        if all(fits_wire(b.payload, reusable=b.reusable) for b in message.buttons):
            result.append(message)
            continue
        buttons: list[Button] = []
        for button in message.buttons:
            if fits_wire(button.payload, reusable=button.reusable):
                buttons.append(button)
                continue
            token = tokens.get(button.payload)
            if token is None:
                token = tokens[button.payload] = token_for(button.payload)
            buttons.append(replace(button, payload=token))
        result.append(replace(message, buttons=tuple(buttons)))
    if issued is not None:
        tokens = {p: t for p, t in tokens.items() if not issued.fresh(t, now)}
    if tokens:
        await _store(session, tokens, now)
        if issued is not None:
            expires = now + TOKEN_TTL
            _pending(session, issued).update((t, expires) for t in tokens.values())
    return result


def _upsert(dialect: Any) -> Any:
    stmt = dialect.insert(ButtonPayload).values(
        token=bindparam("token"), payload=bindparam("payload"),
        created_at=bindparam("created_at"), expires_at=bindparam("expires_at"))
    return stmt.on_conflict_do_update(index_elements=[ButtonPayload.token],
                                      set_={"expires_at": stmt.excluded.expires_at})


#: built once per dialect, so the compiled statement is cached (a multi-row VALUES of literal
#: rows was compiled again for every answer)
_UPSERTS = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


async def _store(session: AsyncSession, tokens: dict[str, str], now: datetime) -> None:
    """All tokens of the event in one round trip, on the session's connection (no autoflush)."""
    stmt = _UPSERTS["postgresql" if is_postgres(session) else "sqlite"]
    connection = await session.connection()
    await connection.execute(stmt, [
        {"token": token, "payload": payload, "created_at": now, "expires_at": now + TOKEN_TTL}
        for payload, token in tokens.items()])


async def resolve(session: AsyncSession, payload: str, now: datetime) -> str | None:
    """The payload a pressed button means: itself, or its token's payload; None when expired."""
    if not is_token(payload):
        return payload
    return (await session.execute(
        select(ButtonPayload.payload).where(ButtonPayload.token == payload,
                                            ButtonPayload.expires_at > now))).scalar_one_or_none()


async def collect_garbage(session: AsyncSession, now: datetime) -> int:
    """Delete expired tokens; returns how many."""
    result = await session.execute(delete(ButtonPayload).where(ButtonPayload.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
