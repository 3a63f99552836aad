"""One bad row never stops the schedule: a unit whose digest cannot be built is recorded and
retried, and every other unit (and every reminder) goes out as usual."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.clock import ManualClock
from bot.db.models import CheckinEntry, CheckinReport, JobRun
from bot.messages import OutgoingMessage
from bot.texts import reminders as R
from scheduler.digest import build_digest
from scheduler.planner import Planner, _TaskRow
from scheduler.planning import plan
from tests.fakes import FakeChannel
from tests.harness import fits
from tests.scheduler.sim import Sim
from tests.world import World, at

FRI = date(2026, 11, 27)  # Friday of ISO week 2026-W48


async def _two_units(world: World, *, code_p1: str = "NV1") -> dict[str, int]:
    ids: dict[str, int] = {}
    for unit in ("P1", "P2"):
        await world.unit(unit)
        ids[f"head_{unit}"] = await world.official(f"Trưởng {unit}", unit, role="head", head=True)
        ids[f"staff_{unit}"] = await world.official(f"Cán bộ {unit}", unit)
    # a deadline on Friday: the day's reminder is due at 08:00 for both units
    ids["t1"] = await world.task(code_p1, FRI, "P1", [ids["staff_P1"]])
    ids["t2"] = await world.task("NV2", FRI, "P2", [ids["staff_P2"]])
    async with world.sessionmaker.begin() as s:  # troly has run for weeks: no first-install rule
        s.add(JobRun(job_name="planner", period_key="first-run", owner="test",
                     started_at=at(FRI - timedelta(days=28), 9)))
    return ids


async def _answer(world: World, official: int, task: int, blockers: str, now: datetime) -> None:
    """A check-in answer as it may already be stored (written before input was normalized)."""
    async with world.sessionmaker.begin() as s:
        report = CheckinReport(official_id=official, iso_week="2026-W48", status="submitted",
                               submitted_at=now, updated_at=now, revision=1)
        s.add(report)
        await s.flush()
        s.add(CheckinEntry(report_id=report.id, task_id=task, progress=30, status="at_risk",
                           blockers=blockers, updated_at=now))


def _sent(rows: list, kind: str) -> dict[int, str]:  # type: ignore[type-arg]
    return {r.recipient_id: r.status for r in rows if r.kind == kind}


@pytest.mark.parametrize("pasted", ["Dán từ Word:\x01 chờ\x0b kinh phí",
                                    # no XML characters either (lxml refuses them)
                                    "Dán từ web:\uffff chờ\ufffe kinh phí"])
async def test_control_character_in_an_answer_does_not_stop_reminders_or_digests(
        world: World, sim: Sim, clock: ManualClock, pasted: str) -> None:
    ids = await _two_units(world)
    clock.set(at(FRI, 7))
    await _answer(world, ids["staff_P1"], ids["t1"], pasted, clock.now())
    sim.digest_builder = build_digest
    await sim.run_until(at(FRI, 17, 30))
    rows = await world.rows()
    # reminders went out for both units all day (the planner did not fail on every tick)
    assert _sent(rows, "deadline") == {ids["staff_P1"]: "sent", ids["staff_P2"]: "sent"}
    # and both heads got this week's digest: the control character is dropped from the xlsx
    week = {r.recipient_id: r.status for r in rows
            if r.kind == "digest" and ":2026-W48:week:" in r.idem_key}
    assert week == {ids["head_P1"]: "sent", ids["head_P2"]: "sent"}


async def test_dollar_signs_in_a_task_code_draw_as_text(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    ids = await _two_units(world, code_p1="US$5^$")
    clock.set(at(FRI, 16, 59))
    sim.digest_builder = build_digest
    await sim.run_until(at(FRI, 17, 0))
    week = {r.recipient_id: r.status for r in await world.rows(kind="digest")
            if ":2026-W48:week:" in r.idem_key}
    assert week == {ids["head_P1"]: "sent", ids["head_P2"]: "sent"}
    [digest] = [m for c, m in telegram.sent if c.chat_id == "Trưởng P1"
                and fits(m.text, R.DIGEST_WEEK_TITLE.format(week="48/2026", unit="{unit}"))]
    assert "US$5^$" in digest.text
    assert digest.attachments[0].content.startswith(b"\x89PNG")


class _Flaky:
    """build_digest, except for one unit: a Python error or a failing SQL statement."""

    def __init__(self, unit_id: int, how: str) -> None:
        self.unit_id, self.how, self.broken, self.calls = unit_id, how, True, 0

    async def __call__(self, session: AsyncSession, unit_id: int, week: str, kind: str,
                       now: datetime) -> OutgoingMessage:
        if unit_id == self.unit_id and self.broken:
            self.calls += 1
            if self.how == "sql":  # aborts the transaction on PostgreSQL: needs a savepoint
                await session.execute(text("SELECT * FROM no_such_table"))
            raise ValueError("chart exploded")
        return await build_digest(session, unit_id, week, kind, now)


@pytest.mark.parametrize("how", ["python", "sql"])
async def test_a_digest_that_cannot_be_built_is_recorded_retried_and_shown(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel, database_url: str,
        how: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    ids = await _two_units(world)
    flaky = _Flaky(world.units["P1"], how)
    sim.digest_builder = flaky
    clock.set(at(FRI, 17))
    await sim.tick()
    rows = {r.recipient_id: r for r in await world.rows(kind="digest")
            if ":2026-W48:week:" in r.idem_key}
    assert rows[ids["head_P2"]].status == "sent"  # the other unit proceeds
    failed = rows[ids["head_P1"]]
    assert failed.status == "build_failed" and failed.last_error_code == "build_failed"
    assert "chart exploded" in (failed.last_error or "") or "no_such_table" in (
        failed.last_error or "")
    assert failed.not_before > clock.now()  # retried later, not on every tick
    assert f"unit {world.units['P1']}" in caplog.text  # logged with the unit
    # `troly outbox` shows it
    monkeypatch.setenv("TROLY_DATABASE_URL", database_url)
    monkeypatch.setenv("TROLY_LOAD_DEMO_GUIDES", "false")
    out = await asyncio.to_thread(CliRunner().invoke, build_cli(),
                                  ["outbox", "--status", "build_failed", "--json"])
    assert out.exit_code == 0, out.output
    shown = json.loads(out.stdout.strip().splitlines()[-1])
    # this Friday's week digest and this Monday's week-ahead one (caught up late) both failed
    assert shown["counts"]["build_failed"] == 2
    assert {(r["kind"], r["recipient"], r["error"]) for r in shown["rows"]} == {
        ("digest", "Trưởng P1", "build_failed")}
    assert {r["key"].split(":")[3] for r in shown["rows"]} == {"week", "ahead"}
    assert all("chart exploded" in r["detail"] or "no_such_table" in r["detail"]
               for r in shown["rows"])
    table = await asyncio.to_thread(CliRunner().invoke, build_cli(), ["outbox"])
    assert "build_failed: 2" in table.stdout and "build_failed" in table.stdout
    # ticks before the retry time do not rebuild it
    calls = flaky.calls
    clock.advance(timedelta(minutes=1))
    await sim.tick()
    assert flaky.calls == calls
    # once the cause is fixed, the next retry builds and sends it (late), under the same key
    flaky.broken = False
    clock.set(failed.not_before + timedelta(seconds=1))
    await sim.tick()
    [again] = [r for r in await world.rows(kind="digest")
               if r.recipient_id == ids["head_P1"] and ":2026-W48:week:" in r.idem_key]
    assert again.id == failed.id and again.status == "sent"
    assert [m.text for c, m in telegram.sent if c.chat_id == "Trưởng P1"
            and fits(m.text, R.DIGEST_WEEK_TITLE.format(week="48/2026", unit="{unit}"))]


async def test_a_task_that_cannot_be_planned_does_not_stop_the_others(
        world: World, sim: Sim, clock: ManualClock, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    ids = await _two_units(world)
    original = Planner._before_deadline

    def broken_for_p1(self: Planner, task: _TaskRow, *args: Any) -> None:
        if task.id == ids["t1"]:
            raise KeyError("a bug that only this task's data reaches")
        return original(self, task, *args)

    monkeypatch.setattr(Planner, "_before_deadline", broken_for_p1)
    clock.set(at(FRI, 8))
    result = await sim.plan()
    assert result.failed == 1 and result.by_kind["deadline"] == 1
    assert _sent(await world.rows(), "deadline") == {ids["staff_P2"]: "pending"}
    assert f"task {ids['t1']} (unit {world.units['P1']}) failed" in caplog.text
    monkeypatch.setattr(Planner, "_before_deadline", original)  # fixed: the next run plans it
    clock.advance(timedelta(minutes=1))
    assert (await sim.plan()).by_kind["deadline"] == 1
    assert set(_sent(await world.rows(), "deadline")) == {ids["staff_P1"], ids["staff_P2"]}


async def test_two_planners_retrying_one_failed_build_send_it_once(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel,
        database_url: str) -> None:
    """Several processes plan (PostgreSQL). Two take up the same digest whose build failed: the
    first rebuilds it, and it goes out, while the second is still building; the second must not
    make the sent row pending again (it was sent twice: the row read as build_failed was
    overwritten by its id)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time (BEGIN IMMEDIATE): planners never overlap")
    ids = await _two_units(world)
    flaky = _Flaky(world.units["P1"], "python")
    sim.digest_builder = flaky
    clock.set(at(FRI, 17))
    await sim.tick()
    failed = [r for r in await world.rows(kind="digest", status="build_failed")
              if r.recipient_id == ids["head_P1"]]
    assert len(failed) == 2  # this week's digest and the week ahead
    flaky.broken = False
    clock.set(max(r.not_before for r in failed) + timedelta(seconds=1))
    raced: list[bool] = []

    async def slow_builder(session: AsyncSession, unit_id: int, week: str, kind: str,
                           now: datetime) -> OutgoingMessage:
        if unit_id == world.units["P1"] and not raced:
            raced.append(True)  # meanwhile another process plans, and its sender sends
            sim.digest_builder = build_digest
            await sim.tick()
        return await build_digest(session, unit_id, week, kind, now)

    async with world.sessionmaker.begin() as session:  # the slower planner
        await plan(session, clock.now(), channels=("telegram",), digest_builder=slow_builder)
    assert raced
    await sim.dispatcher().drain()
    rows = [r for r in await world.rows(kind="digest") if r.id in {f.id for f in failed}]
    assert {r.status for r in rows} == {"sent"}
    to_head = [m.text for c, m in telegram.sent if c.chat_id == "Trưởng P1"]
    assert len(to_head) == 2, to_head  # each digest once
