"""Weekly check-in prompt/nudges/catch-up and the unit head's digest (content, chart, spreadsheet,
deputies when the head is absent, undelivered reminders shown)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from io import BytesIO

from openpyxl import load_workbook

from bot.clock import ManualClock, to_local
from bot.db.models import CheckinEntry, CheckinReport, JobRun, OutboxMessage, Unit
from bot.texts import reminders as R
from scheduler.digest import build_digest
from tests.fakes import FakeChannel
from tests.harness import fits
from tests.scheduler.sim import Sim
from tests.world import World, at, sent_local

FRI = date(2026, 11, 27)  # Friday of ISO week 2026-W48


async def _team(world: World, *, head_absent: bool = False) -> dict[str, int]:
    await world.unit("P1")
    ids = {
        "head": await world.official("Trưởng phòng", "P1", role="head", head=True,
                                     absent=head_absent),
        "deputy": await world.official("Phó phòng", "P1", role="deputy"),
        "lan": await world.official("Lan", "P1"),
        "minh": await world.official("Minh", "P1"),
    }
    ids["t1"] = await world.task("NV1", date(2026, 12, 20), "P1", [ids["lan"]])
    ids["t2"] = await world.task("NV2", date(2026, 11, 20), "P1", [ids["minh"]])  # overdue
    return ids


async def _submit(sim: Sim, official: int, task: int, *, progress: int, blockers: str) -> None:
    now = sim.clock.now()
    async with sim.sessionmaker.begin() as s:
        report = CheckinReport(official_id=official, iso_week="2026-W48", status="submitted",
                               submitted_at=now, updated_at=now, revision=1)
        s.add(report)
        await s.flush()
        s.add(CheckinEntry(report_id=report.id, task_id=task, progress=progress, status="on_track",
                           blockers=blockers, updated_at=now))


def _kinds_sent(rows: list[OutboxMessage]) -> list[tuple[str, str, str]]:
    return [(r.kind, r.idem_key.split(":")[1], sent_local(r).strftime("%a %H:%M"))
            for r in rows if r.status == "sent"]


async def test_prompt_friday_eight_nudges_only_the_silent_ones(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    ids = await _team(world)
    clock.set(at(FRI, 7))
    await sim.run_until(at(FRI, 8))
    prompts = [r for r in await world.rows(kind="checkin") if r.status == "sent"]
    assert Counter(r.recipient_id for r in prompts) == Counter([ids["lan"], ids["minh"]])
    assert prompts[0].idem_key.startswith(f"checkin:{prompts[0].recipient_id}:2026-W48:")
    [message] = [m for c, m in telegram.sent if c.chat_id == "Lan"]
    assert [b.payload for b in message.buttons] == ["rem_checkin:2026-W48"]  # "Báo cáo ngay"
    assert "16:00 Thứ Sáu 27/11/2026" in message.text
    await _submit(sim, ids["lan"], ids["t1"], progress=40, blockers="Chờ kinh phí")
    await sim.run_until(at(FRI, 16, 30))
    nudges = [r for r in await world.rows(kind="nudge") if r.status == "sent"]
    assert [(r.recipient_id, sent_local(r).strftime("%H:%M")) for r in nudges] == [
        (ids["minh"], "14:00"), (ids["minh"], "15:30")]


async def test_missed_prompt_same_week_sent_late_older_week_expired(world: World, sim: Sim, clock: ManualClock) -> None:
    ids = await _team(world)
    clock.set(at(FRI, 7))
    await sim.tick()
    clock.set(at(FRI, 15))  # down from 07:00 to 15:00: prompt late, the 14:00 nudge not at all
    await sim.run_until(at(FRI, 16))
    [prompt] = [r for r in await world.rows(kind="checkin")
                if r.recipient_id == ids["lan"] and "2026-W48" in r.idem_key]
    assert prompt.status == "sent" and prompt.late
    assert sent_local(prompt).strftime("%H:%M") == "15:00"
    nudges = {r.idem_key.split(":")[3]: r.status for r in await world.rows(kind="nudge")
              if r.recipient_id == ids["lan"]}
    assert nudges == {"nudge1": "superseded", "nudge2": "sent"}
    # next week: down from Thursday to the following Tuesday → that week's prompt expires
    clock.set(at(FRI + timedelta(days=6), 9))  # Thu 3 Dec
    await sim.tick()
    clock.set(at(FRI + timedelta(days=11), 9))  # Tue 8 Dec
    await sim.tick()
    w49 = [r for r in await world.rows(kind="checkin") if "2026-W49" in r.idem_key]
    assert {r.status for r in w49} == {"expired"} and len(w49) == 2


async def test_digest_content_chart_and_spreadsheet(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    ids = await _team(world)
    sim.digest_builder = build_digest
    clock.set(at(FRI, 9))
    async with sim.sessionmaker.begin() as s:  # troly has been running for weeks (not a new install)
        s.add(JobRun(job_name="planner", period_key="first-run", owner="test",
                     started_at=at(FRI - timedelta(days=21), 9)))
    await _submit(sim, ids["lan"], ids["t1"], progress=40, blockers="Chờ kinh phí")
    async with sim.sessionmaker.begin() as s:  # a reminder Minh never got (blocked the bot)
        s.add(OutboxMessage(idem_key="deadline:x:telegram", kind="deadline", channel="telegram",
                            address="Minh", recipient_id=ids["minh"], payload={"text": ""},
                            due_at=at(FRI, 8), not_before=at(FRI, 8), status="failed_permanent",
                            last_error_code="blocked", created_at=at(FRI, 8),
                            updated_at=at(FRI, 8)))
    await sim.run_until(at(FRI, 17, 30))
    sent = [r for r in await world.rows(kind="digest") if r.status == "sent"]
    # the first tick (Fri 09:00) catches up the latest periods nobody got (last Friday's week
    # digest, this Monday's week-ahead), marked late; this Friday's goes out at 17:00
    assert sorted((r.idem_key.split(":")[2], r.idem_key.split(":")[3], r.late) for r in sent) == [
        ("2026-W47", "week", True), ("2026-W48", "ahead", True), ("2026-W48", "week", False)]
    [digest] = [r for r in sent if ":2026-W48:week:" in r.idem_key]
    assert digest.recipient_id == ids["head"]
    assert digest.idem_key == f"digest:{world.units['P1']}:2026-W48:week:{ids['head']}:telegram"
    assert sent_local(digest).strftime("%a %H:%M") == "Fri 17:00"
    [message] = [m for c, m in telegram.sent
                 if c.chat_id == "Trưởng phòng"
                 and fits(m.text, R.DIGEST_WEEK_TITLE.format(week="48/2026", unit="{unit}"))]
    text = message.text
    assert fits(text, R.DIGEST_REPORTED.format(done=1, total=2))
    assert R.DIGEST_MISSING.format(names="Minh") in text and "NV1" in text and "40%" in text
    assert "Chờ kinh phí" in text
    assert R.DIGEST_OVERDUE_HEADER.format(count=1) in text and "NV2" in text
    assert R.DIGEST_UNDELIVERED_ITEM.format(name="Minh", what=R.UNDELIVERED_KINDS["deadline"],
                                           why=R.UNDELIVERED_REASONS["blocked"]) in text
    assert [b.payload for b in message.buttons] == [f"rem_ack:{world.units['P1']}:2026-W48:week"]
    png, xlsx = message.attachments
    assert png.mime_type == "image/png" and png.content.startswith(b"\x89PNG")
    book = load_workbook(BytesIO(xlsx.content))
    cells = " ".join(str(c.value) for row in book.active.iter_rows() for c in row if c.value)
    assert "NV1" in cells and "NV2" in cells


async def test_absent_head_deputies_get_the_digest(world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    ids = await _team(world, head_absent=True)
    sim.digest_builder = build_digest
    clock.set(at(FRI, 17))
    await sim.tick()
    recipients = {r.recipient_id for r in await world.rows(kind="digest") if r.status == "sent"}
    assert recipients == {ids["deputy"]}


async def test_monday_week_ahead_digest_and_catch_up_of_the_latest_only(
        world: World, sim: Sim, clock: ManualClock, telegram: FakeChannel) -> None:
    await _team(world)
    sim.digest_builder = build_digest
    clock.set(at(FRI, 16))
    await sim.tick()
    clock.set(at(FRI + timedelta(days=14), 9))  # down for two weeks: back Friday 11 Dec 09:00
    await sim.tick()
    rows = {(r.idem_key.split(":")[2], r.idem_key.split(":")[3]): r.status
            for r in await world.rows(kind="digest")}
    # latest 'ahead' (W50, Mon 7 Dec) sent late, the older one expired; the latest 'week'
    # digest (W49, Fri 4 Dec) sent late
    assert rows[("2026-W50", "ahead")] == "sent" and rows[("2026-W49", "ahead")] == "expired"
    assert rows[("2026-W49", "week")] == "sent"
    assert ("2026-W48", "week") not in rows or rows[("2026-W48", "week")] == "expired"
    [ahead] = [m.text for c, m in telegram.sent
               if fits(m.text, R.DIGEST_AHEAD_TITLE.format(week="50/2026", unit="{unit}"))]
    assert ahead.startswith(R.LATE_PREFIX)


async def test_manual_clock_fixture_is_monday(clock: ManualClock) -> None:
    assert to_local(clock.now()).strftime("%a %H:%M") == "Mon 08:00"


def test_fake_channel_records(telegram: FakeChannel) -> None:
    assert telegram.name == "telegram" and telegram.sent == []


async def test_digest_keeps_long_blockers_and_many_names_short(world: World, sim: Sim,
                                                              clock: ManualClock) -> None:
    """A blocker may hold 2,000 characters and a unit forty people: the digest showed every
    blocker whole and every name (a dozen Zalo messages); it shows a line of each blocker and
    twelve names, as /tiendo does, and the spreadsheet keeps every word."""
    ids = await _team(world)
    for n in range(14):
        person = await world.official(f"Cán bộ {n:02d}", "P1")
        await world.task(f"NV{n + 10}", date(2026, 12, 20), "P1", [person])
    long = "Chưa có kinh phí " + "để thuê dịch vụ số hoá " * 90 + "KẾT THÚC"
    await _submit(sim, ids["lan"], ids["t1"], progress=40, blockers=long)
    async with sim.sessionmaker() as s:
        message = await build_digest(s, world.units["P1"], "2026-W48", "week", at(FRI, 17))
    assert len(message.text) < 2000
    [line] = [x for x in message.text.splitlines() if x.startswith("• [NV1] Lan: ")]
    assert line.startswith("• [NV1] Lan: Chưa có kinh phí để thuê") and line.endswith("…")
    assert len(line) < 250 and "KẾT THÚC" not in message.text
    assert fits(message.text, R.DIGEST_MISSING.format(names="{names} và 3 người khác"))
    [sheet] = [a for a in message.attachments if a.file_name.endswith(".xlsx")]
    cells = [c for row in load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert any("KẾT THÚC" in c for c in cells)


async def test_a_head_of_two_units_gets_each_units_digest(world: World, sim: Sim,
                                                          clock: ManualClock,
                                                          telegram: FakeChannel) -> None:
    """Kiêm nhiệm: P2's head slot names P1's head. P2's digest goes to them, titled with P2, not
    to P2's deputy (rules/recipients judged the link stale: the head's home unit is P1)."""
    ids = await _team(world)
    await world.unit("P2", name="Phòng Hai")
    deputy2 = await world.official("Phó phòng Hai", "P2", role="deputy")
    hoa = await world.official("Hoa", "P2")
    await world.task("NV9", date(2026, 12, 20), "P2", [hoa])
    async with sim.sessionmaker.begin() as s:
        p2 = await s.get(Unit, world.units["P2"])
        assert p2 is not None
        p2.head_official_id = ids["head"]
    sim.digest_builder = build_digest
    clock.set(at(FRI, 17))
    await sim.tick()
    weekly = [r for r in await world.rows(kind="digest")
              if r.status == "sent" and ":2026-W48:week:" in r.idem_key]
    assert sorted((r.idem_key.split(":")[1], r.recipient_id) for r in weekly) == sorted(
        [(str(world.units["P1"]), ids["head"]), (str(world.units["P2"]), ids["head"])])
    assert deputy2 not in {r.recipient_id for r in weekly}
    titles = [m.text.splitlines()[0] for c, m in telegram.sent if c.chat_id == "Trưởng phòng"
              and fits(m.text, R.DIGEST_WEEK_TITLE.format(week="48/2026", unit="{unit}"))]
    assert sorted(titles) == sorted(R.DIGEST_WEEK_TITLE.format(week="48/2026", unit=unit)
                                    for unit in (world.unit_name.format(code="P1"), "Phòng Hai"))
