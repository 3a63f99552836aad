"""Inviting officials who already exist (imported from a plan) instead of creating duplicates."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Official
from bot.imports.common import fold_key


async def same_name_in_unit(session: AsyncSession, unit_id: int, name: str) -> list[Official]:
    """Active officials of the unit whose name reads the same (diacritics and case ignored)."""
    wanted = fold_key(name)
    if not wanted:
        return []
    rows = (await session.execute(select(Official).where(
        Official.unit_id == unit_id, Official.status == "active").order_by(Official.id))).scalars()
    return [o for o in rows if fold_key(o.name) == wanted]
