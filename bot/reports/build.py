"""Building a ProgressReport (bot/reports/model.py) from the database: the single source for
/tiendo, /xuatbaocao, `troly report …`, the digests and the document renderers.

Rules (documented here because heads will ask):

- Scope: a unit plus every unit below it (`include_subunits`, the default), optionally only some
  plans' tasks (a consolidating unit looking at another unit); or a plan across every unit.
- As of: a period still running (today is in it) is shown as it is now; a period that has ended
  is shown as of its cut-off (`as_of`), so the W48 report read in W49 is what W48 said. The
  cut-off is the scope unit's (the global rules for a plan). Answers confirmed after `as_of` are
  not in the figures: they are listed as late updates on their task. Whoever first answered after
  the cut-off is marked late either way.
- Tasks: existing at `as_of` and not cancelled; led by / co-operated by a unit in scope, or
  assigned to an official in scope (plan scope: the plan's tasks); done tasks only when they were
  done in the period or later (older ones are history, not news). Progress and status as of
  `as_of`: the latest confirmed answer of the period (any responsible official), else the task's
  recorded history (task_events), else 0 %.
- Which check-ins count: the period's own week; for a month or longer, the ISO weeks whose Friday
  falls in the period. Blockers: every distinct one raised in those check-ins by `as_of`.
- Officials expected to report: active non-admin officials in scope responsible for a task that
  was open, plus anyone in scope who answered anyway. Skipping the period (leave, business trip)
  counts as reporting, with its reason; so does leave recorded with /nghiphep over the cut-off day.
  A week: the weekly check-in. A month or longer: the summary asked when the period closed (of
  the longest `period_checkins` kind closing that day, a month's by default), else — when the
  unit asks for none — all of the period's weekly check-ins.
- Categories (government task tracking) on the reference day = the local date of `as_of`:
  done_on_time (done on or before the deadline, or no deadline), done_late, overdue (open and the
  deadline has passed), in_progress (open, within the deadline or without one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date, local_datetime
from bot.dates import fmt_day, fmt_day_month
from bot.db.batches import chunks
from bot.db.leave_store import leave_spans, span_covering
from bot.db.models import (
    ChatAccount,
    CheckinEntry,
    CheckinReport,
    CheckinRevision,
    Official,
    PeriodReport,
    PeriodReportRevision,
    Plan,
    Task,
    TaskAssignee,
    TaskEvent,
    TaskUnit,
    Unit,
)
from bot.db.people_store import subunit_ids
from bot.db.task_store import tasks_for_units
from bot.periods import Period, parse_period
from bot.reports.model import (
    Blocker,
    LateUpdate,
    OfficialStatus,
    ProgressReport,
    ReportPeriod,
    ReportScope,
    SummaryNote,
    TaskProgress,
    UnitRollup,
    UnreachableOfficial,
)
from bot.texts import checkin as T
from bot.unit_tree import descendants
from rules.cutoffs import ReportingRules, monday_of
from rules.deadlines import Category, deadline_category
from rules.policy import load_rules

#: officials with tasks due within this many days (or overdue) are listed when unreachable
UNREACHABLE_AHEAD_DAYS = 7


def categorize(task: Task, ref_day: date) -> Category:
    """The government-tracking category of a task (its current row) on a reference day."""
    return deadline_category(task.status, task.deadline, task.done_at, ref_day)


def report_period(period: Period, rules: ReportingRules) -> ReportPeriod:
    """The model's view of a period under a unit's rules (its cut-off)."""
    return ReportPeriod(kind=period.kind, key=period.key, label=period.label,
                        label_with_dates=period.label_with_dates, start=period.start,
                        end=period.end, cutoff=rules.cutoff(period))


# ---------------------------------------------------------------- loading


@dataclass(frozen=True)
class _State:
    progress: int
    status: str
    done_at: datetime | None


@dataclass
class _Answer:
    """One confirmed answer about a task in a check-in (a revision snapshot's entry)."""

    official_id: int
    week: str
    at: datetime
    data: dict[str, Any]
    late: bool


@dataclass
class _ReportView:
    """A weekly report as of `as_of`: the status then, and whether it was first answered late."""

    official_id: int
    week: str
    status: str  # submitted | skipped | draft
    on_time: bool  # answered (submitted/skipped) by as_of
    first_at: datetime | None
    late_revision: bool
    skip_reason: str | None


@dataclass
class _Loaded:
    tasks: list[Task]
    states: dict[int, _State]
    units: dict[int, Unit]
    plans: dict[int, Plan]
    assignees: dict[int, list[Official]]
    co_units: dict[int, list[int]]
    answers: dict[int, list[_Answer]] = field(default_factory=dict)
    late_answers: dict[int, list[_Answer]] = field(default_factory=dict)
    reports: dict[tuple[int, str], _ReportView] = field(default_factory=dict)


async def task_states(session: AsyncSession, tasks: Sequence[Task],
                      as_of: datetime) -> dict[int, _State]:
    """Each task's progress, status and done instant as recorded at `as_of` (task_events): 0 %
    and open before its first event; a task with no history at all is taken as it is now."""
    states: dict[int, _State] = {}
    ids = [t.id for t in tasks]
    with_history: set[int] = set()
    for part in chunks(ids):
        with_history.update((await session.execute(
            select(TaskEvent.task_id).where(TaskEvent.task_id.in_(part)).distinct())).scalars())
        rows = (await session.execute(
            select(TaskEvent.task_id, TaskEvent.progress, TaskEvent.status, TaskEvent.done_at)
            .where(TaskEvent.task_id.in_(part), TaskEvent.at <= as_of)
            .order_by(TaskEvent.task_id, TaskEvent.at, TaskEvent.id))).all()
        for task_id, progress, status, done_at in rows:
            states[task_id] = _State(progress, status, done_at)
    for task in tasks:
        if task.id not in with_history:
            states[task.id] = _State(task.progress, task.status, task.done_at)
    return states


async def _load(session: AsyncSession, tasks: list[Task], period: Period, as_of: datetime,
                now: datetime) -> _Loaded:
    task_ids = [t.id for t in tasks]
    live = as_of >= now
    states = ({t.id: _State(t.progress, t.status, t.done_at) for t in tasks} if live
              else await task_states(session, tasks, as_of))
    units = {u.id: u for u in (await session.execute(select(Unit))).scalars()}
    plans = {p.id: p for p in (await session.execute(select(Plan))).scalars()}
    assignees: dict[int, list[Official]] = {}
    co_units: dict[int, list[int]] = {}
    for part in chunks(task_ids):
        for task_id, official in (await session.execute(
            select(TaskAssignee.task_id, Official).join(Official, Official.id == TaskAssignee.official_id)
            .where(TaskAssignee.task_id.in_(part)).order_by(Official.name, Official.id))).all():
            assignees.setdefault(task_id, []).append(official)
        for task_id, unit_id in (await session.execute(
            select(TaskUnit.task_id, TaskUnit.unit_id).where(TaskUnit.task_id.in_(part)))).all():
            if unit_id in units:
                co_units.setdefault(task_id, []).append(unit_id)
    loaded = _Loaded(tasks, states, units, plans, assignees, co_units)
    await _load_checkins(session, loaded, period, as_of)
    return loaded


def _weeks(period: Period) -> list[str]:
    return [period.key] if period.kind == "week" else period.weeks()


async def _load_checkins(session: AsyncSession, loaded: _Loaded, period: Period,
                         as_of: datetime) -> None:
    """The period's weekly reports as of `as_of`, and every confirmed answer (on time and late)."""
    weeks = _weeks(period)
    reports = list((await session.execute(select(CheckinReport).where(
        CheckinReport.iso_week.in_(weeks)))).scalars())
    revisions: dict[int, list[CheckinRevision]] = {}
    for part in chunks([r.id for r in reports]):
        for revision in (await session.execute(select(CheckinRevision).where(
                CheckinRevision.report_id.in_(part)).order_by(
                CheckinRevision.report_id, CheckinRevision.revision))).scalars():
            revisions.setdefault(revision.report_id, []).append(revision)
    wanted = {t.id for t in loaded.tasks}
    for report in reports:
        snaps = revisions.get(report.id, [])
        if not snaps and report.status != "draft":
            # a report written without snapshots (older data): its live entries, at its time
            entries = (await session.execute(select(CheckinEntry).where(
                CheckinEntry.report_id == report.id))).scalars()
            at = report.submitted_at or report.updated_at
            snaps = [CheckinRevision(report_id=report.id, revision=1, created_at=at,
                                     late=report.late, data={
                                         "status": report.status, "skip_reason": report.skip_reason,
                                         "entries": [_entry_dict(e) for e in entries]})]
        on_time = [s for s in snaps if s.created_at <= as_of]
        late = [s for s in snaps if s.created_at > as_of]
        current = on_time[-1] if on_time else None
        if snaps:
            first = snaps[0]
            loaded.reports[(report.official_id, report.iso_week)] = _ReportView(
                official_id=report.official_id, week=report.iso_week,
                status=str((current or snaps[-1]).data.get("status", report.status)),
                on_time=current is not None, first_at=first.created_at,
                late_revision=bool(late) and current is not None,
                skip_reason=(current or snaps[-1]).data.get("skip_reason"))
        elif report.status == "draft":
            loaded.reports[(report.official_id, report.iso_week)] = _ReportView(
                report.official_id, report.iso_week, "draft", False, None, False, None)
        if current is not None and current.data.get("status") == "submitted":
            for data in current.data.get("entries", []):
                if data.get("task_id") in wanted:
                    loaded.answers.setdefault(int(data["task_id"]), []).append(_Answer(
                        report.official_id, report.iso_week, current.created_at, data, False))
        previous = {int(d["task_id"]): d for d in (current.data.get("entries", [])
                                                     if current is not None else [])}
        for snap in late:
            for data in snap.data.get("entries", []):
                task_id = int(data.get("task_id", 0))
                if task_id in wanted and _changed(previous.get(task_id), data):
                    loaded.late_answers.setdefault(task_id, []).append(_Answer(
                        report.official_id, report.iso_week, snap.created_at, data, True))
                previous[task_id] = data
    for answers in (*loaded.answers.values(), *loaded.late_answers.values()):
        answers.sort(key=lambda a: (a.at, a.official_id))


def _entry_dict(row: CheckinEntry) -> dict[str, Any]:
    return {"task_id": row.task_id, "progress": row.progress, "status": row.status,
            "blockers": row.blockers, "next_plan": row.next_plan, "evidence": row.evidence,
            "skip_reason": row.skip_reason}


_COMPARED = ("progress", "status", "blockers", "next_plan", "evidence", "skip_reason")


def _changed(before: dict[str, Any] | None, after: dict[str, Any]) -> bool:
    if before is None:
        return after.get("progress") is not None or after.get("status") is not None
    return any(before.get(k) != after.get(k) for k in _COMPARED)


# ---------------------------------------------------------------- tasks


def _task_progress(task: Task, loaded: _Loaded, names: dict[int, str], ref_day: date,
                   start: datetime) -> TaskProgress | None:
    state = loaded.states.get(task.id, _State(0, "open", None))
    if state.status == "cancelled" or (
            state.status == "done" and (state.done_at is None or state.done_at < start)):
        return None
    answers = loaded.answers.get(task.id, [])
    answered = [a for a in answers
                if a.data.get("progress") is not None or a.data.get("status") is not None]
    latest = answered[-1].data if answered else None
    done = state.status == "done"
    status = "done" if done else (latest.get("status") if latest else None)
    progress = 100 if done else (
        int(latest["progress"]) if latest is not None and latest.get("progress") is not None
        else state.progress)
    seen: set[tuple[int, str]] = set()
    blockers: list[Blocker] = []
    for answer in answers:
        text = answer.data.get("blockers")
        if text and (answer.official_id, text) not in seen:
            seen.add((answer.official_id, text))
            blockers.append(Blocker(names.get(answer.official_id, ""), text, answer.week))
    last_by_official: dict[int, dict[str, Any]] = {a.official_id: a.data for a in answers}
    next_plans = tuple(d["next_plan"] for d in last_by_official.values() if d.get("next_plan"))
    evidence = task.evidence or next(
        (a.data["evidence"] for a in reversed(answers) if a.data.get("evidence")), None)
    late_updates = tuple(LateUpdate(
        official=names.get(a.official_id, ""), at=a.at, progress=a.data.get("progress"),
        status=a.data.get("status"),
        status_label=T.STATUS_LABELS.get(a.data.get("status") or "", T.NOT_REPORTED),
        blockers=a.data.get("blockers")) for a in loaded.late_answers.get(task.id, []))
    lead = loaded.units.get(task.lead_unit_id) if task.lead_unit_id else None
    plan = loaded.plans.get(task.plan_id)
    return TaskProgress(
        task_id=task.id, code=task.code, title=task.title, plan_ref=plan.ref if plan else "",
        lead_unit=lead.name if lead else None,
        co_units=tuple(loaded.units[u].name for u in loaded.co_units.get(task.id, [])),
        responsible=tuple(o.name for o in loaded.assignees.get(task.id, [])),
        deadline=task.deadline, deadline_text=task.deadline_text,
        days_left=(task.deadline - ref_day).days if task.deadline else None,
        progress=progress, status=status,
        status_label=T.STATUS_LABELS.get(status or "", T.NOT_REPORTED),
        blockers=tuple(blockers), next_plans=next_plans, evidence=evidence,
        category=deadline_category(state.status, task.deadline, state.done_at, ref_day),
        done_at=state.done_at if done else None, reported=bool(answered),
        plan_id=task.plan_id, lead_unit_id=task.lead_unit_id, late_updates=late_updates,
        responsible_ids=tuple(o.id for o in loaded.assignees.get(task.id, [])))


# ---------------------------------------------------------------- officials


@dataclass
class _People:
    officials: list[OfficialStatus]
    expected: dict[int, Official]


async def _officials(session: AsyncSession, loaded: _Loaded, candidates: list[Official],
                     open_ids: set[int], period: Period, rules: ReportingRules, as_of: datetime,
                     now: datetime, *, only_responsible: bool = False) -> _People:
    """Who was expected to report in the period, and how each did (`only_responsible`: nobody
    else, e.g. a view limited to some plans)."""
    expected_ids = {o.id for tid in open_ids for o in loaded.assignees.get(tid, [])}
    weeks = _weeks(period)
    # only weeks whose cut-off has come count as expected
    week_cutoffs = {w: rules.week_cutoff(monday_of(w)) for w in weeks}
    due_weeks = [w for w in weeks if week_cutoffs[w] <= max(as_of, now)] or weeks[-1:]
    ids = [o.id for o in candidates]
    cutoff_day = local_date(rules.cutoff(period))
    spans = await leave_spans(session, ids, period.start - timedelta(days=7), period.end)
    # the summary asked when this period closed (a month's, or a longer one closing with it)
    summary_keys = [p.key for p in rules.closing_with(period)] if period.kind != "week" else []
    summaries = await _summaries(session, ids, summary_keys, as_of) if summary_keys else None
    result: list[OfficialStatus] = []
    expected: dict[int, Official] = {}
    for official in candidates:
        views = [loaded.reports.get((official.id, w)) for w in weeks]
        answered_any = any(v is not None and v.status != "draft" for v in views)
        summary = next((summaries[(official.id, k)] for k in summary_keys
                        if (official.id, k) in summaries), None) if summaries is not None else None
        if official.id not in expected_ids and (only_responsible or (
                not answered_any and summary is None)):
            continue
        expected[official.id] = official
        unit = loaded.units.get(official.unit_id) if official.unit_id else None
        leave = span_covering(spans, official.id, cutoff_day)
        # weeks they had to report: closed by now, after they joined, not on leave that day
        theirs = [w for w in due_weeks if official.created_at is None
                  or week_cutoffs[w] >= official.created_at]
        week_leaves = [w for w in theirs if span_covering(
            spans, official.id, local_date(week_cutoffs[w])) is not None]
        weeks_done = sum(1 for w, v in zip(weeks, views, strict=True)
                         if w in due_weeks and v is not None and v.status != "draft")
        weeks_expected = max(weeks_done, len(theirs) - len(week_leaves))
        if period.kind == "week":
            view = views[0]
            status, late, at, reason, revised = _from_week(view)
        elif summary is not None:
            status, late, at, reason, revised = (
                summary.status, summary.late, summary.submitted_at, summary.skipped_reason, False)
        elif summaries is not None:  # a summary was asked for and never given
            status, late, at, reason, revised = "missing", False, None, None, False
        else:  # no summary asked: all the period's weekly check-ins
            late = any(v is not None and v.first_at is not None and not v.on_time for v in views)
            status = "submitted" if weeks_done >= weeks_expected else "missing"
            at, reason, revised = None, None, any(v is not None and v.late_revision for v in views)
        if status in ("missing", "draft") and leave is not None:
            status, reason = "on_leave", T.ON_LEAVE_REASON.format(
                start=fmt_day_month(leave[0]), end=fmt_day(leave[1]))
        result.append(OfficialStatus(
            official_id=official.id, name=official.name, unit_name=unit.name if unit else "",
            status=status, reported=status in ("submitted", "skipped"), late=late,
            submitted_at=at, skipped_reason=reason, revised_late=revised, unit_id=official.unit_id,
            code=official.code, weeks_reported=weeks_done, weeks_expected=weeks_expected))
    return _People(result, expected)


def _from_week(view: _ReportView | None) -> tuple[str, bool, datetime | None, str | None, bool]:
    """(status, late, first answered at, skip reason, revised late) of a weekly report."""
    if view is None:
        return "missing", False, None, None, False
    if view.status == "draft":
        return "draft", False, None, None, False
    late = not view.on_time
    reason = view.skip_reason if view.status == "skipped" else None
    return view.status, late, view.first_at, reason, view.late_revision


async def _summaries(session: AsyncSession, official_ids: list[int], keys: list[str],
                     as_of: datetime) -> dict[tuple[int, str], SummaryNote]:
    """Officials' period summaries for these period keys as of `as_of` (late ones marked)."""
    found: dict[tuple[int, str], SummaryNote] = {}
    names = {o.id: (o.name, o.unit_id) for o in (await session.execute(select(Official).where(
        Official.id.in_(official_ids or [0])))).scalars()}
    unit_names = {u.id: u.name for u in (await session.execute(select(Unit))).scalars()}
    for part in chunks(official_ids):
        reports = list((await session.execute(select(PeriodReport).where(
            PeriodReport.official_id.in_(part), PeriodReport.period_key.in_(keys),
            PeriodReport.status != "draft"))).scalars())
        revisions: dict[int, list[PeriodReportRevision]] = {}
        for revision in (await session.execute(select(PeriodReportRevision).where(
                PeriodReportRevision.report_id.in_([r.id for r in reports] or [0])).order_by(
                PeriodReportRevision.report_id, PeriodReportRevision.revision))).scalars():
            revisions.setdefault(revision.report_id, []).append(revision)
        for report in reports:
            snaps = revisions.get(report.id, [])
            on_time = [s for s in snaps if s.created_at <= as_of]
            data = (on_time[-1] if on_time else snaps[-1]).data if snaps else {
                "status": report.status, "highlights": report.highlights,
                "difficulties": report.difficulties, "recommendations": report.recommendations,
                "skip_reason": report.skip_reason}
            name, unit_id = names.get(report.official_id, ("", None))
            period = parse_period(report.period_key, date(2000, 1, 1))
            found[(report.official_id, report.period_key)] = SummaryNote(
                official_id=report.official_id, official=name,
                unit_name=unit_names.get(unit_id, "") if unit_id else "",
                period_key=report.period_key, period_label=period.label,
                status=str(data.get("status", report.status)),
                highlights=data.get("highlights"), difficulties=data.get("difficulties"),
                recommendations=data.get("recommendations"),
                skipped_reason=data.get("skip_reason"), submitted_at=report.submitted_at,
                late=not on_time)
    return found


# ---------------------------------------------------------------- units


def _rollup(unit: Unit, unit_ids: set[int], people: _People, statuses: dict[int, OfficialStatus],
            tasks: Iterable[TaskProgress], task_units: dict[int, set[int]], *,
            led_only: bool) -> UnitRollup:
    mine = [t for t in tasks if (t.lead_unit_id in unit_ids if led_only
                                 else task_units.get(t.task_id, set()) & unit_ids)]
    # those on leave are neither expected nor missing
    officials = [statuses[o.id] for o in people.expected.values()
                 if o.unit_id in unit_ids and o.id in statuses and not statuses[o.id].on_leave]
    values = [t.progress for t in mine]
    return UnitRollup(
        unit_id=unit.id, unit_name=unit.name, unit_code=unit.code,
        reported=sum(1 for o in officials if o.reported), total=len(officials),
        avg_progress=round(sum(values) / len(values), 1) if values else None,
        overdue=sum(1 for t in mine if t.category == "overdue"), task_count=len(mine),
        missing=tuple(o.name for o in officials if not o.reported or o.late),
        late=tuple(o.name for o in officials if o.late))


# ---------------------------------------------------------------- the report


async def _unreachable(session: AsyncSession, tasks: Sequence[TaskProgress],
                       loaded: _Loaded, ref_day: date) -> tuple[UnreachableOfficial, ...]:
    """Responsible officials of open tasks due within a week (or overdue) with no active chat."""
    horizon = ref_day + timedelta(days=UNREACHABLE_AHEAD_DAYS)
    due: dict[int, list[str]] = {}
    people: dict[int, Official] = {}
    for task in tasks:
        if task.category not in ("overdue", "in_progress") or task.deadline is None \
                or task.deadline > horizon:
            continue
        for official in loaded.assignees.get(task.task_id, []):
            if official.status == "active":
                due.setdefault(official.id, []).append(task.code)
                people[official.id] = official
    if not due:
        return ()
    reachable = set((await session.execute(select(ChatAccount.official_id).where(
        ChatAccount.official_id.in_(list(due)), ChatAccount.status == "active"))).scalars())
    result = []
    for official_id in sorted(due, key=lambda i: (people[i].name, i)):
        if official_id in reachable:
            continue
        official = people[official_id]
        unit = loaded.units.get(official.unit_id) if official.unit_id else None
        result.append(UnreachableOfficial(official_id, official.name, official.code,
                                          unit.name if unit else "", tuple(due[official_id])))
    return tuple(result)


async def _scope_officials(session: AsyncSession, unit_ids: Sequence[int] | None,
                           loaded: _Loaded) -> list[Official]:
    if unit_ids is not None:
        query = select(Official).where(Official.unit_id.in_(list(unit_ids)))
    else:  # plan scope: everyone responsible for one of its tasks
        ids = {o.id for people in loaded.assignees.values() for o in people}
        query = select(Official).where(Official.id.in_(sorted(ids) or [0]))
    return list((await session.execute(query.where(
        Official.status == "active", Official.role != "admin",
    ).order_by(Official.name, Official.id))).scalars())


async def build_report(session: AsyncSession, scope: ReportScope, period: Period, now: datetime,
                       *, include_subunits: bool = True,
                       rules: ReportingRules | None = None) -> ProgressReport:
    """Compute a unit's or a plan's period (see the module docstring for the rules)."""
    unit = await session.get(Unit, scope.unit_id) if scope.unit_id is not None else None
    if scope.kind == "unit" and unit is None:
        raise LookupError(f"unit {scope.unit_id} not found")
    rules = rules or await load_rules(session, unit)
    cutoff = rules.cutoff(period)
    as_of = now if local_date(now) <= period.end else min(now, cutoff)
    ref_day = local_date(as_of)
    unit_ids: list[int] | None = None
    if scope.kind == "unit":
        assert unit is not None
        unit_ids = await subunit_ids(session, unit.id) if include_subunits else [unit.id]
        candidates = await tasks_for_units(session, unit_ids)
        if scope.plan_ids:
            candidates = [t for t in candidates if t.plan_id in scope.plan_ids]
    else:
        candidates = list((await session.execute(select(Task).where(
            Task.plan_id == scope.plan_id, Task.status != "cancelled").order_by(
            Task.deadline, Task.code, Task.id))).scalars())
        candidates.sort(key=lambda t: (t.deadline is None, t.deadline, t.code, t.id))
    candidates = [t for t in candidates if t.created_at <= as_of]
    loaded = await _load(session, candidates, period, as_of, now)
    start = local_datetime(period.start, time(0, 0))
    names = {o.id: o.name for people in loaded.assignees.values() for o in people}
    names.update({o.id: o.name for o in (await session.execute(select(Official).where(
        Official.id.in_(sorted({a.official_id for answers in (*loaded.answers.values(),
                                                             *loaded.late_answers.values())
                                for a in answers}) or [0])))).scalars()})
    tasks = [t for t in (_task_progress(task, loaded, names, ref_day, start)
                         for task in candidates) if t is not None]
    open_ids = {t.task_id for t in tasks if t.category in ("overdue", "in_progress")}
    people = await _officials(session, loaded, await _scope_officials(session, unit_ids, loaded),
                              open_ids, period, rules, as_of, now,
                              only_responsible=bool(scope.plan_ids) or scope.kind == "plan")
    statuses = {o.official_id: o for o in people.officials}
    task_units: dict[int, set[int]] = {}
    for task in candidates:
        members = {*([task.lead_unit_id] if task.lead_unit_id else []),
                   *loaded.co_units.get(task.id, [])}
        members.update(o.unit_id for o in loaded.assignees.get(task.id, []) if o.unit_id)
        task_units[task.id] = members
    rollups: list[UnitRollup] = []
    pairs = [(u.id, u.parent_id) for u in loaded.units.values()]
    if scope.kind == "unit" and include_subunits and unit is not None:
        for child in sorted((u for u in loaded.units.values() if u.parent_id == unit.id),
                            key=lambda u: u.code):
            subtree = set(descendants(pairs, child.id))
            rollups.append(_rollup(child, subtree, people, statuses, tasks, task_units,
                                   led_only=False))
    elif scope.kind == "plan":
        involved = sorted({u for t in tasks for u in task_units.get(t.task_id, set())},
                          key=lambda u: loaded.units[u].code if u in loaded.units else "")
        for unit_id in involved:
            if unit_id in loaded.units:
                rollups.append(_rollup(loaded.units[unit_id], {unit_id}, people, statuses,
                                       tasks, task_units, led_only=True))
    notes: tuple[SummaryNote, ...] = ()
    if period.kind != "week":
        keys = {period.key, *(m.key for m in period.months())}
        keys.update(p.key for m in period.months() for p in rules.closing_with(m))
        found = await _summaries(session, sorted(people.expected), sorted(keys), as_of)
        notes = tuple(sorted(found.values(), key=lambda n: (n.period_key, n.official)))
    return ProgressReport(
        scope=scope, period=report_period(period, rules), generated_at=now, as_of=as_of,
        officials=tuple(people.officials), tasks=tuple(tasks), units=tuple(rollups),
        notes=notes, unreachable=await _unreachable(session, tasks, loaded, ref_day))


async def unit_scope(session: AsyncSession, unit_id: int,
                     plan_ids: Sequence[int] = ()) -> ReportScope:
    """The scope of a unit's report (optionally only some plans' tasks)."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise LookupError(f"unit {unit_id} not found")
    return ReportScope(kind="unit", name=unit.name, unit_id=unit.id, unit_code=unit.code,
                       plan_ids=tuple(plan_ids))


def plan_scope(plan: Plan) -> ReportScope:
    """The scope of a plan's report across units."""
    return ReportScope(kind="plan", name=plan.ref, plan_id=plan.id, plan_ref=plan.ref,
                       plan_title=plan.title)


async def build_unit_report(session: AsyncSession, unit_id: int, period: Period, now: datetime,
                            *, include_subunits: bool = True,
                            plan_ids: Sequence[int] = ()) -> ProgressReport:
    """A unit's report for a period."""
    return await build_report(session, await unit_scope(session, unit_id, plan_ids), period, now,
                              include_subunits=include_subunits)


async def build_plan_report(session: AsyncSession, plan: Plan, period: Period,
                            now: datetime) -> ProgressReport:
    """A plan's report for a period, across every unit with its tasks."""
    return await build_report(session, plan_scope(plan), period, now)


async def build_weekly_summary(session: AsyncSession, unit_id: int, iso_week: str, now: datetime,
                               *, include_subunits: bool = True) -> ProgressReport:
    """A unit's ISO week (the weekly report)."""
    monday = monday_of(iso_week)
    year, week, _ = monday.isocalendar()
    return await build_unit_report(session, unit_id, Period("week", year, week), now,
                                   include_subunits=include_subunits)
