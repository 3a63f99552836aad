"""`troly reminders preview` and `troly outbox` on a real database, nothing sent."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.clock import local_date
from bot.db.base import make_engine, make_sessionmaker
from bot.texts import cli as T
from bot.texts import reminders as R
from rules.workdays import WorkCalendar
from tests.harness import fields, fits
from tests.world import World


async def _seed(url: str, deadline: object) -> None:
    engine = make_engine(url)
    world = World(make_sessionmaker(engine))
    await world.unit("P1")
    lan = await world.official("Lan", "P1", accounts={"telegram": "1001"})
    await world.task("NV1", deadline, "P1", [lan])  # type: ignore[arg-type]
    await engine.dispose()


def test_preview_and_outbox(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    calendar = WorkCalendar()
    reminder_day = local_date(datetime.now(UTC)) + timedelta(days=8)
    while not calendar.is_working_day(reminder_day):
        reminder_day += timedelta(days=1)
    deadline = reminder_day + timedelta(days=7)
    while not calendar.is_working_day(deadline) or deadline - timedelta(days=7) != reminder_day:
        reminder_day += timedelta(days=1)
        deadline = reminder_day + timedelta(days=7)
    asyncio.run(_seed(database_url, deadline))
    monkeypatch.setenv("TROLY_DATABASE_URL", database_url)
    monkeypatch.setenv("TROLY_LOAD_DEMO_GUIDES", "false")
    runner = CliRunner()
    day = reminder_day.isoformat()
    result = runner.invoke(build_cli(), ["reminders", "preview", "--from", day, "--to", day,
                                         "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout.strip().splitlines()[-1])
    deadline_items = [i for i in items if i["kind"] == "deadline"]
    assert [(i["at"][:16], i["recipient"], i["late"]) for i in deadline_items] == [
        (f"{day}T08:00", "Lan", False)]
    ahead = fields(deadline_items[0]["text"], R.DEADLINE_AHEAD)
    assert ahead is not None and ahead["days"] == "7"
    outbox = runner.invoke(build_cli(), ["outbox", "--json"])
    assert outbox.exit_code == 0, outbox.output
    assert json.loads(outbox.stdout.strip().splitlines()[-1]) == {"counts": {}, "rows": []}
    table = runner.invoke(build_cli(), ["reminders", "preview", "--from", day, "--to", day])
    assert "Lan [telegram:1001]" in table.stdout and fits(table.stdout, T.PREVIEW_TOTAL)


async def _seed_zalo(url: str, deadline: object, last_inbound: datetime) -> None:
    from sqlalchemy import update

    from bot.db.models import ChatAccount
    engine = make_engine(url)
    world = World(make_sessionmaker(engine))
    await world.unit("P1")
    lan = await world.official("Lan", "P1", accounts={"zalo": "z-lan", "telegram": "1001"})
    await world.task("NV1", deadline, "P1", [lan])  # type: ignore[arg-type]
    async with world.sessionmaker.begin() as s:
        await s.execute(update(ChatAccount).where(ChatAccount.channel == "zalo")
                        .values(last_inbound_at=last_inbound))
    await engine.dispose()


@pytest.mark.slow
def test_preview_shows_the_zalo_route(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Zalo preferred; the official last wrote to the OA today, so by a reminder 8+ days ahead the
    window is closed: the table shows it going to Telegram instead, and why."""
    calendar = WorkCalendar()
    reminder_day = local_date(datetime.now(UTC)) + timedelta(days=8)
    while not calendar.is_working_day(reminder_day):
        reminder_day += timedelta(days=1)
    asyncio.run(_seed_zalo(database_url, reminder_day, datetime.now(UTC)))  # due that day: T-0
    monkeypatch.setenv("TROLY_DATABASE_URL", database_url)
    monkeypatch.setenv("TROLY_LOAD_DEMO_GUIDES", "false")
    monkeypatch.setenv("TROLY_REMINDER_CHANNELS", '["zalo", "telegram", "web"]')
    runner = CliRunner()
    day = reminder_day.isoformat()
    result = runner.invoke(build_cli(), ["reminders", "preview", "--from", day, "--to", day,
                                         "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout.strip().splitlines()[-1])
    [item] = [i for i in items if i["kind"] == "deadline"]
    assert (item["channel"], item["via"], item["route"]) == (
        "zalo", "telegram", "zalo: window_closed; rerouted")
    table = runner.invoke(build_cli(), ["reminders", "preview", "--from", day, "--to", day])
    assert "Lan [zalo:z-lan] → telegram (zalo: window_closed; rerouted)" in table.stdout
