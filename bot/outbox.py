"""The outbox: one home for outbox rows and their life (statuses, the payload's meta, writes).

A row is written by a producer (the planner, a reply that could not be sent directly, a handler
such as snooze), claimed and finished by the sender (scheduler/delivery.py), and cancelled by the
domain (a task done, a chat unbound). The statuses are the strings stored in `outbox.status`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, TypedDict, cast

from sqlalchemy import Table, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import insert_ignore
from bot.db.models import ChatAccount, OutboxMessage

#: subject_type of a row about a task (its reminders)
TASK_SUBJECT = "task"
#: ChatAccount.status of a chat whose user blocked the bot
ACCOUNT_BLOCKED = "blocked"


class OutboxStatus(StrEnum):
    """The life of an outbox row; the values are the strings stored in the database."""

    #: waiting for its not_before
    PENDING = "pending"
    #: claimed by a sender under a lease
    SENDING = "sending"
    SENT = "sent"
    #: the platform refused it for good (or the chat is blocked)
    FAILED_PERMANENT = "failed_permanent"
    #: retried max_attempts times without success
    DEAD = "dead"
    #: not to be sent any more (task closed, answered, unbound, on leave, …)
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    #: an earlier occurrence nobody got, replaced by a later one (docs/scheduling.md §5.5)
    SUPERSEDED = "superseded"
    #: the send's outcome is unknown and the kind is not resent
    AMBIGUOUS = "ambiguous"
    #: web: deposited, waiting for the client to fetch and acknowledge it
    AWAITING_FETCH = "awaiting_fetch"
    #: not sent here because another channel takes it
    REROUTED = "rerouted"
    #: no channel can take it
    UNREACHABLE = "unreachable"
    #: its message could not be built; the planner retries later
    BUILD_FAILED = "build_failed"
    #: only inside the preview's throw-away transaction: would have been sent
    PREVIEWED = "previewed"


#: statuses of a row that is still to go out (cancelling a task's reminders withdraws these)
UNSENT = (OutboxStatus.PENDING, OutboxStatus.AWAITING_FETCH)
#: statuses of a reply row still waiting to go out (later replies of the chat queue behind it)
IN_FLIGHT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


class Meta(TypedDict, total=False):
    """The payload's `meta`: facts about a row that its message text does not carry.

    Written by its producer, read by the sender's guards and by the fallback; stored as JSON in
    `outbox.payload["meta"]`, so every key is optional and its value JSON.
    """

    #: task reminders: the deadline reminded (ISO date; None for a task without one)
    deadline: str | None
    #: deadline reminder: T-offset in days
    offset: int
    #: overdue notice: days past the deadline; a head's copy is escalated
    days: int
    escalated: bool
    #: weekly check-in and digests: ISO week key ('2026-W48'), or the period key of a plan digest
    week: str
    #: digests: 'week' | 'ahead' | 'plan', and the unit (and plan) it is about
    digest: str
    unit_id: int
    plan_id: int
    #: period check-ins: the period key
    period: str
    #: co-operating unit reminders: the unit asked, and which reminder ('notice' | 'due')
    coop_unit: int
    reminder: str
    #: guide notices: the guide (and version) told about
    guide: int
    version: int
    #: keep-alive: the last inbound message whose window it keeps open (ISO instant)
    window_from: str
    #: set by the sender: the window route taken ('window', 'paid', 'template', …)
    route: str
    #: the consultation message was refused for the window: send the template next
    template_after_refusal: bool
    #: fallback: channels tried before, the row it replaces and why
    tried: list[str]
    fallback_of: int
    fallback_reason: str
    #: unbinding: the row it was moved from and why
    moved_from: int
    moved_reason: str


def meta_of(payload: Mapping[str, Any]) -> Meta:
    """Decode a stored payload's meta (a copy; {} when it has none)."""
    return cast(Meta, dict(payload.get("meta") or {}))


def with_meta(payload: Mapping[str, Any], meta: Meta) -> dict[str, Any]:
    """Encode: a copy of `payload` carrying `meta`."""
    return {**payload, "meta": dict(meta)}


@dataclass(frozen=True)
class NewRow:
    """One message to queue: what, for whom, on which chat, and when."""

    idem_key: str
    kind: str
    channel: str
    address: str
    payload: dict[str, Any]
    due_at: datetime
    not_before: datetime
    created_at: datetime
    subject_type: str | None = None
    subject_id: str | None = None
    recipient_id: int | None = None
    expires_at: datetime | None = None
    late: bool = False
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    max_attempts: int = 8
    send_started_at: datetime | None = None
    last_error_code: str | None = None
    last_error: str | None = None

    def values(self) -> dict[str, Any]:
        """The column values of the row (every column, so a batch has one shape)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["updated_at"] = self.created_at
        return values


#: rows per INSERT statement of enqueue_many
BATCH = 1000


async def enqueue(session: AsyncSession, row: NewRow) -> bool:
    """Queue one row unless its idempotency key already has one; True when inserted."""
    result = await session.execute(insert_ignore(session, OutboxMessage).values(**row.values()))
    return bool(getattr(result, "rowcount", 0))


async def enqueue_many(session: AsyncSession, rows: Sequence[NewRow]) -> set[str]:
    """Queue rows whose idempotency keys have none yet; the keys inserted."""
    inserted: set[str] = set()
    for start in range(0, len(rows), BATCH):
        batch = [row.values() for row in rows[start:start + BATCH]]
        # executemany ("insertmanyvalues"): compiled once, unlike a multi-row VALUES list
        stmt = insert_ignore(session, cast(Table, OutboxMessage.__table__)).returning(
            OutboxMessage.idem_key)
        inserted.update((await session.execute(stmt, batch)).scalars())
    return inserted


async def cancel_for_task(session: AsyncSession, task_id: int, now: datetime, *,
                          statuses: Sequence[OutboxStatus] = (OutboxStatus.PENDING,),
                          reason: str = "task_closed") -> int:
    """The task closed: cancel its reminders still in `statuses` (default: pending ones) in the
    caller's transaction; how many. UNSENT withdraws web reminders not fetched yet too."""
    result = await session.execute(update(OutboxMessage).where(
        OutboxMessage.subject_type == TASK_SUBJECT, OutboxMessage.subject_id == str(task_id),
        OutboxMessage.status.in_(list(statuses)),
    ).values(status=OutboxStatus.CANCELLED, last_error_code=reason, updated_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


async def postpone_for_task(session: AsyncSession, task_id: int, recipient_id: int,
                            until: datetime, now: datetime) -> None:
    """Hold a task's pending reminders to one official until `until` (snooze)."""
    await session.execute(update(OutboxMessage).where(
        OutboxMessage.subject_type == TASK_SUBJECT, OutboxMessage.subject_id == str(task_id),
        OutboxMessage.recipient_id == recipient_id, OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.not_before < until,
    ).values(not_before=until, updated_at=now))


async def mark_blocked(session: AsyncSession, channel: str, now: datetime, *,
                       chat_id: str | None = None, external_id: str | None = None) -> None:
    """The user blocked the bot: mark their account on `channel` (by chat or by user) blocked."""
    where = [ChatAccount.channel == channel]
    if chat_id is not None:
        where.append(ChatAccount.chat_id == chat_id)
    if external_id is not None:
        where.append(ChatAccount.external_id == external_id)
        # kept as the replies wrote it: the first block's instant stays
        where.append(ChatAccount.status != ACCOUNT_BLOCKED)
    await session.execute(update(ChatAccount).where(*where)
                          .values(status=ACCOUNT_BLOCKED, status_changed_at=now))
