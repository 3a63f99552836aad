"""Zalo events beyond text: every form a button press may take, polite answers, seen receipts."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.zalo.menu import MENU
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import ChatAccount, OutboxMessage
from bot.texts import common as C
from bot.texts import zalo as T
from bot.texts.ask import ASK_WHAT
from testkit.fake_zalo import FakeZalo
from tests.channels.zalo.conftest import ZaloApp, event, open_zalo_app

#: a payload no handler knows: the core answers UNKNOWN_BUTTON to a *press* of it, while the same
#: characters typed as text go to the question answering (which says something else)
PRESS = "#btn:nosuch:1"


def _click(name: str, user: str, clock: ManualClock, *, top: dict[str, Any] | None = None,
           **message: Any) -> dict[str, Any]:
    payload = event(name, user, clock, **message)
    payload.update(top or {})
    return payload


async def _one_reply(zalo: ZaloApp, fake: FakeZalo, payload: dict[str, Any],
                     user: str = "u1") -> list[str]:
    assert await zalo.post_event(payload) == 200
    await zalo.settle()
    return fake.sent_texts(user)


async def test_press_as_user_send_text(zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="t1", text=PRESS)
    assert await _one_reply(zalo_app, fake_zalo, payload) == [C.UNKNOWN_BUTTON]


@pytest.mark.parametrize(("name", "where"), [
    ("user_click_button", {"message": {"msg_id": "c1", "payload": PRESS}}),
    ("user_click_button", {"message": {"msg_id": "c1", "text": PRESS}}),
    ("user_click_button", {"message": {"msg_id": "c1", "payload": {"payload": PRESS}}}),
    ("user_click_button", {"payload": PRESS}),
    ("user_click_button", {"button": {"title": "Có", "payload": PRESS}}),
    ("user_click_link", {"message": {"msg_id": "c1", "url": PRESS}}),
])
async def test_press_as_a_click_event_in_each_shape(zalo_app: ZaloApp, fake_zalo: FakeZalo,
                                                    name: str, where: dict[str, Any]) -> None:
    payload = _click(name, "u1", zalo_app.clock, top=where)
    assert await _one_reply(zalo_app, fake_zalo, payload) == [C.UNKNOWN_BUTTON]
    assert await _one_reply(zalo_app, fake_zalo, payload) == [C.UNKNOWN_BUTTON]  # retry: once


async def test_click_without_a_troly_payload(zalo_app: ZaloApp, fake_zalo: FakeZalo,
                                             caplog: pytest.LogCaptureFixture) -> None:
    # an OA menu item or button sending a command
    menu = _click("user_click_button", "u1", zalo_app.clock,
                  top={"message": {"msg_id": "c2", "payload": "/trogiup"}})
    texts = await _one_reply(zalo_app, fake_zalo, menu)
    assert len(texts) == 1 and C.HELP_HEADER in texts[0]
    # a URL button: nothing to answer, but the user interacted
    zalo_app.clock.advance(timedelta(minutes=1))
    link = _click("user_click_link", "u1", zalo_app.clock,
                  top={"message": {"url": "https://troly.example/tep/abc"}})
    assert len(await _one_reply(zalo_app, fake_zalo, link)) == 1
    async with zalo_app.app.sessionmaker() as session:
        account = (await session.execute(select(ChatAccount).where(
            ChatAccount.channel == "zalo", ChatAccount.external_id == "u1"))).scalar_one()
    assert account.last_inbound_at == zalo_app.clock.now()
    # a click whose payload is nowhere troly looks: acknowledged (a 400 would be retried for
    # hours), stored, logged for the operator; no answer
    empty = _click("user_click_button", "u1", zalo_app.clock, top={"message": {"msg_id": "c3"}})
    with caplog.at_level(logging.WARNING, logger="bot.channels.zalo.routes"):
        assert len(await _one_reply(zalo_app, fake_zalo, empty)) == 1
    assert "TROLY_ZALO_CLICK_PAYLOAD_FIELDS" in caplog.text


async def test_button_events_setting_chooses_the_forms(zalo_settings: Settings,
                                                       clock: ManualClock,
                                                       fake_zalo: FakeZalo) -> None:
    only_text = zalo_settings.model_copy(update={"zalo_button_events": ["user_send_text"]})
    async with open_zalo_app(only_text, clock) as zalo:
        click = _click("user_click_button", "u1", clock, top={"payload": PRESS})
        assert await _one_reply(zalo, fake_zalo, click) == []  # acknowledged, not a press
        text = event("user_send_text", "u1", clock, msg_id="t2", text=PRESS)
        assert await _one_reply(zalo, fake_zalo, text) == [C.UNKNOWN_BUTTON]
    only_click = zalo_settings.model_copy(update={"zalo_button_events": ["user_click_button"]})
    async with open_zalo_app(only_click, clock) as zalo:
        text = event("user_send_text", "u2", clock, msg_id="t3", text=PRESS)
        assert await _one_reply(zalo, fake_zalo, text, "u2") != [C.UNKNOWN_BUTTON]  # plain text
        clock.advance(timedelta(seconds=1))
        click = _click("user_click_button", "u2", clock, top={"payload": PRESS})
        replies = await _one_reply(zalo, fake_zalo, click, "u2")
        assert replies[-1] == C.UNKNOWN_BUTTON and len(replies) == 2


async def test_click_payload_fields_setting(zalo_settings: Settings, clock: ManualClock,
                                            fake_zalo: FakeZalo) -> None:
    custom = zalo_settings.model_copy(update={"zalo_click_payload_fields": ["data.value"]})
    async with open_zalo_app(custom, clock) as zalo:
        click = _click("user_click_button", "u1", clock, top={"data": {"value": PRESS}})
        assert await _one_reply(zalo, fake_zalo, click) == [C.UNKNOWN_BUTTON]
        clock.advance(timedelta(seconds=1))
        elsewhere = _click("user_click_button", "u1", clock, top={"payload": PRESS})
        # not where this OA was told to look: acknowledged, not a press
        assert await _one_reply(zalo, fake_zalo, elsewhere) == [C.UNKNOWN_BUTTON]


@pytest.mark.parametrize(("name", "message", "text"), [
    ("user_send_audio", {"msg_id": "a1", "attachments": [
        {"type": "audio", "payload": {"url": "https://zalo.example/v.aac"}}]},
     T.VOICE_NOT_SUPPORTED),
    ("user_send_link", {"msg_id": "l1", "text": "xem", "attachments": [
        {"type": "link", "payload": {"url": "https://vnexpress.net/x", "title": "Tin"}}]},
     T.LINK_NOT_SUPPORTED),
    ("user_send_location", {"msg_id": "g1", "attachments": [
        {"type": "location", "payload": {"coordinates": {"latitude": "21.02",
                                                         "longitude": "105.85"}}}]},
     T.LOCATION_NOT_SUPPORTED),
    ("user_send_business_card", {"msg_id": "b1", "attachments": [
        {"type": "business_card", "payload": {"description": "0912345678"}}]},
     T.BUSINESS_CARD_NOT_SUPPORTED),
    ("user_submit_info", None, T.SUBMIT_INFO_NOT_USED),
])
async def test_polite_answer_once_and_the_interaction_counts(
        zalo_app: ZaloApp, fake_zalo: FakeZalo, name: str, message: dict[str, Any] | None,
        text: str) -> None:
    async with zalo_app.app.sessionmaker.begin() as session:
        session.add(ChatAccount(channel="zalo", external_id="u1", chat_id="u1", status="active",
                                created_at=zalo_app.clock.now()))
    zalo_app.clock.advance(timedelta(hours=30))
    payload = event(name, "u1", zalo_app.clock, **(message or {}))
    if message is None:  # user_submit_info carries `info` and no message
        del payload["message"]
        payload["info"] = {"name": "Nguyễn Văn An", "phone": "84912345678", "address": "Hà Nội"}
    assert await _one_reply(zalo_app, fake_zalo, payload) == [text]
    assert await _one_reply(zalo_app, fake_zalo, payload) == [text]  # the retry: no second one
    async with zalo_app.app.sessionmaker() as session:
        seen = await session.scalar(select(ChatAccount.last_inbound_at)
                                    .where(ChatAccount.external_id == "u1"))
    assert seen == zalo_app.clock.now()


def test_voice_text_says_what_the_issue_asks() -> None:
    assert "chưa hỗ trợ tin nhắn thoại, vui lòng gõ câu hỏi" in T.VOICE_NOT_SUPPORTED


def _outbox(idem: str, address: str, provider_id: str, now: Any) -> OutboxMessage:
    return OutboxMessage(idem_key=idem, kind="digest", channel="zalo", address=address,
                         payload={"text": "Tổng hợp tuần"}, due_at=now, not_before=now,
                         status="sent", created_at=now, updated_at=now, sent_at=now,
                         provider_message_id=provider_id)


async def test_seen_message_marks_the_digest_seen(zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    now = zalo_app.clock.now()
    async with zalo_app.app.sessionmaker.begin() as session:
        session.add_all([_outbox("d1", "u1", "om1", now), _outbox("d2", "u1", "om2", now),
                         _outbox("d3", "u9", "om1", now)])  # same id, another user: untouched
    zalo_app.clock.advance(timedelta(hours=2))
    payload = event("user_seen_message", "u1", zalo_app.clock, msg_ids=["om1", "zz"])
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    async with zalo_app.app.sessionmaker() as session:
        rows = dict((await session.execute(select(OutboxMessage.idem_key, OutboxMessage.seen_at)
                                           .order_by(OutboxMessage.idem_key))).all())
        account = await session.scalar(select(ChatAccount).where(ChatAccount.external_id == "u1"))
    assert rows == {"d1": zalo_app.clock.now(), "d2": None, "d3": None}
    assert fake_zalo.sent == []
    assert account is None  # reading is not an interaction: no account, no window renewed


@pytest.mark.parametrize("form", ["text", "click"])
async def test_each_menu_item_runs_its_command(zalo_app: ZaloApp, fake_zalo: FakeZalo,
                                               form: str) -> None:
    for n, item in enumerate(MENU):
        zalo_app.clock.advance(timedelta(seconds=1))
        if form == "text":  # the press arrives as the user's text (platforms.md §2.2)
            payload = event("user_send_text", "u1", zalo_app.clock, msg_id=f"mn{n}",
                            text=item.command)
        else:
            payload = _click("user_click_button", "u1", zalo_app.clock,
                             top={"message": {"payload": item.command}})
        assert await zalo_app.post_event(payload) == 200
        await zalo_app.settle()
    texts = fake_zalo.sent_texts("u1")
    assert len(texts) >= len(MENU)
    assert not any(t.startswith(C.UNKNOWN_COMMAND.split("\u201c")[0]) for t in texts)
    assert ASK_WHAT in texts and any(C.HELP_HEADER in t for t in texts)
