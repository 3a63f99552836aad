"""The planner: a function of (database, now) that inserts one outbox row per due occurrence.

Every occurrence has an idempotency key `<base>:<channel>`; the base names the occurrence and its
recipient (e.g. `deadline:42:2026-12-01:T-3:17`). Rows are inserted with ON CONFLICT DO NOTHING and
a base that already has a row (on any channel) is never planned again, so running the planner
twice, late, or in several processes gives the same rows. Occurrences deliberately not sent
(missed during downtime, see docs/scheduling.md §5.5) are inserted as `superseded` or `expired`:
they take their keys, so no later tick can resurrect them, and they leave an audit trace.

A new installation is not an outage: occurrences due before the planner's very first run
(job_runs ('planner', 'first-run')) are not applicable and get no row at all.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.button_kinds import CheckinNow
from bot.clock import iso_week_key, local_date, local_datetime
from bot.dates import fmt_date, fmt_instant
from bot.db.batches import chunks
from bot.db.job_runs import first_run
from bot.db.models import CheckinReport, OutboxMessage, Task, TaskAssignee
from bot.messages import Button, OutgoingMessage, to_payload
from bot.outbox import (
    TASK_SUBJECT,
    Claimed,
    Meta,
    NewRow,
    OutboxStatus,
    SendGuards,
    Verdict,
    cancel,
    enqueue_many,
    mark_rebuilt,
    meta_of,
    retry_build_later,
    settle_build_failed,
    with_meta,
)
from bot.periods import week_shown
from bot.reminders import task_buttons
from bot.texts import reminders as T
from rules.deadlines import deadline_slots
from rules.policy import WEEKDAYS, Schedule
from rules.quiet import hold_until_morning
from rules.recipients import Directory
from rules.workdays import WorkCalendar
from scheduler.inputs import PlanInputs

logger = logging.getLogger(__name__)

#: plan this far ahead so a row exists (with not_before = due time) when its minute comes
HORIZON = timedelta(minutes=5)
#: an occurrence first planned later than this after its due time is marked late
LATE_AFTER = timedelta(minutes=15)
#: bounds how far back check-in and digest keys are looked up (two weeks plus slack)
RECENT = timedelta(days=21)
#: job_runs job name under which the planner's first run is recorded
PLANNER_JOB = "planner"
#: first retry of a failed build after this; doubling up to BUILD_RETRY_MAX
BUILD_RETRY_FIRST = timedelta(minutes=5)
BUILD_RETRY_MAX = timedelta(hours=1)

#: kinds still sent to an official on leave (read on return): digests, guidance news
LEAVE_PROOF_KINDS = frozenset({"digest", "guide", "guide_expired", "guide_withdrawn"})

MessageBuilder = Callable[[], Awaitable[OutgoingMessage]]
#: builds a digest message: (session, unit_id, iso_week, kind, now) → message
DigestBuilder = Callable[[AsyncSession, int, str, str, datetime], Awaitable[OutgoingMessage]]


@dataclass
class Occurrence:
    """One thing that is due (or was deliberately skipped) for one recipient."""

    base_key: str
    kind: str  # deadline | overdue | checkin | nudge | digest | snooze
    subject_type: str  # task | official | unit
    subject_id: str
    recipient_id: int
    due_at: datetime
    not_before: datetime
    expires_at: datetime | None
    late: bool
    status: OutboxStatus  # pending | superseded | expired | cancelled (recipient on leave)
    build: MessageBuilder | None = None
    meta: Meta = field(default_factory=lambda: Meta())
    #: why a row is written not to be sent (last_error_code), e.g. 'on_leave'
    error_code: str | None = None


@dataclass
class PlanResult:
    """What one planner run did."""

    inserted: Counter[str] = field(default_factory=Counter)  # by status
    by_kind: Counter[str] = field(default_factory=Counter)  # pending rows by kind
    cancelled: int = 0
    skipped_no_contact: int = 0
    #: messages that failed to build this run (recorded as build_failed rows, retried later)
    build_failed: int = 0
    #: build_failed rows built successfully on a retry (now pending)
    rebuilt: int = 0
    #: tasks, officials or units whose planning raised (logged; the next run tries again)
    failed: int = 0
    #: occurrences due for officials troly cannot reach (no chat): base key → (official, kind)
    no_contact: dict[str, tuple[int, str]] = field(default_factory=dict)
    rows: list[OutboxMessage] = field(default_factory=list)  # only with collect=True


def build_retry_delay(attempts: int) -> timedelta:
    """How long to wait before building a failed message again (attempts so far ≥ 1)."""
    return min(BUILD_RETRY_FIRST * (1 << min(max(attempts - 1, 0), 16)), BUILD_RETRY_MAX)


def week_day(monday: date, weekday: str, schedule: Schedule, calendar: WorkCalendar,
             *, move_forward: bool = False) -> date | None:
    """The date of `weekday` in the week of `monday`, moved to a working day within that week."""
    day = monday + timedelta(days=WEEKDAYS.index(weekday))
    if not schedule.working_days_only or calendar.is_working_day(day):
        return day
    step = timedelta(days=1 if move_forward else -1)
    while monday <= day + step <= monday + timedelta(days=6):
        day += step
        if calendar.is_working_day(day):
            return day
    return None


@dataclass
class _TaskRow:
    id: int
    code: str
    title: str
    deadline: date
    lead_unit_id: int | None


class Planner:
    """Computes the occurrences due at `now` and inserts them; see the module docstring."""

    def __init__(self, session: AsyncSession, now: datetime, inputs: PlanInputs,
                 digest_builder: DigestBuilder | None, *, since: datetime | None = None) -> None:
        self.session = session
        self.now = now
        #: the planner's first run: anything due before it predates the installation
        self.since = since
        self.today = local_date(now)
        self.inputs = inputs
        self.calendar = inputs.calendar
        self.directory: Directory = inputs.directory
        self.digest_builder = digest_builder
        self.occurrences: list[Occurrence] = []
        #: tasks, officials or units whose planning raised this run (logged, retried next run)
        self.failed = 0

    # ------------------------------------------------------------------ helpers

    @contextlib.contextmanager
    def _isolated(self, what: str, unit_id: int | None) -> Iterator[None]:
        """One task's, official's or unit's planning: a failure is logged with its unit and
        counted, and the run goes on with everyone else (the next run tries it again)."""
        try:
            yield
        except Exception:
            logger.exception("planner: %s (unit %s) failed; planning the others", what, unit_id)
            self.failed += 1

    def _timing(self, due_at: datetime, schedule: Schedule) -> tuple[datetime, bool]:
        """not_before and late flag for an occurrence due at `due_at` that is being planned now."""
        late = self.now > due_at + LATE_AFTER
        start = self.now if late else due_at
        return hold_until_morning(start, schedule.quiet_start, schedule.quiet_end), late

    def _add(self, **kwargs: Any) -> None:
        occurrence = Occurrence(**kwargs)
        if self.since is not None and occurrence.due_at < self.since:
            return  # not missed, just before troly was installed: no late send, no expired row
        if (occurrence.status == OutboxStatus.PENDING and occurrence.expires_at is not None
                and occurrence.not_before >= occurrence.expires_at):
            # caught up inside quiet hours and held past its own window (e.g. "1 day left" at
            # 22:30 on the deadline day): sending it in the morning would be wrong, so record it
            occurrence.status = OutboxStatus.EXPIRED
        if (occurrence.status == OutboxStatus.PENDING and occurrence.kind not in LEAVE_PROOF_KINDS
                and self.directory.on_leave(occurrence.recipient_id,
                                            local_date(occurrence.not_before))):
            # on leave (/nghiphep): the reminder is recorded, not sent, and never sent late
            occurrence.status, occurrence.error_code = OutboxStatus.CANCELLED, "on_leave"
        self.occurrences.append(occurrence)

    # ------------------------------------------------------------------ deadlines

    async def deadlines(self) -> None:
        """T-k reminders before the deadline, then overdue notices (with escalation)."""
        max_offset = max([max(s.deadline_offsets_days, default=0)
                          for s in [self.inputs.policies.default, *self.inputs.policies.by_unit.values()]])
        # a holiday shift can pull a reminder ~2 weeks earlier (Tết); look that far ahead
        window_end = self.today + timedelta(days=max_offset + 15)
        rows = (await self.session.execute(
            select(Task.id, Task.code, Task.title, Task.deadline, Task.lead_unit_id)
            .where(Task.status == "open", Task.deadline.is_not(None), Task.deadline <= window_end)
        )).all()
        tasks = [_TaskRow(r[0], r[1], r[2], r[3], r[4]) for r in rows if r[3] is not None]
        if not tasks:
            return
        assignees: dict[int, list[int]] = {}
        for task_id, official_id in (await self.session.execute(
            select(TaskAssignee.task_id, TaskAssignee.official_id)
            .join(Task, Task.id == TaskAssignee.task_id)
            .where(Task.status == "open", Task.deadline.is_not(None), Task.deadline <= window_end)
        )).all():
            if official_id in self.directory.people:
                assignees.setdefault(task_id, []).append(official_id)
        for task in tasks:
            with self._isolated(f"task {task.id}", task.lead_unit_id):
                schedule = self.inputs.policies.for_unit(task.lead_unit_id)
                people = sorted(assignees.get(task.id, []))
                if not people and task.lead_unit_id is not None:
                    people = [p.id for p in self.directory.heads(task.lead_unit_id, self.today)]
                end_of_deadline = local_datetime(task.deadline + timedelta(days=1), time(0))
                if self.now + HORIZON < end_of_deadline:
                    self._before_deadline(task, schedule, people, end_of_deadline)
                else:
                    self._overdue(task, schedule, people)

    def _before_deadline(self, task: _TaskRow, schedule: Schedule, people: list[int],
                         end_of_deadline: datetime) -> None:
        slots = deadline_slots(task.deadline, schedule, self.calendar)
        due = [(k, d, local_datetime(d, schedule.reminder_time)) for k, d in slots]
        due_now = [i for i, (_, _, at) in enumerate(due) if at <= self.now + HORIZON]
        if not due_now:
            return
        latest = due_now[-1]
        for i in due_now:
            offset, day, due_at = due[i]
            expires = due[i + 1][2] if i + 1 < len(due) else end_of_deadline
            if i == latest:
                not_before, late = self._timing(due_at, schedule)
                status = OutboxStatus.PENDING
                if late and i + 1 < len(due) and local_date(not_before) == due[i + 1][1]:
                    # caught up in quiet hours and held to the very morning the next reminder
                    # is due: that one (on time, the days left alike) replaces it, not two
                    # reminders of the same task an hour apart
                    not_before, status = due_at, OutboxStatus.SUPERSEDED
            else:  # an earlier offset nobody got: the latest one replaces it (§5.5)
                not_before, late, status = due_at, True, OutboxStatus.SUPERSEDED
            days_left = (task.deadline - (local_date(not_before) if late else day)).days
            for official_id in people:
                self._add(
                    base_key=f"deadline:{task.id}:{task.deadline.isoformat()}:T-{offset}:{official_id}",
                    kind="deadline", subject_type="task", subject_id=str(task.id),
                    recipient_id=official_id, due_at=due_at, not_before=not_before,
                    expires_at=expires, late=late, status=status,
                    build=self._deadline_message(task, max(days_left, 0), late),
                    meta={"deadline": task.deadline.isoformat(), "offset": offset})

    def _deadline_message(self, task: _TaskRow, days_left: int, late: bool) -> MessageBuilder:
        async def build() -> OutgoingMessage:
            fields = {"code": task.code, "title": task.title, "deadline": fmt_date(task.deadline),
                      "days": days_left}
            text = (T.DEADLINE_TODAY if days_left == 0 else T.DEADLINE_AHEAD).format(**fields)
            return OutgoingMessage((T.LATE_PREFIX if late else "") + text, task_buttons(task.id))
        return build

    def _overdue(self, task: _TaskRow, schedule: Schedule, people: list[int]) -> None:
        today = self.today
        if schedule.overdue_every_working_day and not self.calendar.is_working_day(today):
            return
        due_at = local_datetime(today, schedule.reminder_time)
        if due_at > self.now + HORIZON or today <= task.deadline:
            return
        not_before, late = self._timing(due_at, schedule)
        expires = local_datetime(today + timedelta(days=1), time(0))
        days = (today - task.deadline).days
        working_days = self.calendar.working_days_between(task.deadline, today)
        base = f"overdue:{task.id}:{task.deadline.isoformat()}:{today.isoformat()}"
        meta = {"deadline": task.deadline.isoformat(), "days": days}
        for official_id in people:
            self._add(base_key=f"{base}:{official_id}", kind="overdue", subject_type="task",
                      subject_id=str(task.id), recipient_id=official_id, due_at=due_at,
                      not_before=not_before, expires_at=expires, late=late, status=OutboxStatus.PENDING,
                      build=self._overdue_message(task, days, late, None), meta=meta)
        if task.lead_unit_id is None or working_days < schedule.overdue_escalate_after_days:
            return
        names = ", ".join(self.directory.people[p].name for p in people) or "—"
        for head in self.directory.heads(task.lead_unit_id, self.today):
            if head.id in people:
                continue
            self._add(base_key=f"{base}:head:{head.id}", kind="overdue", subject_type="task",
                      subject_id=str(task.id), recipient_id=head.id, due_at=due_at,
                      not_before=not_before, expires_at=expires, late=late, status=OutboxStatus.PENDING,
                      build=self._overdue_message(task, days, late, names),
                      meta={**meta, "escalated": True})

    def _overdue_message(self, task: _TaskRow, days: int, late: bool,
                         escalated_names: str | None) -> MessageBuilder:
        async def build() -> OutgoingMessage:
            fields = {"code": task.code, "title": task.title, "deadline": fmt_date(task.deadline),
                      "days": days}
            if escalated_names is None:
                text = T.OVERDUE.format(**fields)
                buttons = task_buttons(task.id)
            else:
                unit = self.directory.units.get(task.lead_unit_id or 0, ("", None, None))[0]
                text = T.OVERDUE_ESCALATED.format(unit=unit, people=escalated_names, **fields)
                buttons = ()
            return OutgoingMessage((T.LATE_PREFIX if late else "") + text, buttons)
        return build

    # ------------------------------------------------------------------ weekly check-in

    async def checkins(self) -> None:
        """Friday prompt, afternoon nudges to those who have not reported, expiry of missed weeks."""
        reporters = set((await self.session.execute(
            select(TaskAssignee.official_id).join(Task, Task.id == TaskAssignee.task_id)
            .where(Task.status == "open").distinct())).scalars())
        reporters &= set(self.directory.people)
        if not reporters:
            return
        monday = self.today - timedelta(days=self.today.weekday())
        week, previous = iso_week_key(monday), iso_week_key(monday - timedelta(days=7))
        answered = {(o, w) for o, w in (await self.session.execute(
            select(CheckinReport.official_id, CheckinReport.iso_week).where(
                CheckinReport.iso_week.in_([week, previous]),
                CheckinReport.status.in_(["submitted", "skipped"])))).all()}
        for official_id in sorted(reporters):
            person = self.directory.people[official_id]
            with self._isolated(f"check-in of official {official_id}", person.unit_id):
                schedule = self.inputs.policies.for_unit(person.unit_id)
                self._checkin_week(official_id, schedule, monday, week, (official_id, week) in answered)
                last_monday = monday - timedelta(days=7)
                day = week_day(last_monday, schedule.checkin_weekday, schedule, self.calendar)
                if day is None or (official_id, previous) in answered:
                    continue
                due_at = local_datetime(day, schedule.checkin_time)
                if person.created_at is not None and person.created_at > due_at:
                    continue  # they were not here yet
                # the week is over: a prompt nobody got is recorded as expired (shown in the digest)
                self._add(base_key=f"checkin:{official_id}:{previous}:prompt", kind="checkin",
                          subject_type="official", subject_id=str(official_id),
                          recipient_id=official_id, due_at=due_at, not_before=due_at,
                          expires_at=local_datetime(monday, time(0)), late=True, status=OutboxStatus.EXPIRED,
                          meta={"week": previous})

    def _checkin_week(self, official_id: int, schedule: Schedule, monday: date, week: str,
                      answered: bool) -> None:
        day = week_day(monday, schedule.checkin_weekday, schedule, self.calendar)
        if day is None or answered:
            return
        due_at = local_datetime(day, schedule.checkin_time)
        if due_at > self.now + HORIZON:
            return
        cutoff = schedule.cutoff(monday, self.calendar)
        week_end = local_datetime(monday + timedelta(days=7), time(0))
        not_before, late = self._timing(due_at, schedule)
        self._add(base_key=f"checkin:{official_id}:{week}:prompt", kind="checkin",
                  subject_type="official", subject_id=str(official_id), recipient_id=official_id,
                  due_at=due_at, not_before=not_before, expires_at=week_end, late=late,
                  status=OutboxStatus.PENDING, build=self._checkin_message(week, cutoff, late, nudge=False),
                  meta={"week": week})
        nudges = [local_datetime(day, t) for t in schedule.nudge_times]
        nudges = [n for n in nudges if due_at < n < cutoff]
        due_nudges = [i for i, n in enumerate(nudges) if n <= self.now + HORIZON]
        if not due_nudges or self.now >= cutoff:
            return
        latest = due_nudges[-1]
        for i in due_nudges:
            nudge_at = nudges[i]
            if i == latest and self.now <= nudge_at + LATE_AFTER:
                nb, nudge_late = self._timing(nudge_at, schedule)
                status = OutboxStatus.PENDING
            else:  # nudges are never sent late: the prompt (sent late) or the next nudge covers it
                nb, nudge_late, status = nudge_at, True, OutboxStatus.SUPERSEDED
            self._add(base_key=f"checkin:{official_id}:{week}:nudge{i + 1}", kind="nudge",
                      subject_type="official", subject_id=str(official_id),
                      recipient_id=official_id, due_at=nudge_at, not_before=nb,
                      expires_at=cutoff, late=nudge_late, status=status,
                      build=self._checkin_message(week, cutoff, nudge_late, nudge=True),
                      meta={"week": week})

    def _checkin_message(self, week: str, cutoff: datetime, late: bool, *,
                         nudge: bool) -> MessageBuilder:
        async def build() -> OutgoingMessage:
            text = (T.CHECKIN_NUDGE if nudge else T.CHECKIN_PROMPT).format(
                week=week_shown(week), cutoff=fmt_instant(cutoff))
            return OutgoingMessage((T.LATE_PREFIX if late else "") + text,
                                   (Button(T.BUTTON_REPORT_NOW, CheckinNow(week).pack()),))
        return build

    # ------------------------------------------------------------------ digests

    def digests(self) -> None:
        """Friday's week digest and Monday's week-ahead digest to unit heads (deputies if absent)."""
        monday = self.today - timedelta(days=self.today.weekday())
        for unit_id in sorted(self.directory.units):
            with self._isolated("digests", unit_id):
                self._unit_digests(unit_id, monday)

    def _unit_digests(self, unit_id: int, monday: date) -> None:
        heads = self.directory.heads(unit_id, self.today)
        if not heads:
            return
        schedule = self.inputs.policies.for_unit(unit_id)
        for kind, weekday, at, forward in (
            ("week", *schedule.digest_time("week"), False),
            ("ahead", *schedule.digest_time("ahead"), True),
        ):
            def due(week_monday: date, weekday: str = weekday, at: time = at,
                    forward: bool = forward, schedule: Schedule = schedule) -> datetime | None:
                day = week_day(week_monday, weekday, schedule, self.calendar,
                               move_forward=forward)
                return None if day is None else local_datetime(day, at)
            this_due, last_due = due(monday), due(monday - timedelta(days=7))
            this_week, last_week = iso_week_key(monday), iso_week_key(monday - timedelta(days=7))
            if this_due is not None and this_due <= self.now + HORIZON:
                # the latest period is sent; the one before, if nobody got it, expires
                self._digest(unit_id, this_week, kind, heads, this_due,
                             this_due + timedelta(days=7), OutboxStatus.PENDING, schedule)
                if last_due is not None:
                    self._digest(unit_id, last_week, kind, heads, last_due, this_due,
                                 OutboxStatus.EXPIRED, schedule)
            elif last_due is not None:
                expires = this_due or local_datetime(monday + timedelta(days=7), time(0))
                self._digest(unit_id, last_week, kind, heads, last_due, expires, OutboxStatus.PENDING,
                             schedule)

    def _digest(self, unit_id: int, week: str, kind: str, heads: Sequence[Any],
                due_at: datetime, expires: datetime, status: OutboxStatus,
                schedule: Schedule) -> None:
        if status == OutboxStatus.PENDING:
            not_before, late = self._timing(due_at, schedule)
        else:
            not_before, late = due_at, True
        build = self._digest_message(unit_id, week, kind, late) if status == OutboxStatus.PENDING else None
        for head in heads:
            self._add(base_key=f"digest:{unit_id}:{week}:{kind}:{head.id}", kind="digest",
                      subject_type="unit", subject_id=str(unit_id), recipient_id=head.id,
                      due_at=due_at, not_before=not_before, expires_at=expires, late=late,
                      status=status, build=build,
                      meta={"week": week, "digest": kind, "unit_id": unit_id})

    def _digest_message(self, unit_id: int, week: str, kind: str,
                        late: bool) -> MessageBuilder | None:
        builder = self.digest_builder
        if builder is None:
            return None
        cache: list[OutgoingMessage | Exception] = []

        async def build() -> OutgoingMessage:
            if not cache:  # one build shared by the head and every deputy (a failure too)
                try:
                    # its own savepoint: a failing statement (PostgreSQL aborts the whole
                    # transaction) rolls back only this unit's digest, not the planner's run
                    async with self.session.begin_nested():
                        cache.append(await builder(self.session, unit_id, week, kind, self.now))
                except Exception as exc:
                    cache.append(exc)
            message = cache[0]
            if isinstance(message, Exception):
                raise message
            if late:
                return replace(message, text=T.LATE_PREFIX + message.text)
            return message
        return build

    # ------------------------------------------------------------------ writing

    async def existing_bases(self) -> dict[str, str]:
        """Bases of candidate occurrences that already have a row (on any channel) → its status."""
        wanted: dict[str, set[str]] = {}
        for occ in self.occurrences:
            wanted.setdefault(occ.subject_type, set()).add(occ.subject_id)
        found: dict[str, str] = {}
        for subject_type, ids in wanted.items():
            for part in chunks(sorted(ids)):
                query = select(OutboxMessage.idem_key, OutboxMessage.status).where(
                    OutboxMessage.subject_type == subject_type, OutboxMessage.subject_id.in_(part))
                if subject_type not in ("task", "guide"):  # periodic keys: recent weeks only
                    query = query.where(OutboxMessage.due_at >= self.now - RECENT)
                for key, status in (await self.session.execute(query)).all():
                    found[key.rsplit(":", 1)[0]] = status
        return found

    def unit_of(self, occ: Occurrence) -> int | None:
        """The unit an occurrence belongs to (a digest's unit, else its recipient's), for logs."""
        if "unit_id" in occ.meta:
            return int(occ.meta["unit_id"])
        person = self.directory.people.get(occ.recipient_id)
        return person.unit_id if person is not None else None

    async def _payload(self, occ: Occurrence, result: PlanResult) -> dict[str, Any] | str:
        """The rendered message, or the error (text) when it could not be built.

        A message that fails to build (bad data of one unit, a bug in one builder) must not stop
        the run: it is logged with its unit and recorded as `build_failed`; the others proceed.
        """
        if occ.status != OutboxStatus.PENDING or occ.build is None:
            return with_meta({"text": ""}, occ.meta)
        try:
            payload = to_payload(await occ.build())
        except Exception as exc:
            logger.exception("planner: building %s %s for unit %s failed",
                             occ.kind, occ.base_key, self.unit_of(occ))
            result.build_failed += 1
            return f"{type(exc).__name__}: {exc}"[:2000]
        return with_meta(payload, occ.meta)

    async def write(self, result: PlanResult, *, collect: bool) -> None:
        """Insert the occurrences that have no row yet; retry those whose build failed."""
        if not self.occurrences:
            return
        existing = await self.existing_bases()
        values: list[NewRow] = []
        retries: list[Occurrence] = []
        seen: set[str] = set()
        for occ in self.occurrences:
            if occ.base_key in seen:
                continue
            if occ.base_key in existing:
                if existing[occ.base_key] == OutboxStatus.BUILD_FAILED:
                    seen.add(occ.base_key)
                    retries.append(occ)
                continue
            seen.add(occ.base_key)
            contact = self.directory.primary(occ.recipient_id)
            if contact is None:
                result.skipped_no_contact += 1
                if occ.status == OutboxStatus.PENDING:
                    result.no_contact[occ.base_key] = (occ.recipient_id, occ.kind)
                continue
            if occ.status == OutboxStatus.PENDING and occ.build is None:
                continue  # digests without a builder (tests of other kinds)
            payload = await self._payload(occ, result)
            if isinstance(payload, str):  # recorded, retried by a later run (see _retry)
                values.append(NewRow(
                    idem_key=f"{occ.base_key}:{contact.channel}", kind=occ.kind,
                    subject_type=occ.subject_type, subject_id=occ.subject_id,
                    recipient_id=occ.recipient_id, channel=contact.channel,
                    address=contact.address, payload=with_meta({"text": ""}, occ.meta),
                    due_at=occ.due_at, not_before=self.now + build_retry_delay(1),
                    expires_at=occ.expires_at, late=occ.late, status=OutboxStatus.BUILD_FAILED,
                    attempts=1, last_error_code=OutboxStatus.BUILD_FAILED.value,
                    last_error=payload, created_at=self.now))
                continue
            values.append(NewRow(
                idem_key=f"{occ.base_key}:{contact.channel}", kind=occ.kind,
                subject_type=occ.subject_type, subject_id=occ.subject_id,
                recipient_id=occ.recipient_id, channel=contact.channel, address=contact.address,
                payload=payload, due_at=occ.due_at, not_before=occ.not_before,
                expires_at=occ.expires_at, late=occ.late, status=occ.status,
                last_error_code=occ.error_code, created_at=self.now))
        inserted = await enqueue_many(self.session, values)
        for row in values:
            if row.idem_key in inserted:
                result.inserted[row.status] += 1
                if row.status == OutboxStatus.PENDING:
                    result.by_kind[row.kind] += 1
        for occ in retries:
            await self._retry(occ, result)
        if collect and values:
            rows = await self.session.execute(select(OutboxMessage).where(
                OutboxMessage.idem_key.in_([v.idem_key for v in values])))
            result.rows.extend(rows.scalars())

    async def _retry(self, occ: Occurrence, result: PlanResult) -> None:
        """A row whose message failed to build: build it again once its retry time has come.

        It keeps its key (and id); it becomes pending when the build works, takes the status a
        run would give it now (expired, superseded) when its time has passed, else waits longer.

        Every change is written only while the row is still build_failed (bot/outbox.py): another
        process's planner may have rebuilt it meanwhile (a build takes a while), and its sender
        sent it; a write by id alone made that sent row pending again (a digest then ended
        'ambiguous', a kind resent on ambiguity went out twice:
        tests/scheduler/test_unit_isolation.py).
        """
        rows = (await self.session.execute(
            select(OutboxMessage.id, OutboxMessage.idem_key, OutboxMessage.not_before,
                   OutboxMessage.attempts, OutboxMessage.kind).where(
                OutboxMessage.idem_key.startswith(f"{occ.base_key}:", autoescape=True),
                OutboxMessage.status == OutboxStatus.BUILD_FAILED))).all()
        for row_id, key, not_before, attempts, kind in rows:
            if key.rsplit(":", 1)[0] != occ.base_key:
                continue
            if occ.status != OutboxStatus.PENDING:
                await settle_build_failed(self.session, row_id, occ.status, self.now)
                continue
            if not_before > self.now:
                continue
            payload = await self._payload(occ, result)
            if isinstance(payload, str):
                await retry_build_later(self.session, row_id, self.now, attempts=attempts + 1,
                                        error=payload,
                                        not_before=self.now + build_retry_delay(attempts + 1))
                continue
            if await mark_rebuilt(self.session, row_id, self.now, payload=payload,
                                  not_before=occ.not_before, late=occ.late,
                                  expires_at=occ.expires_at):
                result.rebuilt += 1
                result.by_kind[kind] += 1


async def cancel_stale(session: AsyncSession, now: datetime) -> int:
    """Cancel pending task reminders whose task closed or whose deadline moved."""
    pending = (await session.execute(
        select(OutboxMessage.id, OutboxMessage.subject_id, OutboxMessage.payload)
        .where(OutboxMessage.subject_type == "task", OutboxMessage.status == OutboxStatus.PENDING))).all()
    # look tasks up by integer id (an index), not by joining on a cast (a full scan per row)
    task_ids = sorted({int(sid) for _, sid, _ in pending if sid and sid.isdigit()})
    tasks: dict[int, tuple[str, date | None]] = {}
    for part in chunks(task_ids):
        for task_id, status, deadline in (await session.execute(
                select(Task.id, Task.status, Task.deadline).where(Task.id.in_(part)))).all():
            tasks[task_id] = (status, deadline)
    stale = []
    for row_id, subject_id, payload in pending:
        task = tasks.get(int(subject_id)) if subject_id and subject_id.isdigit() else None
        if task is None or task_reminder_stale(payload, task[0], task[1]):
            stale.append(row_id)
    for part in chunks(stale):
        await cancel(session, OutboxMessage.id.in_(part), now=now, reason="stale")
    return len(stale)


def task_reminder_stale(payload: Mapping[str, Any], status: str, deadline: date | None) -> bool:
    """A task reminder is stale when the task is closed or its deadline is not the one reminded."""
    meta = meta_of(payload)
    if status != "open":
        return True
    wanted = meta.get("deadline")
    return wanted is not None and (deadline is None or deadline.isoformat() != wanted)


#: kinds about a task (subject 'task'): not sent once the task closed or its deadline moved
TASK_REMINDER_KINDS = ("deadline", "overdue", "snooze", "coop")
#: kinds prompting the weekly check-in: not sent once that week's report is in
CHECKIN_PROMPT_KINDS = ("checkin", "nudge")


async def task_guard(session: AsyncSession, row: Claimed) -> Verdict:
    """A task reminder whose task closed, vanished or has another deadline now is cancelled."""
    if row.subject_type == TASK_SUBJECT and row.subject_id and row.subject_id.isdigit():
        task = (await session.execute(select(Task.status, Task.deadline).where(
            Task.id == int(row.subject_id)))).first()
        if task is None or task_reminder_stale(row.payload, task[0], task[1]):
            return OutboxStatus.CANCELLED, "stale"
    return None


async def checkin_guard(session: AsyncSession, row: Claimed) -> Verdict:
    """A check-in prompt or nudge for a week already reported (or skipped) is cancelled."""
    if row.recipient_id is None:
        return None
    answered = (await session.execute(select(CheckinReport.id).where(
        CheckinReport.official_id == row.recipient_id,
        CheckinReport.iso_week == meta_of(row.payload).get("week"),
        CheckinReport.status.in_(["submitted", "skipped"])))).first()
    return None if answered is None else (OutboxStatus.CANCELLED, "answered")


def send_guards() -> SendGuards:
    """The guards of the kinds the planner writes, for the sender (scheduler/delivery.py)."""
    guards = SendGuards()
    guards.register(task_guard, *TASK_REMINDER_KINDS)
    guards.register(checkin_guard, *CHECKIN_PROMPT_KINDS)
    return guards


async def planner_first_run(session: AsyncSession, now: datetime) -> datetime:
    """The instant the planner first ran on this database (recorded now if it never ran)."""
    async def oldest_row() -> datetime | None:
        # an installation upgraded from before the record: its first outbox row is the start
        oldest: datetime | None = (await session.execute(
            select(func.min(OutboxMessage.created_at)))).scalar_one_or_none()
        return oldest

    return await first_run(session, PLANNER_JOB, now, owner=PLANNER_JOB, earliest_trace=oldest_row)
