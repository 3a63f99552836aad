"""Officials' period summaries (month, quarter, half-year, year): drafts written answer by answer,
confirmation with a snapshot (late after the cut-off), skipping a period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PeriodReport, PeriodReportRevision

#: the three things the weekly check-ins do not say, in the order they are asked
SUMMARY_FIELDS = ("highlights", "difficulties", "recommendations")
#: a period's summary counts as given once confirmed or skipped
ANSWERED = ("submitted", "skipped")


async def report_for(session: AsyncSession, official_id: int, period_key: str) -> PeriodReport | None:
    """The official's summary of a period, if any."""
    return (await session.execute(select(PeriodReport).where(
        PeriodReport.official_id == official_id, PeriodReport.period_key == period_key,
    ))).scalar_one_or_none()


async def get_or_create(session: AsyncSession, official_id: int, period_key: str, kind: str,
                        now: datetime) -> PeriodReport:
    """The period's summary, created as a draft when missing."""
    report = await report_for(session, official_id, period_key)
    if report is None:
        report = PeriodReport(official_id=official_id, period_key=period_key, kind=kind,
                              status="draft", late=False, revision=0, updated_at=now)
        session.add(report)
        await session.flush()
    return report


async def save_field(session: AsyncSession, report: PeriodReport, field: str, value: str | None,
                     now: datetime) -> None:
    """Write one answer now (so nothing typed is lost)."""
    if field not in SUMMARY_FIELDS:
        raise ValueError(f"unknown summary field {field!r}")
    setattr(report, field, value)
    report.updated_at = now
    await session.flush()


def _data(report: PeriodReport) -> dict[str, Any]:
    return {"status": report.status, "skip_reason": report.skip_reason,
            **{name: getattr(report, name) for name in SUMMARY_FIELDS}}


async def _close(session: AsyncSession, report: PeriodReport, status: str, reason: str | None,
                 now: datetime, cutoff: datetime) -> bool:
    """Confirm (first time or again): snapshot, late after the cut-off; returns late."""
    late = now > cutoff
    first = report.submitted_at is None or report.status == "draft"
    report.status = status
    report.skip_reason = reason
    if first:
        report.submitted_at = now
        report.late = late
    report.updated_at = now
    report.revision = (report.revision or 0) + 1
    session.add(PeriodReportRevision(report_id=report.id, revision=report.revision, late=late,
                                     created_at=now, data=_data(report)))
    await session.flush()
    return late


async def submit(session: AsyncSession, report: PeriodReport, now: datetime,
                 cutoff: datetime) -> bool:
    """Confirm the summary; returns whether that was after the cut-off."""
    return await _close(session, report, "submitted", None, now, cutoff)


async def skip(session: AsyncSession, report: PeriodReport, reason: str, now: datetime,
               cutoff: datetime) -> bool:
    """No summary this period (leave, business trip); returns whether that was after the cut-off."""
    return await _close(session, report, "skipped", reason, now, cutoff)


async def answered(session: AsyncSession, period_keys: list[str]) -> set[tuple[int, str]]:
    """(official, period key) pairs whose summary has been confirmed or skipped."""
    if not period_keys:
        return set()
    rows = (await session.execute(select(PeriodReport.official_id, PeriodReport.period_key).where(
        PeriodReport.period_key.in_(period_keys), PeriodReport.status.in_(ANSWERED)))).all()
    return {(official_id, key) for official_id, key in rows}
