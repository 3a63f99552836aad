"""Revocation in chat: an official sees and unbinds their own linked apps (/lienket, /taikhoan);
heads and admins list and unbind their unit's accounts and revoke its pending codes (/mamoi)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.db.models import ChatAccount, ConversationState, Official, OutboxMessage
from bot.messages import OutgoingMessage
from bot.texts import common as C
from bot.texts import people as P
from tests.harness import BotHarness, fields, fits, labels, payloads, texts


def _numbered(listing: list[OutgoingMessage], who: str) -> int:
    """The number of the listed line that names `who` (an app or a person), as a user reads it."""
    [n] = [int(line.split(".")[0]) for line in texts(listing).splitlines()
           if who in line and line.split(".")[0].isdigit()]
    return n


def _unbind(listing: list[OutgoingMessage], who: str) -> str:
    """The label of the 'Gỡ n' button of the line naming `who`."""
    return P.BUTTON_UNBIND.format(n=_numbered(listing, who))


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
    await h.world.tasks([lan], [("NV1", "Số hoá hồ sơ", date(2026, 12, 11))])
    assert "Số hoá hồ sơ" in texts(await h.say("/baocao", user="lan_tg", channel="telegram"))
    listing = await h.say("/lienket", user="lan")
    assert fits(texts(listing), P.LINK_CREATED) and "Telegram" in texts(listing)
    assert f"acc_unb:{phone}" in payloads(listing)
    done = texts(await h.press(label=_unbind(listing, "Telegram"), user="lan"))
    assert P.UNBOUND.format(app="Telegram", name="Lan") in done
    assert await _official_of(h, "telegram", "lan_tg") is None
    async with h.app.sessionmaker() as s:  # the unfinished check-in on the phone is gone
        assert (await s.execute(select(ConversationState).where(
            ConversationState.user_id == "lan_tg"))).scalars().all() == []
    # the phone is a stranger now: no tasks, no check-in
    assert C.NEEDS_REGISTRATION in texts(await h.say("/nhiemvu", user="lan_tg",
                                                     channel="telegram"))
    assert "Số hoá hồ sơ" not in texts(await h.say("50", user="lan_tg", channel="telegram"))
    own = await h.say("/taikhoan", user="lan")
    assert "Telegram" not in texts(own) and "web" in texts(own)


async def test_unbinding_the_app_in_use_makes_it_a_guest(harness: BotHarness) -> None:
    h = harness
    lan = await h.make_official("Lan", user="lan")
    account = await h.say("/taikhoan", user="lan")
    [unbind] = [label for label in labels(account) if fits(label, P.BUTTON_UNBIND)]
    assert fits(texts(await h.press(label=unbind, user="lan")), P.UNBOUND)
    assert await _official_of(h, "web", "lan") is None
    assert C.NEEDS_REGISTRATION in texts(await h.say("/nhiemvu", user="lan"))
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
    assert P.ACCOUNT_NOT_YOURS in refused
    assert await _official_of(h, "web", "head") is not None
    assert fits(texts(await h.press(label=_unbind(listing, "Minh"), user="deputy")), P.UNBOUND)
    assert await _official_of(h, "web", "minh") is None
    # the head may unbind the deputy; the admin anyone
    listing = await h.say("/taikhoan", user="head")
    assert fits(texts(await h.press(label=_unbind(listing, "Phó"), user="head")), P.UNBOUND)
    listing = await h.say("/taikhoan", user="admin")
    assert fits(texts(await h.press(label=_unbind(listing, "Trưởng"), user="admin")), P.UNBOUND)
    del deputy, minh


async def test_pending_codes_of_the_unit_are_listed_and_revoked(harness: BotHarness) -> None:
    h = harness
    await h.make_official("Trưởng", role="head", user="head", unit_code="CDS")
    created = texts(await h.say("/moi Phạm Thu Dung", user="head"))
    invitation = fields(created, P.INVITE_CREATED)
    assert invitation is not None
    code = invitation["code"]
    listing = await h.say("/mamoi", user="head")
    assert code in texts(listing) and "Phạm Thu Dung" in texts(listing)
    assert f"inv_rev:{code}" in payloads(listing)
    revoke = P.BUTTON_REVOKE.format(n=_numbered(listing, code))
    assert P.INVITE_REVOKED.format(code=code) in texts(
        await h.press(label=revoke, user="head"))
    assert code not in texts(await h.say("/mamoi", user="head"))
    assert P.CODE_INVALID in texts(await h.say(f"/start {code}", user="new", channel="telegram"))
    refused = texts(await h.say("/mamoi", user="new", channel="telegram"))
    assert C.NOT_ALLOWED in refused or C.NEEDS_REGISTRATION in refused


async def test_queued_reminders_follow_the_official_to_another_app(harness: BotHarness) -> None:
    h = harness
    lan = await h.make_official("Lan", user="lan")  # web
    await _add_account(h, lan, "telegram", "lan_tg")
    now = h.clock.now()
    async with h.app.sessionmaker.begin() as s:
        s.add(OutboxMessage(
            idem_key=f"deadline:1:2026-12-11:T-7:{lan}:telegram", kind="deadline",
            subject_type="task", subject_id="1", recipient_id=lan, channel="telegram",
            address="lan_tg", payload={"text": "Nhắc hạn"}, due_at=now, not_before=now,
            late=False, status="pending", attempts=0, max_attempts=8, created_at=now,
            updated_at=now))
    listing = await h.say("/taikhoan", user="lan")
    done = texts(await h.press(label=_unbind(listing, "Telegram"), user="lan"))
    assert P.UNBOUND_MOVED.format(count=1, app="web") in done
    async with h.app.sessionmaker() as s:
        rows = [(r.channel, r.status, r.last_error_code) for r in (await s.execute(
            select(OutboxMessage).order_by(OutboxMessage.id))).scalars()]
    assert rows == [("telegram", "cancelled", "unbound"), ("web", "pending", None)]


async def test_unbinding_the_app_in_use_in_the_middle_of_a_check_in(harness: BotHarness) -> None:
    h = harness
    lan = await h.make_official("Lan", user="lan")
    await h.world.tasks([lan], [("NV1", "Số hoá hồ sơ", date(2026, 12, 11))])
    assert "Số hoá hồ sơ" in texts(await h.say("/baocao", user="lan"))
    [own] = [label for label in labels(await h.say("/taikhoan", user="lan"))
             if fits(label, P.BUTTON_UNBIND)]
    assert fits(texts(await h.press(label=own, user="lan")), P.UNBOUND)
    async with h.app.sessionmaker() as s:
        states = (await s.execute(select(ConversationState))).scalars().all()
    assert all(state.flow is None for state in states)
    assert "Số hoá hồ sơ" not in texts(await h.say("50", user="lan"))
