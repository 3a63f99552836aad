"""`troly run` as a real process stops cleanly on SIGTERM (what `docker stop` sends): exit 0, the
Telegram sender lease and the claimed-but-unstarted outbox rows given back, so another process sends
at once. Telegram is the real client against the fake Bot API (web chat needs no sender lease)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import OutboxMessage, WorkerLease
from testkit.fake_telegram import FakeBotAPI
from tests.processes import until, within

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(database_url: str, port: int, telegram: FakeBotAPI) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY_")}
    env.update(TROLY_DATABASE_URL=database_url, TROLY_HTTP_HOST="127.0.0.1",
               TROLY_HTTP_PORT=str(port), TROLY_LOAD_DEMO_GUIDES="false", TROLY_LOG_LEVEL="INFO",
               TROLY_TELEGRAM_TOKEN=telegram.token, TROLY_TELEGRAM_API_URL=telegram.base_url)
    return env


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


async def _lease(sessionmaker: async_sessionmaker[AsyncSession]) -> WorkerLease | None:
    async with sessionmaker() as session:
        return (await session.execute(
            select(WorkerLease).where(WorkerLease.name == "sender:telegram"))).scalar_one_or_none()


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the per-test migrated database (the one `troly run` is given)."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API on 127.0.0.1 for the real aiogram client in `troly run`."""
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def spawn() -> Iterator[list[asyncio.subprocess.Process]]:
    """Processes the test started; any still running at the end are killed."""
    procs: list[asyncio.subprocess.Process] = []
    yield procs
    for proc in procs:
        if proc.returncode is None:
            proc.kill()


async def test_sigterm_stops_troly_run_with_exit_0_and_gives_back_the_lease(
        database_url: str, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path,
        spawn: list[asyncio.subprocess.Process], telegram: FakeBotAPI) -> None:
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "from bot.cli import main; main()", "run",
        cwd=tmp_path, env=_env(database_url, port, telegram),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    spawn.append(proc)

    async def healthy() -> bool:
        if proc.returncode is not None:
            raise AssertionError("troly run exited early")
        return await asyncio.to_thread(_healthy, port)

    async def holds_lease() -> bool:
        lease = await _lease(sessionmaker)
        return lease is not None and lease.owner is not None

    await until(healthy, "/healthz")
    await until(holds_lease, "the sender lease")
    held = await _lease(sessionmaker)
    assert held is not None and held.owner is not None
    # a row this sender claimed and has not started: a clean shutdown gives it back ("pending")
    # instead of leaving it locked for its 3-minute row lease
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        session.add(OutboxMessage(
            idem_key="test:claimed", kind="deadline", channel="telegram", address="42",
            payload={"text": "x"}, due_at=now, not_before=now + timedelta(hours=1),
            status="sending", lease_owner=f"{held.owner}#{held.epoch}",
            lease_until=now + timedelta(minutes=3), attempts=1, max_attempts=8,
            created_at=now, updated_at=now))

    proc.send_signal(signal.SIGTERM)
    _, err = await within(proc.communicate(), "troly run to stop on SIGTERM")

    assert proc.returncode == 0, err.decode()[-3000:]
    assert "Traceback" not in err.decode()
    lease = await _lease(sessionmaker)
    assert lease is not None and lease.owner is None and lease.lease_until is None
    async with sessionmaker() as session:
        row = (await session.execute(select(OutboxMessage).where(
            OutboxMessage.idem_key == "test:claimed"))).scalar_one()
    assert (row.status, row.lease_owner, row.attempts) == ("pending", None, 0)
    assert not await asyncio.to_thread(_healthy, port)  # the port is closed
