"""Inviting officials who already exist (imported from a plan) instead of creating duplicates,
and no second head into a unit that has one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import people_store
from bot.db.models import Invitation, Official, Unit
from bot.imports.common import fold_key
from bot.texts import people as T


async def same_name_in_unit(session: AsyncSession, unit_id: int, name: str) -> list[Official]:
    """Active officials of the unit whose name reads the same (diacritics and case ignored)."""
    wanted = fold_key(name)
    if not wanted:
        return []
    rows = (await session.execute(select(Official).where(
        Official.unit_id == unit_id, Official.status == "active").order_by(Official.id))).scalars()
    return [o for o in rows if fold_key(o.name) == wanted]


async def head_refusal(session: AsyncSession, unit: Unit, role: str,
                       now: datetime) -> str | None:
    """An invitation with role head into a unit that has an active head would make a second one:
    refused, naming the head and how to replace them (as the officials import does). So is a
    second head invitation while one for the unit is still usable (both used: two heads)."""
    if role != "head":
        return None
    head = await people_store.current_head(session, unit.id)
    if head is not None:
        return T.INVITE_UNIT_HAS_HEAD.format(unit=unit.code, name=head.name,
                                             code=f" ({head.code})" if head.code else "")
    pending = (await session.execute(select(Invitation).where(
        Invitation.unit_id == unit.id, Invitation.role == "head",
        Invitation.official_id.is_(None), Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None), Invitation.expires_at > now,
    ).order_by(Invitation.created_at))).scalars().first()
    if pending is not None:
        who = T.INVITE_PENDING_FOR.format(name=pending.name) if pending.name else ""
        return T.INVITE_UNIT_HEAD_PENDING.format(unit=unit.code, code=pending.code, who=who)
    return None
