"""Invitation codes leak nothing and cannot be guessed: unknown, used and expired codes are answered
alike; failed attempts are limited per chat and per account (in the database, so the limit holds
across restarts and processes, and concurrent tries never pass together); validity must be
positive."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.clock import ManualClock, to_local
from bot.config import Settings
from bot.db import people_store
from bot.db.models import ChatAccount, Invitation, Unit
from bot.events import ChatRef, Sender, TextMessage
from bot.texts import cli as CT
from bot.texts import people as P
from tests.harness import BotHarness, fields, fits, texts


async def _code(h: BotHarness, *, hours: int = 24, official_id: int | None = None) -> str:
    async with h.app.sessionmaker.begin() as session:
        unit = (await session.execute(select(Unit).where(Unit.code == "CDS"))).scalar()
        if unit is None:
            unit = Unit(code="CDS", name="Cục Chuyển đổi số", created_at=h.clock.now())
            session.add(unit)
            await session.flush()
        invitation = await people_store.create_invitation(
            session, now=h.clock.now(), ttl=timedelta(hours=hours), unit_id=unit.id,
            name="Lê Minh Châu", official_id=official_id)
        return invitation.code


async def _bound(h: BotHarness, channel: str, user: str) -> bool:
    async with h.app.sessionmaker() as session:
        account = (await session.execute(select(ChatAccount).where(
            ChatAccount.channel == channel, ChatAccount.external_id == user))).scalar()
        return account is not None and account.official_id is not None


def _without(text: str, *codes: str) -> str:
    for code in codes:
        text = text.replace(code, "<mã>")
    return text


async def test_unknown_used_and_expired_codes_are_answered_alike(harness: BotHarness) -> None:
    h = harness
    used = await _code(h)
    assert fits(texts(await h.say(f"/start {used}", user="owner", channel="telegram")), P.BOUND)
    expired = await _code(h, hours=1)
    h.clock.advance(timedelta(hours=2))
    unknown = "ZZZZ9999"
    answers = {code: _without(texts(await h.say(f"/start {code}", user="probe",
                                                channel="telegram")), code)
               for code in (unknown, used, expired)}
    assert len(set(answers.values())) == 1, answers
    assert "hết hạn lúc" not in answers[expired]  # no expiry time, no owner name
    assert not await _bound(h, "telegram", "probe")


async def test_a_bound_account_learns_nothing_about_other_codes(harness: BotHarness) -> None:
    h = harness
    await h.make_official("Người đã gắn", user="bound", channel="telegram", unit_code="CDS")
    valid = await _code(h)
    with_valid = _without(texts(await h.say(f"/start {valid}", user="bound",
                                            channel="telegram")), valid)
    with_unknown = _without(texts(await h.say("/start ZZZZ9999", user="bound",
                                              channel="telegram")), "ZZZZ9999")
    assert with_valid == with_unknown
    async with h.app.sessionmaker() as session:
        invitation = await session.get(Invitation, valid)
        assert invitation is not None and invitation.used_at is None  # still usable by its owner


async def test_failed_attempts_are_limited_and_the_limit_survives_a_restart(
        harness: BotHarness) -> None:
    h = harness
    valid = await _code(h)
    for n in range(5):
        reply = texts(await h.say(f"ZZZZ999{n + 2}", user="guess"))  # the code alone, on the web
        assert P.CODE_INVALID in reply
    await h.restart()
    h.clock.advance(timedelta(minutes=3))
    wait = texts(await h.say(valid, user="guess"))
    at = f"{to_local(h.clock.now() + timedelta(minutes=7)):%H:%M}"
    assert P.TOO_MANY_ATTEMPTS.format(minutes=7, time=at) in wait and not fits(wait, P.BOUND)
    assert not await _bound(h, "web", "guess")
    h.clock.advance(timedelta(minutes=6))  # tries refused meanwhile do not push the time back
    assert P.TOO_MANY_ATTEMPTS.format(minutes=1, time=at) in texts(await h.say(valid, user="guess"))
    h.clock.advance(timedelta(minutes=1))
    assert fits(texts(await h.say(valid, user="guess")), P.BOUND)


async def test_the_limit_is_per_account_and_per_chat(harness: BotHarness) -> None:
    h = harness
    valid = await _code(h)
    dispatcher = h.app.dispatcher

    async def say(chat: str, user: str, text: str) -> str:
        event = TextMessage(chat=ChatRef("web", chat), sender=Sender(user), at=h.clock.now(),
                            text=text)
        return texts(await dispatcher.feed(event))

    for n in range(5):  # one account, five different chats
        await say(f"c{n}", "roamer", f"/start ZZZZ888{n + 2}")
    assert fits(await say("roamer", "roamer", f"/start {valid}"), P.TOO_MANY_ATTEMPTS)
    for n in range(5):  # one chat, five different accounts
        await say("shared", f"u{n}", f"/start ZZZZ777{n + 2}")
    assert fits(await say("shared", "newcomer", f"/start {valid}"), P.TOO_MANY_ATTEMPTS)
    assert fits(await say("elsewhere", "newcomer", f"/start {valid}"), P.BOUND)


async def test_invitation_validity_must_be_positive_in_chat(harness: BotHarness) -> None:
    h = harness
    await h.make_official("Trưởng", role="head", user="head", unit_code="CDS")
    for hours in ("0h", "-5h"):
        reply = texts(await h.say(f"/moi {hours} Ai Đó", user="head"))
        assert fits(reply, P.INVITE_BAD_HOURS) and fields(reply, P.INVITE_CREATED) is None
    reply = texts(await h.say("/moi 48h Phạm Thu Dung", user="head"))
    created = fields(reply, P.INVITE_CREATED)
    assert created is not None
    async with h.app.sessionmaker() as session:
        invitation = await session.get(Invitation, created["code"])
        assert invitation is not None and invitation.name == "Phạm Thu Dung"
        assert invitation.expires_at == h.clock.now() + timedelta(hours=48)


def test_invitation_validity_must_be_positive(database_url: str) -> None:
    env = {"TROLY_DATABASE_URL": database_url, "TROLY_LOG_LEVEL": "WARNING"}
    runner = CliRunner()
    for hours in ("0", "-5"):
        result = runner.invoke(build_cli(), ["invite", "--unit", "CDS", "--hours", hours], env=env)
        assert result.exit_code != 0
        assert CT.HOURS_NOT_POSITIVE.format(hours=hours) in result.output
    with pytest.raises(ValidationError):
        Settings(_env_file=None, invitation_ttl_hours=0)


def _wrong(n: int) -> str:
    """The n-th wrong code of the new shape (ten characters of the alphabet, a letter and a digit)."""
    return "ZZZZ9" + f"{n:05d}".translate(str.maketrans("0123456789", "ABCDEFGHJK"))


async def test_concurrent_wrong_tries_through_two_processes_pass_at_most_the_limit(
        harness: BotHarness, settings: Settings, clock: ManualClock) -> None:
    """One Telegram account tries wrong codes from sixteen chats at once, through two app
    instances over one database (two processes): the check and the record of a try are one step,
    so the limit's five are answered as guesses and the rest are refused, however the tries
    interleave. (The web chat's sessions behind one address: tests/bot/test_web_codes.py.)"""
    second = await BotHarness(settings, clock).start()
    try:
        apps = [harness.app, second.app]

        async def attempt(n: int) -> str:
            event = TextMessage(chat=ChatRef("telegram", "7" if n == 0 else f"-100{n}"),
                                sender=Sender("7"), at=clock.now(), text=f"/start {_wrong(n)}")
            return texts(await apps[n % 2].dispatcher.feed(event))

        first = await attempt(0)  # the account is stored by its first message
        replies = [first, *await asyncio.gather(*(attempt(n) for n in range(1, 16)))]
    finally:
        await second.close()
    assert sum(P.CODE_INVALID in reply for reply in replies) == 5, replies
    assert sum(fits(reply, P.TOO_MANY_ATTEMPTS) for reply in replies) == 11


async def test_successful_tries_spend_nothing(harness: BotHarness) -> None:
    """Right codes are not failures: a chat where colleagues bound one after another (a shared
    device) still has its whole budget for a typo."""
    h = harness
    for n in range(8):
        assert fits(texts(await h.say(f"/start {await _code(h)}", user=f"colleague{n}",
                                      channel="telegram")), P.BOUND)
    for n in range(4):
        assert P.CODE_INVALID in texts(await h.say(f"/start {_wrong(n)}", user="typo",
                                                   channel="telegram"))
    assert fits(texts(await h.say(f"/start {await _code(h)}", user="typo",
                                  channel="telegram")), P.BOUND)


async def test_new_codes_are_ten_characters_and_codes_of_eight_still_work(
        harness: BotHarness) -> None:
    h = harness
    code = await _code(h)
    assert len(code) == people_store.CODE_LENGTH == 10
    async with h.app.sessionmaker.begin() as session:  # a code issued before the change
        unit = (await session.execute(select(Unit).where(Unit.code == "CDS"))).scalar_one()
        session.add(Invitation(code="K7QM2XPA", unit_id=unit.id, role="official", name="Cũ",
                               created_at=h.clock.now(),
                               expires_at=h.clock.now() + timedelta(days=1)))
    assert fits(texts(await h.say("K7QM2XPA", user="old", channel="zalo")), P.BOUND)
    assert fits(texts(await h.say(code.lower(), user="new", channel="zalo")), P.BOUND)
