"""Weekly check-in reports: drafts written answer by answer, submission, revisions, skips."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckinEntry, CheckinReport, CheckinRevision, Task
from bot.db.task_store import mark_task_done, record_task_state

#: entry statuses: the three the official chooses, plus done and skipped
ENTRY_STATUSES = ("on_track", "at_risk", "late", "done", "skipped")
_ENTRY_FIELDS = ("progress", "status", "blockers", "next_plan", "evidence", "skip_reason")
#: the fields of one task's answer (an edit keeps its changes under these names until confirmed)
ENTRY_FIELDS = _ENTRY_FIELDS


async def report_for(session: AsyncSession, official_id: int, iso_week: str) -> CheckinReport | None:
    """The official's report for a week, if any."""
    return (await session.execute(select(CheckinReport).where(
        CheckinReport.official_id == official_id, CheckinReport.iso_week == iso_week,
    ))).scalar_one_or_none()


async def get_or_create_report(session: AsyncSession, official_id: int, iso_week: str,
                               now: datetime) -> CheckinReport:
    """The week's report, created as a draft when missing."""
    report = await report_for(session, official_id, iso_week)
    if report is None:
        report = CheckinReport(official_id=official_id, iso_week=iso_week, status="draft",
                               late=False, revision=0, updated_at=now)
        session.add(report)
        await session.flush()
    return report


async def entries_of(session: AsyncSession, report_id: int) -> dict[int, CheckinEntry]:
    """The report's entries by task id."""
    rows = (await session.execute(
        select(CheckinEntry).where(CheckinEntry.report_id == report_id))).scalars()
    return {e.task_id: e for e in rows}


async def entry(session: AsyncSession, report_id: int, task_id: int) -> CheckinEntry | None:
    """One entry."""
    return (await session.execute(select(CheckinEntry).where(
        CheckinEntry.report_id == report_id, CheckinEntry.task_id == task_id,
    ))).scalar_one_or_none()


async def save_entry(session: AsyncSession, report_id: int, task_id: int, now: datetime,
                     **values: Any) -> CheckinEntry:
    """Write some fields of one task's answer now (so nothing typed is lost)."""
    unknown = set(values) - set(_ENTRY_FIELDS)
    if unknown:
        raise ValueError(f"unknown entry fields {sorted(unknown)}")
    row = await entry(session, report_id, task_id)
    if row is None:
        row = CheckinEntry(report_id=report_id, task_id=task_id, updated_at=now)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    report = await session.get(CheckinReport, report_id)
    if report is not None:
        report.updated_at = now
    await session.flush()
    return row


async def previous_entry(session: AsyncSession, official_id: int, task_id: int,
                         before_week: str) -> CheckinEntry | None:
    """The official's latest answer for a task in an earlier week (submitted reports only)."""
    return (await session.execute(
        select(CheckinEntry).join(CheckinReport, CheckinReport.id == CheckinEntry.report_id)
        .where(CheckinReport.official_id == official_id, CheckinEntry.task_id == task_id,
               CheckinReport.iso_week < before_week, CheckinReport.status == "submitted",
               CheckinEntry.progress.is_not(None))
        .order_by(CheckinReport.iso_week.desc()).limit(1))).scalar_one_or_none()


def entry_data(row: CheckinEntry) -> dict[str, Any]:
    """An entry as JSON (revision snapshots)."""
    return {"task_id": row.task_id, **{name: getattr(row, name) for name in _ENTRY_FIELDS}}


async def _snapshot(session: AsyncSession, report: CheckinReport, now: datetime,
                    late: bool) -> None:
    entries = await entries_of(session, report.id)
    report.revision = (report.revision or 0) + 1
    session.add(CheckinRevision(
        report_id=report.id, revision=report.revision, late=late, created_at=now,
        data={"status": report.status, "skip_reason": report.skip_reason,
              "entries": [entry_data(e) for e in sorted(entries.values(), key=lambda e: e.task_id)]},
    ))


async def submit(session: AsyncSession, report: CheckinReport, now: datetime,
                 cutoff: datetime) -> bool:
    """Confirm a report: first submission or a revision (late after the cut-off). Returns late."""
    first = report.submitted_at is None or report.status == "draft"
    await _apply_to_tasks(session, report, now)
    return await _close(session, report, "submitted", None, now, cutoff, first=first)


async def skip_week(session: AsyncSession, report: CheckinReport, reason: str, now: datetime,
                    cutoff: datetime) -> bool:
    """The whole week skipped (leave, business trip); returns whether that was after the cut-off."""
    return await _close(session, report, "skipped", reason, now, cutoff,
                        first=report.submitted_at is None)


async def _close(session: AsyncSession, report: CheckinReport, status: str,
                 skip_reason: str | None, now: datetime, cutoff: datetime, *, first: bool) -> bool:
    """Set the final status, stamp the first submission, keep a revision snapshot; returns late."""
    late = now > cutoff
    report.status = status
    report.skip_reason = skip_reason
    if first:
        report.submitted_at = now
        report.late = late
    report.updated_at = now
    await _snapshot(session, report, now, late)
    await session.flush()
    return late


async def _apply_to_tasks(session: AsyncSession, report: CheckinReport, now: datetime) -> None:
    """Confirmed answers move the task: progress, and done (with evidence)."""
    for row in (await entries_of(session, report.id)).values():
        task = await session.get(Task, row.task_id)
        if task is None or task.status != "open":
            continue
        if row.status == "done":
            await mark_task_done(session, task.id, report.official_id, now, row.evidence,
                                 source="checkin")
        elif row.progress is not None and row.status != "skipped" and task.progress != row.progress:
            task.progress = row.progress
            task.updated_at = now
            await record_task_state(session, task, now, "checkin", report.official_id)


async def revisions_of(session: AsyncSession, report_id: int) -> list[CheckinRevision]:
    """All snapshots of a report, oldest first."""
    return list((await session.execute(select(CheckinRevision).where(
        CheckinRevision.report_id == report_id).order_by(CheckinRevision.revision))).scalars())


async def reports_for_week(session: AsyncSession, official_ids: list[int],
                           iso_week: str) -> dict[int, CheckinReport]:
    """Reports of these officials for a week, by official id."""
    if not official_ids:
        return {}
    rows = (await session.execute(select(CheckinReport).where(
        CheckinReport.official_id.in_(official_ids), CheckinReport.iso_week == iso_week))).scalars()
    return {r.official_id: r for r in rows}
