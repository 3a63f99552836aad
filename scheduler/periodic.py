"""The planner's work beyond the week: the monthly (quarterly, …) summary prompt and its nudges,
the heads' monthly digest, the consolidating units' digest of who has not reported, and the
co-operating units' reminders. Same rules as the week: idempotency keys, catch-up (a missed
prompt is sent late while it is still useful, else recorded expired), quiet hours, working days,
holidays, leave.

Keys:
- `checkin-<kind>:<official>:<period>:prompt|nudgeN` — the summary of a month, quarter, …
  (kind `period_checkin` / `period_nudge`), on the day the period closes;
- `digest:<unit>:<period>:<kind>:<head>` — the heads' digest of the period (kind month, …);
- `digest-plan:<plan>:<period>:<unit>:<head>` — to a consolidating unit: the plan's units that
  had not reported by the cut-off (weekly and at each period's close);
- `coop:<task>:<deadline>:<unit>:notice|due:<official>` — to a co-operating unit's head (or
  deputies): the lead unit's deadline N days ahead, and the day their part is due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.button_kinds import PeriodPrompt
from bot.clock import iso_week_key, local_date, local_datetime
from bot.dates import fmt_date, fmt_instant
from bot.db import period_store
from bot.db.models import Plan, PlanConsolidator, Task, TaskAssignee, TaskUnit
from bot.messages import Button, OutgoingMessage
from bot.outbox import OutboxStatus
from bot.periods import Period
from bot.texts import coop as CT
from bot.texts import period_checkin as PT
from bot.texts import reminders as T
from rules.cutoffs import ReportingRules, week_cutoff
from rules.policy import Schedule
from scheduler import planner as P

if TYPE_CHECKING:
    from scheduler.planner import MessageBuilder, Planner

#: a summary prompt missed during downtime is still sent (late) this long after the cut-off
PROMPT_GRACE = timedelta(days=7)
#: a period digest nobody got is still sent (late) this long after it was due
DIGEST_GRACE = timedelta(days=7)


async def plan_periods(planner: Planner) -> None:
    """Everything this module plans; one part failing does not stop the others (logged; the next
    run tries again)."""
    for part in (period_checkins, period_digests, plan_digests, coop_reminders):
        with planner._isolated(part.__name__, None):  # its bulk queries; items isolate below
            await part(planner)


def _rules(planner: Planner, unit_id: int | None) -> tuple[Schedule, ReportingRules]:
    schedule = planner.inputs.policies.for_unit(unit_id)
    return schedule, schedule.rules(planner.calendar)


def _closing(rules: ReportingRules, today: date) -> tuple[Period, Period]:
    """(the period that closed last or closes next, the one before it) — by summary period."""
    current = rules.summary_period(today)
    return current, rules.summary_period(current.start - timedelta(days=1))


# ---------------------------------------------------------------- the summary prompt


async def period_checkins(planner: Planner) -> None:
    """The prompt on the day a month (or longer period) closes, nudges to the silent, expiry."""
    reporters = set((await planner.session.execute(
        select(TaskAssignee.official_id).join(Task, Task.id == TaskAssignee.task_id)
        .where(Task.status == "open").distinct())).scalars()) & set(planner.directory.people)
    if not reporters:
        return
    wanted: list[tuple[int, Schedule, ReportingRules, Period]] = []
    for official_id in sorted(reporters):
        person = planner.directory.people[official_id]
        with planner._isolated(f"periods of official {official_id}", person.unit_id):
            schedule, rules = _rules(planner, person.unit_id)
            if schedule.period_checkins:
                wanted += [(official_id, schedule, rules, p)
                           for p in _closing(rules, planner.today)]
    answered = await period_store.answered(planner.session, sorted({p.key for *_, p in wanted}))
    for official_id, schedule, rules, period in wanted:
        if (official_id, period.key) not in answered:
            unit_id = planner.directory.people[official_id].unit_id
            with planner._isolated(f"summary prompt of official {official_id}", unit_id):
                _summary_prompt(planner, official_id, schedule, rules, period)


def _summary_prompt(planner: Planner, official_id: int, schedule: Schedule,
                    rules: ReportingRules, period: Period) -> None:
    cutoff = rules.cutoff(period)
    day = local_date(cutoff)
    due_at = local_datetime(day, schedule.checkin_time)
    if due_at > planner.now + P.HORIZON:
        return
    person = planner.directory.people[official_id]
    if person.created_at is not None and person.created_at > due_at:
        return  # they were not here yet
    base = f"checkin-{period.kind}:{official_id}:{period.key}"
    expires = cutoff + PROMPT_GRACE
    common: dict[str, Any] = {"subject_type": "official", "subject_id": str(official_id),
                              "recipient_id": official_id, "meta": {"period": period.key}}
    if planner.now >= expires:
        if planner.now - due_at <= P.RECENT:  # the period is over: recorded, shown in the digest
            planner._add(base_key=f"{base}:prompt", kind="period_checkin", due_at=due_at,
                         not_before=due_at, expires_at=expires, late=True, status=OutboxStatus.EXPIRED,
                         **common)
        return
    not_before, late = planner._timing(due_at, schedule)
    planner._add(base_key=f"{base}:prompt", kind="period_checkin", due_at=due_at,
                 not_before=not_before, expires_at=expires, late=late, status=OutboxStatus.PENDING,
                 build=_prompt_message(period, cutoff, late, nudge=False), **common)
    nudges = [n for n in (local_datetime(day, t) for t in schedule.nudge_times)
              if due_at < n < cutoff]
    due_nudges = [i for i, n in enumerate(nudges) if n <= planner.now + P.HORIZON]
    if not due_nudges or planner.now >= cutoff:
        return
    latest = due_nudges[-1]
    for i in due_nudges:
        nudge_at = nudges[i]
        if i == latest and planner.now <= nudge_at + P.LATE_AFTER:
            nb, nudge_late = planner._timing(nudge_at, schedule)
            status = OutboxStatus.PENDING
        else:  # never sent late: the prompt (sent late) or the next nudge covers it
            nb, nudge_late, status = nudge_at, True, OutboxStatus.SUPERSEDED
        planner._add(base_key=f"{base}:nudge{i + 1}", kind="period_nudge", due_at=nudge_at,
                     not_before=nb, expires_at=cutoff, late=nudge_late, status=status,
                     build=_prompt_message(period, cutoff, nudge_late, nudge=True), **common)


def _prompt_message(period: Period, cutoff: datetime, late: bool, *,
                    nudge: bool) -> MessageBuilder:
    async def build() -> OutgoingMessage:
        text = (PT.NUDGE if nudge else PT.PROMPT).format(
            period=period.label_with_dates, cutoff=fmt_instant(cutoff))
        return OutgoingMessage((T.LATE_PREFIX if late else "") + text,
                               (Button(PT.BUTTON_REPORT, PeriodPrompt(period.key).pack()),))
    return build


# ---------------------------------------------------------------- digests


async def period_digests(planner: Planner) -> None:
    """The heads' digest of a month (or the longer period closing with it) on its cut-off day."""
    for unit_id in sorted(planner.directory.units):
        with planner._isolated("period digests", unit_id):
            heads = planner.directory.heads(unit_id, planner.today)
            if not heads:
                continue
            schedule, rules = _rules(planner, unit_id)
            for period in _closing(rules, planner.today):
                due_at = local_datetime(local_date(rules.cutoff(period)),
                                        schedule.digest_period_time)
                status = _digest_status(planner, due_at)
                if status is not None:
                    planner._digest(unit_id, period.key, period.kind, heads, due_at,
                                    due_at + DIGEST_GRACE, status, schedule)


def _digest_status(planner: Planner, due_at: datetime) -> OutboxStatus | None:
    """pending while the digest is useful, expired (recorded) after, None before it is due."""
    if due_at > planner.now + P.HORIZON:
        return None
    if planner.now < due_at + DIGEST_GRACE:
        return OutboxStatus.PENDING
    return OutboxStatus.EXPIRED if planner.now - due_at <= P.RECENT else None


@dataclass(frozen=True)
class _Consolidation:
    plan_id: int
    plan_ref: str
    unit_id: int


async def plan_digests(planner: Planner) -> None:
    """To each consolidating unit's heads: the plan's units that had not reported by the cut-off,
    after the week's digest time and on each period's digest day."""
    rows = (await planner.session.execute(
        select(PlanConsolidator.plan_id, Plan.ref, PlanConsolidator.unit_id)
        .join(Plan, Plan.id == PlanConsolidator.plan_id))).all()
    monday = planner.today - timedelta(days=planner.today.weekday())
    for plan_id, ref, unit_id in rows:
        with planner._isolated(f"digest of plan {plan_id}", unit_id):
            _plan_digests_of(planner, _Consolidation(plan_id, ref, unit_id), monday)


def _plan_digests_of(planner: Planner, what: _Consolidation, monday: date) -> None:
    unit_id = what.unit_id
    if unit_id in planner.directory.units:
        heads = planner.directory.heads(unit_id, planner.today)
    else:
        heads = []
    if not heads:
        return
    schedule, rules = _rules(planner, unit_id)
    due: list[tuple[str, datetime]] = []
    for week_monday in (monday - timedelta(days=7), monday):
        day = P.week_day(week_monday, schedule.digest_week_weekday, schedule, planner.calendar)
        if day is not None:
            due.append((iso_week_key(week_monday), local_datetime(day, schedule.digest_week_time)))
    for period in _closing(rules, planner.today):
        due.append((period.key, local_datetime(local_date(rules.cutoff(period)),
                                               schedule.digest_period_time)))
    for key, due_at in due:
        status = _digest_status(planner, due_at)
        if status is not None:
            _plan_digest(planner, what, key, heads, due_at, status, schedule)


def _plan_digest(planner: Planner, what: _Consolidation, period_key: str, heads: Sequence[Any],
                 due_at: datetime, status: OutboxStatus, schedule: Schedule) -> None:
    if status == OutboxStatus.PENDING:
        not_before, late = planner._timing(due_at, schedule)
    else:
        not_before, late = due_at, True
    build = planner._digest_message(what.unit_id, period_key, f"plan:{what.plan_id}", late) \
        if status == OutboxStatus.PENDING else None
    for head in heads:
        planner._add(base_key=f"digest-plan:{what.plan_id}:{period_key}:{what.unit_id}:{head.id}",
                     kind="digest", subject_type="plan", subject_id=str(what.plan_id),
                     recipient_id=head.id, due_at=due_at, not_before=not_before,
                     expires_at=due_at + DIGEST_GRACE, late=late, status=status, build=build,
                     meta={"week": period_key, "digest": "plan", "plan_id": what.plan_id,
                           "unit_id": what.unit_id})


# ---------------------------------------------------------------- co-operating units


@dataclass(frozen=True)
class _CoopTask:
    id: int
    code: str
    title: str
    deadline: date
    lead_unit_id: int | None
    unit_id: int  # the co-operating unit


def coop_due(deadline: date, schedule: Schedule, rules: ReportingRules) -> datetime:
    """When a co-operating unit's part is due: `coop_cutoff` in the week of the lead unit's last
    weekly cut-off on or before the deadline (never after that cut-off)."""
    end_of_deadline = local_datetime(deadline + timedelta(days=1), time(0))
    monday = deadline - timedelta(days=deadline.weekday())
    lead = rules.week_cutoff(monday)
    if lead >= end_of_deadline:
        monday -= timedelta(days=7)
        lead = rules.week_cutoff(monday)
    calendar = rules.calendar if rules.working_days_only else None
    return min(week_cutoff(monday, schedule.coop_cutoff, calendar), lead)


async def coop_reminders(planner: Planner) -> None:
    """Co-operating units' heads: the lead's deadline `coop_notice_days` ahead, and the morning
    their part is due (`coop_cutoff`, before the lead unit's cut-off)."""
    policies = [planner.inputs.policies.default, *planner.inputs.policies.by_unit.values()]
    ahead = max(s.coop_notice_days for s in policies)
    if ahead == 0:
        return
    window_end = planner.today + timedelta(days=ahead + 15)  # a holiday can pull it earlier
    rows = (await planner.session.execute(
        select(Task.id, Task.code, Task.title, Task.deadline, Task.lead_unit_id, TaskUnit.unit_id)
        .join(TaskUnit, TaskUnit.task_id == Task.id)
        .where(Task.status == "open", Task.deadline.is_not(None), Task.deadline >= planner.today,
               Task.deadline <= window_end))).all()
    tasks = [_CoopTask(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows if r[3] is not None]
    if not tasks:
        return
    assigned: dict[int, set[int]] = {}
    for task_id, official_id in (await planner.session.execute(
            select(TaskAssignee.task_id, TaskAssignee.official_id).where(
                TaskAssignee.task_id.in_(sorted({t.id for t in tasks}))))).all():
        assigned.setdefault(task_id, set()).add(official_id)
    for task in tasks:
        if task.unit_id == task.lead_unit_id or task.unit_id not in planner.directory.units:
            continue
        with planner._isolated(f"co-operation on task {task.id}", task.unit_id):
            schedule, rules = _rules(planner, task.lead_unit_id)
            if schedule.coop_notice_days == 0:
                continue
            people = [h.id for h in planner.directory.heads(task.unit_id, planner.today)
                      if h.id not in assigned.get(task.id, set())]
            if people:
                _coop_task(planner, task, schedule, rules, people)


def _coop_task(planner: Planner, task: _CoopTask, schedule: Schedule, rules: ReportingRules,
               people: list[int]) -> None:
    notice_day = task.deadline - timedelta(days=schedule.coop_notice_days)
    if schedule.working_days_only and not planner.calendar.is_working_day(notice_day):
        notice_day = planner.calendar.previous_working_day(notice_day)
    notice_at = local_datetime(notice_day, schedule.reminder_time)
    part_due = coop_due(task.deadline, schedule, rules)
    due_day_at = local_datetime(local_date(part_due), schedule.reminder_time)
    slots = [("notice", notice_at, part_due)]
    if notice_at < due_day_at < part_due:
        slots.append(("due", due_day_at, part_due))
    elif part_due <= notice_at:  # too close to the deadline for a part before the lead's cut-off
        slots = [("notice", notice_at, local_datetime(task.deadline + timedelta(days=1), time(0)))]
    short = part_due <= notice_at
    ready = [s for s in slots if s[1] <= planner.now + P.HORIZON]
    if not ready:
        return
    lead = planner.directory.units.get(task.lead_unit_id or 0, ("", None, None))[0]
    unit = planner.directory.units[task.unit_id][0]
    for i, (which, due_at, expires) in enumerate(ready):
        if i < len(ready) - 1:  # a later reminder is due too: it replaces this one
            not_before, late, status = due_at, True, OutboxStatus.SUPERSEDED
        elif planner.now >= expires:
            continue
        else:
            not_before, late = planner._timing(due_at, schedule)
            status = OutboxStatus.PENDING
        for official_id in people:
            planner._add(
                base_key=f"coop:{task.id}:{task.deadline.isoformat()}:{task.unit_id}:{which}:"
                         f"{official_id}",
                kind="coop", subject_type="task", subject_id=str(task.id),
                recipient_id=official_id, due_at=due_at, not_before=not_before,
                expires_at=expires, late=late, status=status,
                build=_coop_message(task, lead, unit, part_due, which, late, short),
                meta={"deadline": task.deadline.isoformat(), "coop_unit": task.unit_id,
                      "reminder": which})


def _coop_message(task: _CoopTask, lead: str, unit: str, part_due: datetime, which: str,
                  late: bool, short: bool) -> MessageBuilder:
    async def build() -> OutgoingMessage:
        fields = {"code": task.code, "title": task.title, "lead": lead, "unit": unit,
                  "deadline": fmt_date(task.deadline), "part_due": fmt_instant(part_due)}
        if which == "due":
            text = CT.COOP_DUE.format(**fields)
        else:
            text = (CT.COOP_NOTICE_SHORT if short else CT.COOP_NOTICE).format(**fields)
        return OutgoingMessage((T.LATE_PREFIX if late else "") + text)
    return build
