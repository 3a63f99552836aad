"""TelegramChannel.send through real aiogram: rendering, splitting, files, error outcomes."""

from __future__ import annotations

import contextlib
import gc
import json
import socket
import weakref
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import SendMessage
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import Message
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram.channel import (
    KeepingSession,
    SendText,
    TelegramChannel,
    lean_call,
    send_text,
)
from bot.channels.telegram.render import split_for_telegram, utf16_len
from bot.errors import DeliveryError, DeliveryOutcome
from bot.events import ButtonPressed, ChatRef, Sender
from bot.messages import Attachment, Button, OutgoingMessage
from testkit.fake_telegram import FakeBotAPI, FakeError
from tests.channels.telegram_support import callback_data, shown

CHAT = ChatRef("telegram", "321")
AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def _bot(base_url: str, token: str, timeout: float = 1.0,
         session: type[AiohttpSession] = AiohttpSession) -> Bot:
    return Bot(token, session=session(api=TelegramAPIServer.from_base(base_url), timeout=timeout))


@pytest.fixture(params=[AiohttpSession, KeepingSession])
async def channel(fake: FakeBotAPI,
                  request: pytest.FixtureRequest) -> AsyncIterator[TelegramChannel]:
    """A channel over the real aiogram client: aiogram's own session (forms) and troly's (JSON)."""
    bot = _bot(fake.base_url, fake.token, session=request.param)
    yield TelegramChannel(bot)
    await bot.session.close()


async def test_text_is_escaped_and_buttons_become_an_inline_keyboard(
        fake: FakeBotAPI, channel: TelegramChannel) -> None:
    text = "Điều 5 <Khoản 2> & Điểm a: tỷ lệ < 30% (\"bắt buộc\")"
    sent = await channel.send(CHAT, OutgoingMessage(
        text, (Button("Xem thêm › Mục 1", "see:12"), Button("Mục 2", "see:13"))))
    assert sent.message_id is not None
    (params,) = fake.sent
    assert params["parse_mode"] == "HTML" and shown(params) == text  # the fake validates HTML
    assert callback_data(params) == ["see:12", "see:13"]


async def test_long_text_split_on_paragraphs_with_buttons_on_the_last(
        fake: FakeBotAPI, channel: TelegramChannel) -> None:
    paragraphs = [(f"Đoạn {i}: " + "nội dung hướng dẫn chi tiết " * 40).strip() for i in range(12)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 3 * 4096
    await channel.send(CHAT, OutgoingMessage(text, (Button("Tiếp", "see:1"),)))
    parts = [shown(p) for p in fake.sent]
    assert len(parts) >= 4
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert all(p.startswith("Đoạn ") for p in parts)  # cut on paragraph boundaries
    assert "\n\n".join(parts) == text
    assert [bool(callback_data(p)) for p in fake.sent] == [False] * (len(parts) - 1) + [True]


async def test_a_retry_sends_only_the_parts_not_delivered(
        fake: FakeBotAPI, channel: TelegramChannel) -> None:
    """A later part failing says how many went (DeliveryError.parts_sent); the retry given
    them sends the rest: text parts, the keyboard on the last one, then the file."""
    text = "\n\n".join(f"Đoạn {i}: " + "nội dung " * 330 for i in range(2))
    sheet = Attachment("bao-cao.pdf", b"%PDF", "application/pdf")
    message = OutgoingMessage(text, (Button("Tiếp", "see:1"),), attachments=(sheet,))
    fake.fail("sendMessage", FakeError.server_error(), after=1)
    with pytest.raises(DeliveryError) as failed:
        await channel.send(CHAT, message)
    assert failed.value.parts_sent == 1 and [shown(p)[:7] for p in fake.sent] == ["Đoạn 0:"]
    fake.fail("sendDocument", FakeError.server_error())
    with pytest.raises(DeliveryError) as failed:
        await channel.send(CHAT, replace(message, parts_sent=1))
    assert failed.value.parts_sent == 2
    assert [shown(p)[:7] for p in fake.sent] == ["Đoạn 0:", "Đoạn 1:"]
    assert [bool(callback_data(p)) for p in fake.sent] == [False, True]
    await channel.send(CHAT, replace(message, parts_sent=2))
    assert len(fake.sent) == 2 and len(fake.calls("sendDocument")) == 2


async def test_a_long_paragraph_is_split_between_sentences(fake: FakeBotAPI,
                                                            channel: TelegramChannel) -> None:
    # one paragraph, ~5,100 characters without a line break; "&" and "<" escaped per part
    text = ("Hồ sơ gồm tờ trình & dự thảo <kèm phụ lục> gửi Văn phòng trước thứ Sáu. " * 70).strip()
    await channel.send(CHAT, OutgoingMessage(text))
    parts = [shown(p) for p in fake.sent]
    assert len(parts) == 2 and all(utf16_len(p) <= 4096 for p in parts)
    assert all(p.endswith("gửi Văn phòng trước thứ Sáu.") for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "đ", "ế", " ", "\n", "\n\n", "😀", "<", "&", "chữ "]),
                max_size=9000).map("".join))
def test_split_parts_fit_and_keep_every_character(text: str) -> None:
    parts = split_for_telegram(text)
    assert all(0 < utf16_len(p) <= 4096 for p in parts)
    # only whitespace at the cuts may go; every other character stays, in order
    assert "".join("".join(parts).split()) == "".join(text.split())


async def test_attachments_photo_for_images_document_otherwise(
        fake: FakeBotAPI, channel: TelegramChannel) -> None:
    await channel.send(CHAT, OutgoingMessage("Báo cáo tuần", attachments=(
        Attachment("bieu-do.png", b"\x89PNG...", "image/png"),
        Attachment("bao-cao.xlsx", b"PK...", "application/vnd.openxmlformats-officedocument"
                                              ".spreadsheetml.sheet"),
    )))
    assert [shown(p) for p in fake.sent] == ["Báo cáo tuần"]
    assert [p["content"] for p in fake.photos] == [b"\x89PNG..."]
    assert [(p["file_name"], p["content"]) for p in fake.documents] == [("bao-cao.xlsx", b"PK...")]


@pytest.mark.parametrize(("error", "outcome", "retry_after"), [
    (FakeError.retry_after(7), DeliveryOutcome.RATE_LIMITED, 7.0),
    (FakeError.blocked(), DeliveryOutcome.BLOCKED, None),
    (FakeError.chat_not_found(), DeliveryOutcome.PERMANENT, None),
    (FakeError.server_error(), DeliveryOutcome.TRANSIENT, None),
])
async def test_errors_map_to_outcomes(fake: FakeBotAPI, channel: TelegramChannel,
                                      error: FakeError, outcome: DeliveryOutcome,
                                      retry_after: float | None) -> None:
    fake.fail("sendMessage", error)
    with pytest.raises(DeliveryError) as exc:
        await channel.send(CHAT, OutgoingMessage("xin chào"))
    assert exc.value.outcome is outcome and exc.value.channel == "telegram"
    assert exc.value.retry_after == retry_after
    assert fake.sent == []


async def test_a_group_upgraded_to_a_supergroup_gets_the_message_at_its_new_id(
        fake: FakeBotAPI, channel: TelegramChannel) -> None:
    old, new = ChatRef("telegram", "-4001"), -1004001
    fake.fail("sendMessage", FakeError.migrated(new), chat_id=old.chat_id)
    long = ("Câu trả lời cho cả nhóm về thủ tục báo cáo tiến độ tuần. " * 80).strip()
    receipt = await channel.send(old, OutgoingMessage(
        long, buttons=(Button("Xem mục", "sec:1"),),
        attachments=(Attachment("a.pdf", b"%PDF", "application/pdf"),)))
    assert receipt.moved_to == str(new)  # the caller stores it (bot/db/chat_moves.py)
    assert (await channel.send(ChatRef("telegram", str(new)), OutgoingMessage("x"))).moved_to is None
    fake.sent.pop()
    assert len(fake.sent) == 2 and {str(p["chat_id"]) for p in fake.sent} == {str(new)}
    assert callback_data(fake.sent[-1]) == ["sec:1"]
    assert [str(p["chat_id"]) for p in fake.documents] == [str(new)]
    # a private chat or a group Telegram answers "chat not found" for: still permanent
    fake.fail("sendMessage", FakeError.chat_not_found())
    with pytest.raises(DeliveryError) as exc:
        await channel.send(old, OutgoingMessage("x"))
    assert exc.value.outcome is DeliveryOutcome.PERMANENT


async def test_parse_error_twice_is_bad_format(fake: FakeBotAPI,
                                               channel: TelegramChannel) -> None:
    fake.fail("sendMessage", FakeError.parse_error(), times=2)
    with pytest.raises(DeliveryError) as exc:
        await channel.send(CHAT, OutgoingMessage("x"))
    assert exc.value.outcome is DeliveryOutcome.BAD_FORMAT


async def test_timeout_after_sending_is_ambiguous(fake: FakeBotAPI,
                                                  channel: TelegramChannel) -> None:
    fake.delay("sendMessage", 2.0)
    with pytest.raises(DeliveryError) as exc:
        await channel.send(CHAT, OutgoingMessage("có thể đã tới"))
    assert exc.value.outcome is DeliveryOutcome.AMBIGUOUS
    assert fake.texts(321) == ["có thể đã tới"]  # it was in fact delivered


@pytest.mark.parametrize("session", [AiohttpSession, KeepingSession])
async def test_connection_refused_is_transient(session: type[AiohttpSession]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bot = _bot(f"http://127.0.0.1:{port}", "1:x", session=session)
    try:
        with pytest.raises(DeliveryError) as exc:
            await TelegramChannel(bot).send(CHAT, OutgoingMessage("x"))
    finally:
        await bot.session.close()
    assert exc.value.outcome is DeliveryOutcome.TRANSIENT


async def test_acknowledge_answers_the_callback_once(fake: FakeBotAPI,
                                                     channel: TelegramChannel) -> None:
    press = ButtonPressed(chat=CHAT, sender=Sender("321"), at=AT, payload="see:1",
                          ack_id="cq-9")
    await channel.acknowledge(press)
    await channel.acknowledge(press)  # a second answer is refused by Telegram: only logged
    assert fake.answered == ["cq-9"]


async def test_the_session_keeps_the_response_models_it_used() -> None:
    # aiogram builds Response[Message] per answer; pydantic caches it only weakly
    bot = Bot("1:token", session=KeepingSession())
    answer = json.dumps({"ok": True, "result": {
        "message_id": 1, "date": 0, "chat": {"id": 321, "type": "private"}, "text": "x"}})
    try:
        model = weakref.ref(type(bot.session.check_response(
            bot, SendMessage(chat_id=321, text="x"), 200, answer)))
        assert model() is Response[Message]
        gc.collect()
        assert model() is not None  # the next answer does not build it again
    finally:
        await bot.session.close()


async def test_the_message_id_is_the_one_telegram_gave(fake: FakeBotAPI,
                                                       channel: TelegramChannel) -> None:
    first = await channel.send(CHAT, OutgoingMessage("một"))
    second = await channel.send(CHAT, OutgoingMessage("hai", (Button("Tiếp", "see:1"),)))
    assert [first.message_id, second.message_id] == [str(i) for i in fake.sent_ids]


async def test_the_session_sends_json_and_uploads_as_forms(fake: FakeBotAPI) -> None:
    bot = _bot(fake.base_url, fake.token, session=KeepingSession)
    try:
        await TelegramChannel(bot).send(CHAT, OutgoingMessage(
            "Báo cáo <tuần>", (Button("Mục 1", "sec:1", reusable=True),), silent=True,
            attachments=(Attachment("bao-cao.pdf", b"%PDF", "application/pdf"),)))
    finally:
        await bot.session.close()
    # JSON keeps the values' types (a form would carry the strings "321" and "true")
    assert fake.sent == [{"chat_id": 321, "text": "Báo cáo &lt;tuần&gt;", "parse_mode": "HTML",
                          "disable_notification": True, "reply_markup": {"inline_keyboard": [
                              [{"text": "Mục 1", "callback_data": "^sec:1"}]]}}]
    (action,) = fake.calls("sendChatAction")
    assert action.params == {"chat_id": 321, "action": "upload_document"}
    (document,) = fake.documents
    assert (document["file_name"], document["content"]) == ("bao-cao.pdf", b"%PDF")
    assert fake.calls("sendDocument")[0].params["chat_id"] == "321"  # multipart: strings


async def test_the_session_maps_error_answers_like_aiogram(fake: FakeBotAPI) -> None:
    bot = _bot(fake.base_url, fake.token, session=KeepingSession)
    fake.fail("answerCallbackQuery", FakeError.retry_after(3))
    try:
        with pytest.raises(TelegramRetryAfter) as exc:
            await bot.answer_callback_query("cq-1")
    finally:
        await bot.session.close()
    assert exc.value.retry_after == 3


@contextlib.asynccontextmanager
async def _answering(status: int, body: str,
                     session: type[AiohttpSession] = KeepingSession) -> AsyncIterator[Bot]:
    """A bot whose Bot API, on 127.0.0.1, answers every method with `body`."""
    async def answer(_request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"  # type: ignore[attr-defined]
    bot = _bot(url, "1:x", session=session)
    try:
        yield bot
    finally:
        await bot.session.close()
        await runner.cleanup()


@pytest.mark.parametrize("session", [AiohttpSession, KeepingSession])
async def test_a_success_without_a_message_id_is_a_decode_error(
        session: type[AiohttpSession]) -> None:
    # troly's own reading of a success falls back to aiogram's check, which refuses it
    async with _answering(200, '{"ok": true, "result": {"date": 0}}', session) as bot:
        with pytest.raises(DeliveryError) as exc:
            await TelegramChannel(bot).send(CHAT, OutgoingMessage("x"))
    assert (exc.value.outcome, exc.value.code) == (DeliveryOutcome.TRANSIENT, "decode")


@pytest.mark.parametrize("session", [AiohttpSession, KeepingSession])
async def test_a_success_aiogram_reads_leniently_gives_the_same_message_id(
        session: type[AiohttpSession]) -> None:
    # a message id as digits is not what troly reads itself; aiogram's model reads it (lax int)
    async with _answering(200, '{"ok": true, "result": {"message_id": "77"}}', session) as bot:
        sent = await TelegramChannel(bot).send(CHAT, OutgoingMessage("x"))
    assert sent.message_id == "77"


async def test_an_error_answer_to_a_lean_call_is_aiograms_exception() -> None:
    answer = '{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked"}'
    async with _answering(403, answer) as bot:
        with pytest.raises(TelegramForbiddenError) as exc:
            await lean_call(bot, send_text(321, "x", None, None, None))
    assert isinstance(exc.value.method, SendText) and exc.value.method.chat_id == 321


async def test_request_middlewares_still_see_aiograms_models(fake: FakeBotAPI) -> None:
    bot = _bot(fake.base_url, fake.token, session=KeepingSession)
    seen: list[object] = []

    async def middleware(make_request: NextRequestMiddlewareType[Any], bot: Bot,
                         method: TelegramMethod[Any]) -> Any:
        seen.append(method)
        return await make_request(bot, method)

    bot.session.middleware(middleware)
    try:
        sent = await TelegramChannel(bot).send(CHAT, OutgoingMessage("xin chào"))
    finally:
        await bot.session.close()
    assert [type(m) for m in seen] == [SendText]
    assert sent.message_id == str(fake.sent_ids[0])
    assert fake.sent == [{"chat_id": 321, "text": "xin chào", "parse_mode": "HTML"}]
