"""Guidance Q&A through the real dispatcher over the bundled demo guides."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import UnansweredQuestion
from bot.texts import ask as T
from tests.harness import BotHarness, payloads, texts


async def test_question_without_diacritics_is_answered_with_its_source(
    kb_harness: BotHarness,
) -> None:
    replies = await kb_harness.say("to cong nghe so cong dong gom nhung ai")
    answer = texts(replies)
    assert "Tổ công nghệ số cộng đồng" in answer
    assert "📖 Hướng dẫn triển khai chuyển đổi số cấp xã" in answer
    assert "Mục: " in answer


async def test_answer_fits_a_phone_screen(kb_harness: BotHarness) -> None:
    replies = await kb_harness.say("cach ky so van ban tren dien thoai")
    assert replies and len(replies[0].text) < 1200


async def test_see_also_button_shows_another_passage(kb_harness: BotHarness) -> None:
    replies = await kb_harness.say("thoi han bao cao tien do hang tuan")
    see = [p for p in payloads(replies) if p.startswith("see:")]
    assert 1 <= len(see) <= 3
    other = await kb_harness.press(see[0])
    assert "📖" in texts(other)
    assert texts(other) != texts(replies)


async def test_unanswerable_question_is_declined_and_logged(kb_harness: BotHarness) -> None:
    replies = await kb_harness.say("gia vang hom nay bao nhieu mot chi")
    assert T.NOT_FOUND in texts(replies)
    assert "📖" not in texts(replies)
    async with kb_harness.app.sessionmaker() as session:
        logged = (await session.execute(select(UnansweredQuestion))).scalars().all()
    assert [q.text for q in logged] == ["gia vang hom nay bao nhieu mot chi"]


async def test_ask_command_and_empty_question(kb_harness: BotHarness) -> None:
    assert T.ASK_WHAT in texts(await kb_harness.say("/hoi"))
    assert "📖" in texts(await kb_harness.say("/hoi to cong nghe so cong dong gom nhung ai"))


async def test_empty_knowledge_base_says_so(harness: BotHarness) -> None:
    assert T.NO_GUIDES in texts(await harness.say("thu tuc bao cao"))


async def test_guides_can_be_private(kb_harness: BotHarness) -> None:
    kb_harness.app.dispatcher.deps.settings.guides_public = False
    replies = await kb_harness.say("to cong nghe so cong dong gom nhung ai", user="stranger")
    assert "đăng ký" in texts(replies)
    await kb_harness.make_official("Lan", user="member")
    assert "📖" in texts(await kb_harness.say("to cong nghe so cong dong gom nhung ai",
                                               user="member"))


async def test_stale_see_also_button_is_explained(kb_harness: BotHarness) -> None:
    assert T.PASSAGE_GONE in texts(await kb_harness.press("see:999999"))
    assert T.PASSAGE_GONE in texts(await kb_harness.press("see:abc"))


def test_corrected_question_replaces_words_in_place() -> None:
    from handlers.ask import corrected_question

    assert corrected_question("Thur tucj baos caos?", (("thur", "thủ"), ("tucj", "tục"),
                                                       ("baos", "báo"), ("caos", "cáo"))) \
        == "thủ tục báo cáo?"



async def test_telex_question_is_understood(kb_harness: BotHarness) -> None:
    replies = await kb_harness.say("toor coong ngheej soos coongj ddoongf goomf nhuwngx ai")
    answer = texts(replies)
    assert "Tổ công nghệ số cộng đồng" in answer
    assert "Tôi hiểu câu hỏi là" in answer
