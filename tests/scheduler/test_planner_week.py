"""The planner over two real weeks with digests on, against rows written out in full: every
idempotency key, its status and the local time it went out (a national holiday included)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import ManualClock, to_local
from scheduler.digest import build_digest
from tests.fakes import FakeChannel
from tests.scheduler.sim import Sim
from tests.world import World, at

MON = date(2026, 8, 24)  # ISO week 2026-W35; Mon 31 Aug – Wed 2 Sep 2026 are days off (Quốc khánh)
DEADLINE = date(2026, 9, 4)  # Friday of 2026-W36


@pytest.mark.slow
async def test_two_weeks_with_a_holiday_give_exactly_these_rows(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    await world.unit("P1")
    head = await world.official("Trưởng phòng", "P1", role="head", head=True)
    lan = await world.official("Lan", "P1")
    task = await world.task("NV1", DEADLINE, "P1", [lan])
    unit = world.units["P1"]
    sim.digest_builder = build_digest
    clock.set(at(MON, 0))  # installed on Monday 24 Aug at midnight, running without a break
    await sim.run_until(at(MON, 0).replace(day=6, month=9, hour=16, minute=59))  # Sun 23:59

    rows = sorted((r.idem_key, r.status, to_local(r.sent_at).strftime("%a %d/%m %H:%M"))
                  for r in await world.rows() if r.sent_at is not None)
    deadline = f"deadline:{task}:2026-09-04"
    assert rows == sorted([
        # T-7 (Fri 28/8) and T-3 (Tue 1/9, a holiday → the working day before: Fri 28/8) fall
        # on one day: only the offset nearest the deadline is kept
        (f"{deadline}:T-3:{lan}:telegram", "sent", "Fri 28/08 08:00"),
        (f"{deadline}:T-1:{lan}:telegram", "sent", "Thu 03/09 08:00"),
        (f"{deadline}:T-0:{lan}:telegram", "sent", "Fri 04/09 08:00"),
        # Lan never reports: Friday's prompt and both nudges, each week
        (f"checkin:{lan}:2026-W35:prompt:telegram", "sent", "Fri 28/08 08:00"),
        (f"checkin:{lan}:2026-W35:nudge1:telegram", "sent", "Fri 28/08 14:00"),
        (f"checkin:{lan}:2026-W35:nudge2:telegram", "sent", "Fri 28/08 15:30"),
        (f"checkin:{lan}:2026-W36:prompt:telegram", "sent", "Fri 04/09 08:00"),
        (f"checkin:{lan}:2026-W36:nudge1:telegram", "sent", "Fri 04/09 14:00"),
        (f"checkin:{lan}:2026-W36:nudge2:telegram", "sent", "Fri 04/09 15:30"),
        # the week-ahead digest of W36 moves forward past Mon–Wed (days off) to Thursday
        (f"digest:{unit}:2026-W35:ahead:{head}:telegram", "sent", "Mon 24/08 07:30"),
        (f"digest:{unit}:2026-W35:week:{head}:telegram", "sent", "Fri 28/08 17:00"),
        (f"digest:{unit}:2026-W36:ahead:{head}:telegram", "sent", "Thu 03/09 07:30"),
        (f"digest:{unit}:2026-W36:week:{head}:telegram", "sent", "Fri 04/09 17:00"),
    ])
    # nothing else was written (no row without a send: no superseded, expired or failed rows),
    # nothing was sent twice, and no overdue notice on the weekend after the deadline
    assert len(await world.rows()) == len(rows) == len(telegram.sent)
    texts = [m.text for c, m in telegram.sent if c.chat_id == "Lan"]
    assert sum("NV1" in t for t in texts) == 3 and not any("quá hạn" in t for t in texts)
