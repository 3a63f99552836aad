"""Inbound load: Telegram webhook updates → `troly run` (separate process) → replies to a fake Bot API.

This process runs the fake Bot API server (tests/fake_telegram.py; it receives troly's replies)
and the feeder (an HTTP client POSTing webhook updates with the secret header). troly runs as
`troly run` in a child process: webhook mode, SQLite in a temporary directory, scheduler off.
Everything is on 127.0.0.1.

Two runs of the same questions and the same code path:
  * baseline: an empty knowledge base (the Q&A handler answers "no guides yet");
  * demo: the bundled demo guides loaded (the real search and answer formatting).
For each: sustained questions answered per second (questions / time from the first POST to the
last reply) and latency percentiles (POST sent → troly's reply received by the fake server).
Concurrency = number of simulated users typing at once; each user waits for the answer before
asking again (one question in flight per chat).

    .venv/bin/python bench/inbound.py                     # 2,000 questions, 20 users
    .venv/bin/python bench/inbound.py --questions 500 --concurrency 10
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_telegram import FakeBotAPI  # noqa: E402

SECRET = "bench-secret_1"
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

    @property
    def rate(self) -> float:
        """Questions answered per second."""
        return self.questions / self.seconds

    def pct(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _update(update_id: int, user_id: int, text: str) -> dict[str, object]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "Bench"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Bench"}}}


def _spawn(workdir: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`troly run` in the background, its log in workdir/troly.log."""
    with (workdir / "troly.log").open("wb") as log:
        return subprocess.Popen([sys.executable, "-c", "from bot.cli import main; main()", "run"],
                                cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=log)


async def _start_troly(fake: FakeBotAPI, workdir: Path, *, demo: bool) -> tuple[
        subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ,
           "TROLY_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'troly.db'}",
           "TROLY_HTTP_HOST": "127.0.0.1", "TROLY_HTTP_PORT": str(port),
           "TROLY_LOG_LEVEL": "WARNING", "TROLY_SCHEDULER_ENABLED": "false",
           "TROLY_LOAD_DEMO_GUIDES": "true" if demo else "false",
           "TROLY_TELEGRAM_TOKEN": fake.token, "TROLY_TELEGRAM_API_URL": fake.base_url,
           "TROLY_TELEGRAM_WEBHOOK_URL": "https://bench.invalid/telegram/webhook",
           "TROLY_TELEGRAM_WEBHOOK_SECRET": SECRET}
    env = {k: v for k, v in env.items() if not k.startswith("TROLY_ZALO")}
    process = _spawn(workdir, env)
    deadline = time.monotonic() + 120
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError((workdir / "troly.log").read_text()[-2000:])
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200 and fake.webhook is not None:
                        return process, port
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    process.kill()
    raise RuntimeError("troly did not start in 120 s")


def _more_than(chat: str, count: int) -> Callable[[FakeBotAPI], bool]:
    return lambda fake: fake.sent_per_chat[chat] > count


async def _feed(fake: FakeBotAPI, port: int, *, questions: int, concurrency: int,
                first_update: int) -> Result:
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    ids = itertools.count(first_update)
    todo = iter(range(questions))
    latencies: list[float] = []
    errors = 0

    async def user(session: aiohttp.ClientSession, user_id: int) -> None:
        nonlocal errors
        for n in todo:
            text = QUESTIONS[n % len(QUESTIONS)]
            chat = str(user_id)
            before = fake.sent_per_chat[chat]
            started = time.monotonic()
            async with session.post(url, json=_update(next(ids), user_id, text),
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as resp:
                await resp.read()
                ok = resp.status == 200
            if not ok:
                errors += 1
                continue
            # the webhook acks after the reply was sent; wait in case it was acked early
            await fake.wait_for(_more_than(chat, before), within=30)
            latencies.append(fake.last_sent_at[chat] - started)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        await asyncio.gather(*(user(session, 500000 + first_update + u)
                               for u in range(concurrency)))
        seconds = time.monotonic() - started
    return Result("", len(latencies), seconds, latencies, errors)


async def measure(name: str, *, demo: bool, questions: int, concurrency: int,
                  warmup: int) -> Result:
    """Start troly, warm it up, feed the questions, stop it."""
    with tempfile.TemporaryDirectory(prefix="troly-bench-") as tmp:
        async with FakeBotAPI() as fake:
            process, port = await _start_troly(fake, Path(tmp), demo=demo)
            try:
                await _feed(fake, port, questions=warmup, concurrency=concurrency,
                            first_update=1)
                result = await _feed(fake, port, questions=questions, concurrency=concurrency,
                                     first_update=100000)
            finally:
                process.terminate()
                process.wait(timeout=30)
    result.name = name
    return result


def main() -> None:
    """Run baseline and demo, print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    results = [
        asyncio.run(measure(name, demo=demo, questions=args.questions,
                            concurrency=args.concurrency, warmup=args.warmup))
        for name, demo in (("baseline (empty knowledge base)", False),
                           ("demo guides (search + answer)", True))
    ]
    print(f"inbound load: {args.questions} questions, {args.concurrency} users at once, "
          f"webhook → troly (SQLite) → fake Bot API, {os.cpu_count()} CPUs")
    print(f"{'configuration':34} {'answered/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'errors':>6}")
    for r in results:
        print(f"{r.name:34} {r.rate:10.1f} {r.pct(0.5):8.1f} {r.pct(0.95):8.1f} "
              f"{r.pct(0.99):8.1f} {1000 * max(r.latencies):8.1f} {r.errors:6d}")
    base, demo = results
    print(f"ratio demo/baseline: throughput {demo.rate / base.rate:.2f}x, "
          f"p99 latency {demo.pct(0.99) / base.pct(0.99):.2f}x, "
          f"mean latency {statistics.mean(demo.latencies) / statistics.mean(base.latencies):.2f}x")
    if args.json:
        print(json.dumps([{"name": r.name, "rate": r.rate, "p50_ms": r.pct(0.5),
                           "p99_ms": r.pct(0.99), "errors": r.errors} for r in results]))


if __name__ == "__main__":
    main()
