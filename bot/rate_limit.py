"""Inbound request limits per key (web session, client address), on the injected clock.

GCRA (the "generic cell rate algorithm"): one instant per key, the theoretical arrival time of the
next request. `limit` requests may come at once, then one every period/limit. Written here rather
than taken from a library (aiolimiter, limits) because those read the system clock, and the house
rule is time from the injected Clock (tests move it by hand).

Limits are per process: with several processes behind a load balancer a client may get up to that
many times the rate. That bounds abuse well enough for a chat page; a shared limit would need a
write per request to the database or Redis.
"""

from __future__ import annotations

import math
from datetime import datetime

#: keys remembered before idle ones are forgotten (memory stays bounded under a flood of keys)
MAX_KEYS = 50_000


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

    def _forget_idle(self, t: float) -> None:
        """Drop keys whose allowance is full again (they behave as new keys anyway)."""
        self._next = {k: v for k, v in self._next.items() if v > t}
        if len(self._next) >= self.max_keys:  # everyone is busy: forget the oldest half
            keep = sorted(self._next.items(), key=lambda kv: kv[1])[len(self._next) // 2:]
            self._next = dict(keep)
