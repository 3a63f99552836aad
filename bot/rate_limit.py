"""Inbound request limits per key (web session; client network: an IPv4 address, an IPv6 /64),
on the injected clock.

GCRA (the "generic cell rate algorithm"): one instant per key, the theoretical arrival time of the
next request. `limit` requests may come at once, then one every period/limit. Written here rather
than taken from a library (aiolimiter, limits) because those read the system clock, and the house
rule is time from the injected Clock (tests move it by hand).

Two homes for those instants:
- RateLimit keeps them in the process. With SQLite (the embedded default, one process) that is
  the whole truth.
- SharedRateLimit keeps them in PostgreSQL (table web_rate_limits), one row per key, checked and
  advanced by one atomic UPSERT: several processes behind one address (compose.yaml runs two)
  share one budget instead of giving a client that many times the rate. It costs one statement
  per check (in autocommit, no transaction of its own; two checks per web request: session,
  then address) and no new service. Folding both checks into one statement (a CTE) would halve
  the round trips; not done yet.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Protocol

from sqlalchemy import BindParameter, Double, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.models import WebRateLimit

#: keys remembered before idle ones are forgotten (memory stays bounded under a flood of keys)
MAX_KEYS = 50_000


class Limiter(Protocol):
    """What the web server asks of a limit."""

    async def wait(self, key: str, now: datetime) -> int:
        """0 when the request may go ahead (and count it), else the seconds to wait."""
        ...


class RateLimit:
    """At most `limit` requests per `period_seconds` per key."""

    def __init__(self, limit: int, period_seconds: float, *, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self.period = period_seconds
        self.interval = period_seconds / limit if limit > 0 else 0.0
        self.max_keys = max_keys
        self._next: dict[str, float] = {}

    def check(self, key: str, now: datetime) -> int:
        """0 when the request may go ahead (and count it), else the seconds to wait."""
        if self.limit <= 0:
            return 0
        t = now.timestamp()
        tat = max(self._next.get(key, t), t)
        wait = tat - t - (self.period - self.interval)
        if wait > 0:
            return max(1, math.ceil(wait))
        if len(self._next) >= self.max_keys and key not in self._next:
            self._forget_idle(t)
        self._next[key] = tat + self.interval
        return 0

    async def wait(self, key: str, now: datetime) -> int:
        """Limiter.wait: the same as check."""
        return self.check(key, now)

    def _forget_idle(self, t: float) -> None:
        """Drop keys whose allowance is full again (they behave as new keys anyway)."""
        self._next = {k: v for k, v in self._next.items() if v > t}
        if len(self._next) >= self.max_keys:  # everyone is busy: forget the oldest half
            keep = sorted(self._next.items(), key=lambda kv: kv[1])[len(self._next) // 2:]
            self._next = dict(keep)


class SharedRateLimit:
    """RateLimit's rule over one PostgreSQL table, shared by every process using the database.

    The UPSERT inserts the key's next instant, or moves it on only when the request is within the
    allowance (ON CONFLICT … DO UPDATE … WHERE); the row lock it takes orders concurrent requests
    of one key, so two processes never both take the last slot. No row back means refused; the
    wait is then read from the row. Keys idle for a while (instant past) are deleted at most once
    per period by each process.
    """

    def __init__(self, engine: AsyncEngine, scope: str, limit: int, period_seconds: float) -> None:
        # one statement per check, in autocommit (no BEGIN/COMMIT round trips); the statements
        # are built once (their SQL compiled once), only the key and the instant vary
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.scope = scope
        self.limit = limit
        self.period = period_seconds
        self.interval = period_seconds / limit if limit > 0 else 0.0
        self._swept_at: float | None = None
        t: BindParameter[float] = bindparam("t", type_=Double())
        later = func.greatest(WebRateLimit.tat, t)
        self._upsert = (
            insert(WebRateLimit)
            .values(scope=scope, key=bindparam("key"), tat=t + self.interval)
            .on_conflict_do_update(index_elements=[WebRateLimit.scope, WebRateLimit.key],
                                   set_={"tat": later + self.interval},
                                   where=later - t <= self.period - self.interval)
            .returning(WebRateLimit.tat))
        self._read = select(WebRateLimit.tat).where(WebRateLimit.scope == scope,
                                                     WebRateLimit.key == bindparam("key"))
        self._sweep = delete(WebRateLimit).where(WebRateLimit.scope == scope,
                                                 WebRateLimit.tat < t)

    async def wait(self, key: str, now: datetime) -> int:
        """0 when the request may go ahead (and count it), else the seconds to wait."""
        if self.limit <= 0:
            return 0
        t = now.timestamp()
        async with self.engine.connect() as conn:
            if (await conn.execute(self._upsert, {"key": key, "t": t})).first() is not None:
                if self._swept_at is None or t - self._swept_at >= self.period:
                    self._swept_at = t
                    await conn.execute(self._sweep, {"t": t})
                return 0
            tat = (await conn.execute(self._read, {"key": key})).scalar_one_or_none()
        wait = (tat if tat is not None else t) - t - (self.period - self.interval)
        return max(1, math.ceil(wait))
