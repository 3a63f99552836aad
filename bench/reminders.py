"""Reminder delivery and planning benchmark (everything on 127.0.0.1, SQLite in a temp dir).

1. Delivery: N deadline reminders (default 10,000, one per official/chat) go through the real
   pipeline — planner → outbox → OutboxDispatcher (sender lease, aiolimiter at
   TROLY_TELEGRAM_RATE_PER_SECOND) → TelegramChannel (aiogram) → the fake Bot API server
   (testkit/fake_telegram.py) enforcing 30 messages/s in any sliding second (429 above it).
   Reported: achieved rate as a ratio of the 30/s limit (target ≥ 0.95), duplicates (must be 0),
   losses (must be 0), 429s received.
2. Planning: the planner's time over T open tasks (default 100,000; ~1/12 of them due today),
   first run (inserts) and a re-run (idempotent, inserts nothing), each as a ratio to a baseline
   measured in the same run: one plain bulk INSERT of the same number of outbox rows.

    .venv/bin/python bench/reminders.py                       # 10,000 reminders (~6 min), 100,000 tasks
    .venv/bin/python bench/reminders.py --reminders 1000 --tasks 20000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.channels.telegram.channel import TelegramChannel, make_bot  # noqa: E402
from bot.clock import ManualClock, local_datetime  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db.base import make_engine, make_sessionmaker  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.db.models import (  # noqa: E402
    ChatAccount,
    Official,
    OutboxMessage,
    Plan,
    Task,
    TaskAssignee,
    Unit,
)
from bot.outbox import IN_FLIGHT, OutboxStatus  # noqa: E402
from scheduler.delivery import RateLimits  # noqa: E402
from scheduler.planning import plan  # noqa: E402
from scheduler.ticks import Ticks  # noqa: E402
from testkit.fake_telegram import FakeBotAPI  # noqa: E402

LIMIT = 30
#: Monday 7 Dec 2026 08:00 local: T-7 of deadlines on Monday 14 Dec
NOW = local_datetime(date(2026, 12, 7), datetime.min.time().replace(hour=8))
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


async def seed(url: str, officials: int, tasks: int, due_today: int) -> None:
    """`officials` officials with a Telegram chat each; `tasks` open tasks, `due_today` of them
    with a reminder due now (deadline in 7 days), the others spread over the coming year."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(insert(Unit), [{"id": 1, "code": "U1", "name": "Sở", "created_at": EPOCH}])
        await conn.execute(insert(Plan), [{"id": 1, "ref": "KH-1", "created_at": EPOCH}])
        await conn.execute(insert(Official), [
            {"id": i, "name": f"CB {i}", "unit_id": 1, "role": "official", "status": "active",
             "absent": False, "created_at": EPOCH} for i in range(1, officials + 1)])
        await conn.execute(insert(ChatAccount), [
            {"channel": "telegram", "external_id": str(10_000 + i), "chat_id": str(10_000 + i),
             "official_id": i, "status": "active", "created_at": EPOCH}
            for i in range(1, officials + 1)])
        rows, links = [], []
        for t in range(1, tasks + 1):
            deadline = (date(2026, 12, 14) if t <= due_today
                        else date(2026, 12, 22) + timedelta(days=t % 365))
            rows.append({"id": t, "plan_id": 1, "code": f"NV{t}", "title": f"Nhiệm vụ {t}",
                         "lead_unit_id": 1, "deadline": deadline, "status": "open",
                         "progress": 0, "created_at": EPOCH, "updated_at": EPOCH})
            links.append({"task_id": t, "official_id": (t - 1) % officials + 1})
        for start in range(0, tasks, 5000):
            await conn.execute(insert(Task), rows[start:start + 5000])
            await conn.execute(insert(TaskAssignee), links[start:start + 5000])
    await engine.dispose()


async def delivery(url: str, reminders: int, rate: float) -> dict[str, Any]:
    await seed(url, reminders, reminders, reminders)
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    clock = ManualClock(NOW)
    async with FakeBotAPI(rate_limit=LIMIT) as fake:
        settings = Settings(_env_file=None, telegram_token=SecretStr(fake.token),
                            telegram_api_url=fake.base_url)
        bot = make_bot(settings)
        ticks = Ticks(sessionmaker, clock, {"telegram": TelegramChannel(bot)}, owner="bench",
                      channel_order=("telegram",))
        assert ticks.dispatcher is not None
        ticks.dispatcher.limits = {"telegram": RateLimits(rate, 1.0)}
        ticks.dispatcher.batch_size = 200
        planned = await ticks.plan_tick()
        started = time.perf_counter()
        while True:
            # the wall clock drives retry_after waits; the manual clock follows it
            clock.set(NOW + timedelta(seconds=time.perf_counter() - started))
            stats = await ticks.dispatch_tick()
            if stats.claimed == 0:
                async with sessionmaker() as s:
                    left = (await s.execute(select(func.count()).where(
                        OutboxMessage.status.in_(IN_FLIGHT)))).scalar_one()
                if left == 0:
                    break
                await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        await bot.session.close()
        sent_texts = Counter(m["chat_id"] for m in fake.sent)
        async with sessionmaker() as s:
            statuses = Counter((await s.execute(select(OutboxMessage.status))).scalars())
    await engine.dispose()
    delivered = len(fake.sent)
    return {
        "reminders_planned": planned.by_kind["deadline"], "delivered": delivered,
        "seconds": round(elapsed, 1), "rate_per_s": round(delivered / elapsed, 2),
        "ratio_to_limit": round(delivered / elapsed / LIMIT, 3),
        "duplicates": sum(n - 1 for n in sent_texts.values() if n > 1),
        "losses": reminders - len(sent_texts), "http_429": fake.rate_limited,
        "outbox_statuses": dict(statuses),
    }


async def planning(url: str, tasks: int) -> dict[str, Any]:
    officials = max(tasks // 10, 1)
    due = tasks // 12
    await seed(url, officials, tasks, due)
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    timings = []
    inserted = 0
    for _ in range(2):
        started = time.perf_counter()
        async with sessionmaker.begin() as session:
            result = await plan(session, NOW, channels=("telegram",))
        timings.append(time.perf_counter() - started)
        inserted = inserted or sum(result.inserted.values())
    # baseline: a plain bulk INSERT of as many outbox rows, same database, same run
    async with sessionmaker.begin() as session:
        await session.execute(text("DELETE FROM outbox"))
    rows = [{"idem_key": f"baseline:{i}", "kind": "deadline", "channel": "telegram",
             "address": str(i), "payload": {"text": "x"}, "due_at": NOW, "not_before": NOW,
             "status": OutboxStatus.PENDING, "attempts": 0, "max_attempts": 8, "late": False,
             "created_at": NOW, "updated_at": NOW} for i in range(inserted)]
    started = time.perf_counter()
    async with sessionmaker.begin() as session:
        for start in range(0, len(rows), 200):
            await session.execute(insert(OutboxMessage), rows[start:start + 200])
    baseline = time.perf_counter() - started
    await engine.dispose()
    return {"open_tasks": tasks, "rows_inserted": inserted,
            "first_run_s": round(timings[0], 2), "rerun_s": round(timings[1], 2),
            "baseline_bulk_insert_s": round(baseline, 2),
            "first_run_vs_baseline": round(timings[0] / baseline, 2) if baseline else None,
            "rerun_vs_baseline": round(timings[1] / baseline, 2) if baseline else None}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--skip-delivery", action="store_true", help="only the planning part")
    parser.add_argument("--rate", type=float, default=Settings.model_fields["telegram_rate_per_second"].default)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_delivery:
            url = f"sqlite+aiosqlite:///{tmp}/delivery.db"
            await upgrade(url)
            print("delivery:", await delivery(url, args.reminders, args.rate))
        url = f"sqlite+aiosqlite:///{tmp}/planning.db"
        await upgrade(url)
        print("planning:", await planning(url, args.tasks))


if __name__ == "__main__":
    asyncio.run(main())
