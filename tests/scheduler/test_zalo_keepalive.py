"""The gentle keep-alive prompt inside a Zalo window: only when the window closes before the next
scheduled message, never twice, quiet hours respected; sent over the fake OA."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.zalo.channel import ZaloChannel
from bot.clock import ManualClock, to_local
from bot.db.models import ChatAccount
from bot.messaging_window import KEEPALIVE_KIND, MessagingWindow
from bot.texts import reminders as T
from scheduler.delivery import OutboxDispatcher
from scheduler.keepalive import plan_keepalives
from scheduler.planner import send_guards
from scheduler.ticks import Ticks
from testkit.fake_zalo import FakeZalo
from tests.scheduler.test_zalo_window import _channel
from tests.world import World, at

MON = date(2026, 11, 23)  # Monday; the weekly check-in prompt is Friday 27th 08:00
WROTE = at(MON, 10)  # Lan's last message to the OA: the free window closes Wed 25th 10:00
LATER_DEADLINE = date(2026, 12, 11)  # reminders from Fri 4 Dec: after the window closes


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    """The fake OA API on 127.0.0.1."""
    server = FakeZalo()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def zalo(fake: FakeZalo, sessionmaker: async_sessionmaker[AsyncSession],
               clock: ManualClock) -> AsyncIterator[ZaloChannel]:
    """The real Zalo channel pointed at the fake."""
    channel = _channel(fake, sessionmaker, clock)
    yield channel
    await channel.api.close()


async def _lan(world: World, sessionmaker: async_sessionmaker[AsyncSession], *,
               wrote: datetime = WROTE, deadline: date = LATER_DEADLINE,
               accounts: dict[str, str] | None = None,
               schedule: dict[str, object] | None = None) -> int:
    await world.unit("P1", schedule=schedule)
    lan = await world.official("Lan", "P1", accounts=accounts or {"zalo": "z-lan"})
    await world.task("NV1", deadline, "P1", [lan])
    await _wrote(sessionmaker, wrote)
    return lan


async def _wrote(sessionmaker: async_sessionmaker[AsyncSession], when: datetime) -> None:
    async with sessionmaker.begin() as s:
        await s.execute(update(ChatAccount).where(ChatAccount.channel == "zalo")
                        .values(last_inbound_at=when))


async def _plan(sessionmaker: async_sessionmaker[AsyncSession], now: datetime,
                channels: tuple[str, ...] = ("zalo",)) -> int:
    async with sessionmaker.begin() as s:
        return await plan_keepalives(s, now, MessagingWindow(), channels=channels)


async def test_prompt_in_the_windows_last_day_once(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock, zalo: ZaloChannel, fake: FakeZalo) -> None:
    await _lan(world, sessionmaker)
    assert await _plan(sessionmaker, at(MON + timedelta(days=1), 9)) == 0  # 23 h in: too early
    now = at(MON + timedelta(days=1), 10, 30)  # 24.5 h in: the last day of the 48 h window
    assert await _plan(sessionmaker, now) == 1
    assert await _plan(sessionmaker, now + timedelta(minutes=1)) == 0  # never twice
    [row] = await world.rows(kind=KEEPALIVE_KIND)
    assert row.not_before == now and row.expires_at == at(MON + timedelta(days=2), 9)
    clock.set(now)
    stats = await OutboxDispatcher(sessionmaker, clock, {"zalo": zalo}, worker_id="w", guards=send_guards()).drain()
    assert stats.outcomes["sent"] == 1
    assert fake.sent_texts("z-lan") == [T.KEEPALIVE.format(name="Lan")]
    [row] = await world.rows(kind=KEEPALIVE_KIND)
    assert row.payload["meta"]["route"] == "window"


async def test_a_reply_opens_a_new_window_but_not_a_second_prompt_that_week(
        world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _lan(world, sessionmaker)
    assert await _plan(sessionmaker, at(MON + timedelta(days=1), 10, 30)) == 1
    await _wrote(sessionmaker, at(MON + timedelta(days=1), 11))  # she answered
    # the new window closes Thu 26th 11:00, the check-in is Fri 08:00: due again, but weekly
    assert await _plan(sessionmaker, at(MON + timedelta(days=2), 12)) == 0
    assert len(await world.rows(kind=KEEPALIVE_KIND)) == 1


async def test_quiet_hours_hold_the_prompt_to_the_morning(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _lan(world, sessionmaker, wrote=at(MON, 22, 30))  # closes Wed 25th 22:30
    assert await _plan(sessionmaker, at(MON + timedelta(days=1), 23)) == 1
    [row] = await world.rows(kind=KEEPALIVE_KIND)
    assert to_local(row.not_before) == to_local(at(MON + timedelta(days=2), 7))


async def test_no_prompt_when_the_window_closes_before_morning(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _lan(world, sessionmaker, wrote=at(MON, 4, 30))  # closes Wed 25th 04:30
    assert await _plan(sessionmaker, at(MON + timedelta(days=2), 3)) == 0


async def test_no_prompt_when_the_next_message_comes_before_the_window_closes(
        world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    # deadline Wed 2 Dec: the T-7 reminder goes out Wed 25th 08:00, before 10:00
    await _lan(world, sessionmaker, deadline=date(2026, 12, 2))
    assert await _plan(sessionmaker, at(MON + timedelta(days=1), 10, 30)) == 0


async def test_no_prompt_without_anything_scheduled(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await world.unit("P1")
    await world.official("Lan", "P1", accounts={"zalo": "z-lan"})  # no task, not a head
    await _wrote(sessionmaker, WROTE)
    assert await _plan(sessionmaker, at(MON + timedelta(days=1), 10, 30)) == 0


async def test_a_head_expects_the_digest(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await world.unit("P1")
    await world.official("Hoa", "P1", role="head", head=True, accounts={"zalo": "z-hoa"})
    await _wrote(sessionmaker, WROTE)  # next: Friday's 17:00 digest, after Wed 10:00
    assert await _plan(sessionmaker, at(MON + timedelta(days=1), 10, 30)) == 1


async def test_no_prompt_when_telegram_comes_first(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _lan(world, sessionmaker, accounts={"telegram": "t-lan", "zalo": "z-lan"})
    assert await _plan(sessionmaker, at(MON + timedelta(days=1), 10, 30),
                       channels=("telegram", "zalo")) == 0


async def test_the_unit_can_turn_it_off(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _lan(world, sessionmaker, schedule={"zalo_keepalive": False})
    assert await _plan(sessionmaker, at(MON + timedelta(days=1), 10, 30)) == 0


async def test_paid_window_prompts_on_its_last_day(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A unit paying for 48 h – 7 days: the window closes Mon 30th 10:00."""
    await _lan(world, sessionmaker, schedule={"zalo_paid_messages": True})
    # Tuesday: the 48 h mark does not matter here
    assert await _plan(sessionmaker, at(MON + timedelta(days=1), 10, 30)) == 0
    # Sunday 29th 10:30: next is Fri 4 Dec (check-in and T-7), after Monday 10:00
    assert await _plan(sessionmaker, at(MON + timedelta(days=6), 10, 30)) == 1


async def test_cancelled_when_she_wrote_before_it_went_out(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock, zalo: ZaloChannel,
                                                           fake: FakeZalo) -> None:
    await _lan(world, sessionmaker, wrote=at(MON, 22, 30))
    await _plan(sessionmaker, at(MON + timedelta(days=1), 23))  # held to Wed 07:00
    await _wrote(sessionmaker, at(MON + timedelta(days=1), 23, 30))
    clock.set(at(MON + timedelta(days=2), 7))
    stats = await OutboxDispatcher(sessionmaker, clock, {"zalo": zalo}, worker_id="w", guards=send_guards()).drain()
    assert stats.outcomes["cancelled"] == 1 and fake.requests == []
    [row] = await world.rows(kind=KEEPALIVE_KIND)
    assert row.last_error_code == "answered"


async def test_late_prompt_is_dropped_not_rerouted(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock, zalo: ZaloChannel, fake: FakeZalo) -> None:
    """Sent only inside the window: past it, cancelled (no template, no other channel)."""
    await _lan(world, sessionmaker, accounts={"zalo": "z-lan", "telegram": "t-lan"},
               schedule=None)
    async with sessionmaker.begin() as s:  # Zalo preferred
        await plan_keepalives(s, at(MON + timedelta(days=1), 10, 30), MessagingWindow(),
                              channels=("zalo", "telegram"))
    [row] = await world.rows(kind=KEEPALIVE_KIND)
    async with sessionmaker.begin() as s:
        from bot.db.models import OutboxMessage
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                        .values(expires_at=None))  # as if the row had no expiry
    clock.set(at(MON + timedelta(days=2), 10, 30))  # the window closed at 10:00
    stats = await OutboxDispatcher(sessionmaker, clock, {"zalo": zalo}, worker_id="w", guards=send_guards()).drain()
    assert stats.outcomes["cancelled"] == 1 and fake.requests == []
    assert [r.kind for r in await world.rows()] == [KEEPALIVE_KIND]  # no copy elsewhere


async def test_ticks_plan_and_send_it(world: World, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock, zalo: ZaloChannel, fake: FakeZalo) -> None:
    """The scheduler service's tick finds the Zalo channel's window and sends the prompt."""
    await _lan(world, sessionmaker)
    clock.set(at(MON + timedelta(days=1), 10, 30))
    ticks = Ticks(sessionmaker, clock, {"zalo": zalo}, owner="t1", elect_sender=False)
    await ticks.plan_tick()
    await ticks.dispatch_tick()
    assert T.KEEPALIVE.format(name="Lan") in fake.sent_texts("z-lan")
    await ticks.plan_tick()
    clock.advance(timedelta(hours=2))
    await ticks.plan_tick()
    assert len(await world.rows(kind=KEEPALIVE_KIND)) == 1
