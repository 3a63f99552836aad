"""The outbox dispatcher: claim under a lease, mark "send started", send, classify, record.

Guarantee (docs/scheduling.md §5.3): every row is delivered at least once (on_ambiguous='resend')
or at most once ('drop'); a duplicate or a loss can only come from a crash in the instant between
the platform accepting a message and our commit, at most one message per sender per crash, and
that row carries an `ambiguous` attempt.

Mailbox channels (the web chat, Capability.MAILBOX) have no platform to call: a row is deposited
in one transaction ('awaiting_fetch'), exactly once, and becomes 'sent' when the client
acknowledges it (bot/db/web_mailbox.py).

The rows themselves (claim, lease-guarded updates, attempts, release) are bot/outbox.py's; this
module is the policy around them. What may no longer be sent is decided by generic checks here
(expiry, a blocked or unbound chat) and by the guards each kind's owner registered (SendGuards).
"""

from __future__ import annotations

import logging
import os
import random
import signal
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, cast

from aiolimiter import AsyncLimiter
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import button_payloads, keyboards, outbox
from bot.channel import Capability, Channel, Mailbox
from bot.clock import Clock
from bot.dates import fmt_day
from bot.db.chat_moves import move_chat
from bot.db.models import (
    ChatAccount,
    DeliveryAttempt,
    Official,
    OutboxMessage,
    Unit,
)
from bot.errors import DeliveryError, DeliveryOutcome
from bot.events import ChatRef
from bot.messages import (
    OutgoingMessage,
    PartHook,
    from_payload,
    reporting_parts,
    with_parts_sent,
    without_parts_sent,
)
from bot.messaging_window import (
    KEEPALIVE_KIND,
    Action,
    Decision,
    Reason,
    WindowedChannel,
    decide,
)
from bot.outbox import (
    IN_FLIGHT,
    Claimed,
    NewRow,
    OutboxStatus,
    SendGuards,
    enqueue,
    mark_blocked,
    meta_of,
    with_meta,
)
from bot.replies import REPLY_KIND
from bot.texts import reminders as reminder_texts
from rules.policy import Schedule, unit_schedule
from rules.quiet import in_quiet_hours

logger = logging.getLogger(__name__)

#: env var of the crash-test hook: "<point>:<n>" kills this process (SIGKILL) at the n-th <point>
FAULT_ENV = "TROLY_FAULT"
FAULT_POINTS = ("after_claim", "before_send", "after_send")
#: Zalo refusals that may be delivered on the official's other channel instead
FALLBACK_CODES = frozenset({"zalo_window", "zalo_quota", "blocked"})
#: refusals meaning "this chat's messaging window is shut"; with no other channel: unreachable
WINDOW_CODES = frozenset({"zalo_window", "zalo_quota"})
WINDOW_REFUSED = "zalo_window"
#: kinds that are not urgent: inside silent hours they go without a sound (deadlines and
#: overdue notices keep theirs; replies are answers the user is waiting for)
SILENT_KINDS = frozenset({"digest", "checkin", "nudge", "period_checkin", "period_nudge",
                          "coop", "guide", "guide_remind", "guide_expired",
                          "guide_withdrawn"})
BACKOFF_BASE = 30.0
BACKOFF_MAX = 3600.0

FaultHook = Callable[[str], None]


def fault_from_env() -> FaultHook | None:
    """The crash hook from TROLY_FAULT (tests only): SIGKILL ourselves at a chosen point."""
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return None
    point, _, count = spec.partition(":")
    if point not in FAULT_POINTS:
        raise ValueError(f"{FAULT_ENV}: unknown point {point!r}")
    remaining = [int(count or 1)]

    def hook(at: str) -> None:
        if at != point:
            return
        remaining[0] -= 1
        if remaining[0] <= 0:
            os.kill(os.getpid(), signal.SIGKILL)
    return hook


class RateLimits:
    """Outbound limits of one channel: overall messages/s and messages/s per chat (aiolimiter)."""

    def __init__(self, per_second: float, per_chat_per_second: float = 1.0) -> None:
        # capacity 1 spaces messages evenly: a burst of `rate` at once would exceed a sliding
        # one-second window on the platform side
        self._overall = AsyncLimiter(1, 1.0 / per_second) if per_second > 0 else None
        self._per_chat_period = 1.0 / per_chat_per_second if per_chat_per_second > 0 else 0.0
        self._chats: dict[str, AsyncLimiter] = {}

    async def acquire(self, chat_id: str) -> None:
        """Wait until one more message to `chat_id` is allowed."""
        if self._per_chat_period:
            limiter = self._chats.get(chat_id)
            if limiter is None:
                if len(self._chats) > 10_000:  # keep memory bounded; old chats are idle anyway
                    self._chats.clear()
                limiter = self._chats[chat_id] = AsyncLimiter(1, self._per_chat_period)
            await limiter.acquire()
        if self._overall is not None:
            await self._overall.acquire()


@dataclass
class DispatchStats:
    """Counts of one or more dispatcher rounds, by final outcome."""

    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, other: DispatchStats) -> None:
        """Accumulate another round."""
        self.claimed += other.claimed
        self.outcomes.update(other.outcomes)


def _with_route(row: Claimed, route: Decision | None, *, template: bool = False) -> dict[str, Any]:
    """The row's payload with the window route it took recorded in its meta."""
    meta = meta_of(row.payload)
    meta["route"] = "template" if template or route is None else route.reason.value
    return with_meta(row.payload, meta)


def backoff_seconds(row_id: int, attempts: int) -> float:
    """Exponential backoff with deterministic jitter (reproducible in tests)."""
    base: float = min(BACKOFF_BASE * 2.0 ** max(attempts - 1, 0), BACKOFF_MAX)
    return base * (1.0 + random.Random(f"{row_id}:{attempts}").random() * 0.1)


def on_ambiguous_default(kind: str) -> str:
    """Default ambiguous policy: resend reminders, drop (and report) digests."""
    return Schedule().on_ambiguous(kind)


class OutboxDispatcher:
    """Sends claimed outbox rows through the channels; one instance per process."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        channels: Mapping[str, Channel],
        *,
        worker_id: str,
        lease_ttl: timedelta = timedelta(minutes=3),
        batch_size: int = 50,
        limits: Mapping[str, RateLimits] | None = None,
        fault: FaultHook | None = None,
        guards: SendGuards,
        on_ambiguous: Callable[[str], str] = on_ambiguous_default,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.channels = dict(channels)
        self.worker_id = worker_id
        #: written into lease_owner; the sender lease sets it to `owner#epoch` (fencing)
        self.token = worker_id
        self.lease_ttl = lease_ttl
        self.batch_size = batch_size
        self.limits = dict(limits or {})
        self.fault = fault
        self.on_ambiguous = on_ambiguous
        #: per-kind checks before a send, registered by the kinds' owners (bot/outbox.py)
        self.guards = guards
        #: channel → instant before which nothing is claimed for it (after a 429)
        self.paused_until: dict[str, datetime] = {}
        #: set at shutdown: finish the send in flight, claim and start nothing more
        self.stopping = False

    def _hook(self, point: str) -> None:
        if self.fault is not None:
            self.fault(point)

    # ------------------------------------------------------------------ claim

    def _open_channels(self, now: datetime, only: Sequence[str] | None) -> list[str]:
        names = list(only) if only is not None else list(self.channels)
        return [n for n in names if n in self.channels and self.paused_until.get(n, now) <= now]

    async def claim(self, channels: Sequence[str] | None = None) -> list[Claimed]:
        """Claim up to batch_size due rows (or rows whose lease ran out) in one statement."""
        now = self.clock.now()
        names = self._open_channels(now, channels)
        if not names:
            return []
        async with self.sessionmaker.begin() as session:
            return await outbox.claim(session, names, now, owner=self.token,
                                      lease_ttl=self.lease_ttl, limit=self.batch_size)

    # ------------------------------------------------------------------ one round

    async def run_once(self, channels: Sequence[str] | None = None) -> DispatchStats:
        """Claim one batch and deliver it, one message in flight at a time.

        One in-flight send per sender is what bounds a crash to at most one duplicate. Rows are
        interleaved by chat so the per-chat limit (1/s) rarely makes the batch wait.
        """
        stats = DispatchStats()
        if self.stopping:
            return stats
        rows = await self.claim(channels)
        stats.claimed = len(rows)
        if not rows:
            return stats
        self._hook("after_claim")
        by_chat: dict[tuple[str, str], list[Claimed]] = defaultdict(list)
        for row in rows:
            by_chat[(row.channel, row.address)].append(row)
        queues = list(by_chat.values())
        while queues and not self.stopping:  # at shutdown the rest is released, not started
            for queue in queues:
                if self.stopping:
                    break
                outcome = await self._deliver_alone(queue.pop(0))
                stats.outcomes[outcome] += 1
            queues = [q for q in queues if q]
        return stats

    async def drain(self, channels: Sequence[str] | None = None, *, max_rounds: int = 1000) -> DispatchStats:
        """Run rounds until nothing is claimable (or max_rounds)."""
        total = DispatchStats()
        for _ in range(max_rounds):
            stats = await self.run_once(channels)
            total.add(stats)
            if stats.claimed == 0:
                break
        return total

    # ------------------------------------------------------------------ one row

    async def _deliver_alone(self, row: Claimed) -> str:
        """deliver(row), a row that raises failing alone: one bad row (a payload that cannot be
        read, a guard's bug) never stops the rows claimed with it. It backs off and is tried
        again like a transient failure, and ends 'dead' after its attempts."""
        try:
            return await self.deliver(row)
        except Exception as exc:
            logger.exception("outbox row %s could not be delivered", row.id)
            error = DeliveryError(row.channel, DeliveryOutcome.TRANSIENT,
                                  f"internal error: {exc!r}"[:400])
            try:
                return await self._failed(row, error)
            except Exception:  # the database too: the row's lease runs out, it is taken again
                logger.exception("outbox row %s: its failure could not be recorded", row.id)
                return "error"

    async def _guarded(self, session: AsyncSession, row_id: int, **values: Any) -> bool:
        """Update a row only while we still hold its lease (False: someone reclaimed it)."""
        return await outbox.update_claimed(session, row_id, self.token, self.clock.now(),
                                           **values)

    async def _finish(self, row: Claimed, status: OutboxStatus, *,
                      attempt_outcome: str | None = None, retry_after: float | None = None,
                      **values: Any) -> bool:
        async with self.sessionmaker.begin() as session:
            return await outbox.finish(session, row, self.token, self.clock.now(), status,
                                       attempt_outcome=attempt_outcome,
                                       retry_after=retry_after, **values)

    async def deliver(self, row: Claimed) -> str:
        """Deliver one claimed row; returns the outcome recorded (or 'lost_lease')."""
        if row.send_started_at is not None:
            verdict = await self._reclaimed_in_flight(row)
            if verdict is not None:
                return verdict
        reason = await self._pre_send_check(row)
        if reason is not None:
            status, code = reason
            ok = await self._finish(row, status, last_error_code=code)
            if ok and code in FALLBACK_CODES:
                await self._fallback(row, code)
            return status if ok else "lost_lease"
        channel = self.channels[row.channel]
        route: Decision | None = None
        if isinstance(channel, WindowedChannel) and row.recipient_id is not None \
                and row.kind != REPLY_KIND:
            route, fields = await self._window_route(row, channel)
            if meta_of(row.payload).get("template_after_refusal") \
                    and channel.template_ready and route.action is Action.SEND:
                route = Decision(Action.TEMPLATE, Reason.TEMPLATE)
            if route.action is not Action.SEND and row.kind == KEEPALIVE_KIND:
                # a keep-alive exists only to keep this window open: too late is pointless
                ok = await self._finish(row, OutboxStatus.CANCELLED, last_error_code=route.reason.value)
                return OutboxStatus.CANCELLED if ok else "lost_lease"
            if route.action is Action.TEMPLATE:
                return await self._send_template(row, channel, fields)
            if route.action is Action.NEXT:
                return await self._reroute(row, route.reason.value)
        if Capability.MAILBOX in channel.capabilities:
            return await self._deposit(row, cast(Mailbox, channel))
        if row.kind == REPLY_KIND:
            behind = await self._earlier_reply_due(row)
            if behind is not None:  # keep the chat's order: wait for the earlier reply
                ok = await self._finish(row, OutboxStatus.PENDING, not_before=behind,
                                        attempts=OutboxMessage.attempts - 1)
                return "deferred" if ok else "lost_lease"
        limits = self.limits.get(row.channel)
        if limits is not None:
            await limits.acquire(row.address)
        now = self.clock.now()
        paused = self.paused_until.get(row.channel)
        if paused is not None and paused > now:  # a 429 arrived while we waited: give it back
            ok = await self._finish(row, OutboxStatus.PENDING, not_before=paused,
                                    attempts=OutboxMessage.attempts - 1)
            return "deferred" if ok else "lost_lease"
        if not await self._mark_started(row, now):
            return "lost_lease"
        self._hook("before_send")
        message = await self._message(row)
        try:
            with reporting_parts(self._parts_recorder(row)):
                receipt = await channel.send(ChatRef(row.channel, row.address), message)  # type: ignore[arg-type]
        except DeliveryError as exc:
            self._hook("after_send")
            return await self._failed(row, exc)
        except Exception as exc:  # a bug or an unexpected library error: treat as unknown outcome
            logger.exception("send of outbox row %s raised", row.id)
            self._hook("after_send")
            return await self._failed(row, DeliveryError(row.channel, DeliveryOutcome.AMBIGUOUS,
                                                         repr(exc)[:200]))
        self._hook("after_send")
        routed: dict[str, Any] = {} if route is None else {"payload": _with_route(row, route)}
        if receipt.moved_to is not None:
            routed["address"] = receipt.moved_to
        # the row is marked sent before the chat is moved: a failed move must not leave a
        # message that is out claimed, to be sent again after the lease
        ok = await self._finish(row, OutboxStatus.SENT, attempt_outcome="sent", sent_at=self.clock.now(),
                                provider_message_id=receipt.message_id, last_error=None,
                                **routed)
        if receipt.moved_to is not None:  # the chat has a new id: every later send goes there
            await self._move_chat(row, receipt.moved_to)
        return OutboxStatus.SENT if ok else "lost_lease"

    async def _move_chat(self, row: Claimed, new: str) -> None:
        """Store the chat's new id (bot/db/chat_moves.py). A failure (SQLite busy, a PostgreSQL
        unique clash with a row the new chat just wrote) is logged, not raised: the move is
        idempotent, the platform's service message repeats it, and the next send to the old id
        is refused with the new id again, which retries it."""
        try:
            async with self.sessionmaker.begin() as session:
                await move_chat(session, row.channel, row.address, new, self.clock.now())
        except Exception:
            logger.exception("moving %s chat %s to %s failed (outbox row %s is sent)",
                             row.channel, row.address, new, row.id)

    # ------------------------------------------------------------------ messaging window

    async def _window_route(self, row: Claimed,
                            channel: WindowedChannel) -> tuple[Decision, dict[str, str]]:
        """The route of a row on a channel with a messaging window, and the template fields."""
        now = self.clock.now()
        async with self.sessionmaker() as session:
            found = (await session.execute(
                select(ChatAccount.last_inbound_at, Official.unit_id, Official.name,
                       Official.phone, Unit.name)
                .join(Official, Official.id == ChatAccount.official_id)
                .join(Unit, Unit.id == Official.unit_id, isouter=True)
                .where(ChatAccount.channel == row.channel,
                       ChatAccount.chat_id == row.address))).first()
            last_inbound, unit_id, name, phone, unit_name = found or (None, None, "", None, "")
            schedule = await unit_schedule(session, unit_id)
        decision = decide(channel.window, last_inbound, now,
                          paid_allowed=schedule.zalo_paid_messages,
                          template_ready=channel.template_ready)
        text = " ".join(str(row.payload.get("text", "")).split())
        fields = {"name": name or "", "text": text, "unit": unit_name or "",
                  "kind": reminder_texts.UNDELIVERED_KINDS.get(row.kind, row.kind),
                  "date": fmt_day(now), "phone": phone or "",
                  "tracking_id": f"troly-{row.id}"}
        return decision, fields

    async def _send_template(self, row: Claimed, channel: WindowedChannel,
                             fields: dict[str, str]) -> str:
        """The window is closed: send the configured template; refused → the next channel."""
        limits = self.limits.get(row.channel)
        if limits is not None:
            await limits.acquire(row.address)
        if not await self._mark_started(row, self.clock.now()):
            return "lost_lease"
        self._hook("before_send")
        try:
            receipt = await channel.send_template(ChatRef(row.channel, row.address),  # type: ignore[arg-type]
                                                  from_payload(row.payload), fields)
        except DeliveryError as exc:
            self._hook("after_send")
            if exc.outcome is DeliveryOutcome.PERMANENT:
                return await self._reroute(row, exc.code or "zalo_template",
                                           attempt_outcome="permanent", detail=str(exc)[:500])
            return await self._failed(row, exc)
        self._hook("after_send")
        ok = await self._finish(row, OutboxStatus.SENT, attempt_outcome="sent", sent_at=self.clock.now(),
                                provider_message_id=receipt.message_id, last_error=None,
                                payload=_with_route(row, None, template=True))
        return OutboxStatus.SENT if ok else "lost_lease"

    async def _reroute(self, row: Claimed, code: str, *, attempt_outcome: str | None = None,
                       detail: str | None = None) -> str:
        """Not sent here: queue it on the next channel ('rerouted') or record 'unreachable'."""
        now = self.clock.now()
        async with self.sessionmaker.begin() as session:
            if not await self._guarded(session, row.id, status=OutboxStatus.UNREACHABLE, lease_owner=None,
                                       lease_until=None, last_error_code=code,
                                       last_error=detail or code):
                return "lost_lease"
            if attempt_outcome is not None:
                await outbox.end_attempt(session, row, self.token, now, attempt_outcome,
                                         error_code=code)
            target = await self._queue_fallback(session, row, code, status=OutboxStatus.REROUTED)
        return OutboxStatus.REROUTED if target is not None else OutboxStatus.UNREACHABLE

    async def _deposit(self, row: Claimed, mailbox: Mailbox) -> str:
        """A mailbox channel (web): store the message for its client in one transaction.

        The row becomes 'awaiting_fetch' and turns 'sent' when the client acknowledges it
        (bot/db/web_mailbox.py). Being one transaction, a crash before the commit leaves the row
        claimed (reclaimed after its lease, deposited then) and a crash after it leaves it
        deposited: never lost, never twice, nothing ambiguous.
        """
        self._hook("before_send")
        now = self.clock.now()
        expires = now + mailbox.mailbox_ttl
        if row.expires_at is not None:
            expires = min(expires, row.expires_at)
        async with self.sessionmaker.begin() as session:
            # the lease first: when someone reclaimed the row, this transaction writes nothing
            if not await self._guarded(session, row.id, status=OutboxStatus.AWAITING_FETCH, lease_owner=None,
                                       lease_until=None, send_started_at=now,
                                       expires_at=expires, last_error=None):
                return "lost_lease"
            payload = await self._short_buttons(session, row.payload, now)
            if keyboards.is_choice(from_payload(payload)) and not payload.get("keyboard"):
                # one choice per message (reusable navigation buttons alone are no choice)
                payload = {**payload, "keyboard": keyboards.id_for(row.idem_key)}
            payload = await mailbox.deposit(session, row.address, payload, now)
            await outbox.set_mailbox_payload(session, row.id, payload)
            session.add(DeliveryAttempt(outbox_id=row.id, attempt_no=row.attempts,
                                        worker_id=self.token, started_at=now, finished_at=now,
                                        outcome=OutboxStatus.AWAITING_FETCH))
        self._hook("after_send")
        return OutboxStatus.AWAITING_FETCH

    @staticmethod
    async def _short_buttons(session: AsyncSession, payload: dict[str, Any],
                             now: datetime) -> dict[str, Any]:
        """The stored payload with every button payload that does not fit the wire tokenised."""
        message = from_payload(payload)
        if all(button_payloads.fits_wire(b.payload, reusable=b.reusable)
               for b in message.buttons):
            return payload
        (short,) = await button_payloads.shorten(session, [message], now)
        return {**payload, "buttons": [[b.label, b.payload] for b in short.buttons]}

    async def _message(self, row: Claimed) -> OutgoingMessage:
        message = from_payload(row.payload)
        if keyboards.is_choice(message) and not message.keyboard:  # one choice per message
            message = replace(message, keyboard=keyboards.id_for(row.idem_key))
        if await self._silent(row):
            message = replace(message, silent=True)
        if row.payload.get("plain"):  # the platform refused our formatting once
            return OutgoingMessage(message.text, (), message.attachments, silent=message.silent,
                                   parts_sent=message.parts_sent)
        if all(button_payloads.fits_wire(b.payload) for b in message.buttons):
            return message
        # a payload too long for the wire goes out as a token (bot/button_payloads.py)
        async with self.sessionmaker.begin() as session:
            (short,) = await button_payloads.shorten(session, [message], self.clock.now())
        return short

    async def _silent(self, row: Claimed) -> bool:
        """A digest or a non-urgent reminder inside the recipient unit's silent hours goes
        without a sound (Schedule.silent_start/silent_end; README, Schedules)."""
        if row.kind not in SILENT_KINDS:
            return False
        async with self.sessionmaker() as session:
            official = (await session.get(Official, row.recipient_id)
                        if row.recipient_id is not None else None)
            schedule = await unit_schedule(session,
                                           official.unit_id if official is not None else None)
        return in_quiet_hours(self.clock.now(), schedule.silent_start, schedule.silent_end)

    def _parts_recorder(self, row: Claimed) -> PartHook:
        """While a message goes out as several platform messages: the parts delivered so far,
        committed with the row (under its lease) after each one, so that a sender dying before
        the next leaves a row that resends only from there (at most the part in flight twice,
        not the whole message) where its kind resends an unknown outcome."""
        async def delivered(parts: int) -> None:
            try:
                async with self.sessionmaker.begin() as session:
                    await self._guarded(session, row.id,
                                        payload=with_parts_sent(row.payload, parts))
            except SQLAlchemyError:  # the send goes on; a crash now resends from the last record
                logger.exception("outbox row %s: parts delivered not recorded", row.id)
        return delivered

    async def _mark_started(self, row: Claimed, now: datetime) -> bool:
        """Commit send_started_at and a started attempt right before the platform call."""
        async with self.sessionmaker.begin() as session:
            return await outbox.start_attempt(session, row, self.token, now)

    async def _reclaimed_in_flight(self, row: Claimed) -> str | None:
        """A previous sender died after starting this send: the outcome is unknown (ambiguous)."""
        now = self.clock.now()
        policy = self._ambiguous_policy(row.kind)
        async with self.sessionmaker.begin() as session:
            await outbox.abandon_attempts(session, row.id, now)
            if policy == "drop":
                ok = await self._guarded(session, row.id, status=OutboxStatus.AMBIGUOUS, lease_owner=None,
                                         lease_until=None, last_error_code="ambiguous",
                                         last_error="sender stopped mid-send")
                return OutboxStatus.AMBIGUOUS if ok else "lost_lease"
            ok = await self._guarded(session, row.id, send_started_at=None,
                                     last_error_code="ambiguous",
                                     last_error="sender stopped mid-send; resent")
        logger.warning("outbox row %s: previous send outcome unknown, resending", row.id)
        return None if ok else "lost_lease"

    def _ambiguous_policy(self, kind: str) -> str:
        """'drop' or 'resend' for a send whose outcome is unknown."""
        # a reply is never resent (bot/replies.py): after a timeout a duplicate answer is likelier
        # than a lost one, and the user is in the conversation to ask again
        return "drop" if kind == REPLY_KIND else self.on_ambiguous(kind)

    async def _earlier_reply_due(self, row: Claimed) -> datetime | None:
        """When an earlier reply to the same chat still waits: the instant to try again."""
        async with self.sessionmaker() as session:
            earlier = (await session.execute(
                select(OutboxMessage.status, OutboxMessage.not_before, OutboxMessage.lease_until)
                .where(OutboxMessage.kind == REPLY_KIND, OutboxMessage.channel == row.channel,
                       OutboxMessage.address == row.address, OutboxMessage.id < row.id,
                       OutboxMessage.status.in_(IN_FLIGHT))
                .order_by(OutboxMessage.id).limit(1))).first()
        if earlier is None:
            return None
        status, not_before, lease_until = earlier
        now = self.clock.now()
        # pending: due at its not_before; sending: in flight elsewhere, or reclaimable after its lease
        then = not_before if status == OutboxStatus.PENDING else (lease_until or now)
        return max(then, now)

    async def _pre_send_check(self, row: Claimed) -> tuple[OutboxStatus, str] | None:
        """(status, code) when the row must not be sent any more; None to send it.

        Expiry, a blocked chat, a chat no longer bound to the recipient and an answered
        keep-alive stop any row; then the guards registered for the row's kind decide.
        Replies (kind 'reply', subject None, recipient possibly None) have no guard: only
        expiry and a blocked chat stop them.
        """
        now = self.clock.now()
        if row.expires_at is not None and row.expires_at <= now:
            return OutboxStatus.EXPIRED, "expired"
        async with self.sessionmaker() as session:
            account = (await session.execute(
                select(ChatAccount.status, ChatAccount.official_id, ChatAccount.last_inbound_at)
                .where(ChatAccount.channel == row.channel, ChatAccount.chat_id == row.address,
                       ))).first()
            if account is not None and account.status == "blocked":
                return OutboxStatus.FAILED_PERMANENT, "blocked"
            if row.kind == KEEPALIVE_KIND and account is not None:
                opened = meta_of(row.payload).get("window_from")
                if account.last_inbound_at is not None and opened \
                        and account.last_inbound_at > datetime.fromisoformat(opened):
                    return OutboxStatus.CANCELLED, "answered"  # they wrote since: the window is open again
            # a message for an official goes only to an app still bound to them (unbinding in
            # another process may race the planner); a group chat has no account and passes
            if account is not None and row.recipient_id is not None \
                    and account.official_id != row.recipient_id:
                return OutboxStatus.CANCELLED, "unbound"
            # the kind's own guards (a task reminder whose task closed, an answered prompt)
            return await self.guards.check(session, row)

    async def _failed(self, row: Claimed, exc: DeliveryError) -> str:
        now = self.clock.now()
        detail = str(exc)[:500]
        outcome = exc.outcome
        # the parts the platform accepted before the failure are recorded with the row: a retry
        # sends the rest only (a long text's first messages, a digest's text before its file)
        # (not when it is resent as plain text without its buttons: its parts may be cut anew)
        progress: dict[str, Any] = (
            {"payload": with_parts_sent(row.payload, exc.parts_sent)}
            if exc.parts_sent and not (outcome is DeliveryOutcome.BAD_FORMAT
                                       and row.payload.get("buttons")) else {})
        if outcome is DeliveryOutcome.RATE_LIMITED:
            wait = timedelta(seconds=max(exc.retry_after or 1.0, 0.0))
            self.paused_until[row.channel] = max(self.paused_until.get(row.channel, now), now + wait)
            ok = await self._finish(row, OutboxStatus.PENDING, attempt_outcome="rate_limited",
                                    not_before=now + wait, send_started_at=None,
                                    attempts=OutboxMessage.attempts - 1,
                                    last_error_code="429", last_error=detail,
                                    retry_after=exc.retry_after, **progress)
            return "rate_limited" if ok else "lost_lease"
        if outcome is DeliveryOutcome.BLOCKED:
            ok = await self._finish(row, OutboxStatus.FAILED_PERMANENT, attempt_outcome="blocked",
                                    last_error_code="blocked", last_error=detail)
            if ok:
                await self._mark_blocked(row, now)
                await self._fallback(row, "blocked")
            return "blocked" if ok else "lost_lease"
        if outcome is DeliveryOutcome.PERMANENT:
            code = exc.code or "permanent"
            meta = meta_of(row.payload)
            channel = self.channels.get(row.channel)
            if code == WINDOW_REFUSED and isinstance(channel, WindowedChannel) \
                    and channel.template_ready and row.recipient_id is not None \
                    and row.kind not in (REPLY_KIND, KEEPALIVE_KIND) \
                    and not meta.get("template_after_refusal"):
                # the platform's window is shut although our record said open: the template
                # gets through where the consultation message does not
                meta["template_after_refusal"] = True
                ok = await self._finish(row, OutboxStatus.PENDING, attempt_outcome="permanent",
                                        not_before=now, send_started_at=None,
                                        last_error_code=code, last_error=detail,
                                        payload=with_meta(row.payload, meta))
                return "template_next" if ok else "lost_lease"
            ok = await self._finish(row, OutboxStatus.FAILED_PERMANENT, attempt_outcome="permanent",
                                    last_error_code=code, last_error=detail)
            if ok and code in FALLBACK_CODES:
                target = await self._fallback(row, code)
                if target is None and code in WINDOW_CODES:
                    await self._set_status(row.id, OutboxStatus.UNREACHABLE)
                    return OutboxStatus.UNREACHABLE
            return OutboxStatus.FAILED_PERMANENT if ok else "lost_lease"
        if outcome is DeliveryOutcome.AMBIGUOUS and self._ambiguous_policy(row.kind) == "drop":
            ok = await self._finish(row, OutboxStatus.AMBIGUOUS, attempt_outcome="ambiguous",
                                    last_error_code="ambiguous", last_error=detail)
            return OutboxStatus.AMBIGUOUS if ok else "lost_lease"
        # transient, ambiguous (resend) and bad format: back off and retry until max_attempts
        if row.attempts >= row.max_attempts:
            ok = await self._finish(row, OutboxStatus.DEAD, attempt_outcome=outcome.value,
                                    last_error_code=outcome.value, last_error=detail)
            return OutboxStatus.DEAD if ok else "lost_lease"
        extra: dict[str, Any] = dict(progress)
        if outcome is DeliveryOutcome.BAD_FORMAT:
            extra["payload"] = {**extra.get("payload", row.payload), "plain": True}
        delay = 0.0 if outcome is DeliveryOutcome.BAD_FORMAT else backoff_seconds(row.id, row.attempts)
        ok = await self._finish(row, OutboxStatus.PENDING, attempt_outcome=outcome.value,
                                not_before=now + timedelta(seconds=delay), send_started_at=None,
                                last_error_code=outcome.value, last_error=detail, **extra)
        return outcome.value if ok else "lost_lease"

    async def _set_status(self, row_id: int, status: OutboxStatus) -> None:
        async with self.sessionmaker.begin() as session:
            await outbox.set_status(session, row_id, status, self.clock.now())

    async def _mark_blocked(self, row: Claimed, now: datetime) -> None:
        async with self.sessionmaker.begin() as session:
            await mark_blocked(session, row.channel, now, chat_id=row.address)

    async def _fallback(self, row: Claimed, code: str) -> str | None:
        """Queue the same message on the official's other active channel (its own idem key)."""
        async with self.sessionmaker.begin() as session:
            return await self._queue_fallback(session, row, code)

    async def _queue_fallback(self, session: AsyncSession, row: Claimed, code: str, *,
                              status: OutboxStatus | None = None) -> str | None:
        """Insert the fallback row on the most preferred channel not tried yet; mark this row."""
        if row.recipient_id is None or row.kind in (REPLY_KIND, KEEPALIVE_KIND):
            return None  # an answer belongs to the conversation it was asked in
        now = self.clock.now()
        base = row.idem_key.rsplit(":", 1)[0]
        meta = meta_of(row.payload)
        tried = [*meta.get("tried", []), row.channel]
        preference = {name: i for i, name in enumerate(self.channels)}
        accounts = (await session.execute(
            select(ChatAccount.channel, ChatAccount.chat_id, ChatAccount.id)
            .where(ChatAccount.official_id == row.recipient_id, ChatAccount.status == "active",
                   ChatAccount.channel.not_in(tried),
                   ChatAccount.channel.in_(list(self.channels))))).all()
        if not accounts:
            return None
        channel, address, _ = min(accounts, key=lambda a: (preference[a[0]], a[2]))
        meta["fallback_of"], meta["fallback_reason"], meta["tried"] = row.id, code, tried
        meta.pop("route", None)
        await enqueue(session, NewRow(
            idem_key=f"{base}:{channel}", kind=row.kind, subject_type=row.subject_type,
            subject_id=row.subject_id, recipient_id=row.recipient_id, channel=channel,
            # sent whole there: what this channel delivered of it did not reach that one
            address=address, payload=with_meta(without_parts_sent(row.payload), meta), due_at=now,
            not_before=now, expires_at=row.expires_at, max_attempts=row.max_attempts,
            created_at=now))
        await outbox.note_fallback(session, row.id, str(channel), code, status=status)
        return str(channel)

    async def release(self) -> int:
        """Clean shutdown: give back claimed rows that were not started (no ambiguity)."""
        async with self.sessionmaker.begin() as session:
            return await outbox.release(session, self.token, self.clock.now())
