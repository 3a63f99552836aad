"""A message planned for an official is never delivered to an account no longer bound to them,
even when the unbinding raced the planner (another process, a direct database edit)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from bot.clock import ManualClock
from bot.db.models import ChatAccount
from tests.fakes import FakeChannel
from tests.scheduler.sim import Sim
from tests.world import World, at


async def test_a_row_for_an_unbound_account_is_cancelled_not_sent(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    await world.unit("P1")
    lan = await world.official("Lan", "P1")
    await world.task("NV1", date(2026, 12, 14), "P1", [lan])
    clock.set(at(date(2026, 12, 7), 8))
    await sim.plan()
    [row] = await world.rows(kind="deadline")
    assert row.status == "pending"
    async with world.sessionmaker.begin() as s:
        await s.execute(update(ChatAccount).values(official_id=None))
    await sim.dispatcher().drain()
    [row] = await world.rows(kind="deadline")
    assert (row.status, row.last_error_code) == ("cancelled", "unbound")
    assert telegram.sent == []
