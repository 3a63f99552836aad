"""What would be sent between two instants, without sending: the planner run on a simulated clock
inside a savepoint that is rolled back. `preview_all` implements bot.reminders's
ReminderPreview (the composition root hands it to the admins' /xemnhac)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.clock import local_date, local_datetime
from bot.db.models import ChatAccount, Official, OutboxMessage, Unit
from bot.messaging_window import (
    KEEPALIVE_KIND,
    Action,
    WindowConfig,
    decide,
)
from bot.outbox import OutboxStatus
from bot.reminders import PreviewItem, PreviewResult, Unreachable
from bot.replies import REPLY_KIND
from rules.policy import Schedule
from rules.recipients import DEFAULT_CHANNELS
from scheduler.digest import build_digest
from scheduler.inputs import PlanInputs, load_inputs
from scheduler.planning import plan


def _wall_times(schedules: Sequence[Schedule]) -> set[time]:
    times: set[time] = {time(0, 0)}
    for s in schedules:
        times.update({s.reminder_time, s.checkin_time, s.digest_week_time, s.digest_ahead_time,
                      s.digest_period_time, s.quiet_end, *s.nudge_times})
    return times


async def preview(session: AsyncSession, start: datetime, end: datetime, *,
                  now: datetime | None = None, channels: Sequence[str] = DEFAULT_CHANNELS,
                  digests: bool = True,
                  windows: Mapping[str, WindowConfig] | None = None) -> list[PreviewItem]:
    """Messages due in [start, end), in order; the database is left untouched."""
    return (await preview_all(session, start, end, now=now, channels=channels,
                              digests=digests, windows=windows)).items


async def preview_all(session: AsyncSession, start: datetime, end: datetime, *,
                      now: datetime | None = None, channels: Sequence[str] = DEFAULT_CHANNELS,
                      digests: bool = True,
                      windows: Mapping[str, WindowConfig] | None = None) -> PreviewResult:
    """Messages due in [start, end), in order, and the officials they could not reach; the
    database is left untouched.

    `windows`: channels with a messaging window (Zalo); each item then says which channel it
    would take at its time and why (bot/messaging_window.py), assuming no new message from the
    official before then.

    The simulation starts at `now` when the window is in the future, so what falls due before
    the window is "sent" in the simulation instead of showing up as a late catch-up.
    """
    sim_start = min(start, now) if now is not None else start
    savepoint = await session.begin_nested()
    try:
        inputs = await load_inputs(session, channels)
        times = _wall_times([inputs.policies.default, *inputs.policies.by_unit.values()])
        instants = {sim_start}
        day = local_date(sim_start)
        while day <= local_date(end):
            instants.update(local_datetime(day, t) for t in times)
            day += timedelta(days=1)
        missed: dict[str, tuple[int, str]] = {}
        for instant in sorted(i for i in instants if sim_start <= i < end):
            # each simulated tick also "sends" what was due, so later ticks see it as done
            result = await plan(session, instant, inputs=inputs, channels=channels,
                                digest_builder=build_digest if digests else None)
            missed.update(result.no_contact)
            await outbox.mark_previewed(session, instant)
        rows = (await session.execute(
            select(OutboxMessage, Official.name)
            .join(Official, Official.id == OutboxMessage.recipient_id, isouter=True)
            .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.PREVIEWED]),
                   OutboxMessage.not_before >= start, OutboxMessage.not_before < end)
            .order_by(OutboxMessage.not_before, OutboxMessage.id))).all()
        last_inbound = await _last_inbound(session, windows or {})
        items = []
        for row, name in rows:
            via, route = _route(row, inputs, windows or {}, last_inbound)
            items.append(PreviewItem(at=row.not_before, kind=row.kind, recipient=name or "",
                                     channel=row.channel, address=row.address,
                                     idem_key=row.idem_key, late=row.late, via=via, route=route,
                                     text=str(row.payload.get("text", ""))))
        return PreviewResult(items, await _unreachable(session, missed))
    finally:
        await savepoint.rollback()


async def _last_inbound(session: AsyncSession, windows: Mapping[str, WindowConfig]
                        ) -> dict[tuple[str, str], datetime | None]:
    """(channel, chat) → the official's last message, for the channels with a window."""
    if not windows:
        return {}
    rows = (await session.execute(
        select(ChatAccount.channel, ChatAccount.chat_id, ChatAccount.last_inbound_at)
        .where(ChatAccount.channel.in_(list(windows))))).all()
    return {(channel, chat): last for channel, chat, last in rows}


def _route(row: OutboxMessage, inputs: PlanInputs, windows: Mapping[str, WindowConfig],
           last_inbound: Mapping[tuple[str, str], datetime | None]) -> tuple[str, str]:
    """(channel taken, why) for one previewed row, following the dispatcher's rules."""
    if row.recipient_id is None or row.kind == REPLY_KIND or row.channel not in windows:
        return row.channel, ""
    person = inputs.directory.people.get(row.recipient_id)
    schedule = inputs.policies.for_unit(person.unit_id if person is not None else None)
    contacts = inputs.directory.contacts.get(row.recipient_id, [])
    channel, address = row.channel, row.address
    reasons: list[str] = []
    tried: list[str] = []
    while True:
        config = windows.get(channel)
        if config is None:
            return channel, "; ".join([*reasons, OutboxStatus.REROUTED]) if reasons else ""
        decision = decide(config.window, last_inbound.get((channel, address)), row.not_before,
                          paid_allowed=schedule.zalo_paid_messages,
                          template_ready=config.template_ready)
        if decision.action is not Action.SEND and row.kind == KEEPALIVE_KIND:
            return "", "; ".join([*reasons, decision.reason.value, OutboxStatus.CANCELLED])
        if decision.action is not Action.NEXT:
            return channel, "; ".join([*reasons, decision.reason.value])
        reasons.append(f"{channel}: {decision.reason.value}")
        tried.append(channel)
        following = next((c for c in contacts if c.channel not in tried), None)
        if following is None:
            return "", "; ".join([*reasons, OutboxStatus.UNREACHABLE])
        channel, address = following.channel, following.address


async def _unreachable(session: AsyncSession,
                       missed: dict[str, tuple[int, str]]) -> list[Unreachable]:
    kinds: dict[int, Counter[str]] = {}
    for official_id, kind in missed.values():
        kinds.setdefault(official_id, Counter())[kind] += 1
    if not kinds:
        return []
    rows = (await session.execute(
        select(Official.id, Official.name, Official.code, Unit.name)
        .join(Unit, Unit.id == Official.unit_id, isouter=True)
        .where(Official.id.in_(sorted(kinds))))).all()
    return sorted((Unreachable(official_id, name, code, unit or "", dict(kinds[official_id]))
                   for official_id, name, code, unit in rows), key=lambda u: (u.name, u.official_id))
