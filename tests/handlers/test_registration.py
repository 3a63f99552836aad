"""Invitations and binding: /start <code>, the code alone on Zalo/web, expired/reused/wrong codes, /moi."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from bot.db import people_store
from bot.db.models import (
    ChatAccount,
    Invitation,
    InvitationAttempt,
    Official,
    UnansweredQuestion,
    Unit,
)
from bot.texts import ask as A
from bot.texts import common as C
from bot.texts import people as P
from tests.harness import BotHarness, fields, fits, texts


async def _invitation(harness: BotHarness, *, unit_code: str = "CDS", role: str = "official",
                      name: str | None = "Lê Minh Châu", hours: int = 24,
                      official_id: int | None = None) -> str:
    unit_id = await harness.world.unit(unit_code, name="Cục Chuyển đổi số quốc gia")
    async with harness.app.sessionmaker.begin() as session:
        invitation = await people_store.create_invitation(
            session, now=harness.clock.now(), ttl=timedelta(hours=hours), unit_id=unit_id,
            role=role, name=name, official_id=official_id)
        return invitation.code


async def _account(harness: BotHarness, channel: str, user: str) -> ChatAccount | None:
    async with harness.app.sessionmaker() as session:
        return (await session.execute(select(ChatAccount).where(
            ChatAccount.channel == channel, ChatAccount.external_id == user))).scalar()


async def test_start_with_code_binds_the_telegram_account(harness: BotHarness) -> None:
    code = await _invitation(harness)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", code)
    reply = await harness.say(f"/start {code}", user="tg1", channel="telegram")
    assert P.BOUND.format(name="Lê Minh Châu",
                          unit=P.BOUND_UNIT.format(unit="Cục Chuyển đổi số quốc gia"),
                          channel="Telegram") in texts(reply)
    account = await _account(harness, "telegram", "tg1")
    assert account is not None and account.official_id is not None
    async with harness.app.sessionmaker() as session:
        official = await session.get(Official, account.official_id)
        assert official is not None and official.role == "official"
    # now a member: /nhiemvu works
    assert P.NO_TASKS in texts(await harness.say("/nhiemvu", user="tg1", channel="telegram"))


async def test_code_alone_on_zalo_and_web(harness: BotHarness) -> None:
    code = await _invitation(harness)
    reply = await harness.say(code.lower(), user="z1", channel="zalo")
    assert fits(texts(reply), P.BOUND)
    link = await _invitation(harness, name=None)
    assert fits(texts(await harness.say(f" {link} ", user="w1", channel="web")), P.BOUND)


async def test_a_code_pasted_with_what_copying_adds_still_binds(harness: BotHarness) -> None:
    """Copied from a message: a zero-width space or BOM, quotes, the sentence's full stop."""
    code = await _invitation(harness)
    assert fits(texts(await harness.say(f"\ufeff“{code}\u200b”.", user="z2", channel="zalo")),
                P.BOUND)
    code = await _invitation(harness, name=None)
    reply = await harness.say(f"/start {code}\u200b", user="tg2", channel="telegram")
    assert fits(texts(reply), P.BOUND)
    code = await _invitation(harness, name=None)
    assert fits(texts(await harness.say(f"'{code.lower()}',", user="w2", channel="web")),
                P.BOUND)
    assert people_store.clean_code("\u200bAB2CD3EF4G\u00ad.") == "AB2CD3EF4G"


async def test_a_code_typed_alone_in_a_bound_chat_is_answered_as_a_code(
        harness: BotHarness) -> None:
    """Found in the web chat (ux-web): on an office computer a colleague's web login was still
    open; a second official typed their own code alone, and it went to the guides — "chưa tìm
    thấy", and the code logged for admins as an unanswered question. It is answered as
    `/start <code>` is: this chat is bound to the colleague (the code stays unused)."""
    mine = await _invitation(harness)
    assert fits(texts(await harness.say(mine, user="w1", channel="web")), P.BOUND)
    theirs = await _invitation(harness, name="Trần Văn Bảo")
    reply = texts(await harness.say(theirs, user="w1", channel="web"))
    assert reply == P.ACCOUNT_TAKEN.format(name="Lê Minh Châu")
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(UnansweredQuestion))).scalars().all() == []
    # the code still binds the colleague's own chat
    assert fits(texts(await harness.say(theirs, user="w2", channel="web")), P.BOUND)


async def test_a_question_of_a_code_s_shape_in_a_bound_chat_is_searched(
        harness: BotHarness) -> None:
    """A bound official asks "phuluc2b" (appendix 2b) or "QD2345UBND": no code troly issued,
    so it is a question as before, not "already bound to …", and it uses up no attempt (ten
    of them did not lead to "too many attempts"). A real code is still answered as a code."""
    mine = await _invitation(harness)
    assert fits(texts(await harness.say(mine, user="w1", channel="web")), P.BOUND)
    for word in ["phuluc2b", "QD2345UBND", "phuluc3a"] * 4:
        reply = texts(await harness.say(word, user="w1", channel="web"))
        assert reply == A.NO_GUIDES, word  # the Q&A's answer (this harness has no guides)
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(InvitationAttempt))
                ).scalar_one() <= 1  # the binding's own try, if it is kept
    assert texts(await harness.say(mine, user="w1", channel="web")) == P.ALREADY_BOUND.format(
        name="Lê Minh Châu")


async def test_reused_code(harness: BotHarness) -> None:
    code = await _invitation(harness)
    await harness.say(f"/start {code}", user="tg1", channel="telegram")
    again = await harness.say(f"/start {code}", user="tg1", channel="telegram")
    assert P.ALREADY_BOUND.format(name="Lê Minh Châu") in texts(again)
    other = await harness.say(f"/start {code}", user="tg2", channel="telegram")
    assert P.CODE_INVALID in texts(other)
    account = await _account(harness, "telegram", "tg2")
    assert account is not None and account.official_id is None


async def test_expired_code(harness: BotHarness) -> None:
    code = await _invitation(harness, hours=1)
    harness.clock.advance(timedelta(hours=2))
    reply = await harness.say(f"/start {code}", user="tg1", channel="telegram")
    assert P.CODE_INVALID in texts(reply)
    account = await _account(harness, "telegram", "tg1")
    assert account is not None and account.official_id is None


async def test_wrong_code(harness: BotHarness) -> None:
    await _invitation(harness)
    assert P.CODE_INVALID in texts(await harness.say("/start ZZZZ9999", user="tg1",
                                                     channel="telegram"))
    assert P.CODE_BAD_FORMAT in texts(await harness.say("/start mã@sai!", user="tg1",
                                                        channel="telegram"))
    # on web, an unknown code-looking message is answered as a code, not searched
    assert P.CODE_INVALID in texts(await harness.say("ABCD2345", user="w9"))


async def test_unbound_chats_get_a_polite_explanation(harness: BotHarness) -> None:
    start = texts(await harness.say("/start", user="guest"))
    assert P.HOW_TO_JOIN in start
    assert C.NEEDS_REGISTRATION in texts(await harness.say("/tiendo", user="guest"))


async def test_link_another_app_to_the_same_official(harness: BotHarness) -> None:
    oid = await harness.make_official("Lê Minh Châu", user="tg1", channel="telegram")
    reply = texts(await harness.say("/lienket", user="tg1", channel="telegram"))
    link = fields(reply, P.LINK_CREATED)
    assert link is not None
    assert fits(texts(await harness.say(link["code"], user="z1", channel="zalo")), P.BOUND)
    zalo = await _account(harness, "zalo", "z1")
    assert zalo is not None and zalo.official_id == oid
    async with harness.app.sessionmaker() as session:
        assert len(await people_store.accounts_of(session, oid)) == 2


async def test_invite_in_chat_by_a_head(harness: BotHarness) -> None:
    harness.settings.telegram_bot_username = "troly_test_bot"
    await harness.make_official("Nguyễn Văn An", role="head", user="head", unit_code="CDS")
    reply = texts(await harness.say("/moi Phạm Thu Dung", user="head"))
    created = fields(reply, P.INVITE_CREATED)
    assert created is not None
    assert created["link"] == P.INVITE_LINK.format(
        url=f"https://t.me/troly_test_bot?start={created['code']}")
    async with harness.app.sessionmaker() as session:
        invitation = await session.get(Invitation, created["code"])
        assert invitation is not None and invitation.name == "Phạm Thu Dung"
        assert invitation.role == "official" and invitation.expires_at > harness.clock.now()
    # a head may not create admins, nor invite into another branch
    assert P.INVITE_ROLE_NOT_ALLOWED in texts(await harness.say("/moi quantri Ai Đó", user="head"))
    await harness.world.unit("KHAC", name="Đơn vị khác")
    assert P.INVITE_UNIT_NOT_ALLOWED in texts(await harness.say("/moi KHAC Ai Đó", user="head"))


async def test_invite_needs_head_or_admin(harness: BotHarness) -> None:
    await harness.make_official("Cán Bộ", user="u1")
    assert C.NOT_ALLOWED in texts(await harness.say("/moi Ai Đó", user="u1"))


async def test_admin_invites_a_head_who_becomes_the_unit_head(harness: BotHarness) -> None:
    await harness.make_official("Quản Trị", role="admin", user="admin", unit_code="VP")
    await harness.world.unit("CDS", name="Cục Chuyển đổi số")
    reply = texts(await harness.say("/moi CDS truong Nguyễn Văn An", user="admin"))
    created = fields(reply, P.INVITE_CREATED)
    assert created is not None and created["role"] == P.ROLE_LABELS["head"]
    await harness.say(f"/start {created['code']}", user="an", channel="telegram")
    async with harness.app.sessionmaker() as session:
        unit = (await session.execute(select(Unit).where(Unit.code == "CDS"))).scalar_one()
        heads = await people_store.heads_of(session, unit.id)
        assert [h.name for h in heads] == ["Nguyễn Văn An"]


async def test_admin_invites_no_second_head(harness: BotHarness) -> None:
    """/moi CDS truong … into a unit that has an active head made a second head once the code was
    used: refused, naming the head and how to replace them; nothing created."""
    await harness.make_official("Quản Trị", role="admin", user="admin", unit_code="VP")
    await harness.make_official("Nguyễn Văn An", role="head", user="an", unit_code="CDS")
    reply = texts(await harness.say("/moi CDS truong Trần Văn Bình", user="admin"))
    assert P.INVITE_UNIT_HAS_HEAD.format(unit="CDS", name="Nguyễn Văn An", code="") in reply
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(Invitation))).scalar_one() == 0
    assert fields(texts(await harness.say("/moi CDS pho Trần Văn Bình", user="admin")),
                  P.INVITE_CREATED) is not None
    # a unit with no head yet: the first head invitation is made, a second refused while usable
    await harness.world.unit("VT", name="Văn thư")
    first = fields(texts(await harness.say("/moi VT truong Lê Văn Cường", user="admin")),
                   P.INVITE_CREATED)
    assert first is not None
    second = texts(await harness.say("/moi VT truong Đỗ Văn Dũng", user="admin"))
    assert P.INVITE_UNIT_HEAD_PENDING.format(
        unit="VT", code=first["code"], who=P.INVITE_PENDING_FOR.format(name="Lê Văn Cường")) \
        in second


async def test_a_head_code_used_after_the_unit_got_a_head_binds_nobody(
        harness: BotHarness) -> None:
    """A head's invitation made while the unit had no head, used after another head arrived
    (imported, or made head otherwise): it made a second head. Now refused, the code unused."""
    await harness.make_official("Quản Trị", role="admin", user="admin", unit_code="VP")
    await harness.world.unit("VT", name="Văn thư")
    created = fields(texts(await harness.say("/moi VT truong Lê Văn Cường", user="admin")),
                     P.INVITE_CREATED)
    assert created is not None
    await harness.make_official("Nguyễn Văn An", role="head", user="an", unit_code="VT")
    reply = texts(await harness.say(f"/start {created['code']}", user="cuong",
                                    channel="telegram"))
    assert P.CODE_HEAD_TAKEN.format(unit="Văn thư", name="Nguyễn Văn An") in reply
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(Official).where(
            Official.role == "head"))).scalar_one() == 1
        invitation = (await session.execute(select(Invitation))).scalar_one()
        assert invitation.used_at is None


async def test_heads_of_falls_back_to_deputies_when_head_absent(harness: BotHarness) -> None:
    head = await harness.make_official("Trưởng", role="head", user="h", unit_code="CDS")
    await harness.make_official("Phó", role="deputy", user="d", unit_code="CDS")
    async with harness.app.sessionmaker.begin() as session:
        unit = (await session.execute(select(Unit).where(Unit.code == "CDS"))).scalar_one()
        assert [o.name for o in await people_store.heads_of(session, unit.id)] == ["Trưởng"]
        official = await session.get(Official, head)
        assert official is not None
        official.absent = True
        await session.flush()
        assert [o.name for o in await people_store.heads_of(session, unit.id)] == ["Phó"]


def test_generated_codes_are_recognised_when_typed_alone() -> None:
    codes = [people_store.new_code() for _ in range(500)]
    assert all(people_store.looks_like_code(c) and people_store.looks_like_code(c.lower())
               for c in codes)
    assert len(set(codes)) == len(codes)
    assert not people_store.looks_like_code("xin chào")
    assert not people_store.looks_like_code("huongdan")


async def _queued(harness: BotHarness) -> list[str]:
    async with harness.app.sessionmaker() as session:
        return [q.text for q in (await session.execute(
            select(UnansweredQuestion).order_by(UnansweredQuestion.id))).scalars()]


async def test_a_mistyped_code_is_said_not_recognised_and_not_queued(
        kb_harness: BotHarness) -> None:
    """Found by the outside tester: a code typed wrong ("YAARNJHBKQ": no digit) went to the
    guides, got "not found" and was queued for admins as a question. A word shaped like a code
    (a code's alphabet, a slip of one character, or named by "mã mời") is said not recognised,
    with what a code looks like and where to get one; nothing is queued, no attempt counted."""
    for typed, word in [("YAARNJHBKQ", "YAARNJHBKQ"),  # letters alone, a code's length
                        ("ya4rnjh8k", "ya4rnjh8k"),  # a character missing
                        ("YA0RNJH8KQ", "YA0RNJH8KQ"),  # a zero, which codes never hold
                        ("Mã mời: abcdefgh", "abcdefgh")]:  # named a code
        said = texts(await kb_harness.say(typed, user="w5"))
        assert said == P.CODE_NOT_RECOGNISED.format(code=word), said
    assert await _queued(kb_harness) == []
    async with kb_harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(InvitationAttempt)) == 0
    # a code after "mã mời" is taken as the code alone is
    code = await _invitation(kb_harness)
    assert fits(texts(await kb_harness.say(f"Mã mời của tôi là {code}", user="w6")), P.BOUND)


async def test_short_questions_that_are_no_code_still_reach_the_guides(
        kb_harness: BotHarness) -> None:
    """Conservative: words typed together, an abbreviation, a word with a few digits, and
    anything a bound official types are questions (searched, and queued when not found)."""
    questions = ["dichvucong", "CHUYENDOISO", "covid19", "VNEID2024", "hochieu"]
    for question in questions:
        said = texts(await kb_harness.say(question, user="w7"))
        assert P.CODE_NOT_RECOGNISED.split("{")[0] not in said and A.NOT_FOUND in said, said
    assert P.CODE_NOT_RECOGNISED.split("{")[0] not in texts(
        await kb_harness.say("VNeID", user="w7"))
    await kb_harness.make_official("Lê Thị Lan", user="w8")
    assert A.NOT_FOUND in texts(await kb_harness.say("YAARNJHBKQ", user="w8"))
    assert await _queued(kb_harness) == [*questions, "YAARNJHBKQ"]
