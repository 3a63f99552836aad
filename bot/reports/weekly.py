"""A unit's week at a glance: who reported, every task's progress/status/blockers, four categories.

`build_weekly_summary` is the single source for /tiendo, /xuatbaocao, `troly report weekly` and the
scheduler's digest. Rules (documented here because heads will ask):

- Scope: the unit, plus every unit below it when `include_subunits` (the default).
- Tasks: not cancelled, led by / co-operated by a unit in scope, or assigned to an official in scope;
  done tasks only when they were done in or after the week (older ones are history, not news).
- Officials expected to report: active non-admin officials in scope responsible for at least one of those
  open tasks, plus anyone in scope who filed a report that week anyway. A skipped week (leave, business trip)
  counts as reported, with its reason.
- A task's progress and status come from the latest confirmed answer of that week (any responsible official);
  without one, the task's stored progress and "Chưa báo cáo".
- Categories (government task tracking), with the reference day = min(today, the week's Sunday):
  done_on_time (done on or before the deadline, or no deadline), done_late, overdue (open and the deadline
  has passed), in_progress (open, within the deadline or without one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from io import BytesIO
from typing import Literal

from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkin_policy import monday_of, unit_checkin_cutoff
from bot.clock import local_date, local_datetime, to_local
from bot.db.models import (
    CheckinEntry,
    CheckinReport,
    CheckinRevision,
    Official,
    Plan,
    Task,
    TaskAssignee,
    TaskUnit,
    Unit,
)
from bot.db.people_store import child_units, subunit_ids
from bot.db.task_store import tasks_for_units
from bot.reports.sheets import append_row, new_workbook
from bot.texts import checkin as T

Category = Literal["done_on_time", "done_late", "in_progress", "overdue"]
CATEGORIES: tuple[Category, ...] = ("done_on_time", "done_late", "in_progress", "overdue")


@dataclass(frozen=True)
class OfficialWeek:
    """One official's check-in for the week."""

    official_id: int
    name: str
    unit_name: str
    #: submitted | skipped | draft (started, not confirmed) | missing
    status: str
    #: submitted or skipped (a skipped week is an answer)
    reported: bool
    #: first submitted after the unit's cut-off
    late: bool
    submitted_at: datetime | None
    #: why the week was skipped (status 'skipped'), else None
    skipped_reason: str | None
    #: edited again after the cut-off (a late revision exists)
    revised_late: bool = False


@dataclass(frozen=True)
class Blocker:
    """A blocker reported on a task, and by whom."""

    official: str
    text: str


@dataclass(frozen=True)
class TaskWeek:
    """One task as of the week."""

    task_id: int
    code: str
    title: str
    plan_ref: str
    lead_unit: str | None
    co_units: tuple[str, ...]
    responsible: tuple[str, ...]
    deadline: date | None
    deadline_text: str | None
    #: days from today to the deadline (negative: overdue), None without a deadline
    days_left: int | None
    progress: int
    #: on_track | at_risk | late | done | skipped | None (no answer this week)
    status: str | None
    status_label: str
    blockers: tuple[Blocker, ...]
    next_plans: tuple[str, ...]
    evidence: str | None
    category: Category
    done_at: datetime | None
    #: at least one confirmed answer for this task this week
    reported: bool


@dataclass(frozen=True)
class SubunitRollup:
    """A direct sub-unit (with everything below it) in one line."""

    unit_id: int
    unit_name: str
    reported: int
    total: int
    avg_progress: float | None
    overdue: int
    task_count: int


@dataclass(frozen=True)
class WeeklySummary:
    """A unit's week: officials, tasks, sub-unit roll-ups. Frozen; safe to hand to any renderer."""

    unit_id: int
    unit_name: str
    iso_week: str
    week_start: date
    week_end: date
    cutoff: datetime
    generated_at: datetime
    officials: tuple[OfficialWeek, ...]
    tasks: tuple[TaskWeek, ...]
    subunits: tuple[SubunitRollup, ...] = field(default=())

    @property
    def reported(self) -> tuple[OfficialWeek, ...]:
        """Officials who answered (submitted or skipped)."""
        return tuple(o for o in self.officials if o.reported)

    @property
    def not_reported(self) -> tuple[OfficialWeek, ...]:
        """Officials who have not answered yet (including unconfirmed drafts)."""
        return tuple(o for o in self.officials if not o.reported)

    @property
    def counts(self) -> dict[Category, int]:
        """Number of tasks per category (all four keys present)."""
        result: dict[Category, int] = dict.fromkeys(CATEGORIES, 0)
        for task in self.tasks:
            result[task.category] += 1
        return result

    def tasks_in(self, category: Category) -> tuple[TaskWeek, ...]:
        """Tasks of one category."""
        return tuple(t for t in self.tasks if t.category == category)

    @property
    def avg_progress(self) -> float | None:
        """Mean progress of the tasks (None without tasks)."""
        return _mean([t.progress for t in self.tasks])

    @property
    def blockers(self) -> tuple[tuple[TaskWeek, Blocker], ...]:
        """Every blocker with its task."""
        return tuple((t, b) for t in self.tasks for b in t.blockers)


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def categorize(task: Task, ref_day: date) -> Category:
    """The government-tracking category of a task on a reference day."""
    if task.status == "done":
        if task.deadline is None or task.done_at is None or local_date(task.done_at) <= task.deadline:
            return "done_on_time"
        return "done_late"
    if task.deadline is not None and task.deadline < ref_day:
        return "overdue"
    return "in_progress"


@dataclass
class _Scope:
    officials: list[OfficialWeek]
    tasks: list[TaskWeek]


async def _compute(session: AsyncSession, unit_ids: list[int], iso_week: str,
                   now: datetime) -> _Scope:
    monday = monday_of(iso_week)
    sunday = monday + timedelta(days=6)
    week_start = local_datetime(monday, time(0, 0))
    today = local_date(now)
    ref_day = min(today, sunday)
    tasks = [t for t in await tasks_for_units(session, unit_ids)
             if t.status == "open" or (t.done_at is not None and t.done_at >= week_start)]
    task_ids = [t.id for t in tasks]
    units = {u.id: u for u in (await session.execute(select(Unit))).scalars()}
    plans = {p.id: p for p in (await session.execute(select(Plan))).scalars()}
    assignees: dict[int, list[Official]] = {}
    co_units: dict[int, list[str]] = {}
    if task_ids:
        for task_id, official in (await session.execute(
            select(TaskAssignee.task_id, Official).join(Official, Official.id == TaskAssignee.official_id)
            .where(TaskAssignee.task_id.in_(task_ids)).order_by(Official.name))).all():
            assignees.setdefault(task_id, []).append(official)
        for task_id, unit_id in (await session.execute(
            select(TaskUnit.task_id, TaskUnit.unit_id).where(TaskUnit.task_id.in_(task_ids)))).all():
            if unit_id in units:
                co_units.setdefault(task_id, []).append(units[unit_id].name)
    # confirmed answers of the week, latest last
    entries: dict[int, list[tuple[CheckinEntry, Official]]] = {}
    if task_ids:
        rows = (await session.execute(
            select(CheckinEntry, Official)
            .join(CheckinReport, CheckinReport.id == CheckinEntry.report_id)
            .join(Official, Official.id == CheckinReport.official_id)
            .where(CheckinReport.iso_week == iso_week, CheckinReport.status == "submitted",
                   CheckinEntry.task_id.in_(task_ids))
            .order_by(CheckinEntry.updated_at, CheckinEntry.id))).all()
        for row, official in rows:
            entries.setdefault(row.task_id, []).append((row, official))

    task_weeks = [_task_week(t, units, plans, assignees.get(t.id, []), co_units.get(t.id, []),
                             entries.get(t.id, []), today, ref_day) for t in tasks]

    scope_officials = list((await session.execute(select(Official).where(
        Official.unit_id.in_(unit_ids), Official.status == "active", Official.role != "admin",
    ).order_by(Official.name, Official.id))).scalars())
    open_ids = {t.id for t in tasks if t.status == "open"}
    expected_ids = {o.id for tid in open_ids for o in assignees.get(tid, [])}
    reports = {r.official_id: r for r in (await session.execute(select(CheckinReport).where(
        CheckinReport.iso_week == iso_week,
        CheckinReport.official_id.in_([o.id for o in scope_officials])))).scalars()}
    late_revisions = set((await session.execute(
        select(CheckinRevision.report_id).where(
            CheckinRevision.late.is_(True), CheckinRevision.revision > 1,
            CheckinRevision.report_id.in_([r.id for r in reports.values()])))).scalars())
    officials = []
    for official in scope_officials:
        report = reports.get(official.id)
        if official.id not in expected_ids and (report is None or report.status == "draft"):
            continue
        status = report.status if report is not None else "missing"
        unit = units.get(official.unit_id) if official.unit_id else None
        officials.append(OfficialWeek(
            official_id=official.id, name=official.name, unit_name=unit.name if unit else "",
            status=status, reported=status in ("submitted", "skipped"),
            late=bool(report and report.late and status != "draft"),
            submitted_at=report.submitted_at if report and status != "draft" else None,
            skipped_reason=report.skip_reason if report and status == "skipped" else None,
            revised_late=bool(report and report.id in late_revisions)))
    return _Scope(officials, task_weeks)


def _task_week(task: Task, units: dict[int, Unit], plans: dict[int, Plan],
               assignees: list[Official], co_units: list[str],
               entries: list[tuple[CheckinEntry, Official]], today: date,
               ref_day: date) -> TaskWeek:
    answered = [e for e, _ in entries if e.progress is not None or e.status is not None]
    latest = answered[-1] if answered else None
    status = "done" if task.status == "done" else (latest.status if latest else None)
    progress = 100 if task.status == "done" else (
        latest.progress if latest is not None and latest.progress is not None else task.progress)
    blockers = tuple(Blocker(o.name, e.blockers) for e, o in entries if e.blockers)
    next_plans = tuple(e.next_plan for e, _ in entries if e.next_plan)
    evidence = task.evidence or next((e.evidence for e, _ in reversed(entries) if e.evidence), None)
    lead = units.get(task.lead_unit_id) if task.lead_unit_id else None
    plan = plans.get(task.plan_id)
    return TaskWeek(
        task_id=task.id, code=task.code, title=task.title, plan_ref=plan.ref if plan else "",
        lead_unit=lead.name if lead else None, co_units=tuple(co_units),
        responsible=tuple(o.name for o in assignees), deadline=task.deadline,
        deadline_text=task.deadline_text,
        days_left=(task.deadline - today).days if task.deadline else None,
        progress=progress, status=status, status_label=T.STATUS_LABELS.get(status or "", T.NOT_REPORTED),
        blockers=blockers, next_plans=next_plans, evidence=evidence,
        category=categorize(task, ref_day), done_at=task.done_at, reported=bool(answered))


async def build_weekly_summary(session: AsyncSession, unit_id: int, iso_week: str, now: datetime,
                               *, include_subunits: bool = True) -> WeeklySummary:
    """Compute a unit's week (see the module docstring for the rules)."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise LookupError(f"unit {unit_id} not found")
    monday = monday_of(iso_week)
    scope_ids = await subunit_ids(session, unit_id) if include_subunits else [unit_id]
    scope = await _compute(session, scope_ids, iso_week, now)
    rollups: list[SubunitRollup] = []
    if include_subunits:
        for child in await child_units(session, unit_id):
            sub = await _compute(session, await subunit_ids(session, child.id), iso_week, now)
            rollups.append(SubunitRollup(
                unit_id=child.id, unit_name=child.name,
                reported=sum(1 for o in sub.officials if o.reported), total=len(sub.officials),
                avg_progress=_mean([t.progress for t in sub.tasks]),
                overdue=sum(1 for t in sub.tasks if t.category == "overdue"),
                task_count=len(sub.tasks)))
    return WeeklySummary(
        unit_id=unit.id, unit_name=unit.name, iso_week=iso_week, week_start=monday,
        week_end=monday + timedelta(days=6), cutoff=await unit_checkin_cutoff(session, monday, unit),
        generated_at=now, officials=tuple(scope.officials), tasks=tuple(scope.tasks),
        subunits=tuple(rollups))


# ---------------------------------------------------------------- spreadsheet

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _fmt_time(instant: datetime | None) -> str:
    return to_local(instant).strftime("%d/%m/%Y %H:%M") if instant else ""


def export_xlsx(summary: WeeklySummary) -> bytes:
    """The week as an .xlsx: one row per task, a sheet of who reported, a sheet of sub-units."""
    book = new_workbook()
    sheet = book.active
    sheet.title = T.XLSX_TASKS_SHEET
    append_row(sheet, [T.XLSX_TITLE.format(unit=summary.unit_name, week=summary.iso_week,
                                      start=summary.week_start.strftime("%d/%m/%Y"),
                                      end=summary.week_end.strftime("%d/%m/%Y"))])
    sheet["A1"].font = Font(bold=True, size=13)
    append_row(sheet, T.XLSX_TASK_HEADERS)
    for cell in sheet[2]:
        cell.font = _BOLD
    for n, task in enumerate(summary.tasks, start=1):
        blockers = "\n".join(f"{b.official}: {b.text}" for b in task.blockers)
        append_row(sheet, [n, task.code, task.title, task.lead_unit or "", ", ".join(task.co_units),
                      ", ".join(task.responsible), task.deadline, task.deadline_text or "",
                      task.progress, task.status_label, T.CATEGORY_LABELS[task.category],
                      blockers, "\n".join(task.next_plans), task.evidence or ""])
        sheet.cell(row=sheet.max_row, column=7).number_format = "DD/MM/YYYY"
    for letter, width in zip("ABCDEFGHIJKLMN", (5, 12, 50, 28, 28, 28, 12, 16, 10, 18, 22, 40, 40, 30),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = _WRAP
    sheet.freeze_panes = "A3"

    people = book.create_sheet(T.XLSX_PEOPLE_SHEET)
    append_row(people, T.XLSX_PEOPLE_HEADERS)
    for cell in people[1]:
        cell.font = _BOLD
    for official in summary.officials:
        append_row(people, [official.name, official.unit_name,
                       T.YES if official.reported else T.NO, T.YES if official.late else T.NO,
                       _fmt_time(official.submitted_at), official.skipped_reason or "",
                       T.YES if official.revised_late else T.NO])
    for letter, width in zip("ABCDEFG", (28, 28, 14, 12, 18, 30, 18), strict=True):
        people.column_dimensions[letter].width = width

    if summary.subunits:
        subs = book.create_sheet(T.XLSX_SUBUNITS_SHEET)
        append_row(subs, T.XLSX_SUBUNIT_HEADERS)
        for cell in subs[1]:
            cell.font = _BOLD
        for sub in summary.subunits:
            append_row(subs, [sub.unit_name, sub.reported, sub.total, sub.avg_progress, sub.task_count,
                         sub.overdue])
        subs.column_dimensions["A"].width = 32
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_file_name(summary: WeeklySummary) -> str:
    """A file name for the export, ASCII only (e.g. 'tien-do-DV1-2026-W48.xlsx')."""
    return f"tien-do-{summary.unit_id}-{summary.iso_week}.xlsx"
