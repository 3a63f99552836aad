"""A separate OS process for the multi-process tests: plan, or dispatch to an append-only log.

    python -m tests.scheduler.proc_worker plan DB_URL ISO_INSTANT REPEAT
    python -m tests.scheduler.proc_worker dispatch DB_URL ISO_INSTANT WORKER_ID LOG_FILE
    python -m tests.scheduler.proc_worker sender DB_URL now OWNER LOG_FILE SEND_SECONDS

`sender` is a whole process's sending side on the real clock: the dispatch tick every 0.2 s
behind the sender lease (TTL 3 s here, 30 s in production), until no row is left to send.

The dispatch log gets one line per send ("idem_key"), fsync'ed before the send returns, like a
platform that has accepted the message. TROLY_FAULT (scheduler.delivery) chooses a crash point.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import Capability, SentMessage
from bot.clock import ManualClock, SystemClock
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import OutboxMessage
from bot.events import ButtonPressed, ChannelName, ChatRef
from bot.messages import OutgoingMessage
from scheduler.delivery import OutboxDispatcher, fault_from_env
from scheduler.lease import SenderLease
from scheduler.planner import send_guards
from scheduler.planning import plan
from scheduler.ticks import Ticks


class LogChannel:
    """Appends every delivered message's key to a file (the 'platform')."""

    name: ChannelName = "telegram"
    capabilities = frozenset({Capability.BUTTONS})

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.count = 0

    delay = 0.0

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow platform: the crash comes mid-queue
        os.write(self.fd, (message.text + "\n").encode())
        os.fsync(self.fd)
        self.count += 1
        return SentMessage(str(self.count))

    async def acknowledge(self, event: ButtonPressed) -> None:
        del event


async def send_until_done(sessionmaker: async_sessionmaker[AsyncSession], owner: str,
                          log: str, delay: float) -> None:
    """Dispatch ticks on the real clock behind a short sender lease until nothing is left."""
    channel = LogChannel(log)
    channel.delay = delay
    clock = SystemClock()
    dispatcher = OutboxDispatcher(sessionmaker, clock, {"telegram": channel}, worker_id=owner,
                                  lease_ttl=timedelta(seconds=3), batch_size=1, guards=send_guards())
    ticks = Ticks(sessionmaker, clock, {"telegram": channel}, owner=owner,
                  channel_order=("telegram",), dispatcher=dispatcher)
    ticks.leases["telegram"] = SenderLease("sender:telegram", owner, ttl=timedelta(seconds=3))
    deadline = asyncio.get_running_loop().time() + 90
    while asyncio.get_running_loop().time() < deadline:
        await ticks.dispatch_tick()
        async with sessionmaker() as session:
            left = (await session.execute(select(func.count()).where(
                OutboxMessage.status.in_(["pending", "sending"])))).scalar_one()
        if not left:
            return
        await asyncio.sleep(0.2)
    raise SystemExit("rows left after 90 s")


async def main(argv: list[str]) -> None:
    mode, url = argv[0], argv[1]
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    if mode == "sender":
        try:
            await send_until_done(sessionmaker, argv[3], argv[4], float(argv[5]))
        finally:
            await engine.dispose()
        return
    clock = ManualClock(datetime.fromisoformat(argv[2]))
    try:
        if mode == "plan":
            for _ in range(int(argv[3])):
                async with sessionmaker.begin() as session:
                    await plan(session, clock.now(), channels=("telegram",))
        else:
            channel = LogChannel(argv[4])
            dispatcher = OutboxDispatcher(sessionmaker, clock, {"telegram": channel},
                                          worker_id=argv[3], batch_size=20,
                                          fault=fault_from_env(), guards=send_guards())
            await dispatcher.drain()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
