"""The planner beyond the week: the monthly summary prompt on the day the period closes (nudges,
catch-up, expiry, holidays moving the cut-off), the heads' monthly digest, the consolidating unit's
digest, co-operating units' reminders, leave pausing reminders, and the weekly prompt naming the
real cut-off in a holiday week."""

from __future__ import annotations

from datetime import date

import pytest

from bot.clock import ManualClock
from bot.db.models import (
    JobRun,
    OfficialLeave,
    OutboxMessage,
    PeriodReport,
    SchedulePolicy,
    TaskUnit,
)
from bot.db.plan_store import set_consolidators
from bot.periods import Period
from bot.reports.build import build_unit_report
from bot.texts import coop as CO
from bot.texts import reminders as R
from scheduler.digest import XLSX_MIME, build_digest, chart_rows, progress_chart
from tests.fakes import FakeChannel
from tests.harness import fits
from tests.scheduler.sim import Sim
from tests.world import EPOCH, World, at, sent_local

DEC14 = date(2026, 12, 14)  # Monday: the December 2026 period (15/11–14/12) closes


async def _running_since(sim: Sim, day: date) -> None:
    """troly has been running for a while (not a fresh install)."""
    async with sim.sessionmaker.begin() as s:
        s.add(JobRun(job_name="planner", period_key="first-run", owner="test",
                     started_at=at(day, 0)))


async def _team(world: World) -> dict[str, int]:
    await world.unit("P1")
    ids = {"head": await world.official("Trưởng phòng", "P1", role="head", head=True),
           "deputy": await world.official("Phó phòng", "P1", role="deputy"),
           "lan": await world.official("Lan", "P1"),
           "minh": await world.official("Minh", "P1")}
    ids["t1"] = await world.task("NV1", date(2027, 3, 31), "P1", [ids["lan"]])
    ids["t2"] = await world.task("NV2", date(2027, 3, 31), "P1", [ids["minh"]])
    return ids


def _sent(rows: list[OutboxMessage], kind: str) -> list[tuple[int | None, str, bool]]:
    return [(r.recipient_id, sent_local(r).strftime("%d/%m %H:%M"), r.late)
            for r in rows if r.kind == kind and r.status == "sent"]


async def _answer(sim: Sim, official: int, key: str) -> None:
    now = sim.clock.now()
    async with sim.sessionmaker.begin() as s:
        s.add(PeriodReport(official_id=official, period_key=key, kind="month", status="submitted",
                           submitted_at=now, late=False, revision=1, updated_at=now))


async def test_month_prompt_on_the_closing_day_nudges_the_silent(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    ids = await _team(world)
    await _running_since(sim, date(2026, 11, 1))
    clock.set(at(date(2026, 12, 11), 7))
    await sim.run_until(at(DEC14, 9))
    rows = await world.rows()
    assert sorted(_sent(rows, "period_checkin")) == sorted([
        (ids["lan"], "14/12 08:00", False), (ids["minh"], "14/12 08:00", False)])
    prompt = next(r for r in rows if r.kind == "period_checkin" and r.recipient_id == ids["lan"])
    assert prompt.idem_key == f"checkin-month:{ids['lan']}:2026-12:prompt:telegram"
    [message] = [m for c, m in telegram.sent if c.chat_id == "Lan" and "tháng 12" in m.text]
    assert "tháng 12/2026 (15/11–14/12/2026)" in message.text
    assert "16:00 Thứ Hai 14/12/2026" in message.text
    assert [b.payload for b in message.buttons] == ["rem_period:2026-12"]
    await _answer(sim, ids["lan"], "2026-12")  # Lan answers at 09:00
    await sim.run_until(at(DEC14, 16, 30))
    rows = await world.rows()
    assert _sent(rows, "period_nudge") == [(ids["minh"], "14/12 14:00", False),
                                           (ids["minh"], "14/12 15:30", False)]
    # re-planning changes nothing: one row per occurrence
    before = await world.statuses()
    await sim.plan()
    assert await world.statuses() == before


@pytest.mark.slow
async def test_month_crosses_into_the_next_period(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    ids = await _team(world)
    await _running_since(sim, date(2026, 11, 1))
    clock.set(at(DEC14, 7))
    await sim.run_until(at(DEC14, 9))
    await _answer(sim, ids["lan"], "2026-12")
    await _answer(sim, ids["minh"], "2026-12")
    # 15/12 starts the January 2027 period (15/12–14/01/2027): nothing more until it closes
    clock.set(at(date(2026, 12, 15), 7))
    await sim.run_until(at(date(2027, 1, 13), 9))
    assert not [r for r in await world.rows() if "2027-01" in r.idem_key]
    await sim.run_until(at(date(2027, 1, 14), 9))  # Thursday 14/01/2027
    january = [r for r in await world.rows(kind="period_checkin") if ":2027-01:" in r.idem_key]
    assert {(r.recipient_id, r.status) for r in january} == {(ids["lan"], "sent"),
                                                             (ids["minh"], "sent")}


async def test_missed_prompt_is_sent_late_then_expires(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    ids = await _team(world)
    await _running_since(sim, date(2026, 11, 1))
    clock.set(at(DEC14, 7))
    await sim.tick()
    clock.set(at(date(2026, 12, 15), 10))  # down from Monday 07:00 to Tuesday 10:00
    await sim.tick()
    rows = await world.rows()
    assert sorted(_sent(rows, "period_checkin")) == sorted([
        (ids["lan"], "15/12 10:00", True), (ids["minh"], "15/12 10:00", True)])
    assert {r.status for r in rows if r.kind == "period_nudge"} <= {"superseded"}
    assert any(t.startswith(R.LATE_PREFIX) and "tháng 12/2026" in t for t in telegram.texts())
    # a month later (down the whole time from 14/01): the January prompt is recorded expired
    clock.set(at(date(2027, 1, 13), 10))
    await sim.tick()
    clock.set(at(date(2027, 1, 25), 10))
    await sim.tick()
    january = [r for r in await world.rows(kind="period_checkin") if ":2027-01:" in r.idem_key]
    assert {r.status for r in january} == {"expired"} and len(january) == 2


async def test_holiday_moves_the_period_cutoff_and_the_prompt(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    # a unit whose periods close on the 5th: 05/02/2027 is Tết eve, 04/02 is off too
    await world.unit("P1", schedule={"period_cutoff": "5 16:00"})
    lan = await world.official("Lan", "P1")
    await world.task("NV1", date(2027, 6, 30), "P1", [lan])
    await _running_since(sim, date(2027, 1, 1))
    clock.set(at(date(2027, 2, 1), 7))
    await sim.run_until(at(date(2027, 2, 5), 20))
    prompts = [r for r in await world.rows(kind="period_checkin") if r.status == "sent"]
    assert [(r.idem_key.split(":")[2], sent_local(r).strftime("%d/%m %H:%M"))
            for r in prompts] == [("2027-02", "03/02 08:00")]
    [text] = [t for t in telegram.texts() if "tháng 2/2027" in t and t.startswith("📋")]
    assert "06/01–05/02/2027" in text and "16:00 Thứ Tư 03/02/2027" in text
    nudges = _sent(await world.rows(), "period_nudge")
    assert [n[1] for n in nudges] == ["03/02 14:00", "03/02 15:30"]


async def test_weekly_prompt_in_tet_week_names_the_real_cutoff(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    await world.unit("P1")
    lan = await world.official("Lan", "P1")
    await world.task("NV1", date(2027, 6, 30), "P1", [lan])
    await _running_since(sim, date(2027, 1, 1))
    clock.set(at(date(2027, 2, 1), 7))  # W05: Thu 04 – Wed 10 Feb are Tết
    await sim.run_until(at(date(2027, 2, 3), 17))
    [prompt] = [t for t in telegram.texts() if "tuần 5/2027" in t and t.startswith("📋")]
    assert "16:00 Thứ Tư 03/02/2027" in prompt and "05/02/2027" not in prompt
    nudges = _sent(await world.rows(), "nudge")
    assert [n[1] for n in nudges] == ["03/02 14:00", "03/02 15:30"]


async def test_heads_get_the_monthly_digest(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    ids = await _team(world)
    await _running_since(sim, date(2026, 11, 1))
    sim.digest_builder = build_digest
    clock.set(at(DEC14, 9))
    await _answer(sim, ids["lan"], "2026-12")
    await sim.run_until(at(DEC14, 17, 30))
    digests = [r for r in await world.rows(kind="digest") if ":2026-12:" in r.idem_key]
    assert [(r.recipient_id, r.status, sent_local(r).strftime("%H:%M")) for r in digests] \
        == [(ids["head"], "sent", "17:00")]
    assert digests[0].idem_key == f"digest:{world.units['P1']}:2026-12:month:{ids['head']}:telegram"
    title = R.DIGEST_PERIOD_TITLE.format(period="tháng 12/2026{dates}", unit="{unit}")
    [message] = [m for c, m in telegram.sent if fits(m.text.split("\n")[0], title)]
    assert R.DIGEST_PERIOD_REPORTED.format(done=1, total=2) in message.text
    assert R.DIGEST_MISSING.format(names="Minh") in message.text
    assert {a.file_name for a in message.attachments} == {"tien-do-202612.png", "tong-hop-202612.xlsx"}
    assert [b.payload for b in message.buttons] == [f"rem_ack:{world.units['P1']}:2026-12:month"]


async def test_consolidating_unit_gets_who_has_not_reported(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    await world.unit("CUC")  # the national agency that consolidates the plan
    await world.unit("TINH_A")
    await world.unit("TINH_B")
    chief = await world.official("Cục trưởng", "CUC", role="head", head=True)
    an = await world.official("An", "TINH_A")
    binh = await world.official("Bình", "TINH_B")
    await world.task("NV1", date(2027, 3, 31), "TINH_A", [an])
    await world.task("NV2", date(2026, 12, 1), "TINH_B", [binh])  # overdue
    async with sim.sessionmaker.begin() as s:
        assert world.plan_id is not None
        await set_consolidators(s, world.plan_id, [world.units["CUC"]], EPOCH)
    await _running_since(sim, date(2026, 11, 1))
    sim.digest_builder = build_digest
    clock.set(at(date(2026, 12, 4), 9))  # Friday of W49
    await sim.run_until(at(date(2026, 12, 4), 17, 30))
    rows = [r for r in await world.rows(kind="digest") if r.idem_key.startswith("digest-plan:")]
    assert [(r.recipient_id, r.status) for r in rows if ":2026-W49:" in r.idem_key] == [
        (chief, "sent")]
    [text] = [t for c, m in telegram.sent for t in [m.text]
              if c.chat_id == "Cục trưởng" and "tuần 49/2026" in t
              and not fits(t, R.DIGEST_WEEK_TITLE)]  # the plan's digest, not the unit's
    assert R.DIGEST_PLAN_MISSING_HEADER.format(count=2, total=2) in text
    assert R.DIGEST_PLAN_MISSING_ITEM.format(unit="Phòng TINH_A", reported=0, total=1,
                                             names="An") in text and "Phòng TINH_B" in text
    assert R.DIGEST_PLAN_OVERDUE_HEADER.format(count=1) in text
    assert R.DIGEST_PLAN_MORE.format(plan="KH286") in text


@pytest.mark.slow
async def test_co_operating_units_told_the_deadline_and_their_part(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    await world.unit("LEAD")
    await world.unit("COOP")
    lan = await world.official("Lan", "LEAD")
    coop_head = await world.official("Trưởng phối hợp", "COOP", role="head", head=True)
    task = await world.task("NV1", date(2026, 12, 15), "LEAD", [lan])  # Tuesday
    async with sim.sessionmaker.begin() as s:
        s.add(TaskUnit(task_id=task, unit_id=world.units["COOP"]))
    await _running_since(sim, date(2026, 11, 1))
    clock.set(at(date(2026, 12, 7), 7))
    await sim.run_until(at(date(2026, 12, 15), 20))
    coop = [r for r in await world.rows(kind="coop") if r.status == "sent"]
    # told 7 days ahead (Tue 08/12); the lead's last cut-off before the deadline is Fri 11/12
    # 16:00, so their part is due Thursday 10/12 10:00, reminded that morning
    assert [(r.recipient_id, r.idem_key.split(":")[4], sent_local(r).strftime("%d/%m %H:%M"))
            for r in coop] == [(coop_head, "notice", "08/12 08:00"), (coop_head, "due", "10/12 08:00")]
    texts = [t for c, m in telegram.sent if c.chat_id == "Trưởng phối hợp" for t in [m.text]]
    assert fits(texts[0], CO.COOP_NOTICE.format(code="{code}", title="{title}", lead="Phòng LEAD",
                                                deadline="{deadline}", unit="{unit}",
                                                part_due="10:00 Thứ Năm 10/12/2026"))
    assert fits(texts[1], CO.COOP_DUE)
    # a unit that sets coop_notice_days=0 for its tasks sends none
    async with sim.sessionmaker.begin() as s:
        s.add(SchedulePolicy(key=f"unit:{world.units['LEAD']}",
                             data={"coop_notice_days": 0}, updated_at=EPOCH))
    task2 = await world.task("NV2", date(2026, 12, 29), "LEAD", [lan])
    async with sim.sessionmaker.begin() as s:
        s.add(TaskUnit(task_id=task2, unit_id=world.units["COOP"]))
    await sim.run_until(at(date(2026, 12, 29), 20))
    assert not [r for r in await world.rows(kind="coop") if r.subject_id == str(task2)]


@pytest.mark.slow
async def test_leave_pauses_reminders_and_deputies_get_the_digest(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    ids = await _team(world)
    await _running_since(sim, date(2026, 11, 1))
    sim.digest_builder = build_digest
    async with sim.sessionmaker.begin() as s:
        for who in ("lan", "head"):
            s.add(OfficialLeave(official_id=ids[who], start_day=date(2026, 12, 3),
                                end_day=date(2026, 12, 7), created_at=EPOCH))
    clock.set(at(date(2026, 12, 3), 7))
    await sim.run_until(at(date(2026, 12, 4), 18))
    rows = await world.rows()
    lan_prompts = [r for r in rows if r.recipient_id == ids["lan"]
                   and r.kind in ("checkin", "nudge") and ":2026-W49:" in r.idem_key]
    assert {(r.status, r.last_error_code) for r in lan_prompts} == {("cancelled", "on_leave")}
    assert not any(c.chat_id == "Lan" for c, _ in telegram.sent)
    week_digest = [r for r in rows if r.kind == "digest" and ":2026-W49:week:" in r.idem_key]
    assert [(r.recipient_id, r.status) for r in week_digest] == [(ids["deputy"], "sent")]
    # back on Tuesday 08/12: the next prompt goes out again, nothing of the leave is sent late
    await sim.run_until(at(date(2026, 12, 11), 9))
    lan_sent = [r for r in await world.rows(status="sent") if r.recipient_id == ids["lan"]
                and r.kind != "period_checkin"]
    assert [(r.kind, sent_local(r).strftime("%d/%m %H:%M"), r.late) for r in lan_sent] == [
        ("checkin", "11/12 08:00", False)]


async def test_monthly_digests_chart_progress_by_unit(world: World, sim: Sim) -> None:
    await world.unit("SO")
    await world.unit("P_A", parent="SO")
    await world.unit("P_B", parent="SO")
    await world.unit("CUC")
    await world.official("Giám đốc", "SO", role="head", head=True)
    await world.official("Cục trưởng", "CUC", role="head", head=True)
    an = await world.official("An", "P_A")
    binh = await world.official("Bình", "P_B")
    await world.task("NV1", date(2027, 3, 31), "P_A", [an])
    await world.task("NV2", date(2027, 3, 31), "P_B", [binh])
    async with sim.sessionmaker.begin() as s:
        assert world.plan_id is not None
        await set_consolidators(s, world.plan_id, [world.units["CUC"]], EPOCH)
    async with sim.sessionmaker() as s:
        message = await build_digest(s, world.units["SO"], "2026-12", "month", at(DEC14, 17))
        plan = await build_digest(s, world.units["CUC"], "2026-12", f"plan:{world.plan_id}",
                                  at(DEC14, 17))
        weekly_plan = await build_digest(s, world.units["CUC"], "2026-W50",
                                         f"plan:{world.plan_id}", at(DEC14, 17))
        report = await build_unit_report(s, world.units["SO"], Period("month", 2026, 12),
                                         at(DEC14, 17))
    title, labels, _ = chart_rows(report)
    assert labels == ["Phòng P_A", "Phòng P_B"]
    assert title == f"{R.CHART_TITLE_UNITS} — Phòng SO, tháng 12/2026"
    [png] = [a for a in message.attachments if a.mime_type == "image/png"]
    assert png.content.startswith(b"\x89PNG") and png.content == progress_chart(report)
    # the consolidating unit's month comes with the plan's units charted; its week does not
    assert [a.file_name for a in plan.attachments] == [
        f"ke-hoach-{world.plan_id}-202612.png", f"ke-hoach-{world.plan_id}-202612.xlsx"]
    assert [a.mime_type for a in weekly_plan.attachments] == [XLSX_MIME]
