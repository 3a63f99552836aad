"""The check-in cut-off has one source: unit schedule → unit policy row → global row → Fri 16:00."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import GLOBAL_POLICY_KEY, SchedulePolicy, Unit, unit_policy_key
from rules.policy import unit_checkin_cutoff

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def _local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour - 7, minute, tzinfo=UTC)


async def test_cutoff_resolution_order(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        unit = Unit(code="U1", name="Đơn vị 1", created_at=NOW)
        session.add(unit)
        await session.flush()
        assert await unit_checkin_cutoff(session, MONDAY, unit) == _local(27, 16)
        session.add(SchedulePolicy(key=GLOBAL_POLICY_KEY, data={"checkin_cutoff": "thu 17:00"},
                                   updated_at=NOW))
        await session.flush()
        assert await unit_checkin_cutoff(session, MONDAY, unit) == _local(26, 17)
        assert await unit_checkin_cutoff(session, MONDAY, None) == _local(26, 17)
        session.add(SchedulePolicy(key=unit_policy_key(unit.id), data={"checkin_cutoff": "T4 15:30"},
                                   updated_at=NOW))
        await session.flush()
        assert await unit_checkin_cutoff(session, MONDAY, unit) == _local(25, 15, 30)
        unit.schedule = {"checkin_cutoff": "fri 11:00"}
        assert await unit_checkin_cutoff(session, MONDAY, unit) == _local(27, 11)
        unit.schedule = {"checkin_cutoff": "someday"}  # unreadable: the next source wins
        assert await unit_checkin_cutoff(session, MONDAY, unit) == _local(25, 15, 30)
    await engine.dispose()
