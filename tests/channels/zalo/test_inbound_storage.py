"""Webhook durability: the event is stored before the 200 and processed from storage, exactly once,
across a crash and a restart."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bot.channels.zalo import routes
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import inbound_store
from bot.db.models import InboundEventRow, InboundUpdate
from bot.texts import common as C
from bot.texts import zalo as T
from testkit.fake_zalo import FakeZalo
from tests.channels.zalo.conftest import ZaloApp, event, open_zalo_app


async def _rows(zalo: ZaloApp) -> list[tuple[str, str, int]]:
    async with zalo.app.sessionmaker() as session:
        rows = await session.execute(
            select(InboundEventRow.event_key, InboundEventRow.status, InboundEventRow.attempts)
            .where(InboundEventRow.channel == "zalo").order_by(InboundEventRow.id))
        return [(str(k), str(s), int(a)) for k, s, a in rows.all()]


def _crash_after_store(zalo: ZaloApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies right after answering 200: nothing spawned after the store runs."""
    def dropped(job: Any) -> None:
        job.close()  # the coroutine never runs, as if the process had been killed

    monkeypatch.setattr(zalo.parts.webhook, "_spawn", dropped)


async def test_event_is_stored_before_the_200_and_processed_after_a_restart(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    payload = event("user_send_text", "u1", clock, msg_id="k1", text="/trogiup")
    async with open_zalo_app(zalo_settings, clock) as first:
        _crash_after_store(first, monkeypatch)
        assert await first.post_event(payload) == 200
        # the 200 went out with the event on disk and nothing answered yet
        assert await _rows(first) == [("k1", "pending", 1)]
        assert fake_zalo.sent == []
    # a new process on the same database, started while the dead one's lease still runs
    async with open_zalo_app(zalo_settings, clock) as second:
        assert await second.parts.webhook.recover_once() == 0
        # Zalo got its 200 and does not retry; a replay now is dropped as stored
        assert await second.post_event(payload) == 200
        await second.settle()
        assert fake_zalo.sent == []
        clock.advance(timedelta(seconds=zalo_settings.zalo_inbound_lease_seconds + 1))
        assert await second.parts.webhook.recover_once() == 1
        await second.settle()
        texts = fake_zalo.sent_texts("u1")
        assert len(texts) == 1 and C.HELP_HEADER in texts[0]
        assert await _rows(second) == [("k1", "done", 2)]
        assert await second.parts.webhook.recover_once() == 0  # nothing twice


async def test_the_recovery_loop_runs_at_start(zalo_settings: Settings, clock: ManualClock,
                                               fake_zalo: FakeZalo,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    payload = event("user_send_text", "u1", clock, msg_id="k2", text="/trogiup")
    async with open_zalo_app(zalo_settings, clock) as first:
        _crash_after_store(first, monkeypatch)
        assert await first.post_event(payload) == 200
    clock.advance(timedelta(minutes=10))
    async with open_zalo_app(zalo_settings, clock) as second:
        await second.parts.webhook.start()  # what App.start() does: a first pass at once
        for _ in range(200):
            if fake_zalo.sent:
                break
            await second.settle()
            await asyncio.sleep(0.01)
        await second.parts.webhook.stop()
        assert len(fake_zalo.sent_texts("u1")) == 1


async def test_crash_after_the_commit_before_sending_sends_the_stored_replies(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    payload = event("user_send_text", "u1", clock, msg_id="k5", text="/trogiup")
    async with open_zalo_app(zalo_settings, clock) as first:
        async def killed(*args: Any, **kwargs: Any) -> None:
            raise asyncio.CancelledError  # the process dies after the commit, before sending

        monkeypatch.setattr(first.app.dispatcher, "deliver", killed)
        assert await first.post_event(payload) == 200
        await first.settle()
        assert fake_zalo.sent == []
        assert await _rows(first) == [("k5", "answered", 1)]
    clock.advance(timedelta(minutes=3))
    async with open_zalo_app(zalo_settings, clock) as second:
        assert await second.parts.webhook.recover_once() == 1
        await second.settle()
        texts = fake_zalo.sent_texts("u1")
        assert len(texts) == 1 and C.HELP_HEADER in texts[0]  # the stored answer, sent once
        assert await _rows(second) == [("k5", "done", 2)]
        async with second.app.sessionmaker() as session:
            # the row is the record that it was processed: no inbound_updates key (issue 13)
            assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 0
            assert await session.scalar(select(InboundEventRow.replies)) is None


async def test_a_polite_answer_is_kept_with_its_record_too(
        zalo_app: ZaloApp, fake_zalo: FakeZalo, monkeypatch: pytest.MonkeyPatch) -> None:
    async def killed(*args: Any, **kwargs: Any) -> None:
        raise asyncio.CancelledError  # the process dies after recording, before answering

    payload = event("user_send_audio", "u1", zalo_app.clock, msg_id="v1", attachments=[
        {"type": "audio", "payload": {"url": "https://zalo.example/v.aac"}}])
    with monkeypatch.context() as patch:
        patch.setattr(zalo_app.app.dispatcher, "deliver", killed)
        assert await zalo_app.post_event(payload) == 200
        await zalo_app.settle()
    assert fake_zalo.sent == [] and await _rows(zalo_app) == [("v1", "answered", 1)]
    zalo_app.clock.advance(timedelta(minutes=3))
    assert await zalo_app.parts.webhook.recover_once() == 1
    await zalo_app.settle()
    assert fake_zalo.sent_texts("u1") == [T.VOICE_NOT_SUPPORTED]
    assert await _rows(zalo_app) == [("v1", "done", 2)]


async def test_crash_after_sending_before_marking_done_repeats_the_answer_not_the_effect(
        zalo_app: ZaloApp, fake_zalo: FakeZalo, monkeypatch: pytest.MonkeyPatch) -> None:
    # the one window left: replies are sent at least once (a lost answer is worse than a repeat)
    real_finish = inbound_store.finish_many
    calls = 0

    async def finish_fails_once(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:  # the process dies between sending and this write
            raise OperationalError("UPDATE inbound_events", {}, Exception("disk I/O error"))
        await real_finish(*args, **kwargs)

    monkeypatch.setattr(inbound_store, "finish_many", finish_fails_once)
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="k3", text="/trogiup")
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    assert len(fake_zalo.sent_texts("u1")) == 1
    assert await _rows(zalo_app) == [("k3", "answered", 1)]
    zalo_app.clock.advance(timedelta(minutes=3))
    assert await zalo_app.parts.webhook.recover_once() == 1
    await zalo_app.settle()
    assert len(fake_zalo.sent_texts("u1")) == 2
    assert await _rows(zalo_app) == [("k3", "done", 2)]
    async with zalo_app.app.sessionmaker() as session:
        # the row is the record that it was processed: no inbound_updates key (issue 13)
        assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 0


async def test_storage_failure_is_503_so_zalo_retries(zalo_app: ZaloApp, fake_zalo: FakeZalo,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: Any, **kwargs: Any) -> list[int | None]:
        raise OperationalError("INSERT INTO inbound_events", {}, Exception("database is down"))

    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="k4", text="/trogiup")
    with monkeypatch.context() as patch:
        patch.setattr(inbound_store, "store_many", broken)
        assert await zalo_app.post_event(payload) == 503
    await zalo_app.settle()
    assert fake_zalo.sent == [] and await _rows(zalo_app) == []
    assert await zalo_app.post_event(payload) == 200  # Zalo's retry, once the database is back
    await zalo_app.settle()
    assert len(fake_zalo.sent_texts("u1")) == 1


async def test_a_failing_event_is_retried_then_marked_failed_without_blocking_others(
        zalo_app: ZaloApp, fake_zalo: FakeZalo, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    real_process = routes.ZaloWebhook._process

    async def poisoned(self: routes.ZaloWebhook, row_id: int, payload: dict[str, Any],
                       ev: Any) -> None:
        if ev.dedupe_key == "bad":
            raise RuntimeError("a bug in this event's handling")
        await real_process(self, row_id, payload, ev)

    monkeypatch.setattr(routes.ZaloWebhook, "_process", poisoned)
    caplog.set_level(logging.CRITICAL, logger="bot.channels.zalo.routes")
    bad = event("user_send_text", "u1", zalo_app.clock, msg_id="bad", text="/trogiup")
    good = event("user_send_text", "u2", zalo_app.clock, msg_id="good", text="/trogiup")
    assert await zalo_app.post_event(bad) == 200
    assert await zalo_app.post_event(good) == 200
    await zalo_app.settle()
    for _ in range(zalo_app.app.settings.zalo_inbound_max_attempts):
        zalo_app.clock.advance(timedelta(minutes=3))
        await zalo_app.parts.webhook.recover_once()
        await zalo_app.settle()
    attempts = zalo_app.app.settings.zalo_inbound_max_attempts
    assert await _rows(zalo_app) == [("bad", "failed", attempts), ("good", "done", 1)]
    assert fake_zalo.sent_texts("u1") == [] and len(fake_zalo.sent_texts("u2")) == 1
    async with zalo_app.app.sessionmaker() as session:
        error = await session.scalar(select(InboundEventRow.last_error)
                                     .where(InboundEventRow.event_key == "bad"))
    assert error is not None and "a bug in this event's handling" in error


async def test_events_of_one_chat_are_processed_in_the_order_stored(
        zalo_app: ZaloApp, fake_zalo: FakeZalo, monkeypatch: pytest.MonkeyPatch) -> None:
    _crash_after_store(zalo_app, monkeypatch)
    for n, text in enumerate(["/trogiup", "/huongdan", "/nhiemvu"]):
        payload = event("user_send_text", "u1", zalo_app.clock, msg_id=f"o{n}", text=text)
        assert await zalo_app.post_event(payload) == 200
    monkeypatch.undo()
    zalo_app.clock.advance(timedelta(minutes=3))
    assert await zalo_app.parts.webhook.recover_once() == 3
    await zalo_app.settle()
    texts = fake_zalo.sent_texts("u1")
    assert C.HELP_HEADER in texts[0] and len(texts) == 3


async def test_processed_rows_are_purged_after_the_keeping_time(zalo_app: ZaloApp,
                                                                fake_zalo: FakeZalo) -> None:
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="p1", text="/trogiup")
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    assert await zalo_app.parts.webhook.recover_once() == 0  # first pass purges nothing yet
    assert len(await _rows(zalo_app)) == 1
    zalo_app.clock.advance(timedelta(days=zalo_app.app.settings.zalo_inbound_keep_days, hours=2))
    await zalo_app.parts.webhook.recover_once()
    assert await _rows(zalo_app) == []
    # a retry arriving after that is still answered only once: the purge kept its key
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    async with zalo_app.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(InboundUpdate)) == 1
    assert len(fake_zalo.sent_texts("u1")) == 1


async def test_a_slow_event_keeps_its_lease_and_is_not_taken_twice(
        zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    fake_zalo.fail_next(hang_seconds=1.0)  # the send is slow; the lease runs out meanwhile
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="s9", text="/trogiup")
    assert await zalo_app.post_event(payload) == 200
    for _ in range(100):
        if any(r.path == "/v3.0/oa/message/cs" for r in fake_zalo.requests):
            break
        await asyncio.sleep(0.01)
    zalo_app.clock.advance(timedelta(minutes=3))
    assert await zalo_app.parts.webhook.recover_once() == 0  # still ours: renewed, not retaken
    async with zalo_app.app.sessionmaker() as session:
        lease = await session.scalar(select(InboundEventRow.lease_until))
    assert lease is not None and lease > zalo_app.clock.now()
    await zalo_app.settle()
    sends = [r for r in fake_zalo.requests if r.path == "/v3.0/oa/message/cs"]
    assert len(sends) == 1 and await _rows(zalo_app) == [("s9", "done", 1)]

