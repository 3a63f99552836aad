"""bot/channels/inbound_queue.py: the queue's own writes (stores, done-marks) share commits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Channel
from bot.channels.inbound_queue import Handlers, InboundQueue
from bot.clock import ManualClock
from bot.db import inbound_store
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import InboundEventRow
from bot.dispatcher import Dispatcher
from bot.events import ChatRef, Sender

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker on the migrated test database."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


class _Writes:
    """The one thing the queue asks of the dispatcher on these paths."""

    def serialised_writes(self) -> contextlib.AbstractAsyncContextManager[object]:
        return contextlib.nullcontext()


class _Channel:
    name = "zalo"


def _address(item: str) -> tuple[ChatRef, Sender] | None:
    return None


async def test_a_done_mark_rides_with_the_stores_waiting_beside_it(
        sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch) -> None:
    commits: list[tuple[str, int, int]] = []
    real_store, real_finish = inbound_store.store_many, inbound_store.finish_many

    async def store_many(maker: Any, events: Sequence[inbound_store.NewEvent], *, now: datetime,
                         lease: timedelta, finished: Sequence[int] = ()) -> list[int | None]:
        commits.append(("store", len(events), len(finished)))
        return await real_store(maker, events, now=now, lease=lease, finished=finished)

    async def finish_many(maker: Any, row_ids: Sequence[int], now: datetime) -> None:
        commits.append(("finish", 0, len(row_ids)))
        await real_finish(maker, row_ids, now)

    monkeypatch.setattr(inbound_store, "store_many", store_many)
    monkeypatch.setattr(inbound_store, "finish_many", finish_many)
    processed: list[str] = []

    async def process(row_id: int, item: str) -> None:
        processed.append(item)

    queue: InboundQueue[str] = InboundQueue(
        channel=cast(Channel, _Channel()), dispatcher=cast(Dispatcher, _Writes()),
        sessionmaker=sessionmaker, clock=ManualClock(NOW),
        handlers=Handlers(process=process, address_of=_address, decode=str,
                          chat_of=lambda item: item))
    first = await queue.store("k1", "c1", "one")
    assert first is not None and commits == [("store", 1, 0)]
    # the first update finishes while two more arrive: one commit for the three writes
    _, second, third = await asyncio.gather(
        queue.run(first, "one"), queue.store("k2", "c2", "two"), queue.store("k3", "c3", "three"))
    assert processed == ["one"] and second is not None and third is not None
    assert commits[1:] == [("store", 2, 1)]
    assert await _statuses(sessionmaker) == {"k1": "done", "k2": "pending", "k3": "pending"}
    # alone, a done-mark is its own commit
    await queue.run(second, "two")
    assert commits[2:] == [("finish", 0, 1)]
    assert await _statuses(sessionmaker) == {"k1": "done", "k2": "done", "k3": "pending"}


async def _statuses(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    async with sessionmaker() as session:
        rows = await session.execute(select(InboundEventRow.event_key, InboundEventRow.status))
        return {str(key): str(status) for key, status in rows.all()}
