"""Who issues and signs a report's .docx: the unit, its parent unit and its head (from the tree)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Official, Unit
from bot.db.plan_store import consolidators_of
from bot.reports.docx_report import Letterhead
from bot.reports.model import ProgressReport


async def letterhead_for(session: AsyncSession, report: ProgressReport,
                         issuer_unit_id: int | None = None) -> Letterhead:
    """The letterhead of a report: its unit (issuer, parent, code, head). A plan report is issued
    by `issuer_unit_id` (the unit of whoever asked for it), else by the plan's only consolidating
    unit; with neither, the plan's name heads it and the code and signer stay placeholders."""
    unit_id = report.scope.unit_id if report.scope.kind == "unit" else issuer_unit_id
    if unit_id is None and report.scope.plan_id is not None:
        consolidators = await consolidators_of(session, report.scope.plan_id)
        unit_id = consolidators[0].id if len(consolidators) == 1 else None
    unit = await session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        return Letterhead(issuer=report.scope.name, unit_code=report.scope.unit_code)
    parent = await session.get(Unit, unit.parent_id) if unit.parent_id else None
    head = await session.get(Official, unit.head_official_id) if unit.head_official_id else None
    if head is not None and (head.status != "active" or head.unit_id != unit.id):
        head = None  # left, or moved to another unit: signs no more for this one
    return Letterhead(issuer=unit.name, parent_unit=parent.name if parent else None,
                      unit_code=unit.code, signer_title=head.title if head else None,
                      signer_name=head.name if head else None)
