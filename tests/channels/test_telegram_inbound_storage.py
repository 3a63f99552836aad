"""Telegram updates take Zalo's inbound path: stored before the 200, processed from storage,
recovered when their process died, a redelivery never processed twice."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram.types import Update
from sqlalchemy import event, func, select
from sqlalchemy import update as update_rows
from sqlalchemy.exc import OperationalError

from bot.channels.telegram.receivers import SECRET_HEADER
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import inbound_store
from bot.db.models import ChatAccount, InboundEventRow, InboundUpdate
from bot.messages import OutgoingMessage, to_payload
from bot.texts import common as C
from testkit.fake_telegram import FakeBotAPI
from tests.channels.telegram_support import WEBHOOK_SECRET as SECRET
from tests.channels.telegram_support import TelegramRun, running_webhook, shown
from tests.channels.telegram_support import WebhookClient as Client

USER = 5252


@pytest.fixture
async def tg(settings: Settings, clock: ManualClock,
             fake: FakeBotAPI) -> AsyncIterator[tuple[TelegramRun, Client]]:
    """troly in webhook mode, its web app behind an aiohttp test client."""
    async with running_webhook(settings, clock, fake) as running:
        yield running


async def _rows(run: TelegramRun) -> list[tuple[str, str, int]]:
    async with run.app.sessionmaker() as session:
        rows = await session.execute(
            select(InboundEventRow.event_key, InboundEventRow.status, InboundEventRow.attempts)
            .where(InboundEventRow.channel == "telegram").order_by(InboundEventRow.id))
        return [(str(k), str(s), int(a)) for k, s, a in rows.all()]


async def _post(client: Client, update: dict[str, Any]) -> int:
    response = await client.post("/tg/hook", json=update, headers={SECRET_HEADER: SECRET})
    return response.status


async def _store_as_a_dead_process_left_it(run: TelegramRun, update: dict[str, Any], *,
                                           replies: list[OutgoingMessage] | None = None) -> None:
    """The row a process leaves when it dies after storing (or after committing the answer)."""
    async with run.app.sessionmaker.begin() as session:
        session.add(InboundEventRow(
            channel="telegram", event_key=str(update["update_id"]), chat_id=str(USER),
            body=json.dumps(update), received_at=run.app.clock.now(), attempts=1,
            status="answered" if replies is not None else "pending",
            replies=[to_payload(m) for m in replies] if replies is not None else None,
            lease_until=run.app.clock.now() + timedelta(minutes=2)))


async def test_an_update_is_stored_then_marked_done_and_a_redelivery_is_dropped(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI) -> None:
    run, client = tg
    update = fake.text_update(USER, "/huy")
    assert await _post(client, update) == 200
    assert [shown(p) for p in fake.sent] == [C.NOTHING_TO_CANCEL]
    assert await _rows(run) == [(str(update["update_id"]), "done", 1)]
    assert await _post(client, update) == 200
    await run.parts.inbound.queue.drain()
    assert len(fake.sent) == 1 and len(await _rows(run)) == 1


async def test_an_updates_statements_keep_their_sql_from_one_execution_to_the_next(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI) -> None:
    """Storing, processing and marking done an update run statements compiled once: none holds
    an expanding parameter (an IN over a list), whose SQL SQLAlchemy renders again at every
    execution."""
    run, client = tg
    assert await _post(client, fake.text_update(USER, "/huy")) == 200  # the account exists
    await run.parts.inbound.queue.drain()
    seen: list[str] = []
    rendered: list[str] = []

    def check(_conn: object, _cursor: object, statement: str, _parameters: object,
              context: Any, _many: bool) -> None:
        seen.append(statement)
        compiled = getattr(context, "compiled", None)
        if compiled is not None and (compiled.post_compile_params
                                     or compiled.literal_execute_params):
            rendered.append(statement)

    engine = run.app.engine.sync_engine
    event.listen(engine, "before_cursor_execute", check)
    try:
        assert await _post(client, fake.text_update(USER, "/huy")) == 200
        await run.parts.inbound.queue.drain()
    finally:
        event.remove(engine, "before_cursor_execute", check)
    assert any("inbound_events" in s for s in seen) and rendered == [], rendered


async def test_a_second_run_of_a_processed_row_is_rolled_back(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI, clock: ManualClock) -> None:
    """A process that took the row when its lease ran out, while the first was still working,
    gets to it after the first committed: its row (not an inbound_updates key) says processed,
    so nothing it did is kept and nothing is sent again."""
    run, client = tg
    update = fake.text_update(USER, "/huy")
    assert await _post(client, update) == 200
    assert [shown(p) for p in fake.sent] == [C.NOTHING_TO_CANCEL]
    async with run.app.sessionmaker() as session:
        row_id = await session.scalar(select(InboundEventRow.id))
        first_seen = await session.scalar(select(ChatAccount.last_inbound_at))
        assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 0
    assert row_id is not None
    queue = run.parts.inbound.queue
    for status in ("answered", "done"):  # its replies not sent yet, and sent
        async with run.app.sessionmaker.begin() as session:
            await session.execute(update_rows(InboundEventRow).values(status=status))
        clock.advance(timedelta(minutes=3))
        await queue.run(row_id, Update.model_validate(update))
        await queue.drain()
        assert len(fake.sent) == 1
        async with run.app.sessionmaker() as session:  # its account touch was rolled back too
            assert await session.scalar(select(ChatAccount.last_inbound_at)) == first_seen
    assert await _rows(run) == [(str(update["update_id"]), "done", 1)]


async def test_storage_down_is_503_so_telegram_sends_it_again(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    run, client = tg

    async def broken(*args: Any, **kwargs: Any) -> list[int | None]:
        raise OperationalError("INSERT INTO inbound_events", {}, Exception("database is down"))

    update = fake.text_update(USER, "/huy")
    with monkeypatch.context() as patch:
        patch.setattr(inbound_store, "store_many", broken)
        assert await _post(client, update) == 503
    assert fake.sent == [] and await _rows(run) == []
    assert await _post(client, update) == 200  # Telegram's retry, once the database is back
    assert [shown(p) for p in fake.sent] == [C.NOTHING_TO_CANCEL]


async def test_an_update_left_by_a_dead_process_is_recovered_once(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI, clock: ManualClock) -> None:
    run, client = tg
    await run.parts.inbound.queue.stop()  # no background pass: this test runs them
    update = fake.text_update(USER, "/huy")
    await _store_as_a_dead_process_left_it(run, update)
    assert await _post(client, update) == 200  # Telegram's retry: stored already, not run here
    await run.parts.inbound.queue.drain()
    assert fake.sent == []
    queue = run.parts.inbound.queue
    assert await queue.recover_once() == 0  # its lease still runs: the process may be alive
    clock.advance(timedelta(minutes=3))
    assert await queue.recover_once() == 1
    await queue.drain()
    assert [shown(p) for p in fake.sent] == [C.NOTHING_TO_CANCEL]
    assert await _rows(run) == [(str(update["update_id"]), "done", 2)]


async def test_an_answer_committed_but_not_sent_is_sent_without_processing_again(
        tg: tuple[TelegramRun, Client], fake: FakeBotAPI, clock: ManualClock) -> None:
    run, _ = tg
    await run.parts.inbound.queue.stop()  # no background pass: this test runs them
    update = fake.text_update(USER, "/huy")
    await _store_as_a_dead_process_left_it(run, update, replies=[OutgoingMessage("stored answer")])
    clock.advance(timedelta(minutes=3))
    assert await run.parts.inbound.queue.recover_once() == 1
    await run.parts.inbound.queue.drain()
    assert [shown(p) for p in fake.sent] == ["stored answer"]
    async with run.app.sessionmaker() as session:  # not processed: no dedupe key recorded now
        assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 0
