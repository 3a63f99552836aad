"""Pure webhook logic: signature and payload parsing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from bot.channels.zalo.channel import plan_messages
from bot.channels.zalo.webhook import (
    MalformedEvent,
    file_url,
    parse_event,
    verify_signature,
)
from bot.events import (
    ButtonPressed,
    FileReceived,
    MessagesSeen,
    Subscribed,
    TextMessage,
    Unsubscribed,
    UnsupportedMedia,
)
from bot.messages import CANCEL_COMMAND, Button, OutgoingMessage, from_payload, to_payload
from bot.texts import zalo as ZT

BODY = b'{"app_id":"4242","event_name":"user_send_text","timestamp":"1795000000000"}'


def _mac(body: bytes, app_id: str = "4242", ts: str = "1795000000000",
         key: str = "oa-key") -> str:
    return "mac=" + hashlib.sha256(app_id.encode() + body + ts.encode() + key.encode()).hexdigest()


def test_signature_accepts_the_documented_construction() -> None:
    assert verify_signature(BODY, _mac(BODY), app_id="4242", timestamp="1795000000000",
                            oa_secret_key="oa-key")


@pytest.mark.parametrize("header", [
    None, "", "mac=", _mac(BODY, key="app-secret"), _mac(BODY, ts="1795000000001"),
    _mac(BODY, app_id="4243"), _mac(BODY + b" "),
    # HMAC instead of the plain hash (one project does this): must not verify
    "mac=" + __import__("hmac").new(b"oa-key", b"4242" + BODY + b"1795000000000",
                                    "sha256").hexdigest(),
])
def test_signature_rejects_anything_else(header: str | None) -> None:
    assert not verify_signature(BODY, header, app_id="4242", timestamp="1795000000000",
                                oa_secret_key="oa-key")


def _envelope(name: str, **message: object) -> dict[str, object]:
    return {"app_id": "4242", "event_name": name, "timestamp": "1795000000000",
            "sender": {"id": "8400000000000000001"}, "recipient": {"id": "999"},
            "message": message}


def test_text_and_button_payloads() -> None:
    text = parse_event(_envelope("user_send_text", msg_id="a1", text="thu tuc bao cao"))
    assert isinstance(text, TextMessage)
    assert (text.text, text.dedupe_key, text.chat.channel, text.chat.chat_id) == (
        "thu tuc bao cao", "a1", "zalo", "8400000000000000001")
    assert text.at == datetime.fromtimestamp(1795000000, tz=UTC)
    press = parse_event(_envelope("user_send_text", msg_id="a2", text="#btn:ci:yes"))
    assert isinstance(press, ButtonPressed)
    assert (press.payload, press.dedupe_key) == ("ci:yes", "a2")
    assert press.keyboard is None  # no keyboard id: not checked for staleness


def test_a_press_carries_its_keyboard_id() -> None:
    press = parse_event(_envelope("user_send_text", msg_id="a3",
                                  text="#btn:fbn:12:thủ tục|k1 ?|k0123456789abcdef"))
    assert isinstance(press, ButtonPressed)
    assert (press.payload, press.keyboard) == ("fbn:12:thủ tục|k1 ?", "0123456789abcdef")
    odd = parse_event(_envelope("user_send_text", msg_id="a4", text="#btn:ci:yes|kNOTHEX"))
    assert isinstance(odd, ButtonPressed)
    assert (odd.payload, odd.keyboard) == ("ci:yes|kNOTHEX", None)


def test_a_reusable_button_carries_no_keyboard_id() -> None:
    # navigation (a guide's sections) may be pressed again: no '|k' to refuse it by
    nav, choice = Button("Mục 1", "sec:1", reusable=True), Button("Hữu ích", "fby:1")
    planned = plan_messages(OutgoingMessage("Đáp", (nav, choice), keyboard="0123456789abcdef"))
    sent = [b["payload"] for b in planned[-1]["attachment"]["payload"]["buttons"]]
    assert sent == ["#btn:sec:1", "#btn:fby:1|k0123456789abcdef"]
    press = parse_event(_envelope("user_send_text", msg_id="a5", text=sent[0]))
    assert isinstance(press, ButtonPressed) and (press.payload, press.keyboard) == ("sec:1", None)


def _titles(planned: dict[str, object]) -> list[str]:
    attachment = planned.get("attachment")
    assert isinstance(attachment, dict)
    return [b["title"] for b in attachment["payload"]["buttons"]]


def test_over_five_buttons_a_typed_equivalent_is_said_instead() -> None:
    options = tuple(Button(f"Lựa chọn {n}", f"opt:{n}") for n in range(1, 6))
    cancel = Button("Huỷ", "upl:cancel", command=CANCEL_COMMAND)
    [one] = plan_messages(OutgoingMessage("Chọn vai trò", (*options, cancel)))
    assert one["text"] == "Chọn vai trò\n" + ZT.TYPED_OPTION.format(command="/huy",
                                                                    action="huỷ")
    assert _titles(one) == [b.label for b in options]
    # five or fewer: the button stays (it is the one-tap way)
    [fits] = plan_messages(OutgoingMessage("Chọn", (*options[:4], cancel)))
    assert fits["text"] == "Chọn" and _titles(fits)[-1] == "Huỷ"
    # no typed equivalent: the sixth goes under "more options", as before
    first, more = plan_messages(OutgoingMessage("Chọn", (*options, Button("Khác", "opt:6"))))
    assert _titles(first) == [b.label for b in options]
    assert (more["text"], _titles(more)) == (ZT.MORE_OPTIONS, ["Khác"])


def test_a_typed_equivalent_survives_the_outbox() -> None:
    message = OutgoingMessage("Chọn", (Button("A", "a"), Button("Huỷ", "c", command="/huy")))
    assert [b.command for b in from_payload(to_payload(message)).buttons] == [None, "/huy"]


def test_numeric_ids_stay_strings() -> None:
    payload = _envelope("user_send_text", msg_id=123456789012345678, text="a")
    payload["sender"] = {"id": 8400000000000000001}
    event = parse_event(payload)
    assert event is not None and event.chat.chat_id == "8400000000000000001"
    assert event.dedupe_key == "123456789012345678"


def test_file_event() -> None:
    payload = _envelope("user_send_file", msg_id="f1", attachments=[{"type": "file", "payload": {
        "url": "https://f.zdn.vn/a.pdf", "name": "huong-dan.pdf", "size": "2048",
        "checksum": "c", "type": "pdf"}}])
    event = parse_event(payload)
    assert isinstance(event, FileReceived)
    assert (event.file_name, event.size, event.content) == ("huong-dan.pdf", 2048, None)
    assert file_url(payload) == "https://f.zdn.vn/a.pdf"


def test_follow_unfollow_and_images() -> None:
    follow = {"app_id": "4242", "oa_id": "999", "event_name": "follow",
              "timestamp": "1795000000000", "follower": {"id": "77"}, "source": "qr"}
    assert isinstance(parse_event(follow), Subscribed)
    unfollow = dict(follow, event_name="unfollow")
    parsed = parse_event(unfollow)
    assert isinstance(parsed, Unsubscribed) and parsed.chat.chat_id == "77"
    assert parsed.dedupe_key != parse_event(follow).dedupe_key  # type: ignore[union-attr]
    image = parse_event(_envelope("user_send_image", msg_id="i1", attachments=[]))
    assert isinstance(image, UnsupportedMedia) and image.dedupe_key == "i1"
    assert image.caption == ""
    # the text typed under a photo is its caption (answered as typed); a sticker has none
    captioned = parse_event(_envelope("user_send_image", msg_id="i2", text="Hỏi gì?",
                                      attachments=[]))
    assert isinstance(captioned, UnsupportedMedia) and captioned.caption == "Hỏi gì?"
    sticker = parse_event(_envelope("user_send_sticker", msg_id="s1", text="x", attachments=[]))
    assert isinstance(sticker, UnsupportedMedia) and sticker.caption == ""
    seen = parse_event(_envelope("user_seen_message", msg_ids=["x", 12]))
    # a neutral event for the dispatcher, like every other inbound event
    assert isinstance(seen, MessagesSeen) and seen.message_ids == ("x", "12")
    assert parse_event(_envelope("user_received_message", msg_ids=["x"])) is None


@pytest.mark.parametrize("payload", [
    {"event_name": "user_send_text", "timestamp": "1795000000000", "message": {"text": "a"}},
    {"event_name": "user_send_text", "timestamp": "soon", "sender": {"id": "1"},
     "message": {"msg_id": "1", "text": "a"}},
    _envelope("user_send_text", msg_id="1"),
    _envelope("user_send_file", msg_id="1", attachments=[]),
    {"timestamp": "1795000000000"},
])
def test_malformed_payloads_raise(payload: dict[str, object]) -> None:
    with pytest.raises(MalformedEvent):
        parse_event(payload)
