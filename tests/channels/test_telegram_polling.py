"""Telegram end to end through the real aiogram client and FakeBotAPI, in long-polling mode."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.channels.telegram.render import REUSABLE_MARK
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Guide, UnansweredQuestion
from bot.texts import channels as TC
from bot.texts import commands as CMD
from bot.texts import common as C
from bot.texts import guide_upload as UT
from bot.texts import guides as G
from testkit.fake_telegram import FakeBotAPI, FakeError
from tests.channels.telegram_support import (
    TelegramRun,
    button_data,
    callback_data,
    exchange,
    running_telegram,
    say,
    shown,
)
from tests.harness import BotHarness, fields
from tests.world import World

USER = 4201
GUIDE_MD = (
    "# Hướng dẫn sử dụng phòng họp trực tuyến\n\n"
    "## Đặt lịch phòng họp\n\n"
    "Cán bộ đặt lịch phòng họp trực tuyến trên cổng nội bộ trước ít nhất hai ngày làm việc, "
    "ghi rõ thành phần tham dự và đường truyền cần dùng.\n"
).encode()


@pytest.fixture
async def tg(settings: Settings, clock: ManualClock, fake: FakeBotAPI) -> AsyncIterator[TelegramRun]:
    """troly with Telegram (polling) and the demo guides."""
    async with running_telegram(settings, clock, fake, load_demo=True) as run:
        yield run


async def test_start_up_menu_webhook_removed_and_allowed_updates(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    await harness.make_official("Quản trị", role="admin", user=str(USER), channel="telegram")
    await harness.make_official("Cán bộ", role="official", user="77", channel="telegram")
    async with running_telegram(settings, clock, fake) as run:
        await fake.wait_for(lambda f: len(f.calls("getUpdates")) >= 1)
        assert run.parts.inbound.bot_username == "troly_test_bot"
    assert fake.calls("getMe") and fake.calls("deleteWebhook")
    default = fake.commands[(json.dumps({"type": "default"}), "")]
    names = {c["command"] for c in default}
    assert {"start", "trogiup", "hoi", "huongdan"} <= names
    assert "thuhoi" not in names  # admin-only commands stay out of everyone's menu
    assert "chuatraloi" not in names  # so do commands most officials would be refused
    assert {c["command"]: c["description"] for c in default}["hoi"] == CMD.ASK  # bot/texts wording
    admin_scope = json.dumps({"chat_id": USER, "type": "chat"}, sort_keys=True)
    admin_names = {c["command"] for c in fake.commands[(admin_scope, "")]}
    assert {"thuhoi", "chuatraloi"} <= admin_names and names <= admin_names
    groups = {c["command"] for c in fake.commands[(json.dumps({"type": "all_group_chats"}), "")]}
    assert groups == {"start", "trogiup", "hoi", "huongdan", "chiase"}  # only what groups are answered
    assert len(fake.commands) == 3  # the plain official got no chat-specific menu
    polls = fake.calls("getUpdates")
    assert polls[0].params["allowed_updates"] == ["message", "callback_query", "my_chat_member"]


async def test_question_answered_with_buttons_and_callback_answered(tg: TelegramRun) -> None:
    fake = tg.fake
    assert C.WELCOME.format(bot=C.BOT_NAME) in await say(fake, fake.text_update(USER, "/start"))
    sent = await exchange(fake, fake.text_update(USER, "bao cao tien do hang tuan nhu the nao"))
    answer = sent[-1]
    assert answer["parse_mode"] == "HTML"
    assert "📖" in shown(answer)  # the answer cites its guide
    buttons = callback_data(answer)  # see also, then 'Hữu ích' / 'Chưa đúng'
    assert [b.split(":")[0] for b in buttons][-2:] == ["fby", "fbn"]
    assert buttons[0].startswith(REUSABLE_MARK + "sec:")  # see also: navigation, reusable
    texts = await say(fake, fake.callback_update(USER, buttons[0], query_id="q-777"))
    assert fake.answered == ["q-777"]
    assert len(texts) == 1 and "📖" in texts[0] and texts[0] != shown(answer)
    answered_at = fake.calls("answerCallbackQuery")[0].at
    assert answered_at < fake.sent_at[-1]  # the spinner stops before the answer is computed


async def test_parse_error_is_resent_as_plain_text(tg: TelegramRun) -> None:
    fake = tg.fake
    fake.fail("sendMessage", FakeError.parse_error())
    texts = await say(fake, fake.text_update(USER, "/huy"))
    assert texts == [C.NOTHING_TO_CANCEL]
    first, second = fake.calls("sendMessage")
    assert first.status == 400 and first.params["parse_mode"] == "HTML"
    assert "parse_mode" not in second.params and second.status == 200
    assert second.params["text"] == C.NOTHING_TO_CANCEL


async def test_403_marks_blocked_and_member_update_reactivates(tg: TelegramRun) -> None:
    fake = tg.fake
    await say(fake, fake.text_update(USER, "/huy"))
    assert await tg.account_status(USER) == "active"
    fake.fail("sendMessage", FakeError.blocked())
    assert await say(fake, fake.text_update(USER, "/huy")) == []
    assert await tg.account_status(USER) == "blocked"
    await exchange(fake, fake.member_update(USER, "member"))
    assert await tg.account_status(USER) == "active"
    await exchange(fake, fake.member_update(USER, "kicked"))
    assert await tg.account_status(USER) == "blocked"
    assert len(fake.sent) == 1  # neither membership change produced a message


async def test_repeated_update_id_is_processed_once(tg: TelegramRun) -> None:
    fake = tg.fake
    update = fake.text_update(USER, "/huy")
    texts = await say(fake, update, dict(update))  # Telegram re-delivers the same update_id
    assert texts == [C.NOTHING_TO_CANCEL]


async def test_admin_document_is_downloaded_and_ingested(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    await harness.make_official("Quản trị", role="admin", user=str(USER), channel="telegram")
    async with running_telegram(settings, clock, fake) as run:
        [summary] = await exchange(fake, fake.document_update(USER, "phong-hop.md", GUIDE_MD,
                                                             mime_type="text/markdown"))
        # what the file holds, and the choices before it is stored (handlers/guide_upload.py)
        assert (fields(shown(summary), UT.SUMMARY_FILE) or {}).get("title") \
            == "Hướng dẫn sử dụng phòng họp trực tuyến"
        assert len(fake.calls("getFile")) == 1 and len(fake.downloads) == 1
        texts = await say(fake, fake.callback_update(
            USER, button_data(summary, UT.BUTTON_SAVE), message_id=fake.sent_ids[-1]))
        assert (fields(texts[0], G.ADDED) or {}).get("title") \
            == "Hướng dẫn sử dụng phòng họp trực tuyến"
        await run.app.dispatcher.drain()  # the index is rebuilt after commit
        texts = await say(fake, fake.text_update(USER, "dat lich phong hop truc tuyen"))
        assert "hai ngày làm việc" in texts[-1]


async def test_large_document_refused_without_download(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    await harness.make_official("Quản trị", role="admin", user=str(USER), channel="telegram")
    async with running_telegram(settings, clock, fake) as run:
        texts = await say(fake, fake.document_update(USER, "scan.pdf", None,
                                                     size=25 * 1024 * 1024,
                                                     mime_type="application/pdf"))
        async with run.app.sessionmaker() as session:
            guides = (await session.execute(select(func.count()).select_from(Guide))).scalar()
    assert texts == [G.FILE_TOO_LARGE_TO_DOWNLOAD.format(file="scan.pdf", limit=20)]
    assert not fake.calls("getFile") and not fake.downloads
    assert guides == 0


async def test_document_not_downloaded_is_answered_through_the_dispatcher(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    await harness.make_official("Quản trị", role="admin", user=str(USER), channel="telegram")
    async with running_telegram(settings, clock, fake) as run:
        fake.fail("getFile", FakeError.server_error())
        texts = await say(fake, fake.document_update(USER, "phong-hop.md", GUIDE_MD,
                                                     mime_type="text/markdown"))
        assert texts == [TC.FILE_DOWNLOAD_FAILED.format(file="phong-hop.md")]
        assert not fake.downloads
        async with run.app.sessionmaker() as session:
            assert (await session.execute(select(func.count()).select_from(Guide))).scalar() == 0
        texts = await say(fake, fake.document_update(USER, "phong-hop.md", GUIDE_MD,
                                                     mime_type="text/markdown"))
        assert fields(texts[0], UT.SUMMARY_FILE)  # sent again: read


async def test_non_admin_document_politely_refused(tg: TelegramRun) -> None:
    fake = tg.fake
    texts = await say(fake, fake.document_update(USER, "ghichu.txt", "xin chào".encode()))
    assert texts == [G.ONLY_ADMINS_UPLOAD]


async def test_photo_and_sticker_get_a_polite_notice(tg: TelegramRun) -> None:
    fake = tg.fake
    assert await say(fake, fake.photo_update(USER)) == [C.IMAGE_NOT_SUPPORTED]
    sticker = fake.text_update(USER, "x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {"file_id": "S1", "file_unique_id": "s1", "type": "regular",
                                     "width": 1, "height": 1, "is_animated": False,
                                     "is_video": False}
    # a repeat of the same update is dropped here too
    assert await say(fake, sticker, dict(sticker)) == [TC.UNSUPPORTED_MESSAGE]


async def test_a_photo_s_caption_is_answered_as_typed_text(tg: TelegramRun) -> None:
    """A photo with a question under it: the notice that images are not read, then what the
    same question typed gets (Zalo does the same: tests/channels/zalo/test_routes.py)."""
    fake = tg.fake
    question = "Thủ tục đăng ký tạm trú cần giấy tờ gì?"
    typed = await say(fake, fake.text_update(USER + 1, question))
    assert typed
    captioned = await say(fake, fake.photo_update(USER, caption=question))
    assert captioned == [C.MEDIA_CAPTION_ONLY, *typed]
    # no caption (or only spaces): the notice alone, as before
    assert await say(fake, fake.photo_update(USER, caption="  ")) == [C.IMAGE_NOT_SUPPORTED]


async def test_group_chat_answers_only_commands_and_mentions(tg: TelegramRun) -> None:
    fake = tg.fake
    group = -100555

    def in_group(text: str) -> dict[str, Any]:
        return fake.text_update(USER, text, chat_id=group, chat_type="supergroup")

    assert await say(fake, in_group("chào cả nhà"), in_group("/trogiup@other_bot")) == []
    texts = await say(fake, in_group("/huy@troly_test_bot"), in_group("@troly_test_bot /huy"))
    assert texts == [C.NOTHING_TO_CANCEL, C.NOTHING_TO_CANCEL]


async def test_a_refused_document_s_caption_is_no_question(tg: TelegramRun) -> None:
    """An official (no admin) sends a file with a text under it: the refusal, saying the text
    was not read as a question, is the only reply; the caption is neither answered nor queued
    for admins (it was answered as typed, and mostly is the file's description: "Báo cáo tuần
    của tổ", found by the outside tester)."""
    fake = tg.fake
    caption = "Thủ tục đăng ký tạm trú cần giấy tờ gì?"
    before = await _unanswered(tg)
    texts = await say(fake, fake.document_update(USER, "ghichu.txt", "xin chào".encode(),
                                                 caption=caption))
    assert texts == [G.ONLY_ADMINS_UPLOAD + C.CAPTION_NOT_READ]
    # a type troly does not take, sent by an admin: its refusal alone too
    await World(tg.app.sessionmaker, now=tg.app.clock.now).official(
        "Quản trị", "DV1", role="admin", accounts={"telegram": str(USER + 5)})
    texts = await say(fake, fake.document_update(USER + 5, "anh.jpg", b"\xff\xd8\xff",
                                                 caption=caption))
    assert len(texts) == 1 and texts[0].endswith(C.CAPTION_NOT_READ), texts
    assert await _unanswered(tg) == before
    # no caption (or only spaces): the refusal alone, as before
    assert await say(fake, fake.document_update(USER, "b.txt", b"x", caption=" ")) \
        == [G.ONLY_ADMINS_UPLOAD]


async def _unanswered(tg: TelegramRun) -> int:
    async with tg.app.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(UnansweredQuestion))
                   or 0)


REPLACEMENT_MD = (
    "# Hướng dẫn sử dụng phòng họp trực tuyến năm 2027\n\n"
    "## Đặt lịch phòng họp\n\n"
    "Cán bộ đặt lịch phòng họp trực tuyến trên cổng nội bộ trước ít nhất ba ngày làm việc.\n"
).encode()


async def test_a_guide_s_caption_names_the_guide_it_replaces(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    """An admin sends a new guide with "thay thế …" under it: the summary already says which
    guide it replaces (as typing it there does), and storing links them; a guide that cannot be
    found is said, with the likeliest guides to choose from. The choice survives a restart."""
    await harness.make_official("Quản trị", role="admin", user=str(USER), channel="telegram")
    async with running_telegram(settings, clock, fake) as run:
        [summary] = await exchange(fake, fake.document_update(USER, "phong-hop.md", GUIDE_MD))
        await say(fake, fake.callback_update(USER, button_data(summary, UT.BUTTON_SAVE),
                                             message_id=fake.sent_ids[-1]))
        old = "Hướng dẫn sử dụng phòng họp trực tuyến"
        unknown = await exchange(fake, fake.document_update(
            USER, "phong-hop-2027.md", REPLACEMENT_MD, caption="thay thế HD-99"))
        assert shown(unknown[0]) == G.OPTION_GUIDE_NOT_FOUND.format(key="HD-99")
        assert (fields(shown(unknown[1]), UT.SUMMARY_REPLACES) or {}).get("title") \
            == UT.REPLACES_NONE and len(unknown) == 2  # then the summary, nothing chosen
        texts = await say(fake, fake.document_update(USER, "phong-hop-2027.md", REPLACEMENT_MD,
                                                     caption="Thay the: phòng họp trực tuyến"))
        assert texts[0] == UT.PREVIOUS_DROPPED.format(file="phong-hop-2027.md")
        assert (fields(texts[-1], UT.SUMMARY_REPLACES) or {}).get("title") == f"\u201c{old}\u201d"
        assert len(texts) == 2  # the summary, nothing asked about the caption
        save = button_data(fake.sent[-1], UT.BUTTON_SAVE)
    async with running_telegram(settings, clock, fake) as run:  # a restart before "Lưu"
        texts = await say(fake, fake.callback_update(USER, save, message_id=fake.sent_ids[-1]))
        assert fields(texts[0], G.ADDED), texts
        async with run.app.sessionmaker() as session:
            guides = {g.title: g for g in (await session.execute(select(Guide))).scalars()}
    assert guides["Hướng dẫn sử dụng phòng họp trực tuyến năm 2027"].replaces_id == guides[old].id
