"""Single-use keyboards: once a choice is made from a message's buttons, its other buttons are spent.

Every reply with buttons gets a keyboard id from the dispatcher (OutgoingMessage.keyboard); the
outbox dispatcher derives one from the row for reminders and digests. A channel that can tell which
keyboard a press came from puts it in ButtonPressed.keyboard: Telegram uses the id of the message
carrying the buttons, the web chat sends back the id it was given, Zalo's query payloads end with
it. The dispatcher records the keyboard as used in the press's own transaction (so a press whose
handler fails leaves it usable); a second press on a used keyboard gets "đã chọn rồi" and no second
action. Telegram also collapses the keyboard to the choice made, the web page disables the buttons.
A press without a keyboard id (typed numbers on the console, a message from before keyboard ids,
tests) is not checked.

Navigation is not a choice: a handler marks such buttons reusable (Button.reusable, or
ctx.reply(..., reusable=True)): a guide's list of sections, see-also and closest sections,
"Xem tiếp" paging. Their presses carry no keyboard id (Telegram marks their callback_data, the
web page and Zalo send none), so they are never refused and spend nothing; they stay usable
after a choice from the same message (Telegram keeps them when it collapses the choice buttons,
the web page leaves them enabled). A message with only reusable buttons gets no keyboard id.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import is_postgres
from bot.db.models import UsedKeyboard
from bot.events import ChatRef
from bot.messages import OutgoingMessage

#: how long a used keyboard is remembered (a reminder's buttons may be pressed weeks later)
KEEP_USED = timedelta(days=90)
MAX_ID_CHARS = 64


def new_id() -> str:
    """A fresh keyboard id (16 hex characters)."""
    return secrets.token_hex(8)  # what uuid4().hex[:16] gave, without building a UUID


def id_for(key: str) -> str:
    """A keyboard id derived from a stable key (an outbox row's idem_key: a resend of the same
    row keeps its id)."""
    return hashlib.sha256(f"keyboard:{key}".encode()).hexdigest()[:16]


def stamp(messages: Sequence[OutgoingMessage]) -> list[OutgoingMessage]:
    """The messages, each one with single-use buttons carrying a keyboard id."""
    return [replace(m, keyboard=new_id()) if is_choice(m) and not m.keyboard else m
            for m in messages]


def is_choice(message: OutgoingMessage) -> bool:
    """Whether a message has single-use buttons (a choice), not only reusable navigation."""
    return any(not b.reusable for b in message.buttons)


def _consume_statement(dialect: Any) -> Any:
    # Core, built once: one statement (no savepoint around a failing INSERT, no ORM flush); a
    # keyboard already used inserts no row
    return dialect.insert(UsedKeyboard.__table__).values(
        channel=bindparam("p_channel"), chat_id=bindparam("p_chat"),
        keyboard=bindparam("p_keyboard"), used_at=bindparam("p_now")).on_conflict_do_nothing()


_CONSUME = {False: _consume_statement(sqlite), True: _consume_statement(postgresql)}
_USED = select(UsedKeyboard.__table__.c.used_at).where(
    UsedKeyboard.__table__.c.channel == bindparam("p_channel"),
    UsedKeyboard.__table__.c.chat_id == bindparam("p_chat"),
    UsedKeyboard.__table__.c.keyboard == bindparam("p_keyboard"))


def _key(chat: ChatRef, keyboard: str) -> dict[str, Any]:
    return {"p_channel": chat.channel, "p_chat": chat.chat_id,
            "p_keyboard": keyboard[:MAX_ID_CHARS]}


async def consume(session: AsyncSession, chat: ChatRef, keyboard: str, now: datetime) -> bool:
    """Record a choice from `keyboard`; False when one was made already (the press is stale)."""
    connection = await session.connection()
    inserted = await connection.execute(_CONSUME[is_postgres(session)],
                                        {**_key(chat, keyboard), "p_now": now})
    return getattr(inserted, "rowcount", 1) != 0


async def is_used(session: AsyncSession, chat: ChatRef, keyboard: str) -> bool:
    """Whether a choice was already made from `keyboard`."""
    connection = await session.connection()
    return (await connection.execute(_USED, _key(chat, keyboard))).first() is not None


async def collect_garbage(session: AsyncSession, now: datetime) -> int:
    """Forget keyboards used longer ago than KEEP_USED; returns how many."""
    result = await session.execute(delete(UsedKeyboard).where(UsedKeyboard.used_at <= now - KEEP_USED))
    return int(getattr(result, "rowcount", 0) or 0)
