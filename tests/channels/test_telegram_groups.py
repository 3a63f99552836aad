"""Group chats through the real aiogram client and FakeBotAPI: nothing that makes a credential or
shows private data is answered in a supergroup — only a short note to use a private chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db import people_store
from bot.db.models import (
    ConversationState,
    Invitation,
    OutboxMessage,
    UnansweredQuestion,
    Unit,
)
from bot.outbox import NewRow, enqueue
from bot.texts import common as C
from bot.texts import people as P
from testkit.fake_telegram import FakeBotAPI
from tests.channels.telegram_support import (
    TelegramRun,
    callback_data,
    exchange,
    running_telegram,
    say,
    shown,
    shown_texts,
)
from tests.harness import BotHarness, fields, fits

ADMIN, OFFICIAL, MEMBER = 4201, 4202, 4203
GROUP = -1001234567
#: commands that may be answered where everyone reads along (the rest: private chat only)
# /chiase is the citizens' version of a guide: meant to be posted where people read it
GROUP_SAFE = {"start", "trogiup", "hoi", "huongdan", "chiase"}
#: what a group is told instead of a private answer: write to the bot privately (bot/texts)
PRIVATE_NOTES = (C.USE_PRIVATE_CHAT, C.CODE_IN_GROUP, C.FILE_ONLY_IN_PRIVATE,
                 P.HOW_TO_JOIN_IN_GROUP)
FILE_NOTE = C.FILE_ONLY_IN_PRIVATE.format(
    link=C.PRIVATE_CHAT_LINK.format(url="https://t.me/troly_test_bot"))


def _private_note(text: str) -> bool:
    """Whether the text tells to write to the bot privately (any of PRIVATE_NOTES)."""
    return any(fits(text, note) for note in PRIVATE_NOTES)


@pytest.fixture
async def tg(harness: BotHarness, settings: Settings, clock: ManualClock,
             fake: FakeBotAPI) -> AsyncIterator[TelegramRun]:
    """An admin and an official bound on Telegram, a task of the official; demo guides."""
    await harness.make_official("Quản trị", role="admin", user=str(ADMIN), channel="telegram")
    official = await harness.make_official("Lan", user=str(OFFICIAL), channel="telegram")
    await harness.world.tasks([official], [("BIMAT-1", "Hồ sơ riêng", date(2026, 12, 11))])
    async with running_telegram(settings, clock, fake, load_demo=True,
                                telegram_bot_username="troly_test_bot") as run:
        yield run


def _in_group(fake: FakeBotAPI, user: int, text: str) -> dict[str, Any]:
    return fake.text_update(user, text, chat_id=GROUP, chat_type="supergroup")


async def _invitations(run: TelegramRun) -> int:
    async with run.app.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(Invitation))).scalar_one())


async def test_admin_invitation_in_a_supergroup_posts_no_code(tg: TelegramRun) -> None:
    fake = tg.fake
    texts = await say(fake, _in_group(fake, ADMIN, "/moi quantri Nguyễn Văn A"))
    assert len(texts) == 1 and _private_note(texts[0]) and "Mã mời" not in texts[0]
    assert await _invitations(tg) == 0
    assert {str(p["chat_id"]) for p in fake.sent} == {str(GROUP)}  # nothing sent elsewhere
    # the member who read along has nothing to redeem; in private the admin still gets a code
    private = await say(fake, fake.text_update(ADMIN, "/moi quantri Nguyễn Văn A"))
    assert fields(private[0], P.INVITE_CREATED) is not None and await _invitations(tg) == 1


async def test_every_private_command_gets_only_the_note_in_a_group(tg: TelegramRun) -> None:
    fake = tg.fake
    router = tg.app.router
    safe = {c.names[0] for c in router.command_list if c.group_safe}
    assert safe == GROUP_SAFE
    updates = [_in_group(fake, user, f"/{command.names[0]} CDS 2026-W48")
               for command in router.command_list if not command.group_safe
               for user in (ADMIN, OFFICIAL)]
    texts = await say(fake, *updates)  # one batch: handled in order, one answer each
    assert len(texts) == len(updates) and len(set(texts)) == 1, texts
    assert _private_note(texts[0]) and "BIMAT" not in texts[0] and "Mã" not in texts[0]
    assert {str(p["chat_id"]) for p in fake.sent} == {str(GROUP)}
    assert fake.documents == [] and fake.photos == []
    assert await _invitations(tg) == 0


async def test_buttons_and_codes_in_a_group(tg: TelegramRun) -> None:
    fake = tg.fake
    # Lan's own task (id 1): the snooze would answer with its deadline — not in the group
    press = fake.callback_update(OFFICIAL, "rem_snz:1", chat_id=GROUP, chat_type="supergroup")
    texts = await say(fake, press)
    assert len(texts) == 1 and _private_note(texts[0]) and "BIMAT" not in texts[0]
    async with tg.app.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(OutboxMessage))
                ).scalar_one() == 0
    # a code typed in a group is burnt (everyone saw it), and the answer does not say so
    async with tg.app.sessionmaker.begin() as session:
        unit = Unit(code="CDS", name="Cục Chuyển đổi số", created_at=tg.app.clock.now())
        session.add(unit)
        await session.flush()
        invitation = await people_store.create_invitation(
            session, now=tg.app.clock.now(), ttl=timedelta(hours=24),
            unit_id=unit.id, role="admin")
        code = invitation.code
    real = await say(fake, _in_group(fake, MEMBER, f"/start {code}"))
    guess = await say(fake, _in_group(fake, MEMBER, "/start ZZZZ9999"))
    assert real == guess and _private_note(real[0])
    redeemed = await say(fake, fake.text_update(MEMBER, f"/start {code}"))
    assert not fits(redeemed[0], P.BOUND)
    # a bound member's question of a code's shape is answered, not taken for a posted code
    [answer] = await say(fake, _in_group(fake, OFFICIAL, "@troly_test_bot phuluc2b"))
    assert not _private_note(answer), answer


async def test_guide_questions_are_still_answered_in_a_group(tg: TelegramRun) -> None:
    fake = tg.fake
    texts = await say(fake, _in_group(fake, MEMBER, "/hoi thủ tục báo cáo tiến độ tuần"))
    assert len(texts) == 1 and not _private_note(texts[0])
    assert shown_texts(fake, GROUP) == texts


async def test_only_a_whole_mention_or_a_command_of_the_bot_is_for_it(tg: TelegramRun) -> None:
    """"@troly_test_bot_hcm" names another account (a bot, a member): nothing is answered in
    the group and no unanswered question is recorded for the admins. A command for the bot
    stays the bot's when a new line, not a space, follows it."""
    fake = tg.fake
    question = "thủ tục báo cáo tiến độ tuần"
    others = [_in_group(fake, MEMBER, f"@troly_test_bot_hcm {question}"),
              _in_group(fake, MEMBER, f"{question} @Troly_Test_Bot2")]
    assert await say(fake, *others) == []
    async with tg.app.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(UnansweredQuestion))
                ).scalar_one() == 0
    [mention] = await say(fake, _in_group(fake, MEMBER, f"@Troly_Test_Bot, {question}"))
    assert not _private_note(mention)
    [typed] = await say(fake, _in_group(fake, MEMBER, f"/hoi {question}"))
    assert await say(fake, _in_group(fake, MEMBER, f"/hoi@troly_test_bot\n{question}")) == [typed]
    # the command's own behaviour, not a search of "/nhiemvu …": a private command's note
    [note] = await say(fake, _in_group(fake, OFFICIAL, "/nhiemvu@troly_test_bot\nCDS"))
    assert _private_note(note) and "BIMAT" not in note
    async with tg.app.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(UnansweredQuestion))
                ).scalar_one() == 0


async def test_a_code_after_start_and_a_new_line_is_redeemed(tg: TelegramRun) -> None:
    """"/start\nCODE" in a private chat: the code is redeemed, not searched as a question."""
    fake = tg.fake
    async with tg.app.sessionmaker.begin() as session:
        unit = Unit(code="CDS", name="Cục Chuyển đổi số", created_at=tg.app.clock.now())
        session.add(unit)
        await session.flush()
        invitation = await people_store.create_invitation(
            session, now=tg.app.clock.now(), ttl=timedelta(hours=24), unit_id=unit.id,
            role="official")
        code = invitation.code
    [bound] = await say(fake, fake.text_update(MEMBER, f"/start\n{code}"))
    assert fits(bound, P.BOUND), bound


def _in_topic(update: dict[str, Any], topic: int, *, forum: bool = True) -> dict[str, Any]:
    """The update's message in a forum group's topic (forum=False: a reply thread of an
    ordinary group, which Telegram numbers the same way but is no topic)."""
    message = update["message"] if "message" in update else update["callback_query"]["message"]
    message["message_thread_id"] = topic
    if forum:
        message["is_topic_message"] = True
    return update


async def test_answers_in_a_forum_group_go_to_the_topic_asked_in(tg: TelegramRun) -> None:
    """Without the topic, Telegram puts the bot's answer in the group's General topic, away
    from the question (or nowhere, when General is closed)."""
    fake = tg.fake
    [listed] = await exchange(fake, _in_topic(_in_group(fake, MEMBER, "/huongdan"), 77))
    assert listed["message_thread_id"] == 77 and callback_data(listed)
    press = fake.callback_update(MEMBER, callback_data(listed)[0], chat_id=GROUP,
                                 chat_type="supergroup", message_id=fake.sent_ids[-1])
    pressed = await exchange(fake, _in_topic(press, 77))
    assert pressed and all(p["message_thread_id"] == 77 for p in pressed)
    note = await exchange(fake, _in_topic(_in_group(fake, OFFICIAL, "/nhiemvu"), 78))
    assert [p["message_thread_id"] for p in note] == [78] and _private_note(shown(note[0]))
    # no topic (an ordinary group, a reply thread in it): the chat itself
    plain = await exchange(fake, _in_group(fake, MEMBER, "/huongdan"),
                           _in_topic(_in_group(fake, MEMBER, "/huongdan"), 5, forum=False))
    assert len(plain) == 2 and not any("message_thread_id" in p for p in plain)


async def test_a_caption_in_a_group_counts_only_when_it_is_for_the_bot(tg: TelegramRun) -> None:
    """A photo or a file in a group is read through its caption, by the rules of a typed text:
    a mention of the bot, a command, a reply to it. The answer is the one the same text typed in
    the group gets, after a short notice; the file itself is never downloaded there."""
    fake = tg.fake
    question = "thủ tục báo cáo tiến độ tuần"
    [typed] = await say(fake, _in_group(fake, MEMBER, f"/hoi {question}"))
    # the photo's caption through the Q&A, as a typed mention is (the member is no official)
    [typed_mention] = await say(fake, _in_group(fake, MEMBER, f"@troly_test_bot {question}"))
    photo = fake.photo_update(MEMBER, caption=f"@troly_test_bot {question}", chat_id=GROUP,
                              chat_type="supergroup")
    assert await say(fake, photo) == [C.MEDIA_CAPTION_ONLY, typed_mention]
    assert not _private_note(typed_mention)
    # a file is not taken in a group: its note alone, the caption is no question there either
    document = fake.document_update(MEMBER, "huong-dan.md", b"# Tieu de\n", chat_id=GROUP,
                                    chat_type="supergroup",
                                    caption=f"/hoi@troly_test_bot {question}")
    texts = await say(fake, document)
    assert texts == [FILE_NOTE + C.CAPTION_NOT_READ]
    # not for the bot: nothing at all (a caption for everyone, another bot's command, none)
    quiet = [fake.photo_update(MEMBER, caption=question, chat_id=GROUP, chat_type="supergroup"),
             fake.photo_update(MEMBER, chat_id=GROUP, chat_type="supergroup"),
             fake.document_update(MEMBER, "a.md", b"# A\n", chat_id=GROUP, chat_type="supergroup",
                                  caption="/hoi@other_bot thủ tục"),
             fake.document_update(MEMBER, "b.md", b"# B\n", chat_id=GROUP, chat_type="supergroup")]
    assert await say(fake, *quiet) == []
    assert not fake.calls("getFile") and not fake.downloads
    assert {str(p["chat_id"]) for p in fake.sent} == {str(GROUP)}


async def test_a_caption_in_a_group_gets_the_group_s_rules(tg: TelegramRun) -> None:
    """An admin's invitation command or a code as a caption in a group: the note, no code
    posted, no invitation made; the code everyone saw is burnt, as when typed."""
    fake = tg.fake
    admin_photo = fake.photo_update(ADMIN, caption="/moi quantri Nguyễn Văn A", chat_id=GROUP,
                                    chat_type="supergroup")
    admin_file = fake.document_update(ADMIN, "ds.xlsx", b"PK", chat_id=GROUP,
                                      chat_type="supergroup",
                                      caption="@troly_test_bot /moi quantri Nguyễn Văn B")
    texts = await say(fake, admin_photo, admin_file)
    assert texts[0] == C.MEDIA_CAPTION_ONLY and _private_note(texts[1])
    assert texts[2] == FILE_NOTE + C.CAPTION_NOT_READ  # a file's caption is not read at all
    assert len(texts) == 3 and not any("Mã mời" in t or "Nguyễn" in t for t in texts)
    assert await _invitations(tg) == 0
    async with tg.app.sessionmaker.begin() as session:
        unit = Unit(code="CDS", name="Cục Chuyển đổi số", created_at=tg.app.clock.now())
        session.add(unit)
        await session.flush()
        code = (await people_store.create_invitation(
            session, now=tg.app.clock.now(), ttl=timedelta(hours=24), unit_id=unit.id,
            role="official")).code
    shown_code = await say(fake, fake.photo_update(MEMBER, caption=f"/start {code}",
                                                   chat_id=GROUP, chat_type="supergroup"))
    assert not any(code in t for t in shown_code)
    redeemed = await say(fake, fake.text_update(MEMBER, f"/start {code}"))
    assert not fits(redeemed[0], P.BOUND)
    # a bound member's question of a code's shape is answered, not taken for a posted code
    [answer] = await say(fake, _in_group(fake, OFFICIAL, "@troly_test_bot phuluc2b"))
    assert not _private_note(answer), answer
    # under a file (whose caption is not read), a code everyone saw is burnt all the same
    async with tg.app.sessionmaker.begin() as session:
        code = (await people_store.create_invitation(
            session, now=tg.app.clock.now(), ttl=timedelta(hours=24), unit_id=unit.id,
            role="official")).code
    shown_code = await say(fake, fake.document_update(
        MEMBER, "ma.txt", b"x", chat_id=GROUP, chat_type="supergroup",
        caption=f"@troly_test_bot /start {code}"))
    assert shown_code == [FILE_NOTE + C.CAPTION_NOT_READ]
    redeemed = await say(fake, fake.text_update(MEMBER, f"/start {code}"))
    assert not fits(redeemed[0], P.BOUND)
    # a bound member's question of a code's shape is answered, not taken for a posted code
    [answer] = await say(fake, _in_group(fake, OFFICIAL, "@troly_test_bot phuluc2b"))
    assert not _private_note(answer), answer
    assert not fake.calls("getFile") and not fake.downloads


def _service(fake: FakeBotAPI, chat_id: int, chat_type: str, **moved: int) -> dict[str, Any]:
    """The service message Telegram sends when a group becomes a supergroup."""
    update = fake.text_update(MEMBER, "x", chat_id=chat_id, chat_type=chat_type)
    del update["message"]["text"]
    update["message"].pop("entities", None)
    update["message"].update(moved)
    return update


@pytest.mark.parametrize("side", ["old", "new"])
async def test_a_group_upgraded_to_a_supergroup_keeps_its_state_under_the_new_id(
        tg: TelegramRun, side: str) -> None:
    """Telegram tells the move in the old group (migrate_to_chat_id) and in the new one
    (migrate_from_chat_id): either moves what is stored for the group, nothing is answered."""
    fake, old, new = tg.fake, -4005, -1004005
    now = tg.app.clock.now()
    async with tg.app.sessionmaker.begin() as session:
        session.add(ConversationState(channel="telegram", chat_id=str(old), user_id=str(MEMBER),
                                      flow="ask", step="q", data={}, updated_at=now))
        await enqueue(session, NewRow(
            idem_key=f"reply:telegram:{old}:k:0", kind="reply", channel="telegram",
            address=str(old), payload={"text": "Chờ"}, due_at=now,
            not_before=now + timedelta(hours=1), expires_at=now + timedelta(hours=4),
            created_at=now))
    update = (_service(fake, old, "group", migrate_to_chat_id=new) if side == "old"
              else _service(fake, new, "supergroup", migrate_from_chat_id=old))
    assert await say(fake, update) == []
    async with tg.app.sessionmaker() as session:
        states = (await session.execute(select(ConversationState.chat_id))).scalars().all()
        addresses = (await session.execute(select(OutboxMessage.address))).scalars().all()
    assert states == [str(new)] and addresses == [str(new)]
