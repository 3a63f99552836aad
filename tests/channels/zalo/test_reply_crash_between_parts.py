"""One reply sent as two Zalo messages (a list's first five buttons, then "Các lựa chọn khác"
with the rest), and the process dying between them: whoever takes the stored event after its
lease sends the second message only (before: both again). See
tests/channels/test_reply_crash_between_parts.py for Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.app import build_app
from bot.channels.zalo.channel import ZaloChannel
from bot.clock import ManualClock
from bot.config import Settings
from bot.texts import ask as A
from bot.texts import zalo as ZT
from testkit.fake_zalo import FakeZalo
from tests.channels.zalo.conftest import event, open_zalo_app
from tests.world import World


async def test_a_crash_between_two_zalo_messages_of_one_reply_sends_the_rest_once(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One reply, two Zalo messages: the guide list's text with five guides as buttons, then
    "Các lựa chọn khác" with the sixth. Dying between them, the second is sent once after."""
    demo = build_app(zalo_settings, clock=clock, channels={})
    await demo.prepare(migrate=False, load_demo=True)  # six guides
    await demo.stop()
    async with open_zalo_app(zalo_settings, clock) as zalo:
        world = World(zalo.app.sessionmaker, now=clock.now)
        await world.official("Lê Minh Châu", "DV1", accounts={"zalo": "z1"})
        with monkeypatch.context() as patch:
            died = _die_before_zalo_part(zalo.parts.channel, patch, after=1)
            assert await zalo.post_event(event("user_send_text", "z1", clock, msg_id="m1",
                                               text="/huongdan")) == 200
            await asyncio.wait_for(died.wait(), 10)
            await asyncio.sleep(0.05)
        first = fake_zalo.sent_texts("z1")
        assert len(first) == 1 and first[0].startswith(A.GUIDE_LIST_HEADER.format(count=6))
        clock.advance(timedelta(seconds=zalo_settings.zalo_inbound_lease_seconds + 1))
        assert await zalo.parts.webhook.recover_once() == 1
        await zalo.settle()
        assert fake_zalo.sent_texts("z1") == [first[0], ZT.MORE_OPTIONS]  # nothing twice


def _die_before_zalo_part(channel: ZaloChannel, monkeypatch: pytest.MonkeyPatch, *,
                          after: int) -> asyncio.Event:
    died = asyncio.Event()
    real: Callable[..., Awaitable[str | None]] = channel._send_one
    sent = [0]

    async def send_one(*args: Any) -> str | None:
        if sent[0] == after:
            died.set()
            raise asyncio.CancelledError
        sent[0] += 1
        return await real(*args)

    monkeypatch.setattr(channel, "_send_one", send_one)
    return died
