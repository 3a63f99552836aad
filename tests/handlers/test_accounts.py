"""Revocation in chat: an official sees and unbinds their own linked apps (/lienket, /taikhoan);
heads and admins list and unbind their unit's accounts and revoke its pending codes (/mamoi)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from bot.db.models import ChatAccount, ConversationState, Official, OutboxMessage
from tests.handlers.checkin_helpers import add_tasks
from tests.harness import BotHarness, payloads, texts


async def _add_account(h: BotHarness, official_id: int, channel: str, user: str) -> int:
    async with h.app.sessionmaker.begin() as s:
        account = ChatAccount(channel=channel, external_id=user, chat_id=user,
                              official_id=official_id, status="active", created_at=h.clock.now())
        s.add(account)
        await s.flush()
        return account.id


async def _official_of(h: BotHarness, channel: str, user: str) -> int | None:
    async with h.app.sessionmaker() as s:
        return (await s.execute(select(ChatAccount.official_id).where(
            ChatAccount.channel == channel, ChatAccount.external_id == user))).scalar()


async def test_an_official_sees_and_unbinds_a_linked_app_at_once(harness: BotHarness) -> None:
    h = harness
    lan = await h.make_official("Lan", user="lan")  # web
    phone = await _add_account(h, lan, "telegram", "lan_tg")
    await add_tasks(h, [lan], [("NV1", "Số hoá hồ sơ", date(2026, 12, 11))])
    assert "Số hoá hồ sơ" in texts(await h.say("/baocao", user="lan_tg", channel="telegram"))
    listing = await h.say("/lienket", user="lan")
    assert "Mã liên kết" in texts(listing) and "Telegram" in texts(listing)
    assert f"acc_unb:{phone}" in payloads(listing)
    done = texts(await h.press(f"acc_unb:{phone}", user="lan"))
    assert "Đã gỡ" in done and "Telegram" in done
    assert await _official_of(h, "telegram", "lan_tg") is None
    async with h.app.sessionmaker() as s:  # the unfinished check-in on the phone is gone
        assert (await s.execute(select(ConversationState).where(
            ConversationState.user_id == "lan_tg"))).scalars().all() == []
    # the phone is a stranger now: no tasks, no check-in
    assert "dành cho cán bộ đã đăng ký" in texts(await h.say("/nhiemvu", user="lan_tg",
                                                             channel="telegram"))
    assert "Số hoá hồ sơ" not in texts(await h.say("50", user="lan_tg", channel="telegram"))
    own = await h.say("/taikhoan", user="lan")
    assert "Telegram" not in texts(own) and "web" in texts(own)


async def test_unbinding_the_app_in_use_makes_it_a_guest(harness: BotHarness) -> None:
    h = harness
    lan = await h.make_official("Lan", user="lan")
    account = (await h.say("/taikhoan", user="lan"))
    [press] = [p for p in payloads(account) if p.startswith("acc_unb:")]
    assert "Đã gỡ" in texts(await h.press(press, user="lan"))
    assert await _official_of(h, "web", "lan") is None
    assert "dành cho cán bộ đã đăng ký" in texts(await h.say("/nhiemvu", user="lan"))
    del lan


async def test_a_head_manages_the_unit_but_not_its_leaders_or_admins(harness: BotHarness) -> None:
    h = harness
    await h.make_official("Trưởng", role="head", user="head", unit_code="CDS")
    deputy = await h.make_official("Phó", role="deputy", user="deputy", unit_code="CDS")
    minh = await h.make_official("Minh", user="minh", unit_code="CDS")
    await h.make_official("Quản trị", role="admin", user="admin", unit_code="CDS")
    listing = await h.say("/taikhoan", user="deputy")
    body = texts(listing)
    assert "Minh" in body and "Phó" in body
    async with h.app.sessionmaker() as s:
        ids = {o.name: a.id for a, o in (await s.execute(
            select(ChatAccount, Official).join(Official, Official.id == ChatAccount.official_id)
        )).all()}
    # the deputy may unbind an official of the unit, not the head nor an admin
    assert f"acc_unb:{ids['Trưởng']}" not in payloads(listing)
    assert f"acc_unb:{ids['Quản trị']}" not in payloads(listing)
    refused = texts(await h.press(f"acc_unb:{ids['Trưởng']}", user="deputy"))
    assert "Không tìm thấy tài khoản" in refused
    assert await _official_of(h, "web", "head") is not None
    assert "Đã gỡ" in texts(await h.press(f"acc_unb:{ids['Minh']}", user="deputy"))
    assert await _official_of(h, "web", "minh") is None
    # the head may unbind the deputy; the admin anyone
    assert "Đã gỡ" in texts(await h.press(f"acc_unb:{ids['Phó']}", user="head"))
    assert "Đã gỡ" in texts(await h.press(f"acc_unb:{ids['Trưởng']}", user="admin"))
    del deputy, minh


async def test_pending_codes_of_the_unit_are_listed_and_revoked(harness: BotHarness) -> None:
    h = harness
    await h.make_official("Trưởng", role="head", user="head", unit_code="CDS")
    created = texts(await h.say("/moi Phạm Thu Dung", user="head"))
    code = re.search(r"Mã mời: (\w+)", created)
    assert code is not None
    listing = await h.say("/mamoi", user="head")
    assert code.group(1) in texts(listing) and "Phạm Thu Dung" in texts(listing)
    assert f"inv_rev:{code.group(1)}" in payloads(listing)
    assert "Đã thu hồi" in texts(await h.press(f"inv_rev:{code.group(1)}", user="head"))
    assert code.group(1) not in texts(await h.say("/mamoi", user="head"))
    assert "không dùng được" in texts(await h.say(f"/start {code.group(1)}", user="new",
                                                  channel="telegram"))
    assert "không có quyền" in texts(await h.say("/mamoi", user="new", channel="telegram")) \
        or "đã đăng ký" in texts(await h.say("/mamoi", user="new", channel="telegram"))


async def test_queued_reminders_follow_the_official_to_another_app(harness: BotHarness) -> None:
    h = harness
    lan = await h.make_official("Lan", user="lan")  # web
    phone = await _add_account(h, lan, "telegram", "lan_tg")
    now = h.clock.now()
    async with h.app.sessionmaker.begin() as s:
        s.add(OutboxMessage(
            idem_key=f"deadline:1:2026-12-11:T-7:{lan}:telegram", kind="deadline",
            subject_type="task", subject_id="1", recipient_id=lan, channel="telegram",
            address="lan_tg", payload={"text": "Nhắc hạn"}, due_at=now, not_before=now,
            late=False, status="pending", attempts=0, max_attempts=8, created_at=now,
            updated_at=now))
    done = texts(await h.press(f"acc_unb:{phone}", user="lan"))
    assert "1 tin nhắc chờ gửi sẽ đến qua web" in done
    async with h.app.sessionmaker() as s:
        rows = [(r.channel, r.status, r.last_error_code) for r in (await s.execute(
            select(OutboxMessage).order_by(OutboxMessage.id))).scalars()]
    assert rows == [("telegram", "cancelled", "unbound"), ("web", "pending", None)]


async def test_unbinding_the_app_in_use_in_the_middle_of_a_check_in(harness: BotHarness) -> None:
    h = harness
    lan = await h.make_official("Lan", user="lan")
    await add_tasks(h, [lan], [("NV1", "Số hoá hồ sơ", date(2026, 12, 11))])
    assert "Số hoá hồ sơ" in texts(await h.say("/baocao", user="lan"))
    [own] = [p for p in payloads(await h.say("/taikhoan", user="lan"))
             if p.startswith("acc_unb:")]
    assert "Đã gỡ" in texts(await h.press(own, user="lan"))
    async with h.app.sessionmaker() as s:
        states = (await s.execute(select(ConversationState))).scalars().all()
    assert all(state.flow is None for state in states)
    assert "Số hoá hồ sơ" not in texts(await h.say("50", user="lan"))
