"""A whole `troly run` (web server, scheduler, outbox dispatcher, web channel) killed with SIGKILL and
started again: a reminder queued for a web user is fetched after the restart, exactly as README's
delivery promise says. Real processes, real HTTP, the real clock; SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db import web_tokens
from bot.db.models import ChatAccount, OutboxMessage
from scheduler.delivery import FAULT_ENV
from tests.processes import until
from tests.world import World

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SESSION = "web-crash-1"
TEXT = "Nhắc hạn: NV01 còn 3 ngày"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Troly:
    """`troly run` as a child process on a database and a port."""

    database_url: str
    workdir: Path
    port: int = field(default_factory=_free_port)
    token: str = ""
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of its web server."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, fault: str | None = None) -> None:
        """Start `troly run` (scheduler on, web only, no demo guides)."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TROLY_") or k.startswith("TROLY_TEST_")}
        env.update(TROLY_DATABASE_URL=self.database_url, TROLY_HTTP_HOST="127.0.0.1",
                   TROLY_HTTP_PORT=str(self.port), TROLY_LOAD_DEMO_GUIDES="false",
                   TROLY_SCHEDULER_ENABLED="true", TROLY_REMINDER_CHANNELS='["web"]',
                   PYTHONPATH=str(ROOT))
        if fault:
            env[FAULT_ENV] = fault
        log = (self.workdir / f"troly-{time.monotonic_ns()}.log").open("wb")
        self.proc = subprocess.Popen([sys.executable, "-c", "from bot.cli import main; main()",
                                      "run"], cwd=self.workdir, env=env, stdout=log,
                                     stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def logs(self) -> str:
        """Everything the runs wrote (for failure messages)."""
        return "\n".join(p.read_text(errors="replace")[-3000:]
                         for p in sorted(self.workdir.glob("troly-*.log")))

    async def wait_healthy(self, http: aiohttp.ClientSession) -> None:
        """Until /healthz answers (the process is up and serving)."""
        async def healthy() -> bool:
            assert self.proc is not None and self.proc.poll() is None, self.logs()
            try:
                async with http.get(self.url + "/healthz") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        await until(healthy, "troly run to start", every=0.3, detail=self.logs)

    async def fetch(self, http: aiohttp.ClientSession, **params: Any) -> dict[str, Any]:
        """GET /api/messages for the web user, with their login."""
        async with http.get(self.url + "/api/messages", params={"session": SESSION, **params},
                            headers={"Authorization": f"Bearer {self.token}"}) as response:
            assert response.status == 200, await response.text()
            body: dict[str, Any] = await response.json()
            return body


@pytest.fixture
def troly(database_url: str, tmp_path: Path) -> Iterator[Troly]:
    run = Troly(database_url, tmp_path)
    yield run
    if run.proc is not None and run.proc.poll() is None:
        run.kill()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session


async def _queue_reminder(world: World, sessionmaker: async_sessionmaker[AsyncSession],
                          troly: Troly) -> None:
    """An official logged in on the web session, and a deadline reminder due now for them."""
    await world.unit("P1")
    official = await world.official("CB1", "P1", accounts={"web": SESSION})
    now = datetime.now(UTC) - timedelta(minutes=1)
    async with sessionmaker.begin() as s:
        account = (await s.execute(select(ChatAccount))).scalar_one()
        troly.token = (await web_tokens.issue(s, account, now, timedelta(days=30))).token
        s.add(OutboxMessage(idem_key=f"deadline:1:T-3:{official}:web", kind="deadline",
                            recipient_id=official, channel="web", address=SESSION,
                            payload={"text": TEXT}, due_at=now, not_before=now, status="pending",
                            attempts=0, max_attempts=8, created_at=now, updated_at=now))


async def _status(sessionmaker: async_sessionmaker[AsyncSession]) -> str:
    async with sessionmaker() as s:
        return str((await s.execute(select(OutboxMessage.status))).scalar_one())


async def _wait_status(sessionmaker: async_sessionmaker[AsyncSession], troly: Troly,
                       leaves: str = "pending") -> str:
    """Until the reminder's row is no longer `leaves` (the running dispatcher took it)."""
    status = ""

    async def taken() -> bool:
        nonlocal status
        status = await _status(sessionmaker)
        return status not in (leaves, "sending")

    await until(taken, "the dispatcher to take the row", every=0.3, detail=troly.logs)
    return status


def _texts(body: dict[str, Any]) -> list[str]:
    return [r["text"] for r in body["replies"]]


async def test_reminder_queued_for_a_web_user_is_fetched_after_sigkill(
        troly: Troly, http: aiohttp.ClientSession, world: World,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _queue_reminder(world, sessionmaker, troly)
    troly.start()
    await troly.wait_healthy(http)
    await _wait_status(sessionmaker, troly)  # handed to the web channel while the page was closed
    troly.kill()
    troly.start()
    await troly.wait_healthy(http)
    body = await troly.fetch(http)
    assert _texts(body) == [TEXT]


async def test_a_fetch_the_client_never_acknowledged_is_fetched_again_after_sigkill(
        troly: Troly, http: aiohttp.ClientSession, world: World,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _queue_reminder(world, sessionmaker, troly)
    troly.start()
    await troly.wait_healthy(http)
    await _wait_status(sessionmaker, troly)
    first = await troly.fetch(http)  # the response is lost on its way: no acknowledgement follows
    assert _texts(first) == [TEXT]
    assert await _status(sessionmaker) != "sent"  # fetched is not delivered until acknowledged
    troly.kill()
    troly.start()
    await troly.wait_healthy(http)
    again = await troly.fetch(http)
    assert _texts(again) == [TEXT]
    acked = await troly.fetch(http, after=again["replies"][-1]["id"])
    assert acked["replies"] == []
    assert await _status(sessionmaker) == "sent"
    troly.kill()  # and an acknowledged message does not come back after another crash
    troly.start()
    await troly.wait_healthy(http)
    assert (await troly.fetch(http))["replies"] == []


async def test_killed_right_after_the_mailbox_took_the_reminder_it_comes_once(
        troly: Troly, http: aiohttp.ClientSession, world: World,
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await _queue_reminder(world, sessionmaker, troly)
    troly.start(fault="after_send:1")  # SIGKILLs itself right after handing the row over
    assert troly.proc is not None
    proc = troly.proc
    await until(lambda: proc.poll() is not None, "the process to kill itself", every=0.3,
                detail=troly.logs)
    assert troly.proc.returncode == -9, troly.logs()
    troly.start()
    await troly.wait_healthy(http)
    await _wait_status(sessionmaker, troly)
    body = await troly.fetch(http)
    assert _texts(body) == [TEXT]  # exactly once: the hand-over is one transaction
