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
from bot.db.models import Invitation, OutboxMessage, Unit
from bot.texts import people as P
from testkit.fake_telegram import FakeBotAPI
from tests.channels.telegram_support import TelegramRun, running_telegram, say, shown_texts
from tests.harness import BotHarness, fields, fits

ADMIN, OFFICIAL, MEMBER = 4201, 4202, 4203
GROUP = -1001234567
#: commands that may be answered where everyone reads along (the rest: private chat only)
# /chiase is the citizens' version of a guide: meant to be posted where people read it
GROUP_SAFE = {"start", "trogiup", "hoi", "huongdan", "chiase"}
PRIVATE_NOTE = "nhắn riêng"


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
    assert len(texts) == 1 and PRIVATE_NOTE in texts[0] and "Mã mời" not in texts[0]
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
    assert PRIVATE_NOTE in texts[0] and "BIMAT" not in texts[0] and "Mã" not in texts[0]
    assert {str(p["chat_id"]) for p in fake.sent} == {str(GROUP)}
    assert fake.documents == [] and fake.photos == []
    assert await _invitations(tg) == 0


async def test_buttons_and_codes_in_a_group(tg: TelegramRun) -> None:
    fake = tg.fake
    # Lan's own task (id 1): the snooze would answer with its deadline — not in the group
    press = fake.callback_update(OFFICIAL, "rem_snz:1", chat_id=GROUP, chat_type="supergroup")
    texts = await say(fake, press)
    assert len(texts) == 1 and PRIVATE_NOTE in texts[0] and "BIMAT" not in texts[0]
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
    assert real == guess and PRIVATE_NOTE in real[0]
    redeemed = await say(fake, fake.text_update(MEMBER, f"/start {code}"))
    assert not fits(redeemed[0], P.BOUND)


async def test_guide_questions_are_still_answered_in_a_group(tg: TelegramRun) -> None:
    fake = tg.fake
    texts = await say(fake, _in_group(fake, MEMBER, "/hoi thủ tục báo cáo tiến độ tuần"))
    assert len(texts) == 1 and PRIVATE_NOTE not in texts[0]
    assert shown_texts(fake, GROUP) == texts
