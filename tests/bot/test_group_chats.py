"""Group chats in the core: only group-safe commands and buttons are answered; conversations,
files and codes never run where everyone reads along (channel-neutral, through the dispatcher)."""

from __future__ import annotations

from datetime import date

from bot.channels.telegram.parse import Dispatch, translate
from bot.clock import ManualClock
from bot.events import ButtonPressed, ChatRef, FileReceived, Sender, TextMessage
from bot.messages import OutgoingMessage
from bot.texts import checkin as CT
from bot.texts import common as C
from bot.texts import people as P
from testkit.fake_telegram import FakeBotAPI
from tests.conftest import T0
from tests.harness import BotHarness, fits, texts

GROUP = ChatRef("telegram", "-100900")


async def _in_group(h: BotHarness, user: str, text: str) -> list[OutgoingMessage]:
    event = TextMessage(chat=GROUP, sender=Sender(user), at=h.clock.now(), text=text,
                        chat_kind="group")
    return await h.app.dispatcher.feed(event)


async def test_a_check_in_started_in_private_never_continues_in_a_group(
        harness: BotHarness) -> None:
    h = harness
    lan = await h.make_official("Lan", user="lan", channel="telegram")
    await h.world.tasks([lan], [("NV1", "Số hoá hồ sơ", date(2026, 12, 11))])
    assert "Số hoá hồ sơ" in texts(await h.say("/baocao", user="lan", channel="telegram"))
    # the same person in a group: their private conversation is not there, nor started there
    in_group = texts(await _in_group(h, "lan", "50"))
    assert "Số hoá hồ sơ" not in in_group and "tiến độ" not in in_group
    assert texts(await _in_group(h, "lan", "/baocao")) == C.USE_PRIVATE_CHAT.format(link="")
    # …and their private conversation is untouched
    assert CT.ASK_STATUS in texts(await h.say("50", user="lan", channel="telegram"))


async def test_help_in_a_group_lists_only_what_works_there(harness: BotHarness) -> None:
    h = harness
    await h.make_official("Quản trị", role="admin", user="admin", channel="telegram")
    listing = texts(await _in_group(h, "admin", "/trogiup"))
    assert "/hoi" in listing and "/huongdan" in listing
    assert "/moi" not in listing and "/hangdoi" not in listing and "/lienket" not in listing
    private = texts(await h.say("/trogiup", user="admin", channel="telegram"))
    assert "/moi" in private


async def test_files_and_buttons_in_a_group_get_the_note(harness: BotHarness) -> None:
    h = harness
    await h.make_official("Quản trị", role="admin", user="admin", channel="telegram")
    file = FileReceived(chat=GROUP, sender=Sender("admin"), at=h.clock.now(), file_name="a.md",
                        size=5, content=b"# A\n", chat_kind="group")
    assert texts(await h.app.dispatcher.feed(file)) == C.USE_PRIVATE_CHAT.format(link="")
    press = ButtonPressed(chat=GROUP, sender=Sender("admin"), at=h.clock.now(),
                          payload="rem_checkin", chat_kind="group")
    assert texts(await h.app.dispatcher.feed(press)) == C.USE_PRIVATE_CHAT.format(link="")


async def test_guides_in_a_group_only_when_they_are_public(harness: BotHarness) -> None:
    h = harness
    await h.make_official("Lan", user="lan", channel="telegram")
    h.settings.guides_public = False
    refused = texts(await _in_group(h, "lan", "/hoi thủ tục"))
    assert refused == C.GUIDES_ONLY_FOR_MEMBERS  # she may read them, the group may not
    assert C.GUIDES_ONLY_FOR_MEMBERS not in texts(await h.say("/hoi thủ tục", user="lan",
                                                              channel="telegram"))


def test_telegram_marks_groups_and_supergroups() -> None:
    fake = FakeBotAPI()
    clock = ManualClock(T0)
    from aiogram.types import Update

    def kind(raw: dict[str, object]) -> str:
        result = translate(Update.model_validate(raw), bot_username="troly_test_bot",
                           now=clock.now())
        assert isinstance(result, Dispatch)
        return result.event.chat_kind

    assert kind(fake.text_update(1, "/trogiup")) == "private"
    for chat_type in ("group", "supergroup"):
        assert kind(fake.text_update(1, "/trogiup", chat_id=-5, chat_type=chat_type)) == "group"
        assert kind(fake.callback_update(1, "see:1", chat_id=-5, chat_type=chat_type)) == "group"
    assert kind(fake.callback_update(1, "see:1")) == "private"


async def test_start_in_a_group_says_to_join_in_private(harness: BotHarness) -> None:
    reply = texts(await _in_group(harness, "stranger", "/start"))
    assert fits(reply, P.HOW_TO_JOIN_IN_GROUP) and "/start <mã mời>" not in reply
