"""The tick functions APScheduler calls; each is a plain coroutine of (database, clock)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import button_payloads, files, keyboards, outbox
from bot.channel import Capability, Channel
from bot.chat_import import collect_expired_imports
from bot.clock import Clock, local_date
from bot.db import web_mailbox
from bot.db.job_runs import finish, run_once
from bot.guide_import import collect_expired_uploads
from bot.messages import OutgoingMessage
from bot.messaging_window import MessagingWindow, WindowedChannel
from scheduler.delivery import DispatchStats, OutboxDispatcher
from scheduler.digest import build_digest
from scheduler.keepalive import plan_keepalives
from scheduler.lease import SenderLease
from scheduler.planner import PlanResult, send_guards
from scheduler.planning import plan

logger = logging.getLogger(__name__)


@dataclass
class Ticks:
    """plan / dispatch / maintenance, shared by the APScheduler service, the CLI and tests."""

    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    channels: Mapping[str, Channel]
    owner: str
    channel_order: Sequence[str] = ("telegram", "zalo", "web")
    elect_sender: bool = True
    dispatcher: OutboxDispatcher | None = None
    leases: dict[str, SenderLease] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dispatcher is None:
            self.dispatcher = OutboxDispatcher(self.sessionmaker, self.clock, self.channels,
                                               worker_id=self.owner, guards=send_guards())

    @property
    def deliverable(self) -> tuple[str, ...]:
        """Channels reminders may use, in preference order (only those this process has)."""
        return tuple(c for c in self.channel_order if c in self.channels)

    async def plan_tick(self) -> PlanResult:
        """Insert whatever is due now (idempotent: any process, any number of times)."""
        async with self.sessionmaker.begin() as session:
            result = await plan(session, self.clock.now(), channels=self.deliverable,
                                digest_builder=self._build_digest)
        await self.keepalive_tick()
        return result

    async def _build_digest(self, session: AsyncSession, unit_id: int, key: str, kind: str,
                            now: datetime) -> OutgoingMessage:
        """A head's digest, naming the Zalo window as this process has it set."""
        window = next((c.window for c in self.channels.values()
                       if isinstance(c, WindowedChannel)), MessagingWindow())
        return await build_digest(session, unit_id, key, kind, now, window)

    async def keepalive_tick(self) -> int:
        """Check-in prompts that keep messaging windows open (scheduler/keepalive.py)."""
        added = 0
        for name in self.deliverable:
            channel = self.channels[name]
            if not isinstance(channel, WindowedChannel):
                continue
            try:
                async with self.sessionmaker.begin() as session:
                    added += await plan_keepalives(session, self.clock.now(), channel.window,
                                                   channel=name, channels=self.deliverable)
            except Exception:  # never let the prompts stop the planner's own work
                logger.exception("keep-alive planning on %s failed", name)
        return added

    async def dispatch_tick(self) -> DispatchStats:
        """Send due rows on the channels whose sender lease this process holds."""
        assert self.dispatcher is not None
        if self.dispatcher.stopping:  # never take the lease again once it is given back
            return DispatchStats()
        names = list(self.deliverable)
        if self.elect_sender:
            # a mailbox (web) deposit is one guarded transaction with no platform behind it:
            # any process may do it, so none waits for a dead sender's lease to run out
            names = [n for n in names if self._is_mailbox(n) or await self._hold(n)]
        if not names:
            return DispatchStats()
        return await self.dispatcher.drain(names, max_rounds=20)

    def _is_mailbox(self, channel: str) -> bool:
        return Capability.MAILBOX in self.channels[channel].capabilities

    async def _hold(self, channel: str) -> bool:
        lease = self.leases.setdefault(channel, SenderLease(f"sender:{channel}", self.owner))
        async with self.sessionmaker.begin() as session:
            held = await lease.acquire(session, self.clock.now())
        if held and self.dispatcher is not None:
            self.dispatcher.token = lease.token  # fencing: rows claimed carry owner#epoch
        return held

    async def maintenance_tick(self) -> int:
        """Once a day: expire pending and unfetched web rows whose time has passed."""
        now = self.clock.now()
        async with self.sessionmaker.begin() as session:
            if not await run_once(session, "maintenance", local_date(now).isoformat(),
                                  self.owner, now):
                return 0
            expired = await outbox.expire_overdue(session, now)
            expired += await web_mailbox.expire(session, now)  # deposited, never fetched
            await files.collect_garbage(session, now)
            await button_payloads.collect_garbage(session, now)
            await keyboards.collect_garbage(session, now)
            await collect_expired_uploads(session, now)
            await collect_expired_imports(session, now)
            await finish(session, "maintenance", local_date(now).isoformat(), now)
            return expired

    def stop_taking_work(self) -> None:
        """Shutdown begins: the send in flight finishes, nothing more is claimed or started."""
        if self.dispatcher is not None:
            self.dispatcher.stopping = True

    async def stop(self) -> None:
        """Give back unstarted rows and the sender leases (clean shutdown)."""
        self.stop_taking_work()
        if self.dispatcher is not None:
            released = await self.dispatcher.release()
            if released:
                logger.info("shutdown: %d claimed outbox rows given back", released)
        async with self.sessionmaker.begin() as session:
            for lease in self.leases.values():
                await lease.release(session)
