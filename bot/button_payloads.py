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
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import is_postgres
from bot.db.models import ButtonPayload
from bot.messages import MAX_PAYLOAD_BYTES, Button, OutgoingMessage

#: marks a token; no handler prefix starts with it
TOKEN_PREFIX = "~"
TOKEN_CHARS = 20  # 100 bits of the payload's SHA-256
#: a reminder's buttons may be pressed weeks later; each new issue of a token extends it
TOKEN_TTL = timedelta(days=90)


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


async def shorten(session: AsyncSession, messages: Sequence[OutgoingMessage],
                  now: datetime) -> list[OutgoingMessage]:
    """The messages with every payload that does not fit the wire replaced by its token."""
    issued: dict[str, str] = {}
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
            token = issued.get(button.payload)
            if token is None:
                token = issued[button.payload] = token_for(button.payload)
            buttons.append(replace(button, payload=token))
        result.append(replace(message, buttons=tuple(buttons)))
    if issued:
        await _store(session, issued, now)
    return result


async def _store(session: AsyncSession, issued: dict[str, str], now: datetime) -> None:
    """All tokens of the event in one statement (each statement is a round trip)."""
    dialect = postgresql if is_postgres(session) else sqlite
    stmt = dialect.insert(ButtonPayload).values([
        {"token": token, "payload": payload, "created_at": now, "expires_at": now + TOKEN_TTL}
        for payload, token in issued.items()])
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[ButtonPayload.token],
        set_={"expires_at": stmt.excluded.expires_at}))


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
