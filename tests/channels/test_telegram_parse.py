"""Update → neutral event translation (pure; no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.types import Update

from bot.channels.telegram.parse import Dispatch, DocumentIn, Ignore, translate
from bot.events import ButtonPressed, Resubscribed, TextMessage, Unsubscribed
from testkit.fake_telegram import BOT_USER, FakeBotAPI

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
FAKE = FakeBotAPI()


def _tr(raw: dict[str, Any]) -> object:
    return translate(Update.model_validate(raw), bot_username="troly_test_bot", now=NOW)


def test_deep_link_start_reaches_the_core_as_text_with_update_id_as_dedupe_key() -> None:
    raw = FAKE.text_update(42, "/start INV-abc_123", name="Nguyễn Văn A")
    result = _tr(raw)
    assert isinstance(result, Dispatch) and isinstance(result.event, TextMessage)
    event = result.event
    assert event.text == "/start INV-abc_123"
    assert (event.chat.channel, event.chat.chat_id, event.sender.user_id) == ("telegram", "42", "42")
    assert event.sender.display_name == "Nguyễn Văn A"
    assert event.dedupe_key == str(raw["update_id"]) and event.at == NOW


def test_callback_query_becomes_a_button_press_with_ack_id() -> None:
    result = _tr(FAKE.callback_update(42, "see:17", query_id="abc"))
    assert isinstance(result, Dispatch) and isinstance(result.event, ButtonPressed)
    assert (result.event.payload, result.event.ack_id) == ("see:17", "abc")
    raw = FAKE.callback_update(42, "x", query_id="q2")
    del raw["callback_query"]["data"]
    assert _tr(raw) == Ignore("callback without data", ack_id="q2")


def test_membership_changes() -> None:
    kicked = _tr(FAKE.member_update(42, "kicked"))
    assert isinstance(kicked, Dispatch) and isinstance(kicked.event, Unsubscribed)
    back = _tr(FAKE.member_update(42, "member"))
    assert isinstance(back, Dispatch) and isinstance(back.event, Resubscribed)
    assert back.event.sender == kicked.event.sender


def test_document_keeps_its_metadata() -> None:
    result = _tr(FAKE.document_update(42, "hd.pdf", b"%PDF", mime_type="application/pdf"))
    assert isinstance(result, DocumentIn)
    assert (result.file_name, result.size, result.mime_type) == ("hd.pdf", 4, "application/pdf")


def test_group_reply_to_the_bot_is_for_us_other_text_is_not() -> None:
    raw = FAKE.text_update(42, "cho hỏi thủ tục", chat_id=-1001, chat_type="group")
    assert isinstance(_tr(raw), Ignore)
    raw["message"]["reply_to_message"] = {"message_id": 1, "date": 0, "from": BOT_USER,
                                          "chat": raw["message"]["chat"], "text": "…"}
    result = _tr(raw)
    assert isinstance(result, Dispatch) and isinstance(result.event, TextMessage)
    assert result.event.text == "cho hỏi thủ tục" and result.event.chat.chat_id == "-1001"
    doc = FAKE.document_update(42, "a.md", b"x", chat_id=-1001, chat_type="group")
    assert isinstance(_tr(doc), Ignore)
