"""Who issues and signs a report's .docx: the unit, its parent unit and its head (from the tree)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Official, Unit
from bot.reports.docx_report import Letterhead
from bot.reports.model import ProgressReport


async def letterhead_for(session: AsyncSession, report: ProgressReport) -> Letterhead:
    """The letterhead of a unit report (issuer, parent, code, head); a plan report's is its name."""
    unit = await session.get(Unit, report.scope.unit_id) if report.scope.unit_id else None
    if unit is None:
        return Letterhead(issuer=report.scope.name, unit_code=report.scope.unit_code)
    parent = await session.get(Unit, unit.parent_id) if unit.parent_id else None
    head = await session.get(Official, unit.head_official_id) if unit.head_official_id else None
    if head is not None and head.status != "active":
        head = None
    return Letterhead(issuer=unit.name, parent_unit=parent.name if parent else None,
                      unit_code=unit.code, signer_title=head.title if head else None,
                      signer_name=head.name if head else None)
