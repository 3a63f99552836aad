"""Group chats in the core: only group-safe commands and buttons are answered; conversations,
files and codes never run where everyone reads along (channel-neutral, through the dispatcher)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.channels.telegram.parse import Dispatch, translate
from bot.channels.zalo.webhook import parse_event
from bot.clock import ManualClock
from bot.db import people_store
from bot.db.models import Invitation
from bot.events import ButtonPressed, ChatRef, FileReceived, Sender, TextMessage
from bot.messages import OutgoingMessage
from bot.texts import checkin as CT
from bot.texts import common as C
from bot.texts import people as P
from handlers.registration import InviteChoice
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
    # files are taken in the private chat only (the note says so, rather than "type the command")
    assert texts(await h.app.dispatcher.feed(file)) == C.FILE_ONLY_IN_PRIVATE.format(link="")
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


async def _codes(h: BotHarness) -> dict[str, Invitation]:
    async with h.app.sessionmaker() as session:
        return {i.code: i for i in (await session.execute(select(Invitation))).scalars()}


async def test_no_code_is_ever_posted_in_a_group(harness: BotHarness) -> None:
    """An adversarial test once found an admin's /moi in a supergroup posting the admin code to
    everyone. Every way to an invitation or identity (/lienket) code, typed in a group by an
    admin, a head, an official or a stranger, is answered without any code and creates none; a
    real code typed there in any form is burnt or left unanswered, never repeated."""
    h = harness
    await h.make_official("Quản trị", role="admin", user="admin", channel="telegram",
                          unit_code="DV1")
    await h.make_official("Trưởng", role="head", user="head", channel="telegram", unit_code="DV1")
    await h.make_official("Lan", user="lan", channel="telegram", unit_code="DV1")
    await h.world.official("Chưa gắn", "DV1", accounts={}, code="CB003")  # imported, no chat
    async with h.app.sessionmaker.begin() as session:  # codes that exist (the group must not see)
        live = [(await people_store.create_invitation(
            session, now=h.clock.now(), ttl=timedelta(days=1), unit_id=None,
            role=role)).code for role in ("admin", "official", "official", "official", "official")]
    before = await _codes(h)
    said: list[str] = []
    for user in ("admin", "head", "lan", "stranger"):
        for text in ("/moi Nguyễn Văn A", "/moi DV1 quantri Trần B", "/moi 48h Lê C", "/moi",
                     "/lienket", "/mamoi", "/taikhoan", "/trogiup", "/start", "/link",
                     "/invite Ai Đó", "/moi CB003", "/moi DV1 CB003",
                     f"/hoi mã mời {live[0]} là gì"):
            said.append(texts(await _in_group(h, user, text)))
        press = ButtonPressed(chat=GROUP, sender=Sender(user), at=h.clock.now(),
                              payload=InviteChoice("new", "1:official:24:Ai").pack(),
                              chat_kind="group")
        said.append(texts(await h.app.dispatcher.feed(press)))
    # a real code typed in the group, in every form: burnt, never repeated
    said.append(texts(await _in_group(h, "stranger", f"/start {live[1]}")))
    said.append(texts(await _in_group(h, "lan", f"/start {live[2]}")))
    said.append(texts(await _in_group(h, "stranger", live[3])))
    said.append(texts(await _in_group(h, "stranger", f"/{live[4]}")))
    after = await _codes(h)
    assert set(after) == set(before), "a command typed in a group created a code"
    for reply in said:
        for code in after:
            assert code.casefold() not in reply.casefold(), (code, reply)
    for code in live[1:]:
        assert after[code].revoked_at is not None  # everyone saw it
    assert after[live[0]].revoked_at is None  # quoted in a question: not a try (kept as it was)


def test_zalo_group_messages_are_not_events() -> None:
    """Zalo's OA answers people one to one: messages in Zalo groups (GMF) are not turned into
    events, so nothing is ever answered into one."""
    for name in ("user_send_group_text", "oa_send_group_text", "user_send_group_link"):
        payload = {"event_name": name, "timestamp": "1764000000000",
                   "sender": {"id": "42"}, "message": {"text": "/lienket", "msg_id": "m1"}}
        assert parse_event(payload) is None
