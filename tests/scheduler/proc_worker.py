"""A separate OS process for the multi-process tests: plan, or dispatch to an append-only log.

    python -m tests.scheduler.proc_worker plan DB_URL ISO_INSTANT REPEAT
    python -m tests.scheduler.proc_worker dispatch DB_URL ISO_INSTANT WORKER_ID LOG_FILE

The dispatch log gets one line per send ("idem_key"), fsync'ed before the send returns, like a
platform that has accepted the message. TROLY_FAULT (scheduler.delivery) chooses a crash point.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime

from bot.channel import Capability, SentMessage
from bot.clock import ManualClock
from bot.db.base import make_engine, make_sessionmaker
from bot.events import ButtonPressed, ChatRef
from bot.messages import OutgoingMessage
from scheduler.delivery import OutboxDispatcher, fault_from_env
from scheduler.planner import plan


class LogChannel:
    """Appends every delivered message's key to a file (the 'platform')."""

    name = "telegram"
    capabilities = frozenset({Capability.BUTTONS})

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.count = 0

    async def send(self, chat: ChatRef, message: OutgoingMessage) -> SentMessage:
        os.write(self.fd, (message.text + "\n").encode())
        os.fsync(self.fd)
        self.count += 1
        return SentMessage(str(self.count))

    async def acknowledge(self, event: ButtonPressed) -> None:
        del event


async def main(argv: list[str]) -> None:
    mode, url, instant = argv[0], argv[1], datetime.fromisoformat(argv[2])
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    clock = ManualClock(instant)
    try:
        if mode == "plan":
            for _ in range(int(argv[3])):
                async with sessionmaker.begin() as session:
                    await plan(session, clock.now(), channels=("telegram",))
        else:
            channel = LogChannel(argv[4])
            dispatcher = OutboxDispatcher(sessionmaker, clock, {"telegram": channel},
                                          worker_id=argv[3], batch_size=20,
                                          fault=fault_from_env())
            await dispatcher.drain()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
