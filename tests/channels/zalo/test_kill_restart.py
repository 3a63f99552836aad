"""`troly run` killed with SIGKILL while a Zalo event is in flight: the restarted process finishes it.

Real processes, the real Zalo client against the fake OA, a real webhook POST. Two places to die:
before the event is processed (a file download hangs) and after its transaction committed, while
the answer is being sent (the fake OA hangs on the send).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import urllib.request
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import InboundEventRow
from bot.texts import common as C
from bot.texts import guides as G
from testkit.fake_zalo import OA_SECRET_KEY, FakeZalo, sign_webhook, webhook_event
from tests.processes import until, within

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the per-test migrated database (the one `troly run` is given)."""
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    """The fake OA for the real client in `troly run`."""
    server = FakeZalo()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def procs() -> AsyncIterator[list[asyncio.subprocess.Process]]:
    """Processes the test started; any still running at the end are killed (and reaped)."""
    started: list[asyncio.subprocess.Process] = []
    yield started
    for proc in started:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


class Troly:
    """Starts `troly run` processes on one database, Zalo pointed at the fake."""

    def __init__(self, database_url: str, fake: FakeZalo, tmp: Path,
                 procs: list[asyncio.subprocess.Process]) -> None:
        access, refresh = fake.issue_tokens()
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY_")}
        self.env.update(
            TROLY_DATABASE_URL=database_url, TROLY_HTTP_HOST="127.0.0.1",
            TROLY_HTTP_PORT=str(self.port), TROLY_LOAD_DEMO_GUIDES="false",
            TROLY_SCHEDULER_ENABLED="false", TROLY_LOG_LEVEL="INFO",
            TROLY_ZALO_APP_ID=fake.app_id, TROLY_ZALO_APP_SECRET=fake.app_secret,
            TROLY_ZALO_OA_SECRET_KEY=OA_SECRET_KEY, TROLY_ZALO_ACCESS_TOKEN=access,
            TROLY_ZALO_REFRESH_TOKEN=refresh, TROLY_ZALO_API_URL=fake.url,
            TROLY_ZALO_OAUTH_URL=fake.url, TROLY_ZALO_INBOUND_LEASE_SECONDS="2",
            TROLY_ZALO_INBOUND_POLL_SECONDS="0.3")
        self.tmp = tmp
        self.procs = procs
        self.started = 0

    async def start(self) -> asyncio.subprocess.Process:
        """A new `troly run`, once it answers /healthz."""
        self.started += 1
        with (self.tmp / f"troly-{self.started}.log").open("wb") as log:  # read on failure
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "from bot.cli import main; main()", "run", cwd=self.tmp,
                env=self.env, stdout=asyncio.subprocess.DEVNULL, stderr=log)
        self.procs.append(proc)

        async def healthy() -> bool:
            if proc.returncode is not None:
                raise AssertionError("troly run exited early")
            return await asyncio.to_thread(_healthy, self.port)

        log_path = self.tmp / f"troly-{self.started}.log"
        await until(healthy, "/healthz",
                    detail=lambda: log_path.read_text(errors="replace")[-3000:])
        return proc

    async def post(self, payload: dict[str, object]) -> int:
        """POST a signed webhook; the HTTP status."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json",
                   "X-ZEvent-Signature": sign_webhook(body, "4242", str(payload["timestamp"]))}
        async with aiohttp.ClientSession() as session, session.post(
                f"http://127.0.0.1:{self.port}/zalo/webhook", data=body,
                headers=headers) as response:
            return response.status


async def _status(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessionmaker() as session:
        return list((await session.execute(select(InboundEventRow.status))).scalars().all())


async def _kill(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGKILL)
    await within(proc.wait(), "the killed process to end")


async def test_killed_while_sending_the_answer_the_restart_sends_it_once(
        database_url: str, sessionmaker: async_sessionmaker[AsyncSession], fake: FakeZalo,
        tmp_path: Path, procs: list[asyncio.subprocess.Process]) -> None:
    troly = Troly(database_url, fake, tmp_path, procs)
    first = await troly.start()
    fake.fail_next(hang_seconds=15)  # the first send never gets its answer
    payload = webhook_event("user_send_text", "u1", datetime.now(UTC), msg_id="kill1",
                            text="/trogiup")
    assert await troly.post(payload) == 200

    async def sending() -> bool:
        return any(r.path == "/v3.0/oa/message/cs" for r in fake.requests)

    await until(sending, "troly to be sending the answer")
    await _kill(first)  # mid-send: the event's transaction has committed
    assert await _status(sessionmaker) == ["answered"]
    assert fake.sent == []
    second = await troly.start()

    async def answered() -> bool:
        return len(fake.sent_texts("u1")) >= 1 and await _status(sessionmaker) == ["done"]

    await until(answered, "the restarted process to send the stored answer")
    texts = fake.sent_texts("u1")
    assert len(texts) == 1 and C.HELP_HEADER in texts[0]
    second.send_signal(signal.SIGTERM)
    await within(second.wait(), "troly run to stop on SIGTERM")
    log = (tmp_path / "troly-2.log").read_text()
    assert second.returncode == 0 and "Traceback" not in log, log[-3000:]


async def test_killed_before_processing_the_restart_processes_it(
        database_url: str, sessionmaker: async_sessionmaker[AsyncSession], fake: FakeZalo,
        tmp_path: Path, procs: list[asyncio.subprocess.Process]) -> None:
    downloads = 0

    async def cdn(request: web.Request) -> web.Response:
        nonlocal downloads
        downloads += 1
        if downloads == 1:
            await asyncio.sleep(15)  # the first process dies waiting here
        return web.Response(body=b"%PDF-1.4 not really", content_type="application/pdf")

    cdn_app = web.Application()
    cdn_app.router.add_get("/f/{name}", cdn)
    cdn_server = TestServer(cdn_app, host="127.0.0.1")
    await cdn_server.start_server()
    try:
        troly = Troly(database_url, fake, tmp_path, procs)
        first = await troly.start()
        payload = webhook_event("user_send_file", "u2", datetime.now(UTC), msg_id="kill2",
                                attachments=[{"type": "file", "payload": {
                                    "url": str(cdn_server.make_url("/f/bao-cao.pdf")),
                                    "name": "bao-cao.pdf", "size": "19", "type": "pdf"}}])
        assert await troly.post(payload) == 200

        async def downloading() -> bool:
            return downloads == 1

        await until(downloading, "troly to be downloading the file")
        await _kill(first)  # stored, acknowledged, not processed
        assert await _status(sessionmaker) == ["pending"]
        await troly.start()

        async def answered() -> bool:
            return bool(fake.sent_texts("u2")) and await _status(sessionmaker) == ["done"]

        await until(answered, "the restarted process to process the stored event")
        # a stranger sending a file: told that only admins add guides, once
        assert fake.sent_texts("u2") == [G.ONLY_ADMINS_UPLOAD]
        assert downloads == 2
    finally:
        await cdn_server.close()
