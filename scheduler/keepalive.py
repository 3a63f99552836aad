"""A gentle check-in prompt that keeps a Zalo messaging window open (docs/zalo.md §8).

Zalo takes consultation messages only for a while after the official's last message (48 h free,
7 days paid where the unit allows it). When the window of an official whom troly reaches on Zalo
will close before the next message troly has for them, troly sends one short prompt inviting a
reply while the window is still open; the reply reopens it. Rules:

- only when Zalo is the official's preferred channel and the unit has `zalo_keepalive` on;
- only in the last day of the window (KEEPALIVE_LEAD before it closes), outside quiet hours, and
  at least KEEPALIVE_MARGIN before it closes (held to the morning otherwise, or skipped);
- only when the next scheduled message (a pending outbox row, a deadline or overdue reminder, the
  weekly check-in prompt, a head's digest) falls after the window closes — estimated from the
  schedule; extra days off that move a prompt are not modelled;
- never twice: one per window (the idempotency key holds the window's start) and at most one a
  week per official. Cancelled at sending time if the official wrote meanwhile or the window
  closed (scheduler/delivery.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date, local_datetime
from bot.db.models import ChatAccount, OutboxMessage, Task, TaskAssignee
from bot.messages import OutgoingMessage, to_payload
from bot.messaging_window import KEEPALIVE_KIND, MessagingWindow
from bot.outbox import NewRow, OutboxStatus, enqueue, with_meta
from bot.texts import reminders as T
from rules.policy import WEEKDAYS, Schedule
from rules.quiet import hold_until_morning
from rules.recipients import DEFAULT_CHANNELS, Person
from scheduler.inputs import PlanInputs, load_inputs

logger = logging.getLogger(__name__)

#: the prompt goes out in the window's last day …
KEEPALIVE_LEAD = timedelta(hours=24)
#: … and not later than this before it closes (time to read and answer)
KEEPALIVE_MARGIN = timedelta(hours=1)
#: at most one prompt per official in this span ("weekly")
KEEPALIVE_EVERY = timedelta(days=7)
#: how far ahead the next scheduled message is looked for (beyond it: none is known)
HORIZON = timedelta(days=8)


def keepalive_key(official_id: int, window_from: datetime, channel: str) -> str:
    """One key per official and window (the instant of the message that opened it)."""
    return f"keepalive:{official_id}:{int(window_from.timestamp())}:{channel}"


def _next_weekday(after: datetime, weekday: str, at: time) -> datetime:
    """The first `weekday` `at` (local) strictly after an instant."""
    day = local_date(after)
    for _ in range(8):
        instant = local_datetime(day, at)
        if day.weekday() == WEEKDAYS.index(weekday) and instant > after:
            return instant
        day += timedelta(days=1)
    raise AssertionError("unreachable: a weekday recurs within 8 days")


async def next_scheduled(session: AsyncSession, inputs: PlanInputs, person: Person,
                         schedule: Schedule, now: datetime) -> datetime | None:
    """When troly next has something for this official (estimate; None: nothing in HORIZON)."""
    candidates: list[datetime] = []
    pending = (await session.execute(
        select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.recipient_id == person.id, OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.kind != KEEPALIVE_KIND))).scalar()
    if pending is not None:
        candidates.append(pending)
    today = local_date(now)
    deadlines = list((await session.execute(
        select(Task.deadline).join(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(TaskAssignee.official_id == person.id, Task.status == "open",
               Task.deadline.is_not(None)))).scalars())
    calendar = inputs.calendar
    for deadline in deadlines:
        assert isinstance(deadline, date)
        if deadline < today:  # overdue: a notice every (working) day
            if schedule.overdue_every_working_day:
                day = today
                while True:
                    instant = local_datetime(day, schedule.reminder_time)
                    if instant > now and (not schedule.working_days_only
                                          or calendar.is_working_day(day)):
                        candidates.append(instant)
                        break
                    day += timedelta(days=1)
            continue
        for offset in schedule.deadline_offsets_days:
            day = deadline - timedelta(days=offset)
            if schedule.working_days_only and not calendar.is_working_day(day):
                day = calendar.previous_working_day(day)
            instant = local_datetime(day, schedule.reminder_time)
            if instant > now:
                candidates.append(instant)
    if deadlines:  # officials with open tasks get the weekly check-in prompt
        candidates.append(_next_weekday(now, schedule.checkin_weekday, schedule.checkin_time))
    unit = person.unit_id
    if unit is not None and any(h.id == person.id for h in inputs.directory.heads(unit, today)):
        candidates.append(_next_weekday(now, schedule.digest_week_weekday,
                                        schedule.digest_week_time))
        candidates.append(_next_weekday(now, schedule.digest_ahead_weekday,
                                        schedule.digest_ahead_time))
    ahead = [c for c in candidates if c <= now + HORIZON]
    return min(ahead) if ahead else None


async def plan_keepalives(session: AsyncSession, now: datetime, window: MessagingWindow, *,
                          channel: str = "zalo", channels: Sequence[str] = DEFAULT_CHANNELS,
                          inputs: PlanInputs | None = None) -> int:
    """Insert the keep-alive prompts due now (idempotent); returns how many were new.

    Runs every planner tick: the accounts in the last day of a free or a paid window are found
    with one query, and the rest is read only when there is one.
    """
    in_last_day = or_(*(and_(ChatAccount.last_inbound_at > now - length,
                             ChatAccount.last_inbound_at <= now - length + KEEPALIVE_LEAD)
                        for length in (window.free, window.paid)))
    accounts = (await session.execute(
        select(ChatAccount.official_id, ChatAccount.chat_id, ChatAccount.last_inbound_at)
        .where(ChatAccount.channel == channel, ChatAccount.status == "active",
               ChatAccount.official_id.is_not(None),
               ChatAccount.last_inbound_at.is_not(None), in_last_day)
        .order_by(ChatAccount.id))).all()
    if not accounts:
        return 0
    inputs = inputs or await load_inputs(session, channels, today=local_date(now))
    added = 0
    for official_id, chat_id, last_inbound in accounts:
        if official_id is None or last_inbound is None:  # filtered above; for the type checker
            continue
        try:
            added += await _one(session, inputs, now, window, channel, official_id, chat_id,
                                last_inbound)
        except Exception:  # one official's trouble never stops the others' prompts
            logger.exception("keep-alive for official %s failed", official_id)
    return added


async def _one(session: AsyncSession, inputs: PlanInputs, now: datetime,
               window: MessagingWindow, channel: str, official_id: int, chat_id: str,
               last_inbound: datetime) -> int:
    directory = inputs.directory
    person = directory.people.get(official_id)
    if person is None or directory.away(person, local_date(now)):
        return 0
    primary = directory.primary(official_id)
    if primary is None or (primary.channel, primary.address) != (channel, chat_id):
        return 0  # troly reaches them elsewhere first: this window does not matter
    schedule = inputs.policies.for_unit(person.unit_id)
    if not schedule.zalo_keepalive:
        return 0
    closes = window.closes_at(last_inbound, paid_allowed=schedule.zalo_paid_messages)
    if closes is None or not closes - KEEPALIVE_LEAD <= now < closes:
        return 0
    send_at = hold_until_morning(now, schedule.quiet_start, schedule.quiet_end)
    if send_at > closes - KEEPALIVE_MARGIN:
        return 0  # the window closes before a decent hour: better nothing than a night ping
    recent = (await session.execute(select(OutboxMessage.id).where(
        OutboxMessage.recipient_id == official_id, OutboxMessage.kind == KEEPALIVE_KIND,
        OutboxMessage.created_at > now - KEEPALIVE_EVERY).limit(1))).first()
    if recent is not None:
        return 0
    upcoming = await next_scheduled(session, inputs, person, schedule, now)
    if upcoming is None or upcoming < closes:
        return 0  # nothing due, or the next message still finds the window open
    message = OutgoingMessage(T.KEEPALIVE.format(name=person.name))
    payload = with_meta(to_payload(message), {"window_from": last_inbound.isoformat()})
    return int(await enqueue(session, NewRow(
        idem_key=keepalive_key(official_id, last_inbound, channel), kind=KEEPALIVE_KIND,
        recipient_id=official_id, channel=channel, address=chat_id, payload=payload,
        due_at=now, not_before=send_at, expires_at=closes - KEEPALIVE_MARGIN, max_attempts=3,
        created_at=now)))
