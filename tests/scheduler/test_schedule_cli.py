"""`troly schedule show|set|unset` and `troly calendar add|list|remove` on a real database: values
validated before anything is written, stored where the planner reads them, and a make-up working
Saturday moving a reminder in `troly reminders preview`."""

from __future__ import annotations

import asyncio
import json
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.clock import local_date
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import CalendarDay, SchedulePolicy, Unit
from bot.texts import cli as T
from rules.policy import load_policies
from rules.workdays import WorkCalendar, load_calendar
from tests.harness import fits
from tests.world import World


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose `troly` uses the test database."""
    monkeypatch.setenv("TROLY_DATABASE_URL", database_url)
    monkeypatch.setenv("TROLY_LOAD_DEMO_GUIDES", "false")
    return CliRunner()


def _troly(cli: CliRunner, *args: str) -> Any:
    return cli.invoke(build_cli(), list(args))


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


async def _db(url: str, query: Any) -> list[Any]:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s:
            return list((await s.execute(query)).scalars())
    finally:
        await engine.dispose()


async def _policies_for(url: str, code: str) -> Any:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s:
            unit_id = (await s.execute(select(Unit.id).where(Unit.code == code))).scalar_one()
            return (await load_policies(s)).for_unit(unit_id)
    finally:
        await engine.dispose()


async def _seed_unit(url: str, schedule: dict[str, object] | None = None) -> None:
    engine = make_engine(url)
    try:
        await World(make_sessionmaker(engine)).unit("P1", schedule=schedule)
    finally:
        await engine.dispose()


def test_set_show_unset_global_and_unit(cli: CliRunner, database_url: str) -> None:
    # another feature's key in the unit's schedule column must survive set and unset
    asyncio.run(_seed_unit(database_url, {"report_template": "mau-02"}))
    assert _troly(cli, "schedule", "set", "reminder_time=09:15",
                  "deadline_offsets_days=5,1,0").exit_code == 0
    result = _troly(cli, "schedule", "set", "--unit", "P1", "deadline_offsets_days=[10, 2]",
                    "working_days_only=false", "nudge_times=13:00")
    assert result.exit_code == 0 and T.SCHEDULE_SAVED.format(
        count=3, scope=T.SCHEDULE_SCOPE_UNIT.format(code="P1")) in result.stdout
    shown = _json(_troly(cli, "schedule", "show", "--unit", "P1", "--json"))["settings"]
    assert shown["reminder_time"] == {"value": "09:15", "source": "global"}
    assert shown["deadline_offsets_days"] == {"value": [10, 2], "source": "unit"}
    assert shown["working_days_only"] == {"value": False, "source": "unit"}
    assert shown["quiet_start"] == {"value": "21:00", "source": "default"}
    glob = _json(_troly(cli, "schedule", "show", "--json"))["settings"]
    assert glob["deadline_offsets_days"] == {"value": [5, 1, 0], "source": "global"}
    # the planner reads the same storage
    effective = asyncio.run(_policies_for(database_url, "P1"))
    assert effective.reminder_time == time(9, 15) and effective.deadline_offsets_days == (10, 2)
    assert effective.working_days_only is False and effective.nudge_times == (time(13, 0),)
    table = _troly(cli, "schedule", "show", "--unit", "P1").stdout
    assert T.SCHEDULE_SOURCES["unit"] in table and T.SCHEDULE_SOURCES["default"] in table
    assert "13:00" in table

    unset = _troly(cli, "schedule", "unset", "--unit", "P1", "deadline_offsets_days", "nudge_times")
    assert unset.exit_code == 0 and fits(unset.stdout, T.SCHEDULE_REMOVED.format(
        count=2, scope="{scope}"))
    shown = _json(_troly(cli, "schedule", "show", "--unit", "P1", "--json"))["settings"]
    assert shown["deadline_offsets_days"] == {"value": [5, 1, 0], "source": "global"}
    assert shown["nudge_times"] == {"value": ["14:00", "15:30"], "source": "default"}
    [unit] = asyncio.run(_db(database_url, select(Unit)))
    assert unit.schedule == {"report_template": "mau-02", "working_days_only": False}
    assert _troly(cli, "schedule", "unset", "reminder_time", "deadline_offsets_days").exit_code == 0
    assert asyncio.run(_db(database_url, select(SchedulePolicy))) == []  # empty row removed


@pytest.mark.parametrize("args, message", [
    (["reminder_time=07:00", "reminder_tme=08:00"], "Không có thiết lập «reminder_tme»"),
    (["reminder_time=25:00"], "cần giờ dạng HH:MM"),
    (["working_days_only=maybe"], "cần true hoặc false"),
    (["deadline_offsets_days=7,-1"], "danh sách số ngày ≥ 0"),
    (["checkin_weekday=someday"], "thứ trong tuần"),
    (["checkin_cutoff=friday at four"], "'fri 16:00'"),
    (["on_ambiguous_digest=maybe"], "resend hoặc drop"),
    (["reminder_time"], "Cần dạng KEY=VALUE"),
])
def test_bad_key_or_value_writes_nothing(cli: CliRunner, database_url: str, args: list[str],
                                         message: str) -> None:
    asyncio.run(_seed_unit(database_url))
    for scope in ([], ["--unit", "P1"]):
        result = _troly(cli, "schedule", "set", *scope, *args)
        assert result.exit_code == 1 and message in result.output, result.output
    assert asyncio.run(_db(database_url, select(SchedulePolicy))) == []
    [unit] = asyncio.run(_db(database_url, select(Unit)))
    assert unit.schedule is None
    missing = _troly(cli, "schedule", "set", "--unit", "NOPE", "reminder_time=07:00")
    assert missing.exit_code == 1 and T.UNIT_NOT_FOUND.format(code="NOPE") in missing.output


def _quiet_monday() -> date:
    """A Monday deadline two weeks or more ahead whose Friday, Saturday and Monday are ordinary."""
    calendar = WorkCalendar()
    day = local_date(datetime.now(UTC)) + timedelta(days=14)
    day += timedelta(days=-day.weekday() % 7)
    while not all(calendar.is_working_day(day - timedelta(days=k)) for k in (0, 3, 7)):
        day += timedelta(days=7)
    return day


async def _seed_task(url: str, deadline: date) -> None:
    engine = make_engine(url)
    try:
        world = World(make_sessionmaker(engine))
        await world.unit("P1")
        lan = await world.official("Lan", "P1", accounts={"telegram": "1001"})
        await world.task("NV1", deadline, "P1", [lan])
    finally:
        await engine.dispose()


@pytest.mark.slow
def test_make_up_saturday_moves_a_reminder(cli: CliRunner, database_url: str) -> None:
    deadline = _quiet_monday()
    saturday, friday = deadline - timedelta(days=2), deadline - timedelta(days=3)
    asyncio.run(_seed_task(database_url, deadline))

    def deadline_items(day: date) -> list[tuple[str, str]]:
        items = _json(_troly(cli, "reminders", "preview", "--from", day.isoformat(),
                             "--to", day.isoformat(), "--json"))
        return [(i["at"][:16], i["key"].split(":")[3]) for i in items if i["kind"] == "deadline"]

    # T-1 falls on Sunday: normally it moves to Friday, which already holds T-3 (T-1 kept there)
    assert deadline_items(saturday) == []
    assert deadline_items(friday) == [(f"{friday.isoformat()}T08:00", "T-1")]
    added = _troly(cli, "calendar", "add", saturday.isoformat(), "workday", "--note", "làm bù")
    assert added.exit_code == 0 and T.CALENDAR_KINDS["workday"] in added.stdout
    assert deadline_items(saturday) == [(f"{saturday.isoformat()}T08:00", "T-1")]
    assert deadline_items(friday) == [(f"{friday.isoformat()}T08:00", "T-3")]
    listed = _json(_troly(cli, "calendar", "list", "--year", str(saturday.year), "--json"))
    assert listed == [{"day": saturday.isoformat(), "kind": "workday", "note": "làm bù"}]
    assert _json(_troly(cli, "calendar", "list", "--year", str(saturday.year + 1), "--json")) == []
    assert "làm bù" in _troly(cli, "calendar", "list").stdout

    removed = _troly(cli, "calendar", "remove", saturday.isoformat())
    assert removed.exit_code == 0
    assert deadline_items(saturday) == []
    again = _troly(cli, "calendar", "remove", saturday.isoformat())
    assert again.exit_code == 1 and fits(again.output, T.CALENDAR_NOT_FOUND)


def test_calendar_add_validates_and_the_working_calendar_uses_it(cli: CliRunner,
                                                                 database_url: str) -> None:
    bad_kind = _troly(cli, "calendar", "add", "2027-01-04", "holiday")
    assert bad_kind.exit_code == 1 and T.CALENDAR_BAD_KIND.format(kind="holiday") \
        in bad_kind.output
    bad_day = _troly(cli, "calendar", "add", "04/01/2027", "off")
    assert bad_day.exit_code == 1 and "YYYY-MM-DD" in bad_day.output
    assert asyncio.run(_db(database_url, select(CalendarDay))) == []
    monday, saturday = date(2027, 1, 4), date(2027, 1, 9)
    assert _troly(cli, "calendar", "add", monday.isoformat(), "off").exit_code == 0
    assert _troly(cli, "calendar", "add", saturday.isoformat(), "off").exit_code == 0
    assert _troly(cli, "calendar", "add", saturday.isoformat(), "workday").exit_code == 0  # replaces

    async def _calendar() -> WorkCalendar:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as s:
                return await load_calendar(s)
        finally:
            await engine.dispose()

    calendar = asyncio.run(_calendar())
    assert not calendar.is_working_day(monday) and calendar.is_working_day(saturday)
    assert calendar.next_working_day(date(2027, 1, 1)) == date(2027, 1, 5)


def test_free_text_from_the_command_line_follows_the_input_rule(cli: CliRunner) -> None:
    note = unicodedata.normalize("NFD", "Quyết định") + "\x00 số\x1b[1m 12"
    assert _troly(cli, "calendar", "add", "2031-12-05", "off", "--note", note).exit_code == 0
    listed = _json(_troly(cli, "calendar", "list", "--year", "2031", "--json"))
    assert listed == [{"day": "2031-12-05", "kind": "off", "note": "Quyết định số[1m 12"}]
    broken = _troly(cli, "calendar", "add", "2031-12-06", "off", "--note", "QĐ \udc80")
    # a usage error in typer's box, wrapped at the terminal width: a fragment of T.TEXT_UNREADABLE
    assert broken.exit_code == 2 and "ký tự không hợp lệ" in broken.output
    assert _json(_troly(cli, "calendar", "list", "--year", "2031", "--json")) == listed
