"""Zalo replies that fail transiently are queued in the outbox and delivered by the dispatcher."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import OutboxMessage
from bot.texts import common as C
from scheduler.ticks import Ticks
from testkit.fake_zalo import FakeZalo
from tests.channels.zalo.conftest import ZaloApp, event


async def test_transient_zalo_failure_is_queued_then_delivered(zalo_app: ZaloApp,
                                                              fake_zalo: FakeZalo) -> None:
    fake_zalo.fail_next(http_status=502)
    assert await zalo_app.post_event(event("user_send_text", "u1", zalo_app.clock,
                                           msg_id="m1", text="/huy")) == 200
    await zalo_app.settle()
    assert fake_zalo.sent_texts("u1") == []
    async with zalo_app.app.sessionmaker() as session:
        [row] = (await session.execute(select(OutboxMessage))).scalars().all()
    assert row.kind == "reply" and row.channel == "zalo" and row.status == "pending"
    assert row.address == "u1" and row.idem_key.startswith("reply:zalo:u1:")

    app = zalo_app.app
    stats = await Ticks(app.sessionmaker, app.clock, app.channels, owner="t").dispatch_tick()
    assert stats.outcomes["sent"] == 1
    assert fake_zalo.sent_texts("u1") == [C.NOTHING_TO_CANCEL]


async def test_zalo_image_notice_goes_through_the_same_path(zalo_app: ZaloApp,
                                                            fake_zalo: FakeZalo) -> None:
    fake_zalo.fail_next(http_status=503)
    payload = event("user_send_image", "u2", zalo_app.clock, msg_id="img9", attachments=[
        {"type": "image", "payload": {"url": fake_zalo.url + "/cdn/x.jpg", "thumbnail": ""}}])
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    async with zalo_app.app.sessionmaker() as session:
        [row] = (await session.execute(select(OutboxMessage))).scalars().all()
    assert row.kind == "reply" and row.payload["text"] == C.IMAGE_NOT_SUPPORTED
