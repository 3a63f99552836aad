"""The scheduler component: APScheduler 3.11 as the clock only, calling the tick functions."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Coroutine
from datetime import time
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import LOCAL_TZ
from rules.policy import Policies, Schedule, load_policies
from scheduler.delivery import RateLimits, fault_from_env
from scheduler.ticks import Ticks

logger = logging.getLogger(__name__)
#: job ids of the digest wake-ups start with this
DIGEST_JOB = "digest-"


def digest_jobs(policies: Policies) -> dict[str, tuple[str, time]]:
    """Job id → (weekday, local time) of every weekly digest time the schedules name: the global
    schedule's as 'digest-week' / 'digest-ahead', a unit's other times with the time in the id."""
    jobs: dict[str, tuple[str, time]] = {}
    for kind, times in policies.digest_times().items():
        for index, (weekday, at) in enumerate(times):
            suffix = "" if index == 0 else f":{weekday}-{at:%H%M}"
            jobs[f"{DIGEST_JOB}{kind}{suffix}"] = (weekday, at)
    return jobs


class SchedulerService:
    """A component with start()/stop(): memory job store, fixed ticks, nothing durable inside.

    Every run time lives in the database (outbox, job_runs); APScheduler only wakes us up.
    """

    def __init__(self, ticks: Ticks, *, dispatch_seconds: float = 2.0,
                 stop_grace_seconds: float = 5.0) -> None:
        self.ticks = ticks
        self.dispatch_seconds = dispatch_seconds
        #: at shutdown, how long ticks in flight (a send, a plan) may take to finish; a send cut
        #: off after that is left to its row lease and recorded as ambiguous, as after a crash
        self.stop_grace_seconds = stop_grace_seconds
        self.scheduler: AsyncIOScheduler | None = None
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = False

    def _jobs(self) -> list[tuple[str, Callable[[], Awaitable[Any]], Any]]:
        tz = LOCAL_TZ
        return [
            ("plan", self.ticks.plan_tick, CronTrigger(second=0, timezone=tz)),
            ("dispatch", self.ticks.dispatch_tick,
             IntervalTrigger(seconds=self.dispatch_seconds, timezone=tz)),
            ("maintenance", self._maintenance, IntervalTrigger(minutes=5, timezone=tz)),
        ]

    async def _digest_times(self) -> dict[str, tuple[str, time]]:
        """The digest jobs the schedule policies ask for (the defaults when unreadable)."""
        try:
            async with self.ticks.sessionmaker() as session:
                policies = await load_policies(session)
        except (SQLAlchemyError, OSError):
            logger.warning("digest times: schedule policies unreadable, using the defaults",
                           exc_info=True)
            policies = Policies(default=Schedule(), by_unit={})
        return digest_jobs(policies)

    async def _sync_digest_jobs(self) -> None:
        """Wake the planner at the digests' own minutes, so they go out on the dot even if a plan
        tick lags; the times come from the schedule policies (`troly schedule set`), read at start
        and again at every maintenance tick."""
        scheduler = self.scheduler
        if scheduler is None:
            return
        wanted = await self._digest_times()
        for job in scheduler.get_jobs():
            if job.id.startswith(DIGEST_JOB) and job.id not in wanted:
                job.remove()
        for job_id, (weekday, at) in wanted.items():
            trigger = CronTrigger(day_of_week=weekday, hour=at.hour, minute=at.minute, second=5,
                                  timezone=LOCAL_TZ)
            job = scheduler.get_job(job_id)
            if job is None:
                scheduler.add_job(self._tracked(job_id, self.ticks.plan_tick), trigger, id=job_id)
            elif str(job.trigger) != str(trigger):
                job.reschedule(trigger)

    async def _maintenance(self) -> None:
        await self.ticks.maintenance_tick()
        await self._sync_digest_jobs()

    async def start(self) -> None:
        """Register the ticks and start the scheduler on the running event loop."""
        scheduler = AsyncIOScheduler(
            timezone=LOCAL_TZ,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        for job_id, func, trigger in self._jobs():
            scheduler.add_job(self._tracked(job_id, func), trigger, id=job_id)
        self.scheduler = scheduler
        await self._sync_digest_jobs()
        scheduler.start()

    async def stop(self) -> None:
        """Stop ticking, let ticks in flight finish (bounded), give back claimed-but-unstarted
        rows and the sender leases."""
        if self.scheduler is None and not self._running:
            return  # never started (e.g. start-up failed): nothing claimed, no lease held
        self._stopping = True
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        self.ticks.stop_taking_work()
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=self.stop_grace_seconds)
            for task in late:
                logger.warning("shutdown: tick still running after %.0f s, cancelled",
                               self.stop_grace_seconds)
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.ticks.stop()

    def _tracked(self, name: str, func: Callable[[], Awaitable[Any]]) -> Callable[[], Coroutine[Any, Any, None]]:
        """The tick as APScheduler runs it: logged on failure, awaited at shutdown."""
        async def run() -> None:
            task = asyncio.current_task()
            if self._stopping or task is None:
                return
            self._running.add(task)
            try:
                await func()
            except asyncio.CancelledError:
                if not self._stopping:
                    raise
            except Exception:  # a failing tick must not kill the scheduler; the next one retries
                logger.exception("scheduler tick %s failed", name)
            finally:
                self._running.discard(task)
        run.__name__ = f"tick_{name}"
        return run


def process_owner() -> str:
    """A name for this process in leases and job runs (host:pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def build_service(app: Any) -> SchedulerService:
    """The scheduler of a built App (bot/app.py adds it to app.components when enabled)."""
    settings = app.settings
    limits = {
        "telegram": RateLimits(settings.telegram_rate_per_second, settings.per_chat_rate_per_second),
        "zalo": RateLimits(settings.zalo_rate_per_second, settings.per_chat_rate_per_second),
    }
    ticks = Ticks(app.sessionmaker, app.clock, app.channels, owner=process_owner(),
                  channel_order=tuple(settings.reminder_channels))
    assert ticks.dispatcher is not None
    ticks.dispatcher.limits = limits
    ticks.dispatcher.fault = fault_from_env()  # crash tests of a whole `troly run` (None otherwise)
    return SchedulerService(ticks)
