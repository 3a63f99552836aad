"""Per-chat serialisation: one event of a chat at a time in this process, and across processes
on PostgreSQL (an advisory lock held until the event's transaction ends)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from typing import Any, cast

from sqlalchemy import BigInteger, BindParameter, Insert, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql

from bot.db.models import InboundUpdate
from bot.events import ChatRef


class KeyedLocks:
    """asyncio locks per key, dropped when nobody holds or waits for them."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold the lock for `key` for the duration of the block."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def chat_lock_key(chat: ChatRef) -> int:
    """The PostgreSQL advisory lock key of a chat (a collision only makes two chats take turns)."""
    return zlib.crc32(f"{chat.channel}:{chat.chat_id}".encode())


def _lock(key: BindParameter[int]) -> Any:
    return func.pg_advisory_xact_lock(key)


#: hold the chat's advisory lock (parameter p_lock) until the transaction ends (PostgreSQL)
LOCK_CHAT = select(_lock(bindparam("p_lock", type_=BigInteger)))


def lock_chat_literal(key: int) -> str:
    """LOCK_CHAT with its key written in (bot.db.precompiled.begin_with sends it with the
    transaction's BEGIN: a simple-protocol message takes no parameters). The key is an int
    (chat_lock_key), formatted as one: nothing from outside reaches the SQL."""
    return f"SELECT pg_advisory_xact_lock({int(key)})"


def _lock_chat_and_record() -> Insert:
    # the row to insert is selected from the lock: PostgreSQL takes the lock, then inserts
    # Core, not the entity: the ORM would take the parameters for a bulk insert's rows
    table = cast(Table, InboundUpdate.__table__)
    columns = table.c
    locked = select(_lock(bindparam("p_lock", type_=BigInteger)).label("locked")).subquery()
    row = select(bindparam("p_channel", type_=columns.channel.type),
                 bindparam("p_key", type_=columns.update_id.type),
                 bindparam("p_now", type_=columns.received_at.type)).select_from(locked)
    return (postgresql.insert(table)
            .from_select(["channel", "update_id", "received_at"], row)
            .on_conflict_do_nothing())


#: LOCK_CHAT, then record the update as seen (no row if it was): one statement, one round trip.
#: Parameters p_lock, p_channel, p_key (the platform's update key), p_now. The lock comes first,
#: so a repeat delivered to two processes at once still finds the first one's row or waits for
#: its transaction, as with the lock and the insert sent one after the other.
LOCK_CHAT_AND_RECORD = _lock_chat_and_record()
