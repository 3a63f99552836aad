"""A new installation is not an outage: nothing due before the planner's first run is caught up,
while downtime after the first run keeps the catch-up policy (docs/scheduling.md §5.5)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.clock import ManualClock, to_local
from bot.db.models import JobRun, OutboxMessage
from scheduler.digest import build_digest
from scheduler.planner import PLANNER_JOB, planner_first_run
from tests.scheduler.sim import Sim
from tests.world import World, at

THU, FRI, SAT, MON = (date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 28),
                      date(2026, 11, 30))  # ISO week 2026-W48, then Monday of W49


async def _team(world: World) -> dict[str, int]:
    await world.unit("P1")
    ids = {"head": await world.official("Trưởng phòng", "P1", role="head", head=True),
           "lan": await world.official("Lan", "P1")}
    # deadline Tue 1 Dec: T-7 Tue 24 Nov, T-3 Sat 28 → Fri 27 Nov, T-1 Mon 30 Nov, T-0 Tue 1 Dec
    ids["task"] = await world.task("NV1", date(2026, 12, 1), "P1", [ids["lan"]])
    return ids


def _w48(rows: list[OutboxMessage]) -> list[tuple[str, str]]:
    return [(r.idem_key, r.status) for r in rows if ":2026-W48:" in r.idem_key]


async def test_fresh_install_on_saturday_catches_nothing_up(world: World, sim: Sim,
                                                            clock: ManualClock) -> None:
    ids = await _team(world)
    sim.digest_builder = build_digest
    clock.set(at(SAT, 9))  # the very first planner run
    await sim.run_until(at(MON, 10))
    rows = await world.rows()
    # Friday's week digest, check-in prompt and nudges: no row at all (not late, not expired)
    assert _w48(rows) == []
    assert not any(r.late or r.status in ("expired", "superseded") for r in rows)
    deadline = [(r.idem_key.split(":")[3], r.status) for r in rows if r.kind == "deadline"]
    assert deadline == [("T-1", "sent")]  # T-7 and T-3 (moved to Friday) predate troly
    ahead = [r for r in rows if r.kind == "digest"]
    assert [(r.idem_key.split(":")[2:4], r.sent_at and to_local(r.sent_at).strftime("%a %H:%M"))
            for r in ahead] == [(["2026-W49", "ahead"], "Mon 07:30")]
    async with sim.sessionmaker() as s:
        first = (await s.execute(select(JobRun).where(JobRun.job_name == PLANNER_JOB))).scalar_one()
    assert first.period_key == "first-run" and first.started_at == at(SAT, 9)
    assert ids["head"] == ahead[0].recipient_id


async def test_downtime_after_first_run_still_catches_up(world: World, sim: Sim,
                                                         clock: ManualClock) -> None:
    ids = await _team(world)
    sim.digest_builder = build_digest
    clock.set(at(THU, 9))
    await sim.tick()  # the planner ran on Thursday, then troly was down all Friday
    clock.set(at(SAT, 9))
    await sim.tick()
    rows = {r.idem_key.rsplit(":", 1)[0]: r for r in await world.rows()}
    week = rows[f"digest:{world.units['P1']}:2026-W48:week:{ids['head']}"]
    assert week.status == "sent" and week.late
    prompt = rows[f"checkin:{ids['lan']}:2026-W48:prompt"]
    assert prompt.status == "sent" and prompt.late  # same week: sent late
    t3 = rows[f"deadline:{ids['task']}:2026-12-01:T-3:{ids['lan']}"]
    assert t3.status == "sent" and t3.late


async def test_downtime_into_next_week_expires_the_prompt(world: World, sim: Sim,
                                                          clock: ManualClock) -> None:
    ids = await _team(world)
    sim.digest_builder = build_digest
    clock.set(at(THU, 9))
    await sim.tick()
    clock.set(at(MON, 9))  # down from Thursday to Monday
    await sim.tick()
    w48 = dict(_w48(await world.rows()))
    assert w48[f"checkin:{ids['lan']}:2026-W48:prompt:telegram"] == "expired"
    assert w48[f"digest:{world.units['P1']}:2026-W48:week:{ids['head']}:telegram"] == "sent"


async def test_upgraded_install_counts_from_its_oldest_outbox_row(world: World, sim: Sim,
                                                                  clock: ManualClock) -> None:
    ids = await _team(world)
    sim.digest_builder = build_digest
    async with sim.sessionmaker.begin() as s:  # planned by a troly from before the first-run record
        s.add(OutboxMessage(idem_key="deadline:old:telegram", kind="deadline", channel="telegram",
                            address="Lan", recipient_id=ids["lan"], payload={"text": ""},
                            due_at=at(THU, 8), not_before=at(THU, 8), status="sent",
                            created_at=at(THU, 8), updated_at=at(THU, 8)))
    clock.set(at(SAT, 9))
    await sim.tick()
    w48 = dict(_w48(await world.rows()))
    assert w48[f"digest:{world.units['P1']}:2026-W48:week:{ids['head']}:telegram"] == "sent"
    async with sim.sessionmaker() as s:
        assert await planner_first_run(s, at(SAT, 10)) == at(THU, 8)


async def test_every_process_agrees_on_the_first_run(sim: Sim) -> None:
    async with sim.sessionmaker.begin() as s:
        first = await planner_first_run(s, at(FRI, 9))
    async with sim.sessionmaker.begin() as s:  # another process, later
        again = await planner_first_run(s, at(FRI + timedelta(days=3), 9))
    assert first == again == at(FRI, 9)
