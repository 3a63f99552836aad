"""Inbound load: webhook events → `troly run` (separate process) → replies to a fake platform API.

Telegram: this process runs the fake Bot API server (testkit/fake_telegram.py; it receives troly's
replies) and the feeder (an HTTP client POSTing webhook updates with the secret header).
Zalo: the fake OA (testkit/fake_zalo.py) and a feeder POSTing signed `user_send_text` events to
/zalo/webhook; troly stores each event before its 200 and processes it from storage.
troly runs as `troly run` in a child process: webhook mode, SQLite in a temporary directory,
scheduler off. Everything is on 127.0.0.1.

Two runs of the same questions and the same code path:
  * baseline: an empty knowledge base (the Q&A handler answers "no guides yet");
  * demo: the bundled demo guides loaded (the real search and answer formatting).
Telegram also gets the anchor a user would compare with: a minimal aiogram 3 webhook bot (its own
Dispatcher and SimpleRequestHandler, acknowledging after the handler) that answers every message
with a fixed text and stores nothing, in a child process like troly, against the same fake Bot
API, fed the same way. troly's ratio to it is printed. `troly run` picks uvloop when it is installed
(TROLY_EVENT_LOOP, passed through from this environment): the anchor then runs a second time on
uvloop too, so that a ratio compares the same event loop, and troly's ratio to both is printed.
For each: sustained questions answered per second (questions / time from the first POST to the
last reply), latency percentiles (POST sent → troly's reply received by the fake server), and the
server process's CPU time per answered question (Linux /proc; the steadiest figure on a machine
shared with other work, where wall-clock rates swing from run to run). On PostgreSQL the server
shares the machine too: its CPU per answer is printed beside troly's (the backends serving the
bench database, sampled from /proc while the questions run; the server's background processes on
a line of their own, as they serve every database there), with the transactions and the new
connections per answer. A backend living less than the sampling interval (0.2 s) is missed, so
with many new connections per answer the server's CPU is undercounted.
Concurrency = number of simulated users typing at once; each user waits for the answer before
asking again (one question in flight per chat). `--mix presses` (Telegram): a user whose last
reply carried buttons presses one (a choice button first: 'Hữu ích' under an answer) instead of
asking, so about every other event is a button press (callback_query); the rows then count
events, the presses among them printed beside.

    .venv/bin/python bench/inbound.py                     # 2,000 questions, 20 users
    .venv/bin/python bench/inbound.py --questions 500 --concurrency 10
    .venv/bin/python bench/inbound.py --channel zalo      # telegram | zalo | both (default)
    .venv/bin/python bench/inbound.py --channel telegram --no-baseline   # anchors + demo only
    TROLY_EVENT_LOOP=asyncio .venv/bin/python bench/inbound.py --channel telegram --no-baseline
    .venv/bin/python bench/inbound.py --repeat 5 --no-baseline   # medians of interleaved runs
    .venv/bin/python bench/inbound.py --repeat 4 --compare-with ../main   # A/B, medians side by side
    .venv/bin/python bench/inbound.py --instructions --no-baseline   # callgrind: instructions/answer
    .venv/bin/python bench/inbound.py --channel telegram --no-baseline --mix presses
    .venv/bin/python bench/inbound.py --channel telegram --processes 2 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import inbound_repeat  # noqa: E402  (bench/: --repeat, --compare-with, --instructions)

from testkit.fake_telegram import FakeBotAPI  # noqa: E402
from testkit.fake_zalo import OA_SECRET_KEY, FakeZalo, sign_webhook  # noqa: E402

SECRET = "bench-secret_1"
ANCHOR_TEXT = "Đã nhận câu hỏi."
QUESTIONS = [
    "thu tuc bao cao tien do hang tuan",
    "hạn nộp báo cáo tiến độ là khi nào",
    "chu ky so cho van ban dien tu",
    "cách ký số văn bản điện tử",
    "dich vu cong truc tuyen muc do 4",
    "nộp hồ sơ dịch vụ công trực tuyến như thế nào",
    "chuyen doi so cap xa can lam gi",
    "tổ công nghệ số cộng đồng",
    "bao cao tien do khi nhiem vu bi cham",
    "luu tru van ban dien tu",
]


@dataclass
class Result:
    """One configuration's figures."""

    name: str
    questions: int
    seconds: float
    latencies: list[float]
    errors: int
    #: CPU seconds the server process used per answered question (None: no /proc)
    cpu_per_answer: float | None = None
    #: PostgreSQL: CPU seconds of the backends serving the bench database, per answered question
    db_cpu_per_answer: float | None = None
    #: PostgreSQL: CPU seconds of the server's background processes (WAL writer, checkpointer…)
    db_background_cpu_per_answer: float | None = None
    #: PostgreSQL: transactions (commits + rollbacks) on the bench database per answered question
    db_transactions_per_answer: float | None = None
    #: PostgreSQL: connections opened to the bench database per answered question
    db_connections_per_answer: float | None = None
    #: CPU seconds of this bench process (the feeder and the fake platform API) per answer
    bench_cpu_per_answer: float | None = None
    #: instructions the server process ran per answered question (--instructions: callgrind)
    instructions_per_answer: float | None = None
    #: --mix presses: how many of the answered events were button presses
    presses: int = 0

    @property
    def rate(self) -> float:
        """Questions answered per second."""
        return self.questions / self.seconds

    def pct(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _on_server(url: str, statement: str) -> None:
    """Run one statement on the maintenance database of `url`'s PostgreSQL server."""
    import asyncpg  # only for --database-url
    from sqlalchemy.engine import make_url

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql", database="postgres")
                                 .render_as_string(hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _fresh_postgres(url: str) -> str:
    """A new, empty database on the PostgreSQL server of `url` (dropped by _drop_postgres)."""
    from sqlalchemy.engine import make_url

    name = f"troly_bench_{os.getpid()}_{time.monotonic_ns()}"
    await _on_server(url, f'CREATE DATABASE "{name}"')
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def _drop_postgres(url: str) -> None:
    """Drop the database of `url` (made by _fresh_postgres), even with sessions left open."""
    from sqlalchemy.engine import make_url

    await _on_server(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_of(pids: list[int]) -> float | None:
    """CPU seconds of several processes together (None if one is unknown)."""
    times = [_cpu_seconds(pid) for pid in pids]
    return None if None in times else sum(t for t in times if t is not None)


def _with_cpu(result: Result, pids: list[int], before: float | None) -> Result:
    after = _cpu_of(pids)
    if before is not None and after is not None and result.questions:
        result.cpu_per_answer = (after - before) / result.questions
    return result


class ServerCpu:
    """CPU of a local PostgreSQL server while a run goes: its processes' /proc times, sampled.

    Backends come and go with troly's connection pool, so their pids are polled from
    pg_stat_activity every `every` seconds; a backend's CPU counts from the first sample that saw
    it (from zero when it appeared after the start) to the last one. Background processes
    (no database) serve every database on the server and are summed apart.
    """

    def __init__(self, url: str, *, every: float = 0.2) -> None:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        self._database = parsed.database
        self._admin_url = (parsed.set(drivername="postgresql", database="postgres")
                           .render_as_string(hide_password=False))
        self._every = every
        self._first: dict[int, tuple[bool, float]] = {}  # pid → (background?, CPU when first seen)
        self._last: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._conn: Any = None
        self._transactions = (0, 0)  # transactions, sessions (connections) so far
        self.available = True

    async def _transactions_so_far(self) -> tuple[int, int]:
        row = await self._conn.fetchrow(
            "SELECT xact_commit + xact_rollback AS transactions, sessions "
            "FROM pg_stat_database WHERE datname = $1", self._database)
        return int(row["transactions"]), int(row["sessions"])

    async def _sample(self, *, starting: bool = False) -> None:
        rows = await self._conn.fetch(
            "SELECT pid, datname IS NULL AS background FROM pg_stat_activity "
            "WHERE (datname = $1 OR datname IS NULL) AND pid <> pg_backend_pid()", self._database)
        for row in rows:
            cpu = _cpu_seconds(row["pid"])
            if cpu is None:
                continue
            if row["pid"] not in self._first:
                self._first[row["pid"]] = (row["background"], cpu if starting else 0.0)
            self._last[row["pid"]] = cpu

    async def start(self) -> None:
        """First sample, then keep sampling in the background."""
        import asyncpg

        self._conn = await asyncpg.connect(self._admin_url)
        self._transactions = await self._transactions_so_far()
        await self._sample(starting=True)
        self.available = bool(self._last)  # no /proc of the server: another machine

        async def loop() -> None:
            while True:
                await asyncio.sleep(self._every)
                await self._sample()

        self._task = asyncio.create_task(loop())

    async def stop(self, result: Result) -> None:
        """Last sample; put the figures per answered question on `result`."""
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._sample()
        # the statistics collector reports a backend's counts within about a second
        await asyncio.sleep(1.0)
        transactions, sessions = await self._transactions_so_far()
        await self._conn.close()
        if not result.questions:
            return
        result.db_transactions_per_answer = (transactions - self._transactions[0]) / result.questions
        result.db_connections_per_answer = (sessions - self._transactions[1]) / result.questions
        if not self.available:
            return
        spent = {False: 0.0, True: 0.0}
        for pid, (background, first) in self._first.items():
            spent[background] += self._last[pid] - first
        result.db_cpu_per_answer = spent[False] / result.questions
        result.db_background_cpu_per_answer = spent[True] / result.questions


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _update(update_id: int, user_id: int, text: str) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "Bench"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Bench"}}}


TROLY_RUN = ("-c", "from bot.cli import main; main()", "run")


class Probe(Protocol):
    """Something watching the server processes of a run (bench/inbound_repeat.py's Callgrind)."""

    #: the server processes start as [*prefix, python, …] with these variables added
    prefix: tuple[str, ...]
    env: dict[str, str]
    #: how long a server may take to start under the probe (seconds)
    start_within: float

    async def start(self, pids: list[int]) -> None:
        """Right before the measured questions (after the warm-up)."""

    async def stop(self, pids: list[int], result: Result) -> None:
        """Right after the measured questions: put the probe's figures on `result`."""


def _spawn(workdir: Path, env: dict[str, str], argv: tuple[str, ...] = TROLY_RUN, *,
           python: str = sys.executable, probe: Probe | None = None) -> subprocess.Popen[bytes]:
    """`troly run` (or another server) in the background, its log in workdir/troly.log."""
    prefix = probe.prefix if probe is not None else ()
    if probe is not None:
        env = {**env, **probe.env}
    with (workdir / "troly.log").open("wb") as log:
        return subprocess.Popen([*prefix, python, *argv], cwd=workdir, env=env,
                                stdout=subprocess.DEVNULL, stderr=log)


def _base_env(workdir: Path, port: int, *, demo: bool,
              database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TROLY_ZALO", "TROLY_TELEGRAM"))}
    return {**env,
            "TROLY_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{workdir / 'troly.db'}",
            "TROLY_HTTP_HOST": "127.0.0.1", "TROLY_HTTP_PORT": str(port),
            "TROLY_LOG_LEVEL": "WARNING", "TROLY_SCHEDULER_ENABLED": "false",
            "TROLY_LOAD_DEMO_GUIDES": "true" if demo else "false"}


async def _start_troly(fake: FakeBotAPI, workdir: Path, *, demo: bool,
                       database_url: str | None = None, python: str = sys.executable,
                       probe: Probe | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**_base_env(workdir, port, demo=demo, database_url=database_url),
           "TROLY_TELEGRAM_TOKEN": fake.token, "TROLY_TELEGRAM_API_URL": fake.base_url,
           "TROLY_TELEGRAM_WEBHOOK_URL": "https://bench.invalid/telegram/webhook",
           "TROLY_TELEGRAM_WEBHOOK_SECRET": SECRET}
    process = _spawn(workdir, env, python=python, probe=probe)
    return process, await _wait_ready(process, workdir, port, lambda: fake.webhook is not None,
                                      within=_start_within(probe))


def serve_anchor(port: int, event_loop: str) -> None:
    """The anchor: a minimal aiogram webhook bot answering every message with ANCHOR_TEXT."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    bot = Bot(os.environ["BENCH_TOKEN"], session=AiohttpSession(
        api=TelegramAPIServer.from_base(os.environ["BENCH_API_URL"])))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def answer(message: Message) -> None:
        await message.answer(ANCHOR_TEXT)

    async def healthz(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    # acknowledge after the handler ran (like troly's webhook), not before
    SimpleRequestHandler(dispatcher, bot, secret_token=SECRET,
                         handle_in_background=False).register(app, path="/telegram/webhook")
    app.router.add_get("/healthz", healthz)
    loop = None
    if event_loop == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    web.run_app(app, host="127.0.0.1", port=port, print=None, loop=loop)


def troly_event_loop() -> str:
    """The event loop `troly run` will pick here (TROLY_EVENT_LOOP of this environment)."""
    from bot.cli.core import choose_event_loop

    return choose_event_loop(os.environ.get("TROLY_EVENT_LOOP") or "auto")[0]


async def _start_anchor(fake: FakeBotAPI, workdir: Path, event_loop: str,
                        probe: Probe | None = None) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, "BENCH_TOKEN": fake.token, "BENCH_API_URL": fake.base_url}
    process = _spawn(workdir, env, (__file__, "--serve-anchor", str(port),
                                    "--anchor-loop", event_loop), probe=probe)
    return process, await _wait_ready(process, workdir, port, lambda: True,
                                      within=_start_within(probe))


def _start_within(probe: Probe | None) -> float:
    return 120.0 if probe is None else probe.start_within


async def _wait_ready(process: subprocess.Popen[bytes], workdir: Path, port: int,
                      ready: Callable[[], bool], *, within: float = 120.0) -> int:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError((workdir / "troly.log").read_text()[-2000:])
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200 and ready():
                        return port
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    process.kill()
    raise RuntimeError(f"troly did not start in {within:.0f} s")


def _more_than(chat: str, count: int) -> Callable[[FakeBotAPI], bool]:
    return lambda fake: fake.sent_per_chat[chat] > count


def _button_on_last(fake: FakeBotAPI, chat: str) -> tuple[int, str] | None:
    """The last message sent to `chat` (its id) and a button on it to press (a choice first,
    else a navigation button), or None when it has none."""
    for i in range(len(fake.sent) - 1, max(-1, len(fake.sent) - 500), -1):
        params = fake.sent[i]
        if str(params.get("chat_id")) != chat:
            continue
        markup = params.get("reply_markup") or {}
        data = [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]
        data.sort(key=lambda d: d.startswith("^"))  # choices first (stable)
        return (fake.sent_ids[i], data[0]) if data else None
    return None


async def _feed(fake: FakeBotAPI, ports: list[int], *, questions: int, concurrency: int,
                first_update: int, mix: str = "questions") -> Result:
    """Each user posts to one of the processes (round robin over users); with mix 'presses' a
    user presses a button of the last reply when it has one."""
    ids = itertools.count(first_update)
    todo = iter(range(questions))
    latencies: list[float] = []
    errors = presses = 0

    async def user(session: aiohttp.ClientSession, user_id: int, port: int) -> None:
        nonlocal errors, presses
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        chat = str(user_id)
        press: tuple[int, str] | None = None
        for n in todo:
            if press is not None:
                message_id, data = press
                update = fake.callback_update(user_id, data, message_id=message_id,
                                              name="Bench") | {"update_id": next(ids)}
            else:
                update = _update(next(ids), user_id, QUESTIONS[n % len(QUESTIONS)])
            before = fake.sent_per_chat[chat]
            started = time.monotonic()
            async with session.post(url, json=update,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
                await resp.read()
                ok = resp.status == 200
            if not ok:
                errors += 1
                continue
            # the webhook acks after the reply was sent; wait in case it was acked early
            await fake.wait_for(_more_than(chat, before), within=30)
            latencies.append(fake.last_sent_at[chat] - started)
            presses += press is not None
            press = _button_on_last(fake, chat) if mix == "presses" and press is None else None

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        await asyncio.gather(*(user(session, 500000 + first_update + u, ports[u % len(ports)])
                               for u in range(concurrency)))
        seconds = time.monotonic() - started
    return Result("", len(latencies), seconds, latencies, errors, presses=presses)


class BenchZalo(FakeZalo):
    """The fake OA, counting accepted messages per user with their arrival time."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_per_user: Counter[str] = Counter()
        self.last_sent_at: dict[str, float] = {}
        self._changed = asyncio.Condition()

    async def _send(self, request: web.Request) -> web.Response:
        response = await super()._send(request)
        assert isinstance(response.body, bytes)
        answer = json.loads(response.body)
        if answer.get("error") == 0:
            user = str(answer["data"]["user_id"])
            self.sent_per_user[user] += 1
            self.last_sent_at[user] = time.monotonic()
            async with self._changed:
                self._changed.notify_all()
        return response

    async def wait_for(self, predicate: Callable[[BenchZalo], bool], within: float) -> None:
        """Wait until predicate(self) holds (re-checked after every accepted message)."""
        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self))
        await asyncio.wait_for(_wait(), within)


async def _start_troly_zalo(fake: BenchZalo, workdir: Path, *, demo: bool) -> tuple[
        subprocess.Popen[bytes], int]:
    port = _free_port()
    access, refresh = fake.issue_tokens()
    env = {**_base_env(workdir, port, demo=demo),
           "TROLY_ZALO_APP_ID": fake.app_id, "TROLY_ZALO_APP_SECRET": fake.app_secret,
           "TROLY_ZALO_OA_SECRET_KEY": OA_SECRET_KEY, "TROLY_ZALO_ACCESS_TOKEN": access,
           "TROLY_ZALO_REFRESH_TOKEN": refresh, "TROLY_ZALO_API_URL": fake.url,
           "TROLY_ZALO_OAUTH_URL": fake.url}
    process = _spawn(workdir, env)
    return process, await _wait_ready(process, workdir, port, lambda: True)


def _zalo_event(msg_id: int, user_id: int, text: str) -> tuple[bytes, dict[str, str]]:
    ts = str(int(time.time() * 1000))
    body = json.dumps({"app_id": "4242", "user_id_by_app": f"app-{user_id}",
                       "event_name": "user_send_text", "timestamp": ts,
                       "sender": {"id": str(user_id)}, "recipient": {"id": "999"},
                       "message": {"msg_id": f"bench{msg_id}", "text": text}}).encode()
    return body, {"Content-Type": "application/json",
                  "X-ZEvent-Signature": sign_webhook(body, "4242", ts)}


async def _feed_zalo(fake: BenchZalo, port: int, *, questions: int, concurrency: int,
                     first_update: int) -> Result:
    url = f"http://127.0.0.1:{port}/zalo/webhook"
    ids = itertools.count(first_update)
    todo = iter(range(questions))
    latencies: list[float] = []
    errors = 0

    async def user(session: aiohttp.ClientSession, user_id: int) -> None:
        nonlocal errors
        for n in todo:
            chat = str(user_id)
            before = fake.sent_per_user[chat]
            body, headers = _zalo_event(next(ids), user_id, QUESTIONS[n % len(QUESTIONS)])
            started = time.monotonic()
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                ok = resp.status == 200
            if not ok:
                errors += 1
                continue
            # the 200 means "stored"; the answer comes after, from storage
            def answered(f: BenchZalo, c: str = chat, b: int = before) -> bool:
                return f.sent_per_user[c] > b

            await fake.wait_for(answered, within=30)
            latencies.append(fake.last_sent_at[chat] - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        await asyncio.gather(*(user(session, 700000 + first_update + u)
                               for u in range(concurrency)))
        seconds = time.monotonic() - started
    return Result("", len(latencies), seconds, latencies, errors)


async def measure_zalo(name: str, *, demo: bool, questions: int, concurrency: int,
                       warmup: int) -> Result:
    """The same run through the Zalo webhook (store, 200, process from storage)."""
    with tempfile.TemporaryDirectory(prefix="troly-bench-") as tmp:
        fake = BenchZalo()
        await fake.start()
        try:
            process, port = await _start_troly_zalo(fake, Path(tmp), demo=demo)
            try:
                await _feed_zalo(fake, port, questions=warmup, concurrency=concurrency,
                                 first_update=1)
                cpu = _cpu_seconds(process.pid)
                result = _with_cpu(await _feed_zalo(fake, port, questions=questions,
                                                    concurrency=concurrency, first_update=100000),
                                   [process.pid], cpu)
            finally:
                process.terminate()
                process.wait(timeout=30)
        finally:
            await fake.close()
    result.name = name
    return result


async def measure(name: str, *, demo: bool | None, questions: int, concurrency: int,
                  warmup: int, database_url: str | None = None, processes: int = 1,
                  anchor_loop: str = "asyncio", python: str = sys.executable,
                  probe: Probe | None = None, mix: str = "questions") -> Result:
    """Start troly (demo None: the aiogram anchor on `anchor_loop`), warm it up, feed the
    questions, stop it.

    With `database_url` (PostgreSQL) troly runs on a fresh database there, as `processes`
    processes behind one webhook (the users spread over them); the anchor is always one process.
    `python` runs troly (another checkout's .venv/bin/python runs that checkout's troly: its
    editable install); `probe` wraps the server processes (--instructions: callgrind).
    """
    db = await _fresh_postgres(database_url) if database_url and demo is not None else None
    try:
        with tempfile.TemporaryDirectory(prefix="troly-bench-") as tmp:
            async with FakeBotAPI() as fake:
                started: list[subprocess.Popen[bytes]] = []
                ports: list[int] = []
                try:
                    if demo is None:
                        process, port = await _start_anchor(fake, Path(tmp), anchor_loop,
                                                            probe)
                        started.append(process)
                        ports.append(port)
                    else:
                        # one after the other: the first migrates and loads the demo guides
                        for i in range(processes if db else 1):
                            workdir = Path(tmp) / f"troly{i}"
                            workdir.mkdir()
                            process, port = await _start_troly(fake, workdir, demo=demo,
                                                               database_url=db, python=python,
                                                               probe=probe)
                            started.append(process)
                            ports.append(port)
                    await _feed(fake, ports, questions=warmup, concurrency=concurrency,
                                first_update=1, mix=mix)
                    pids = [p.pid for p in started]
                    server = ServerCpu(db) if db is not None else None
                    if server is not None:
                        await server.start()
                    if probe is not None:
                        await probe.start(pids)
                    cpu, own = _cpu_of(pids), _cpu_seconds(os.getpid())
                    result = _with_cpu(await _feed(fake, ports, questions=questions,
                                                   concurrency=concurrency, first_update=100000,
                                                   mix=mix if demo is not None else "questions"),
                                       pids, cpu)
                    if probe is not None:
                        await probe.stop(pids, result)
                    own_after = _cpu_seconds(os.getpid())
                    if own is not None and own_after is not None and result.questions:
                        result.bench_cpu_per_answer = (own_after - own) / result.questions
                    if server is not None:
                        await server.stop(result)
                finally:
                    for process in started:
                        # under a probe the figures are taken: no graceful (slow) shutdown
                        process.terminate() if probe is None else process.kill()
                    for process in started:
                        process.wait(timeout=30)
    finally:
        if db is not None:
            await _drop_postgres(db)
    result.name = name
    return result


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else 1000 * seconds


def _print_database_cost(r: Result) -> None:
    """PostgreSQL's share: the server runs on this machine too, so troly's CPU is not all."""
    if r.db_transactions_per_answer is None:
        return
    line = (f"{r.name}: PostgreSQL {r.db_transactions_per_answer:.2f} transactions/answer (as the "
            f"server counts them: a statement outside a transaction is one), "
            f"{r.db_connections_per_answer or 0:.2f} new connections/answer")
    if r.db_cpu_per_answer is not None and r.db_background_cpu_per_answer is not None:
        line += (f", server CPU {1000 * r.db_cpu_per_answer:.2f} ms/answer in the bench "
                 f"database's backends (+ {1000 * r.db_background_cpu_per_answer:.2f} ms in the "
                 f"server's background processes, which serve every database there)")
        if r.cpu_per_answer is not None:
            cpus = os.cpu_count() or 1
            whole = r.cpu_per_answer + r.db_cpu_per_answer + r.db_background_cpu_per_answer
            line += (f"; troly + PostgreSQL {1000 * whole:.2f} ms/answer, at most "
                     f"{cpus / whole:.0f} answers/s on {cpus} CPUs with nothing else running")
            if r.bench_cpu_per_answer is not None:
                line += (f"; this bench process (feeder + fake API) {1000 * r.bench_cpu_per_answer:.2f}"
                         f" ms/answer on the same CPUs: at most "
                         f"{cpus / (whole + r.bench_cpu_per_answer):.0f} answers/s in this bench")
    else:
        line += " (server CPU unknown: no /proc of its processes here)"
    print(line)


def main() -> None:
    """Run the anchor, baseline and demo per channel, print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int,
                        help="measured questions per run (2000; 200 with --instructions)")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--channel", choices=("telegram", "zalo", "both"), default="both")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the empty-knowledge-base runs")
    parser.add_argument("--database-url", help="PostgreSQL (postgresql+asyncpg://…): troly runs on "
                        "a fresh database created and dropped on that server (telegram only)")
    parser.add_argument("--processes", type=int, default=1,
                        help="troly processes behind the webhook (with --database-url)")
    parser.add_argument("--mix", choices=("questions", "presses"), default="questions",
                        help="presses: a user presses a button of the last reply when it has "
                        "one instead of asking (telegram; the anchor answers questions only)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    inbound_repeat.add_arguments(parser)
    parser.add_argument("--serve-anchor", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--anchor-loop", choices=("asyncio", "uvloop"), default="asyncio",
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_anchor is not None:
        serve_anchor(args.serve_anchor, args.anchor_loop)
        return
    if args.database_url and args.channel != "telegram":
        parser.error("--database-url is for --channel telegram")
    if args.mix != "questions" and args.channel != "telegram":
        parser.error("--mix is for --channel telegram")
    loop = troly_event_loop()
    if inbound_repeat.wanted(args):
        inbound_repeat.main(parser, args, functools.partial(measure, mix=args.mix), loop)
        return
    args.questions = args.questions or 2000
    backend = (f"PostgreSQL, {args.processes} process(es)" if args.database_url else "SQLite")
    # key → (row name, demo guides? None: the anchor, extra arguments)
    Config = tuple[str, str, bool | None, dict[str, Any]]
    configs: list[Config] = [("demo", "demo guides", True, {})]
    if not args.no_baseline:
        configs.insert(0, ("baseline", "baseline (empty KB)", False, {}))
    anchors: list[Config] = [("anchor", "anchor (aiogram, fixed text)", None, {})]
    if loop != "asyncio":  # the same aiogram bot on troly's loop
        anchors.append((f"anchor-{loop}", f"anchor (aiogram, {loop})", None,
                        {"anchor_loop": loop}))
    runners: list[tuple[str, Any, list[Config]]] = []
    if args.channel in ("telegram", "both"):
        runners.append(("telegram", functools.partial(measure, mix=args.mix),
                        [*anchors, *configs]))
    if args.channel in ("zalo", "both"):
        runners.append(("zalo", measure_zalo, configs))
    database = ({"database_url": args.database_url, "processes": args.processes}
                if args.database_url else {})
    results: dict[str, dict[str, Result]] = {}
    for channel, run, channel_configs in runners:
        results[channel] = {
            key: asyncio.run(run(f"{channel}: {name}", demo=demo, questions=args.questions,
                                 concurrency=args.concurrency, warmup=args.warmup,
                                 **database, **extra))
            for key, name, demo, extra in channel_configs
        }
    print(f"inbound load: {args.questions} questions, {args.concurrency} users at once, "
          f"webhook → troly ({backend}, {loop}) → fake platform API, {os.cpu_count()} CPUs")
    print(f"{'configuration':38} {'answered/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'errors':>6} {'CPU ms/answer':>13}")
    for channel_results in results.values():
        for r in channel_results.values():
            cpu = f"{1000 * r.cpu_per_answer:13.2f}" if r.cpu_per_answer is not None else " " * 13
            print(f"{r.name:38} {r.rate:10.1f} {r.pct(0.5):8.1f} {r.pct(0.95):8.1f} "
                  f"{r.pct(0.99):8.1f} {1000 * max(r.latencies):8.1f} {r.errors:6d} {cpu}"
                  + (f"  ({r.presses} presses)" if r.presses else ""))
    for channel_results in results.values():
        for r in channel_results.values():
            _print_database_cost(r)
    telegram = results.get("telegram", {})
    for key, label in (("anchor", "anchor"), (f"anchor-{loop}", f"anchor on {loop}")):
        anchor = telegram.get(key)
        if anchor is None or key == "anchor-asyncio":
            continue
        for kind, r in telegram.items():
            if not kind.startswith("anchor"):
                print(f"{r.name} / {label}: throughput {r.rate / anchor.rate:.2f}x, "
                      f"p99 latency {r.pct(0.99) / anchor.pct(0.99):.2f}x")
    for channel, by_config in results.items():
        if "baseline" in by_config:
            base, demo_run = by_config["baseline"], by_config["demo"]
            print(f"{channel} demo/baseline: throughput {demo_run.rate / base.rate:.2f}x, "
                  f"p99 latency {demo_run.pct(0.99) / base.pct(0.99):.2f}x, mean latency "
                  f"{statistics.mean(demo_run.latencies) / statistics.mean(base.latencies):.2f}x")
    if "telegram" in results and "zalo" in results:
        for label in ("baseline", "demo"):
            if label in results["zalo"]:
                tg, za = results["telegram"][label], results["zalo"][label]
                print(f"zalo/telegram ({label}): throughput {za.rate / tg.rate:.2f}x, "
                      f"p99 latency {za.pct(0.99) / tg.pct(0.99):.2f}x")
    if args.json:
        print(json.dumps([{"name": r.name, "rate": r.rate, "p50_ms": r.pct(0.5),
                           "p99_ms": r.pct(0.99), "errors": r.errors,
                           "cpu_ms": _ms(r.cpu_per_answer), "db_cpu_ms": _ms(r.db_cpu_per_answer),
                           "db_background_cpu_ms": _ms(r.db_background_cpu_per_answer),
                           "db_transactions": r.db_transactions_per_answer,
                           "db_connections": r.db_connections_per_answer,
                           "bench_cpu_ms": _ms(r.bench_cpu_per_answer), "presses": r.presses}
                          for rs in results.values() for r in rs.values()]))


if __name__ == "__main__":
    main()
