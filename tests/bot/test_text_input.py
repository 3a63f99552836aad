"""Text from people is normalized where events enter the dispatcher: NFC, control characters
(NUL included) dropped except newline and tab, lone surrogates refused with a polite re-ask."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from sqlalchemy import select

from bot.db.models import ChatAccount, ConversationState
from bot.events import ChatRef, Sender, TextMessage
from bot.texts import checkin as CT
from bot.texts import common as T
from knowledge.normalize import UnpairedSurrogate, clean_input, has_unpaired_surrogate, sanitize
from tests.handlers.checkin_helpers import report_of
from tests.harness import BotHarness, texts


def test_the_rule() -> None:
    assert clean_input("a\x00b\x01c\x0b\x1b[31md\x7f\x85\x9be") == "abc[31mde"
    assert clean_input("dòng 1\r\ndòng 2\rdòng 3\n\tthụt") == "dòng 1\ndòng 2\ndòng 3\n\tthụt"
    decomposed = unicodedata.normalize("NFD", "Tiến độ")
    assert decomposed != "Tiến độ" and clean_input(decomposed) == "Tiến độ"
    assert has_unpaired_surrogate("x\ud800") and not has_unpaired_surrogate("😀")
    with pytest.raises(UnpairedSurrogate):
        clean_input("xin chào \udc80")
    assert sanitize("xin chào \udc80") == "xin chào \ufffd"
    assert clean_input("😀 ok") == "😀 ok"
    # U+FFFE and U+FFFF are no XML characters either: lxml refuses them, so one in a check-in
    # answer made /xuatbaocao (.xlsx and .docx) and that unit's digest fail (adversary, 2026-12-03)
    assert clean_input("chờ\ufffe kinh\uffff phí") == "chờ kinh phí"
    assert sanitize("\uffff=1+1") == "=1+1"
    # a bidi override in a name turned the rest of a digest's line around (Trojan Source)
    assert sanitize("Lan\u202e, Minh\u2066 x\u2069") == "Lan, Minh x"
    # what XML 1.0 does allow stays: other noncharacters, private use, astral planes
    assert clean_input("\ufdd0\ue000\U0001fffe\ufffd") == "\ufdd0\ue000\U0001fffe\ufffd"


async def test_checkin_answers_are_stored_clean(harness: BotHarness) -> None:
    oid = await harness.make_official("Lê Minh Châu")
    (nv1,) = await harness.world.tasks([oid], [("NV1", "Tập huấn", date(2026, 12, 31))])
    await harness.say("/baocao")
    await harness.say("40")
    await harness.press(label=CT.STATUS_LABELS["at_risk"])
    # pasted from Word: a NUL (PostgreSQL refuses it), \x01, a vertical tab, CR LF, NFD marks
    await harness.say("Chờ\x00 kinh\x01 phí\x0b\r\n" + unicodedata.normalize("NFD", "Đã đề xuất"))
    await harness.say("Trình\x1b[2J dự thảo")
    _, entries = await report_of(harness, oid)
    assert entries[nv1].blockers == "Chờ kinh phí\nĐã đề xuất"
    assert entries[nv1].next_plan == "Trình[2J dự thảo"


async def test_a_lone_surrogate_is_refused_politely_and_the_step_stays(harness: BotHarness) -> None:
    oid = await harness.make_official("Lê Minh Châu")
    (nv1,) = await harness.world.tasks([oid], [("NV1", "Tập huấn", date(2026, 12, 31))])
    await harness.say("/baocao")
    await harness.say("40")
    await harness.press(label=CT.STATUS_LABELS["at_risk"])
    replies = await harness.say("Chờ kinh phí \ud83d")  # half of an emoji (a broken client)
    assert texts(replies) == T.TEXT_UNREADABLE
    async with harness.app.sessionmaker() as session:
        state = await session.get(ConversationState, ("web", "u1", "u1"))
        assert state is not None and state.step == "blockers"  # nothing lost, same question
    await harness.say("Chờ kinh phí")
    _, entries = await report_of(harness, oid)
    assert entries[nv1].blockers == "Chờ kinh phí"


async def test_names_from_the_platform_are_cleaned(harness: BotHarness) -> None:
    chat = ChatRef("zalo", "z1")
    event = TextMessage(chat=chat, sender=Sender("z1", display_name="Lan\x00\x01 \ud800"),
                        at=harness.clock.now(), text="xin chào")
    assert await harness.app.dispatcher.feed(event)
    async with harness.app.sessionmaker() as session:
        account = (await session.execute(select(ChatAccount).where(
            ChatAccount.external_id == "z1"))).scalar_one()
    assert account.display_name == "Lan \ufffd"
