"""The outbox: one home for outbox rows and their life (statuses, the payload's meta, writes).

A row is written by a producer (the planner, a reply that could not be sent directly, a handler
such as snooze), claimed and finished by the sender (scheduler/delivery.py), and cancelled by the
domain (a task done, a chat unbound). The statuses are the strings stored in `outbox.status`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, TypedDict, cast

from sqlalchemy import ColumnElement, Table, and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import insert_ignore, is_postgres
from bot.db.models import ChatAccount, DeliveryAttempt, OutboxMessage
from bot.messages import without_parts_sent

# the enum has a module of its own so that bot/db/models.py can import it; bot.outbox is where
# everyone else takes it from (an explicit re-export)
from bot.outbox_status import OutboxStatus as OutboxStatus

#: subject_type of a row about a task (its reminders)
TASK_SUBJECT = "task"
#: ChatAccount.status of a chat whose user blocked the bot
ACCOUNT_BLOCKED = "blocked"


#: statuses of a row still to go out: unbinding a chat and withdrawing a guide cancel these
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


async def cancel(session: AsyncSession, *where: ColumnElement[bool], now: datetime, reason: str,
                 statuses: Sequence[OutboxStatus] | None = (OutboxStatus.PENDING,)) -> int:
    """Cancel the rows matching `where` that are still in `statuses` (None: whatever their
    status), recording `reason` as their error code, in the caller's transaction; how many."""
    if statuses is not None:
        where = (*where, OutboxMessage.status.in_(list(statuses)))
    result = await session.execute(update(OutboxMessage).where(*where).values(
        status=OutboxStatus.CANCELLED, last_error_code=reason, updated_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


async def cancel_for_task(session: AsyncSession, task_id: int, now: datetime, *,
                          statuses: Sequence[OutboxStatus] = (OutboxStatus.PENDING,),
                          reason: str = "task_closed") -> int:
    """The task closed: cancel its reminders still in `statuses` (default: pending ones) in the
    caller's transaction; how many. UNSENT withdraws web reminders not fetched yet too."""
    return await cancel(session, OutboxMessage.subject_type == TASK_SUBJECT,
                        OutboxMessage.subject_id == str(task_id), now=now, reason=reason,
                        statuses=statuses)


async def postpone_for_task(session: AsyncSession, task_id: int, recipient_id: int,
                            until: datetime, now: datetime) -> None:
    """Hold a task's pending reminders to one official until `until` (snooze)."""
    await session.execute(update(OutboxMessage).where(
        OutboxMessage.subject_type == TASK_SUBJECT, OutboxMessage.subject_id == str(task_id),
        OutboxMessage.recipient_id == recipient_id, OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.not_before < until,
    ).values(not_before=until, updated_at=now))


async def cancel_unsent(session: AsyncSession, row: OutboxMessage, now: datetime, reason: str,
                        *, moved_to: str | None = None) -> bool:
    """Cancel a row the caller loaded, in its transaction, only while it is still to go out
    (UNSENT): False when a sender claimed or finished it since it was loaded (that one goes
    out, or went out, as it was). `reason` is its error code, and its error says so, or that
    its message was queued again on `moved_to`."""
    error = f"{reason}; moved to {moved_to}" if moved_to is not None else reason
    result = await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row.id,
                                    OutboxMessage.status.in_(list(UNSENT)))
        .values(status=OutboxStatus.CANCELLED, last_error=error, last_error_code=reason,
                updated_at=now)
        .execution_options(synchronize_session="fetch"))
    return bool(getattr(result, "rowcount", 0))


async def readdress_unsent(session: AsyncSession, channel: str, old: str, new: str,
                           now: datetime) -> int:
    """Point the rows still to go out to a chat at its new id (a group that became a
    supergroup), in the caller's transaction; how many. A row a sender holds is sent at the
    old id, and the platform's answer moves it there."""
    result = await session.execute(update(OutboxMessage).where(
        OutboxMessage.channel == channel, OutboxMessage.address == old,
        OutboxMessage.status.in_(list(UNSENT))).values(address=new, updated_at=now))
    return int(getattr(result, "rowcount", 0))


async def unsent_of_kind(session: AsyncSession, kind: str) -> list[tuple[int, dict[str, Any]]]:
    """(id, payload) of the rows of `kind` still to go out (not claimed by a sender)."""
    rows = await session.execute(select(OutboxMessage.id, OutboxMessage.payload).where(
        OutboxMessage.kind == kind, OutboxMessage.status.in_(list(UNSENT))))
    return [(int(row_id), dict(payload)) for row_id, payload in rows]


async def rewrite_unsent(session: AsyncSession, row_id: int, payload: Mapping[str, Any],
                         now: datetime) -> bool:
    """Give a row still to go out a new payload, in the caller's transaction; False when a
    sender claimed (or finished) it meanwhile: that one goes out as it was. The new message is
    sent whole (what an earlier try delivered of the old one says nothing of its parts)."""
    result = await session.execute(update(OutboxMessage).where(
        OutboxMessage.id == row_id, OutboxMessage.status.in_(list(UNSENT)))
        .values(payload=without_parts_sent(dict(payload)), updated_at=now))
    return bool(getattr(result, "rowcount", 0))


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


#: ids one read receipt may name (Zalo lists the messages shown; a longer list is cut)
MAX_SEEN_IDS = 100


async def mark_seen(session: AsyncSession, channel: str, address: str,
                    message_ids: Sequence[str], at: datetime) -> int:
    """The recipient's app showed these messages (a read receipt): stamp `seen_at` on the rows
    sent to `address` with those provider ids, once; how many.

    A message sent in several parts keeps the id of its last part, which is what a phone reports
    as seen once the whole message was shown.
    """
    if not message_ids:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.address == address,
               OutboxMessage.provider_message_id.in_(list(message_ids[:MAX_SEEN_IDS])),
               OutboxMessage.seen_at.is_(None))
        .values(seen_at=at)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def mark_previewed(session: AsyncSession, up_to: datetime) -> None:
    """The reminder preview's simulation "sends" every pending row due by `up_to` (inside its
    throw-away transaction only), so its later ticks see them as done."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.not_before <= up_to)
        .values(status=OutboxStatus.PREVIEWED, sent_at=up_to)
        .execution_options(synchronize_session=False))


# ---------------------------------------------------------------------- rows that failed to build
# Every write here holds only while the row is still build_failed: another process's planner may
# have rebuilt it meanwhile (a build takes a while) and its sender sent it; a write by id alone
# made that sent row pending again (tests/scheduler/test_unit_isolation.py).


async def _update_build_failed(session: AsyncSession, row_id: int, now: datetime,
                               **values: Any) -> bool:
    """Update a build_failed row unless it left that status meanwhile (False then)."""
    done = await session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id,
                                    OutboxMessage.status == OutboxStatus.BUILD_FAILED)
        .values(updated_at=now, **values).execution_options(synchronize_session=False))
    return bool(getattr(done, "rowcount", 0))


async def settle_build_failed(session: AsyncSession, row_id: int, status: OutboxStatus,
                              now: datetime) -> bool:
    """A row whose message never built and whose time has passed takes the status a planning
    run would give it now (expired, superseded, …); False when it left build_failed meanwhile."""
    return await _update_build_failed(session, row_id, now, status=status)


async def retry_build_later(session: AsyncSession, row_id: int, now: datetime, *,
                            attempts: int, error: str, not_before: datetime) -> bool:
    """The row's message failed to build again: count the attempt, keep the error, try again at
    `not_before`; False when it left build_failed meanwhile."""
    return await _update_build_failed(session, row_id, now, attempts=attempts, last_error=error,
                                      not_before=not_before)


async def mark_rebuilt(session: AsyncSession, row_id: int, now: datetime, *,
                  payload: dict[str, Any], not_before: datetime, late: bool,
                  expires_at: datetime | None) -> bool:
    """The row's message built at last: it becomes pending with its payload and timing, its
    attempts counted afresh (last_error_code stays: the trace that it was built late); False
    when it left build_failed meanwhile."""
    return await _update_build_failed(session, row_id, now, payload=payload,
                                      status=OutboxStatus.PENDING, attempts=0,
                                      not_before=not_before, late=late, expires_at=expires_at,
                                      last_error=None)


#: how long past its expires_at a row may still be sent before maintenance expires it
EXPIRY_GRACE = timedelta(minutes=5)


async def expire_overdue(session: AsyncSession, now: datetime) -> int:
    """Maintenance: rows still pending, or never built, past their expires_at (and the grace)
    become 'expired'; how many."""
    expired = 0
    # a message that never could be built keeps its error code: the trace of why
    for status, code in ((OutboxStatus.PENDING, "expired"),
                         (OutboxStatus.BUILD_FAILED, OutboxStatus.BUILD_FAILED.value)):
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == status, OutboxMessage.expires_at.is_not(None),
                   OutboxMessage.expires_at < now - EXPIRY_GRACE)
            .values(status=OutboxStatus.EXPIRED, last_error_code=code, updated_at=now))
        expired += int(getattr(result, "rowcount", 0) or 0)
    return expired


# ---------------------------------------------------------------------- mailboxes (web)


async def set_mailbox_payload(session: AsyncSession, row_id: int,
                              payload: dict[str, Any]) -> None:
    """The claimed row goes into a mailbox: store the payload its client will fetch (files
    stored, the choice's keyboard named) in place of the queued one, in the sender's
    transaction."""
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                          .values(payload=payload)
                          .execution_options(synchronize_session=False))


async def deposit(session: AsyncSession, row: NewRow) -> int:
    """Store a message handed straight to a mailbox, not through the sender: the row starts
    'awaiting_fetch', its one attempt started at creation; its id (the client's cursor)."""
    deposited = replace(row, status=OutboxStatus.AWAITING_FETCH, attempts=1, max_attempts=1,
                        send_started_at=row.created_at)
    stmt = insert(OutboxMessage).values(**deposited.values()).returning(OutboxMessage.id)
    return int((await session.execute(stmt)).scalar_one())


async def acknowledge(session: AsyncSession, channel: str, address: str, up_to: int,
                      now: datetime) -> int:
    """The mailbox's client got every message of `address` with id ≤ up_to: 'awaiting_fetch'
    becomes 'sent'; how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel, OutboxMessage.address == address,
               OutboxMessage.status == OutboxStatus.AWAITING_FETCH, OutboxMessage.id <= up_to)
        .values(status=OutboxStatus.SENT, sent_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def expire_unfetched(session: AsyncSession, channel: str, now: datetime) -> int:
    """Maintenance: messages of a mailbox nobody fetched before their expires_at become
    'expired'; how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == channel,
               OutboxMessage.status == OutboxStatus.AWAITING_FETCH,
               and_(OutboxMessage.expires_at.is_not(None), OutboxMessage.expires_at <= now))
        .values(status=OutboxStatus.EXPIRED, last_error_code="not_fetched", updated_at=now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


# ---------------------------------------------------------------------- the sender's side


@dataclass(frozen=True)
class Claimed:
    """A claimed outbox row (the columns the sender needs)."""

    id: int
    idem_key: str
    kind: str
    subject_type: str | None
    subject_id: str | None
    recipient_id: int | None
    channel: str
    address: str
    payload: dict[str, Any]
    expires_at: datetime | None
    attempts: int
    max_attempts: int
    send_started_at: datetime | None


CLAIM_COLUMNS = (
    OutboxMessage.id, OutboxMessage.idem_key, OutboxMessage.kind, OutboxMessage.subject_type,
    OutboxMessage.subject_id, OutboxMessage.recipient_id, OutboxMessage.channel,
    OutboxMessage.address, OutboxMessage.payload, OutboxMessage.expires_at,
    OutboxMessage.attempts, OutboxMessage.max_attempts, OutboxMessage.send_started_at,
)


async def claim(session: AsyncSession, channels: Sequence[str], now: datetime, *, owner: str,
                lease_ttl: timedelta, limit: int) -> list[Claimed]:
    """Claim up to `limit` due rows (or rows whose lease ran out) in one statement, by id."""
    due = (
        select(OutboxMessage.id)
        .where(or_(and_(OutboxMessage.status == OutboxStatus.PENDING,
                        OutboxMessage.not_before <= now),
                   and_(OutboxMessage.status == OutboxStatus.SENDING,
                        OutboxMessage.lease_until < now)),
               OutboxMessage.channel.in_(list(channels)))
        .order_by(OutboxMessage.not_before, OutboxMessage.id)
        .limit(limit)
    )
    if is_postgres(session):  # SQLite: BEGIN IMMEDIATE (make_engine) serialises claims
        due = due.with_for_update(skip_locked=True)
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(status=OutboxStatus.SENDING, lease_owner=owner, lease_until=now + lease_ttl,
                attempts=OutboxMessage.attempts + 1, updated_at=now)
        .returning(*CLAIM_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    claimed = [Claimed(*r) for r in (await session.execute(stmt)).all()]
    claimed.sort(key=lambda c: c.id)
    return claimed


async def update_claimed(session: AsyncSession, row_id: int, owner: str, now: datetime,
                         **values: Any) -> bool:
    """Update a row only while `owner` still holds its lease (False: someone reclaimed it)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.lease_owner == owner,
               OutboxMessage.status == OutboxStatus.SENDING)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


async def finish(session: AsyncSession, row: Claimed, owner: str, now: datetime,
                 status: OutboxStatus, *, attempt_outcome: str | None = None,
                 retry_after: float | None = None, **values: Any) -> bool:
    """Give the claimed row its next status and release its lease, recording the attempt's
    outcome; False (nothing written) when the lease was lost."""
    ok = await update_claimed(session, row.id, owner, now, status=status, lease_owner=None,
                              lease_until=None, **values)
    if ok and attempt_outcome is not None:
        await end_attempt(session, row, owner, now, attempt_outcome,
                          error_code=values.get("last_error_code"), retry_after=retry_after)
    return ok


async def start_attempt(session: AsyncSession, row: Claimed, owner: str, now: datetime) -> bool:
    """Record send_started_at and a started attempt, right before the platform call."""
    if not await update_claimed(session, row.id, owner, now, send_started_at=now):
        return False
    session.add(DeliveryAttempt(outbox_id=row.id, attempt_no=row.attempts, worker_id=owner,
                                started_at=now))
    return True


async def end_attempt(session: AsyncSession, row: Claimed, owner: str, now: datetime,
                      outcome: str, *, error_code: str | None = None,
                      retry_after: float | None = None) -> None:
    """Record the outcome of the claimed row's attempt in flight."""
    await session.execute(
        update(DeliveryAttempt)
        .where(DeliveryAttempt.outbox_id == row.id, DeliveryAttempt.attempt_no == row.attempts,
               DeliveryAttempt.worker_id == owner, DeliveryAttempt.finished_at.is_(None))
        .values(finished_at=now, outcome=outcome, error_code=error_code,
                retry_after=retry_after))


async def abandon_attempts(session: AsyncSession, row_id: int, now: datetime) -> None:
    """A sender died mid-send: its unfinished attempts of the row end as ambiguous."""
    await session.execute(
        update(DeliveryAttempt)
        .where(DeliveryAttempt.outbox_id == row_id, DeliveryAttempt.finished_at.is_(None))
        .values(finished_at=now, outcome=OutboxStatus.AMBIGUOUS.value, error_code="crash"))


async def set_status(session: AsyncSession, row_id: int, status: OutboxStatus,
                     now: datetime) -> None:
    """Set a row's status regardless of its lease (after the sender finished it)."""
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                          .values(status=status, updated_at=now))


async def release(session: AsyncSession, owner: str, now: datetime) -> int:
    """Give back the rows `owner` claimed and did not start (no ambiguity); how many."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.lease_owner == owner, OutboxMessage.status == OutboxStatus.SENDING,
               OutboxMessage.send_started_at.is_(None))
        .values(status=OutboxStatus.PENDING, lease_owner=None, lease_until=None,
                attempts=OutboxMessage.attempts - 1, updated_at=now)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def note_fallback(session: AsyncSession, row_id: int, channel: str, code: str, *,
                        status: OutboxStatus | None = None) -> None:
    """The row's message was queued again on `channel` after `code`: note it on the row, and
    set `status` when given (the sender has already finished the row's claim)."""
    values: dict[str, Any] = {"last_error": f"{code}; fallback:{channel}"}
    if status is not None:
        values["status"] = status
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


#: a guard's verdict on a row about to be sent: None to send it, else (status, error code)
Verdict = tuple[OutboxStatus, str] | None
#: a per-kind check run before a send, reading in the sender's session
SendGuard = Callable[[AsyncSession, Claimed], Awaitable[Verdict]]


class SendGuards:
    """The checks a row must pass before it is sent, registered per kind by the kind's owner
    (the planner: task reminders stop when the task closed, check-in prompts when answered)."""

    def __init__(self) -> None:
        self._by_kind: dict[str, list[SendGuard]] = {}

    def register(self, guard: SendGuard, *kinds: str) -> None:
        """Run `guard` before sending a row of any of `kinds`."""
        for kind in kinds:
            self._by_kind.setdefault(kind, []).append(guard)

    def kinds(self) -> frozenset[str]:
        """The kinds that have a guard."""
        return frozenset(self._by_kind)

    async def check(self, session: AsyncSession, row: Claimed) -> Verdict:
        """The first verdict that stops the row, or None to send it."""
        for guard in self._by_kind.get(row.kind, ()):
            verdict = await guard(session, row)
            if verdict is not None:
                return verdict
        return None
