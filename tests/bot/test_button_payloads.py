"""Button payloads of any length: long ones travel as short tokens and come back resolved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import button_payloads, keyboards
from bot.db.guide_store import slugify
from bot.db.models import ButtonPayload
from bot.messages import MAX_PAYLOAD_BYTES, Button, OutgoingMessage, from_payload, to_payload
from bot.texts import common as C
from bot.texts import guides as G
from handlers.sections import LABEL_CHARS, clip
from scheduler.ticks import Ticks
from tests.harness import BotHarness, fits, payloads, texts

#: a title whose slug (the guide id) is 200 characters long
LONG_TITLE = "Hướng dẫn " + "thực hiện nhiệm vụ chuyển đổi số của cấp xã phường " * 6
LONG_GUIDE = (f"# {LONG_TITLE}\n\n## Phạm vi áp dụng\n\n"
              "Hướng dẫn này áp dụng cho mọi xã, phường trong tỉnh.\n").encode()
#: its button in the /huongdan listing
LABEL = clip(LONG_TITLE.strip(), LABEL_CHARS)


async def _long_guide(h: BotHarness) -> str:
    await h.make_official("Quản trị", role="admin", user="admin")
    assert fits(texts(await h.upload_guide("dai.md", LONG_GUIDE, user="admin")), G.ADDED)
    return slugify(LONG_TITLE)


async def test_a_200_character_guide_id_goes_out_as_a_token_and_works(
        harness: BotHarness) -> None:
    slug = await _long_guide(harness)
    assert len(slug) == 200
    listing = await harness.say("/huongdan")
    (token,) = payloads(listing)
    assert button_payloads.is_token(token) and len(token.encode()) <= MAX_PAYLOAD_BYTES
    opened = texts(await harness.press(label=LABEL))
    assert LONG_TITLE.strip() in opened
    await harness.restart()  # the token lives in the database, not in memory
    assert LONG_TITLE.strip() in texts(await harness.press(label=LABEL, among=listing))


async def test_the_same_payload_reuses_one_token(harness: BotHarness) -> None:
    await _long_guide(harness)
    first = payloads(await harness.say("/huongdan"))
    second = payloads(await harness.say("/huongdan", user="other"))
    assert first == second
    async with harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ButtonPayload)) == 1


async def test_short_payloads_are_left_alone(kb_harness: BotHarness) -> None:
    listing = payloads(await kb_harness.say("/huongdan"))
    assert listing and all(p.startswith("guide:") for p in listing)
    async with kb_harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ButtonPayload)) == 0


async def test_an_expired_token_is_explained_then_collected(harness: BotHarness) -> None:
    await _long_guide(harness)
    (token,) = payloads(await harness.say("/huongdan"))
    harness.clock.advance(button_payloads.TOKEN_TTL + timedelta(minutes=1))
    assert texts(await harness.press(token)) == C.BUTTON_EXPIRED
    assert texts(await harness.press("~nosuchtoken")) == C.BUTTON_EXPIRED
    ticks = Ticks(harness.app.sessionmaker, harness.clock, {}, owner="test")
    await ticks.maintenance_tick()
    async with harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ButtonPayload)) == 0


async def test_issuing_again_extends_the_expiry(harness: BotHarness) -> None:
    await _long_guide(harness)
    (token,) = payloads(await harness.say("/huongdan"))
    harness.clock.advance(button_payloads.TOKEN_TTL - timedelta(days=1))
    assert payloads(await harness.say("/huongdan")) == [token]
    harness.clock.advance(timedelta(days=2))  # past the first expiry, inside the second
    assert LONG_TITLE.strip() in texts(await harness.press(label=LABEL))


async def test_a_numbered_choice_of_a_long_payload_works_without_buttons(
        harness: BotHarness) -> None:
    await _long_guide(harness)
    listing = await harness.say("/huongdan", channel="console")
    assert len(payloads(listing)) == 1  # one option, which the console channel numbers "1."
    assert LONG_TITLE.strip() in texts(await harness.say("1", channel="console"))


def test_a_reusable_button_leaves_room_for_its_mark() -> None:
    # Telegram marks a reusable (navigation) button's callback_data with one character
    exactly = "sec:" + "1" * (MAX_PAYLOAD_BYTES - 4)
    assert button_payloads.fits_wire(exactly)
    assert not button_payloads.fits_wire(exactly, reusable=True)
    assert button_payloads.fits_wire(exactly[:-1], reusable=True)


async def test_a_long_reusable_payload_becomes_a_token_and_stays_reusable(
        harness: BotHarness) -> None:
    exactly = "sec:" + "1" * (MAX_PAYLOAD_BYTES - 4)
    message = OutgoingMessage("x", (Button("Mục", exactly, reusable=True), Button("Có", exactly)))
    async with harness.app.sessionmaker.begin() as session:
        (short,) = await button_payloads.shorten(session, [message], harness.clock.now())
    navigation, choice = short.buttons
    assert button_payloads.is_token(navigation.payload) and navigation.reusable
    assert choice.payload == exactly and not choice.reusable


def test_reusable_buttons_survive_the_outbox_payload() -> None:
    message = OutgoingMessage("x", (Button("Đọc", "guide:a", reusable=True), Button("Đã đọc", "gack:1")))
    stored = to_payload(message)
    assert stored["buttons"] == [["Đọc", "guide:a"], ["Đã đọc", "gack:1"]]  # pairs, as before
    again = from_payload(stored)
    assert [b.reusable for b in again.buttons] == [True, False]
    assert keyboards.is_choice(again) and not keyboards.is_choice(
        OutgoingMessage("x", (Button("Đọc", "guide:a", reusable=True),)))
    assert [m.keyboard is None for m in keyboards.stamp([
        OutgoingMessage("x", (Button("Đọc", "guide:a", reusable=True),)), again])] == [True, False]


async def _expiry(h: BotHarness) -> datetime:
    async with h.app.sessionmaker() as session:
        (expires,) = (await session.scalars(select(ButtonPayload.expires_at))).all()
        return expires


async def test_a_token_shown_again_is_written_again_only_once_a_day(harness: BotHarness) -> None:
    await _long_guide(harness)
    (token,) = payloads(await harness.say("/huongdan"))
    first = await _expiry(harness)
    harness.clock.advance(timedelta(hours=5))
    assert payloads(await harness.say("/huongdan", user="other")) == [token]
    assert await _expiry(harness) == first  # remembered as stored: no statement
    harness.clock.advance(button_payloads.REFRESH_AFTER)
    assert payloads(await harness.say("/huongdan")) == [token]
    assert await _expiry(harness) > first  # its time to live pushed back


async def test_a_token_of_a_rolled_back_transaction_is_written_again(
        harness: BotHarness) -> None:
    message = OutgoingMessage("x", (Button("Có", "x" * 100),))
    issued = button_payloads.IssuedTokens()
    now = harness.clock.now()
    with pytest.raises(RuntimeError):
        async with harness.app.sessionmaker.begin() as session:
            await button_payloads.shorten(session, [message], now, issued)
            raise RuntimeError("the handler failed after the reply was built")
    async with harness.app.sessionmaker.begin() as session:
        (short,) = await button_payloads.shorten(session, [message], now, issued)
    async with harness.app.sessionmaker() as session:
        assert await button_payloads.resolve(session, short.buttons[0].payload, now) == "x" * 100
    assert issued.fresh(short.buttons[0].payload, now)


def test_the_oldest_remembered_token_is_forgotten_first() -> None:
    issued = button_payloads.IssuedTokens(limit=2)
    now = datetime(2026, 12, 2, tzinfo=UTC)
    expires = now + button_payloads.TOKEN_TTL
    issued.remember({"~a": expires, "~b": expires})
    issued.remember({"~a": expires, "~c": expires})  # ~a again: now the newest
    assert [issued.fresh(t, now) for t in ("~a", "~b", "~c")] == [True, False, True]
