"""The fake Bot API server behaves like Telegram where our code depends on it (via real aiogram)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile

from testkit.fake_telegram import FakeBotAPI, FakeError


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """A running fake server."""
    async with FakeBotAPI() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    """The real aiogram client pointed at the fake."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url), timeout=0.5)
    client = Bot(fake.token, session=session)
    yield client
    await client.session.close()


async def test_send_and_count_per_chat(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.send_message(5, "xin chào")
    await bot.send_message(5, "lần hai")
    await bot.send_message(6, "người khác")
    assert fake.sent_per_chat == {"5": 2, "6": 1}
    assert fake.texts(5) == ["xin chào", "lần hai"]


async def test_html_is_validated_like_telegram(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_message(5, "<b>Đậm</b> &amp; 1 &lt; 2", parse_mode="HTML")
    assert message.text == "Đậm & 1 < 2"
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(5, "1 < 2 & 3", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="too long"):
        await bot.send_message(5, "a" * 4097)


async def test_scripted_errors_in_order(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail("sendMessage", FakeError.retry_after(3))
    fake.fail("sendMessage", FakeError.blocked(), chat_id=7)
    fake.fail("sendMessage", FakeError.server_error())
    with pytest.raises(TelegramRetryAfter) as retry:
        await bot.send_message(5, "x")
    assert retry.value.retry_after == 3
    with pytest.raises(TelegramServerError):
        await bot.send_message(5, "x")  # the 403 script is for chat 7 only
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(7, "x")
    await bot.send_message(7, "x")
    assert fake.sent_per_chat == {"7": 1}
    assert [r.status for r in fake.calls("sendMessage")] == [429, 500, 403, 200]


async def test_delay_times_out_the_client_but_delivers(fake: FakeBotAPI, bot: Bot) -> None:
    fake.delay("sendMessage", 1.5)
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(5, "chậm")
    assert fake.texts(5) == ["chậm"]


async def test_rate_limit_answers_429() -> None:
    async with FakeBotAPI(rate_limit=3, rate_retry_after=2) as fake:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
        try:
            for chat in range(3):
                await bot.send_message(chat + 1, "ok")
            with pytest.raises(TelegramRetryAfter) as exc:
                await bot.send_message(9, "quá nhanh")
        finally:
            await bot.session.close()
    assert exc.value.retry_after == 2
    assert fake.rate_limited == 1
    assert sum(fake.sent_per_chat.values()) == 3


async def test_updates_offset_and_webhook_conflict(fake: FakeBotAPI, bot: Bot) -> None:
    first = fake.push(fake.text_update(11, "/start ABC"))
    fake.push(fake.text_update(11, "hai"))
    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [first, first + 1]
    assert updates[0].message is not None and updates[0].message.text == "/start ABC"
    assert await bot.get_updates(offset=first + 2, timeout=0) == []
    assert fake.pending_updates == 0
    await bot.set_webhook("https://example.invalid/hook", secret_token="s3cret")
    with pytest.raises(TelegramConflictError):
        await bot.get_updates(timeout=0)


async def test_files_and_callbacks(fake: FakeBotAPI, bot: Bot) -> None:
    update = fake.document_update(11, "hd.md", b"# Tieu de\n")
    document = update["message"]["document"]
    file = await bot.get_file(document["file_id"])
    assert file.file_path is not None
    data = await bot.download_file(file.file_path)
    assert data is not None and data.read() == b"# Tieu de\n"
    big = fake.document_update(11, "lon.pdf", None, size=25 * 1024 * 1024)
    with pytest.raises(TelegramBadRequest, match="too big"):
        await bot.get_file(big["message"]["document"]["file_id"])
    await bot.send_document(5, BufferedInputFile(b"xlsx", "bao_cao.xlsx"))
    assert fake.documents[0]["content"] == b"xlsx"
    assert await bot.answer_callback_query("q1")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("q1")
