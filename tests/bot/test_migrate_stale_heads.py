"""Migration 0024: a unit's head slot naming an official whose home unit is another unit (left
by imports before 5d7d828, ignored by every reader until a5d6350) is cleared; a head of the unit
itself is kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from alembic import command

from bot.db import people_store
from bot.db.base import make_engine, make_sessionmaker
from bot.db.migrate import alembic_config
from bot.db.models import Official, Unit

BEFORE = "0023_merge_faq_guides"
AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


async def test_stale_head_slots_are_cleared_own_heads_kept(database_url: str) -> None:
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, BEFORE)
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        a, b, c = (Unit(code=code, name=f"Đơn vị {code}", created_at=AT)
                   for code in ("A", "B", "C"))
        session.add_all([a, b, c])
        await session.flush()
        # H1 was head of A, then imported as head of B before 3 Dec: A's slot still names H1
        h1 = Official(code="H1", name="Nguyễn Văn Một", unit_id=b.id, role="head",
                      status="active", created_at=AT)
        deputy = Official(code="P1", name="Trần Thị Phó", unit_id=a.id, role="deputy",
                          status="active", created_at=AT)
        # C's head left with no unit: C's slot names an official of no unit
        gone = Official(code="X1", name="Lê Văn Đi", unit_id=None, role="official",
                        status="inactive", created_at=AT)
        session.add_all([h1, deputy, gone])
        await session.flush()
        a.head_official_id, b.head_official_id, c.head_official_id = h1.id, h1.id, gone.id
    await engine.dispose()

    await asyncio.to_thread(command.upgrade, config, "head")

    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        slots = {u.code: u.head_official_id for u in await people_store.all_units(session)}
        assert slots == {"A": None, "B": h1.id, "C": None}
        # A's digests go to its deputy again, as before a5d6350; B keeps its head
        assert [o.code for o in await people_store.heads_of(session, a.id)] == ["P1"]
        assert [o.code for o in await people_store.heads_of(session, b.id)] == ["H1"]
        assert await session.get(Official, h1.id) is not None  # nobody deleted
    await engine.dispose()
