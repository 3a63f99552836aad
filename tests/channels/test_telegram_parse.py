"""Update → neutral event translation (pure; no server needed)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import Update

from bot.channels.telegram.inbound import _pressed_on
from bot.channels.telegram.parse import (
    Dispatch,
    DocumentIn,
    Ignore,
    PlainPress,
    PlainText,
    chat_key,
    read_update,
    translate,
)
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


def test_a_group_mention_is_the_whole_username_and_a_command_ends_at_any_space() -> None:
    def said(text: str) -> str | None:
        result = _tr(FAKE.text_update(42, text, chat_id=-1001, chat_type="supergroup"))
        if isinstance(result, Ignore):
            return None
        assert isinstance(result, Dispatch) and isinstance(result.event, TextMessage)
        return result.event.text

    assert said("@troly_test_bot_hcm cho hỏi") is None
    assert said("cho hỏi @troly_test_bot2") is None
    assert said("@TROLY_TEST_BOT: cho hỏi") == ": cho hỏi"
    assert said("cho hỏi (@troly_test_bot)") == "cho hỏi ()"
    assert said("/hoi@troly_test_bot\ncho hỏi") == "/hoi\ncho hỏi"
    assert said("/hoi@troly_test_bot\tcho hỏi") == "/hoi\tcho hỏi"
    assert said("/hoi@other_bot\ncho hỏi") is None
    assert said("/hoi@troly_test_bot") == "/hoi"


# ---------------------------------------------------------------- plain text, read lightly

BOT = Bot("42:test-token")


def _both(raw: dict[str, Any]) -> tuple[object, object]:
    """The translation of the lightly read update and of aiogram's validated one."""
    light = read_update(copy.deepcopy(raw), bot=BOT)
    assert isinstance(light, PlainText), light
    full = Update.model_validate(raw)
    return (translate(light, bot_username="troly_test_bot", now=NOW),
            translate(full, bot_username="troly_test_bot", now=NOW))


def test_a_plain_text_message_is_read_lightly_and_means_what_aiogram_reads() -> None:
    named = FAKE.text_update(42, "thủ tục báo cáo", name="Nguyễn")
    named["message"]["from"] |= {"last_name": "Văn A", "username": "nva", "is_premium": True}
    bot_sender = FAKE.text_update(42, "tin tự động")
    bot_sender["message"]["from"]["is_bot"] = True
    cases = [
        FAKE.text_update(42, "hạn nộp báo cáo là khi nào"),
        FAKE.text_update(42, "/huy"),  # a bot_command entity
        named,
        bot_sender,
        FAKE.text_update(42, "/trogiup@troly_test_bot", chat_id=-1001, chat_type="group"),
        FAKE.text_update(42, "/trogiup@other_bot", chat_id=-1001, chat_type="group"),
        FAKE.text_update(42, "@Troly_Test_Bot cho hỏi", chat_id=-1001, chat_type="supergroup"),
        FAKE.text_update(42, "chuyện riêng", chat_id=-1001, chat_type="group"),
    ]
    for raw in cases:
        light, full = _both(raw)
        assert light == full, raw
    light, _ = _both(named)
    assert isinstance(light, Dispatch) and light.event.sender.display_name == "Nguyễn Văn A"
    assert chat_key(read_update(FAKE.text_update(42, "x", chat_id=-7, chat_type="group"),
                                bot=BOT)) == "-7"


def test_anything_but_a_plain_text_message_is_validated_by_aiogram() -> None:
    reply = FAKE.text_update(42, "cho hỏi", chat_id=-1001, chat_type="group")
    reply["message"]["reply_to_message"] = {"message_id": 1, "date": 0, "from": BOT_USER,
                                            "chat": reply["message"]["chat"], "text": "…"}
    link = FAKE.text_update(42, "xem https://a.vn")
    link["message"]["entities"] = [{"type": "text_link", "offset": 0, "length": 3,
                                    "url": "https://a.vn"}]
    coerced = FAKE.text_update(42, "id as text")
    coerced["message"]["chat"]["id"] = "42"
    no_name = FAKE.text_update(42, "không tên")
    no_name["message"]["from"]["last_name"] = None
    for raw in [reply, link, coerced, no_name, FAKE.member_update(42, "kicked"),
                FAKE.document_update(42, "a.md", b"x")]:
        assert isinstance(read_update(raw, bot=BOT), Update), raw
    assert translate(read_update(reply, bot=BOT), bot_username="troly_test_bot",
                     now=NOW) == _tr(reply)
    assert chat_key(read_update(coerced, bot=BOT)) == "42"  # aiogram's coercion, as before


def test_a_malformed_text_message_is_refused_as_before() -> None:
    no_chat = FAKE.text_update(42, "x")
    del no_chat["message"]["chat"]
    bad_id = FAKE.text_update(42, "x")
    bad_id["update_id"] = "không phải số"
    bad_text = FAKE.text_update(42, "x")
    bad_text["message"]["text"] = 5
    huge_date = FAKE.text_update(42, "x")
    huge_date["message"]["date"] = 2 ** 62
    for raw in [no_chat, bad_id, bad_text, huge_date, [], "update"]:
        with pytest.raises(ValueError):
            read_update(raw, bot=BOT)


# ---------------------------------------------------------------- button presses, read lightly

KEYBOARD = {"inline_keyboard": [[{"text": "Hữu ích", "callback_data": "fby:1"},
                                 {"text": "Chưa đúng", "callback_data": "fbn:1"}],
                                [{"text": "Mục 2", "callback_data": "^sec:2"}]]}


def _press(pressed: str, **changes: Any) -> dict[str, Any]:
    """A press on a message of the bot carrying KEYBOARD (changes: of the callback query)."""
    raw = FAKE.callback_update(42, pressed, message_id=7)
    raw["callback_query"]["message"]["reply_markup"] = copy.deepcopy(KEYBOARD)
    raw["callback_query"] |= changes
    return raw


def test_a_button_press_is_read_lightly_and_means_what_aiogram_reads() -> None:
    named = _press("fby:1")
    named["callback_query"]["from"] |= {"last_name": "Văn A", "username": "nva"}
    formatted = _press("fbn:1")
    formatted["callback_query"]["message"] |= {
        "edit_date": 1_790_000_000, "entities": [
            {"type": "bold", "offset": 0, "length": 3},
            {"type": "text_link", "offset": 4, "length": 2, "url": "https://a.vn"}]}
    bare = _press("fby:1")
    del bare["callback_query"]["message"]["reply_markup"]
    no_data = _press("x")
    del no_data["callback_query"]["data"]
    cases = [named, formatted, bare, no_data, _press("^sec:2"), _press(""), _press("^"),
             _press("fby:1") | {"callback_query": FAKE.callback_update(
                 42, "fby:1", chat_id=-1001, chat_type="supergroup")["callback_query"]}]
    for raw in cases:
        light = read_update(copy.deepcopy(raw), bot=BOT)
        assert isinstance(light, PlainPress), raw
        full = Update.model_validate(raw)
        assert (translate(light, bot_username="troly_test_bot", now=NOW)
                == translate(full, bot_username="troly_test_bot", now=NOW)), raw
        assert chat_key(light) == chat_key(full)
        assert _pressed_on(light) == _pressed_on(full), raw
    result = translate(read_update(named, bot=BOT), bot_username=None, now=NOW)
    assert isinstance(result, Dispatch) and isinstance(result.event, ButtonPressed)
    assert (result.event.payload, result.event.keyboard, result.event.ack_id) == (
        "fby:1", "7", named["callback_query"]["id"])
    assert result.event.sender.display_name == "Lan Văn A"


def test_other_presses_are_validated_by_aiogram() -> None:
    inline = _press("fby:1", inline_message_id="AAA")
    del inline["callback_query"]["message"]
    inaccessible = _press("fby:1")
    inaccessible["callback_query"]["message"] = {"chat": {"id": 42, "type": "private"},
                                                 "message_id": 7, "date": 0}
    link_button = _press("fby:1")
    link_button["callback_query"]["message"]["reply_markup"]["inline_keyboard"].append(
        [{"text": "Mở", "url": "https://a.vn"}])
    game = _press("fby:1", game_short_name="g")
    for raw in [inline, inaccessible, link_button, game]:
        update = read_update(copy.deepcopy(raw), bot=BOT)
        assert isinstance(update, Update), raw
        assert translate(update, bot_username=None, now=NOW) == _tr(raw)


def test_a_malformed_press_is_refused_as_before() -> None:
    no_id = _press("fby:1")
    del no_id["callback_query"]["id"]
    numeric_id = _press("fby:1", id=5)
    numeric_data = _press("fby:1", data=5)
    no_sender = _press("fby:1")
    del no_sender["callback_query"]["from"]
    bad_chat = _press("fby:1")
    bad_chat["callback_query"]["message"]["chat"] = "42"
    bad_button = _press("fby:1")
    bad_button["callback_query"]["message"]["reply_markup"] = {"inline_keyboard": [["x"]]}
    huge_date = _press("fby:1")
    huge_date["callback_query"]["message"]["date"] = 2 ** 62
    for raw in [no_id, numeric_id, numeric_data, no_sender, bad_chat, bad_button, huge_date]:
        with pytest.raises(ValueError):
            Update.model_validate(copy.deepcopy(raw))  # refused by aiogram…
        with pytest.raises(ValueError):
            read_update(raw, bot=BOT)  # …and so by troly
