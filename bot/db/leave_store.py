"""Leave (nghỉ phép): officials away between two local dates; reminders pause meanwhile."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.clock import local_datetime
from bot.db.batches import chunks
from bot.db.models import OfficialLeave, OutboxMessage
from bot.outbox import OutboxStatus


async def add_leave(session: AsyncSession, official_id: int, start: date, end: date,
                    now: datetime, *, note: str | None = None,
                    created_by: int | None = None) -> OfficialLeave:
    """Record leave from `start` to `end` (inclusive)."""
    if end < start:
        raise ValueError("leave ends before it starts")
    leave = OfficialLeave(official_id=official_id, start_day=start, end_day=end, note=note,
                          created_by=created_by, created_at=now)
    session.add(leave)
    await session.flush()
    return leave


async def leaves_of(session: AsyncSession, official_id: int, *, from_day: date) -> list[OfficialLeave]:
    """The official's leave that has not ended before `from_day`, earliest first."""
    return list((await session.execute(select(OfficialLeave).where(
        OfficialLeave.official_id == official_id, OfficialLeave.cancelled_at.is_(None),
        OfficialLeave.end_day >= from_day,
    ).order_by(OfficialLeave.start_day, OfficialLeave.id))).scalars())


async def cancel_leave(session: AsyncSession, leave_id: int, now: datetime) -> OfficialLeave | None:
    """Withdraw a leave record (kept, marked cancelled)."""
    leave = await session.get(OfficialLeave, leave_id)
    if leave is None or leave.cancelled_at is not None:
        return None
    leave.cancelled_at = now
    await session.flush()
    return leave


async def leave_spans(session: AsyncSession, official_ids: Iterable[int], first: date,
                      last: date) -> dict[int, list[tuple[date, date]]]:
    """Leave overlapping [first, last], by official: (start, end) pairs."""
    ids = sorted(set(official_ids))
    spans: dict[int, list[tuple[date, date]]] = {}
    for part in chunks(ids):
        rows = (await session.execute(select(
            OfficialLeave.official_id, OfficialLeave.start_day, OfficialLeave.end_day).where(
            OfficialLeave.official_id.in_(part), OfficialLeave.cancelled_at.is_(None),
            OfficialLeave.start_day <= last, OfficialLeave.end_day >= first))).all()
        for official_id, start, end in rows:
            spans.setdefault(official_id, []).append((start, end))
    return spans


async def all_spans(session: AsyncSession, first: date,
                    last: date) -> dict[int, list[tuple[date, date]]]:
    """Every official's leave overlapping [first, last] (the planner loads it once per run)."""
    rows = (await session.execute(select(
        OfficialLeave.official_id, OfficialLeave.start_day, OfficialLeave.end_day).where(
        OfficialLeave.cancelled_at.is_(None), OfficialLeave.start_day <= last,
        OfficialLeave.end_day >= first))).all()
    spans: dict[int, list[tuple[date, date]]] = {}
    for official_id, start, end in rows:
        spans.setdefault(official_id, []).append((start, end))
    return spans


def on_leave(spans: dict[int, list[tuple[date, date]]], official_id: int, day: date) -> bool:
    """Whether the official is on leave on a local date."""
    return any(start <= day <= end for start, end in spans.get(official_id, ()))


def span_covering(spans: dict[int, list[tuple[date, date]]], official_id: int,
                  day: date) -> tuple[date, date] | None:
    """The leave covering a local date, if any."""
    return next(((s, e) for s, e in spans.get(official_id, ()) if s <= day <= e), None)


async def cancel_queued(session: AsyncSession, official_id: int, first: date, last: date,
                        now: datetime) -> int:
    """Reminders already queued for the official within [first, last] are cancelled
    ('on_leave'); digests are not (a head's go to the deputies from the next one on)."""
    start = local_datetime(first, time(0))
    end = local_datetime(last + timedelta(days=1), time(0))
    ids = list((await session.execute(select(OutboxMessage.id).where(
        OutboxMessage.recipient_id == official_id, OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.kind != "digest", OutboxMessage.not_before >= start,
        OutboxMessage.not_before < end))).scalars())
    for part in chunks(ids):
        await outbox.cancel(session, OutboxMessage.id.in_(part), now=now, reason="on_leave",
                            statuses=None)
    return len(ids)
