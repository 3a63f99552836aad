"""Reminder and digest buttons ("Đã xong", "Cập nhật tiến độ", "Nhắc lại sau", "Báo cáo ngay",
"Đã xem") and the admins' outbox / preview commands."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from textwrap import shorten

from sqlalchemy import func, select

from bot.access import digest_for, task_for
from bot.button_kinds import CheckinNow, DigestAck, TaskDone, TaskProgress, TaskSnooze
from bot.checkin_answers import is_none_answer, reads_as_question, typed_text
from bot.clock import local_date, local_datetime
from bot.context import Context
from bot.conversation import END, STAY, Flow, Step
from bot.dates import fmt_date, fmt_day_month, fmt_instant, fmt_short
from bot.db.job_runs import run_once
from bot.db.models import Official, OutboxMessage, Task
from bot.db.task_store import TaskNotFound, mark_task_done
from bot.flow_state import FlowState
from bot.messages import Button, OutgoingMessage, to_payload
from bot.messaging_window import MessagingWindow, WindowConfig, span_words
from bot.outbox import (
    TASK_SUBJECT,
    UNSENT,
    NewRow,
    cancel_for_task,
    enqueue,
    postpone_for_task,
    with_meta,
)
from bot.reminders import PreviewItem, task_buttons
from bot.router import ROLES_ADMINS, Command, Router
from bot.texts import checkin as CT
from bot.texts import common as C
from bot.texts import reminders as T
from handlers.ask import aside
from handlers.checkin import MAX_ANSWER_CHARS, late_week, start_checkin
from rules.cutoffs import week_of
from rules.deadlines import deadline_slots
from rules.policy import Schedule, load_policies
from rules.recipients import load_directory
from rules.workdays import WorkCalendar, load_calendar

EVIDENCE_FLOW = "remev"
#: its one button ('Bỏ qua'); pressed after the question ended, it is answered as skipped
SKIP_EVIDENCE = f"{EVIDENCE_FLOW}_skip"
OUTBOX_LIMIT = 15
PREVIEW_DAYS = 7
PREVIEW_LIMIT = 25
#: characters of a message's first line shown in the preview (cut at a word, with "…")
PREVIEW_TEXT_CHARS = 60


async def done(ctx: Context, button: TaskDone) -> None:
    """'Đã xong': mark the task done, withdraw its unsent reminders, offer to attach evidence."""
    task, official = await task_for(ctx, button.task_id), ctx.official
    if task is None or official is None:
        ctx.reply(T.TASK_NOT_YOURS)
        return
    if task.status != "open":
        ctx.reply(T.TASK_ALREADY_CLOSED.format(code=task.code))
        return
    try:
        task = await mark_task_done(ctx.session, task.id, official.id, ctx.now, None)
    except TaskNotFound:
        ctx.reply(T.TASK_NOT_YOURS)
        return
    # UNSENT: a web reminder already in the mailbox but not fetched yet must not greet the
    # official with a task they just closed
    await cancel_for_task(ctx.session, task.id, ctx.now, statuses=UNSENT)
    ctx.reply(T.DONE_OK.format(code=task.code))
    ctx.start_flow(EVIDENCE_FLOW, {"task_id": task.id, "code": task.code})


async def evidence_prompt(ctx: Context, state: FlowState) -> None:
    """Ask for optional evidence."""
    del state
    ctx.reply(T.DONE_ASK_EVIDENCE, [Button(T.BUTTON_SKIP, SKIP_EVIDENCE)])


async def evidence_handle(ctx: Context, state: FlowState) -> str | None:
    """Store the evidence text (or skip: the button, nothing typed, or "không" as in the check-in).

    A typed question ('…?', '/…') is answered, not stored; a text over the check-in's limit is
    refused politely (it was cut silently), the question asked again."""
    typed = typed_text(ctx.text)
    if ctx.payload.startswith(SKIP_EVIDENCE) or not typed or is_none_answer(typed):
        ctx.reply(T.DONE_EVIDENCE_SKIPPED)
        return END
    if reads_as_question(typed):
        await aside(ctx, typed)
        return STAY
    if len(typed) > MAX_ANSWER_CHARS:
        ctx.reply(CT.ANSWER_TOO_LONG.format(limit=MAX_ANSWER_CHARS))
        return STAY
    task = await ctx.session.get(Task, int(state.data["task_id"]))
    if task is not None:
        task.evidence = typed
        task.updated_at = ctx.now
    ctx.reply(T.DONE_EVIDENCE_SAVED.format(code=state.data.get("code", "")))
    return END


async def progress(ctx: Context, button: TaskProgress) -> None:
    """'Cập nhật tiến độ': open the check-in for this one task (its assignees' check-in)."""
    task = await task_for(ctx, button.task_id, assignees_only=True)
    if task is None:
        ctx.reply(T.TASK_NOT_YOURS)
        return
    await start_checkin(ctx, task_ids=[task.id])


async def report_now(ctx: Context, button: CheckinNow) -> None:
    """'Báo cáo ngay' on the weekly prompt: open the check-in. Last week's prompt pressed while
    last week can still be filed late opens last week; otherwise as /baocao (which asks which
    week when last week is unsent and still open)."""
    official = ctx.official
    if official is not None and button.week and button.week != week_of(ctx.now):
        late = await late_week(ctx, official)
        if late is not None and late[0] == button.week:
            await start_checkin(ctx, week=button.week)
            return
    await start_checkin(ctx)


async def snooze(ctx: Context, button: TaskSnooze) -> None:
    """'Nhắc lại sau': hold this task's reminders to the next working morning, and remind then."""
    task, official = await task_for(ctx, button.task_id), ctx.official
    if task is None or official is None:
        ctx.reply(T.TASK_NOT_YOURS)
        return
    if task.status != "open":
        ctx.reply(T.TASK_ALREADY_CLOSED.format(code=task.code))
        return
    calendar = await load_calendar(ctx.session)
    schedule = (await load_policies(ctx.session)).for_unit(task.lead_unit_id)
    day = calendar.next_working_day(local_date(ctx.now))
    until = local_datetime(day, schedule.reminder_time)
    await postpone_for_task(ctx.session, task.id, official.id, until, ctx.now)
    if not _regular_reminder_on(task, day, schedule, calendar):
        await _queue_snoozed(ctx, task, official, until)
    ctx.reply(T.SNOOZED.format(when=fmt_instant(until)))


def _regular_reminder_on(task: Task, day: date, schedule: Schedule,
                         calendar: WorkCalendar) -> bool:
    """Whether the planner reminds about this task that morning anyway (a T-k day or overdue)."""
    if task.deadline is None:
        return False
    if day > task.deadline:
        return True
    return any(d == day for _, d in deadline_slots(task.deadline, schedule, calendar))


async def _queue_snoozed(ctx: Context, task: Task, official: Official, until: datetime) -> None:
    directory = await load_directory(ctx.session, tuple(ctx.deps.settings.reminder_channels))
    contact = directory.primary(official.id)
    if contact is None:
        return
    deadline = fmt_date(task.deadline) if task.deadline else (task.deadline_text or "—")
    message = OutgoingMessage(T.SNOOZED_AGAIN.format(code=task.code, title=task.title,
                                                     deadline=deadline), task_buttons(task.id))
    payload = with_meta(to_payload(message), {
        "deadline": task.deadline.isoformat() if task.deadline else None})
    day = local_date(until).isoformat()
    await enqueue(ctx.session, NewRow(
        idem_key=f"snooze:{task.id}:{official.id}:{day}:{contact.channel}", kind="snooze",
        subject_type=TASK_SUBJECT, subject_id=str(task.id), recipient_id=official.id,
        channel=contact.channel, address=contact.address, payload=payload, due_at=until,
        not_before=until, expires_at=until + timedelta(hours=12), created_at=ctx.now))


async def acknowledge(ctx: Context, button: DigestAck) -> None:
    """'Đã xem' on a digest sent to this official: recorded once (job_runs 'digest_ack')."""
    digest = await digest_for(ctx, button.unit_id, button.period, button.kind)
    official = ctx.official
    if digest is None or official is None:
        ctx.reply(T.DIGEST_NOT_YOURS)
        return
    first = await run_once(ctx.session, "digest_ack", f"{digest.key}:{official.id}",
                           f"official:{official.id}", ctx.now)
    ctx.reply(T.ACK_OK if first else T.ACK_ALREADY)


async def outbox(ctx: Context) -> None:
    """/hangdoi [trạng thái]: the latest outbox rows and counts per status (admins)."""
    status = ctx.text.strip() or None
    query = (select(OutboxMessage, Official.name)
             .join(Official, Official.id == OutboxMessage.recipient_id, isouter=True)
             .order_by(OutboxMessage.updated_at.desc(), OutboxMessage.id.desc()).limit(OUTBOX_LIMIT))
    if status:
        query = query.where(OutboxMessage.status == status)
    rows = (await ctx.session.execute(query)).all()
    counts = Counter(dict((await ctx.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()))
    if not rows:
        ctx.reply(T.OUTBOX_EMPTY)
        return
    lines = [T.OUTBOX_HEADER.format(count=len(rows))]
    for row, name in rows:
        when = fmt_short(row.sent_at or row.not_before)
        error = f" · {row.last_error_code}" if row.last_error_code else ""
        seen = T.OUTBOX_SEEN.format(when=fmt_short(row.seen_at)) \
            if row.seen_at is not None else ""
        lines.append(T.OUTBOX_ITEM.format(id=row.id, status=row.status, kind=row.kind,
                                          name=name or row.address, channel=row.channel,
                                          when=when, seen=seen, error=error))
    lines.append(T.OUTBOX_COUNTS.format(counts=", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))))
    ctx.reply("\n".join(lines))


async def preview_command(ctx: Context) -> None:
    """/xemnhac: what would be sent in the next 7 days (nothing is sent or stored)."""
    start = ctx.now
    end = start + timedelta(days=PREVIEW_DAYS)
    # channels with a messaging window (Zalo), from the composition root as for the CLI
    windows: Mapping[str, WindowConfig] = ctx.deps.preview_windows
    # the scheduler's preview, handed over by the composition root (handlers/ stay below it)
    result = await ctx.deps.reminder_preview(ctx.session, start, end, now=start,
                                             channels=tuple(ctx.deps.settings.reminder_channels),
                                             digests=False, windows=windows)
    items = result.items
    unreachable = [T.PREVIEW_UNREACHABLE_ITEM.format(
        name=p.name, unit=p.unit or "—", count=sum(p.kinds.values()),
        command=CT.INVITE_COMMAND.format(code=p.code) if p.code else CT.INVITE_COMMAND_NO_CODE)
        for p in result.unreachable]
    if unreachable:
        unreachable = [T.PREVIEW_UNREACHABLE_HEADER.format(count=len(unreachable)), *unreachable]
    if not items:
        ctx.reply("\n".join([T.PREVIEW_EMPTY, *unreachable]))
        return
    lines = [T.PREVIEW_HEADER.format(start=fmt_day_month(start),
                                     end=fmt_day_month(end), count=len(items))]
    for item in items[:PREVIEW_LIMIT]:
        lines.append(T.PREVIEW_ITEM.format(
            when=fmt_short(item.at),
            kind=T.UNDELIVERED_KINDS.get(item.kind, item.kind), name=item.recipient,
            channel=_route(item, windows),
            text=shorten(item.text.splitlines()[0], PREVIEW_TEXT_CHARS, placeholder="…")
            if item.text else ""))
    if len(items) > PREVIEW_LIMIT:
        lines.append(T.PREVIEW_MORE.format(count=len(items) - PREVIEW_LIMIT))
    ctx.reply("\n".join([*lines, *unreachable]))


def _route(item: PreviewItem, windows: Mapping[str, WindowConfig]) -> str:
    """The channel, with the route a Zalo-routed message would take (as `troly reminders
    preview` shows it, in words): 'zalo · tin mẫu ZNS', 'zalo → telegram · quá 48 giờ, không gửi tin trả phí; chuyển kênh'."""
    if not item.route:
        return item.channel
    steps = []
    for step in item.route.split("; "):
        channel, sep, reason = step.partition(": ")
        if not sep:
            channel, reason = "", step
        words = T.PREVIEW_ROUTE_REASONS.get(reason, reason)
        if reason in T.PREVIEW_ROUTE_REASONS:  # the channel's windows as they are set
            config = windows.get(channel or item.channel)
            window = config.window if config is not None else MessagingWindow()
            words = words.format(free=span_words(window.free), paid=span_words(window.paid))
        # the message's own channel is named once, in front
        steps.append(T.PREVIEW_ROUTE_STEP.format(channel=channel, reason=words)
                     if channel and channel != item.channel else words)
    route = "; ".join(steps)
    if item.via == item.channel:
        return T.PREVIEW_ROUTE_SAME.format(channel=item.channel, route=route)
    return T.PREVIEW_ROUTE_MOVED.format(channel=item.channel,
                                        via=item.via or T.PREVIEW_ROUTE_NOWHERE, route=route)


def register(router: Router) -> None:
    """Register the reminder buttons, the evidence question and the admin views."""
    # the task's assignees or leads may press a reminder's buttons (bot/access.py, task_for)
    router.on(TaskDone, done, gone=T.TASK_NOT_YOURS)
    router.on(TaskProgress, progress, gone=T.TASK_NOT_YOURS)
    router.on(TaskSnooze, snooze, gone=T.TASK_NOT_YOURS)
    router.on(CheckinNow, report_now, gone=C.UNKNOWN_BUTTON)  # every payload fits
    router.on(DigestAck, acknowledge, gone=T.DIGEST_NOT_YOURS)
    router.flow(Flow(name=EVIDENCE_FLOW, first="evidence",
                     steps={"evidence": Step(evidence_prompt, evidence_handle)}),
                stale=T.DONE_EVIDENCE_SKIPPED, prefix=SKIP_EVIDENCE)
    router.command(Command(("hangdoi", "outbox"), outbox, T.CMD_OUTBOX, roles=ROLES_ADMINS))
    router.command(Command(("xemnhac", "preview"), preview_command, T.CMD_PREVIEW,
                           roles=ROLES_ADMINS))
