"""Bounds for the slow tests that start whole `troly run` processes (and wait for them).

Those waits are bounds for a hung process, not timing assertions. A fixed wall-clock bound
(it was 60 s) measures the machine more than the process: on a shared 2-core machine with a
run queue of 15, starting Python with troly's imports alone can take most of a minute, and such
a test failed with nothing hung. Here a bound is BASE_SECONDS on an idle machine, stretched by
how loaded the machine is (the one-minute load average per usable core, never below 1, at most
MAX_STRETCH), re-read while waiting, so a wait that started on a quiet machine gets more room when
the load rises under it. A real hang still fails: after BASE_SECONDS on an idle machine, after
BASE_SECONDS × MAX_STRETCH at the very worst, and the failure says what the load was (a reader
can tell a hang from a starved machine).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

#: the bound on an idle machine, seconds
BASE_SECONDS = 60.0
#: the most a loaded machine stretches it (60 s → 5 min)
MAX_STRETCH = 5.0


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def load_per_core() -> float | None:
    """The one-minute load average per usable core (None where the system has none)."""
    try:
        return os.getloadavg()[0] / _cores()
    except OSError:
        return None


def stretch() -> float:
    """How much longer than on an idle machine a wait may take now (1 ≤ stretch ≤ MAX_STRETCH)."""
    load = load_per_core()
    return 1.0 if load is None else min(MAX_STRETCH, max(1.0, load))


class Deadline:
    """A bound started now, of `base` seconds stretched by the machine's load when asked."""

    def __init__(self, what: str, base: float = BASE_SECONDS) -> None:
        self.what = what
        self.base = base
        self.started = time.monotonic()

    def passed(self) -> bool:
        """Whether the wait has run past its (current) bound."""
        return time.monotonic() - self.started > self.base * stretch()

    def error(self, detail: str = "") -> AssertionError:
        """The failure to raise: what did not happen, after how long, on how loaded a machine."""
        load = load_per_core()
        on = "" if load is None else f" (load {load:.1f} per core on {_cores()} cores)"
        message = (f"timed out waiting for {self.what} after "
                   f"{time.monotonic() - self.started:.0f} s{on}")
        return AssertionError(message + (f"\n{detail}" if detail else ""))


async def until(check: Callable[[], bool | Awaitable[bool]], what: str, *,
                base: float = BASE_SECONDS, every: float = 0.2,
                detail: Callable[[], str] | None = None) -> None:
    """Poll `check` (sync or async) until it is true; AssertionError past the bound."""
    deadline = Deadline(what, base)
    while True:
        result = check()
        if await result if inspect.isawaitable(result) else result:
            return
        if deadline.passed():
            raise deadline.error(detail() if detail else "")
        await asyncio.sleep(every)


async def within(awaitable: Awaitable[T], what: str, *, base: float = BASE_SECONDS,
                 every: float = 1.0) -> T:
    """Await it within the bound (cancelled and AssertionError past it)."""
    task = asyncio.ensure_future(awaitable)
    deadline = Deadline(what, base)
    while True:
        done, _ = await asyncio.wait({task}, timeout=every)
        if done:
            return task.result()
        if deadline.passed():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            raise deadline.error()
