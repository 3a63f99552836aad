"""The OA access token, kept in `channel_credentials` and rotated safely across processes.

Zalo refresh tokens are single use (platforms.md §2.5): whoever uses one must store its successor,
or the OA is locked out until an admin re-authorises it. So a refresh runs inside one database
transaction that holds the credentials row (SELECT … FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on
SQLite), re-reads it (another process may have refreshed meanwhile), calls Zalo, and writes the new
pair before committing. An in-process lock keeps coroutines of one process from queueing on the row.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.zalo.api import ZaloApi
from bot.clock import Clock
from bot.db.base import is_postgres
from bot.db.models import ChannelCredential

logger = logging.getLogger(__name__)

CREDENTIAL_NAME = "zalo_oa"


class ZaloTokenError(Exception):
    """No usable OA token (nothing seeded, or the refresh token was rejected)."""


@dataclass(frozen=True, slots=True)
class TokenState:
    """What the credentials row holds."""

    access_token: str | None
    refresh_token: str | None
    expires_at: datetime | None  # None: unknown (seeded by hand)
    seed_fingerprint: str | None

    @staticmethod
    def from_row(data: dict[str, Any]) -> TokenState:
        """Read the JSON column."""
        expires = data.get("expires_at")
        return TokenState(
            access_token=data.get("access_token"),
            refresh_token=data.get("refresh_token"),
            expires_at=datetime.fromisoformat(expires) if expires else None,
            seed_fingerprint=data.get("seed_fingerprint"),
        )

    def to_row(self) -> dict[str, Any]:
        """Write the JSON column."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "seed_fingerprint": self.seed_fingerprint,
        }


def fingerprint(seed_access: str | None, seed_refresh: str | None) -> str | None:
    """A hash of the configured seed tokens: a new seed in the environment replaces the DB pair."""
    if not seed_access and not seed_refresh:
        return None
    raw = f"{seed_access or ''}\n{seed_refresh or ''}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


class TokenStore:
    """Hands out a valid access token; refreshes it when it is about to expire or was refused."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        api: ZaloApi,
        clock: Clock,
        *,
        seed_access_token: str | None,
        seed_refresh_token: str | None,
        refresh_margin: timedelta = timedelta(minutes=10),
    ) -> None:
        self._sessionmaker = sessionmaker
        self._api = api
        self._clock = clock
        self._seed_access = seed_access_token
        self._seed_refresh = seed_refresh_token
        self._margin = refresh_margin
        self._lock = asyncio.Lock()

    async def access_token(self) -> str:
        """A usable access token, refreshed first when less than the margin is left."""
        state = await self._load()
        if state.access_token and not self._due(state):
            return state.access_token
        return await self.refresh(stale=state.access_token, only_if_due=True)

    async def ensure_fresh(self) -> bool:
        """Refresh if due (background refresher); True when a refresh happened."""
        state = await self._load()
        # an unknown expiry (hand-seeded token) is refreshed once to learn it
        if state.access_token and state.expires_at is not None and not self._due(state):
            return False
        before = state.access_token
        return await self.refresh(stale=before, only_if_due=True) != before

    async def refresh(self, *, stale: str | None, only_if_due: bool = False) -> str:
        """Rotate the pair unless someone already replaced `stale`; return the access token."""
        await self._load()  # seeds the row from the environment on first use
        async with self._lock, self._sessionmaker.begin() as session:
            row = await self._locked_row(session)
            if row is None:
                raise ZaloTokenError("no Zalo tokens stored")
            state = TokenState.from_row(row.data)
            if state.access_token and state.access_token != stale:
                return state.access_token  # another worker refreshed while we waited
            if only_if_due and state.access_token and state.expires_at is not None \
                    and not self._due(state):
                return state.access_token
            if not state.refresh_token:
                raise ZaloTokenError("no Zalo refresh token: set TROLY_ZALO_REFRESH_TOKEN")
            # The old refresh token is consumed by this call; its successor is written in this
            # same transaction, committed right after (a crash in between needs re-authorising).
            grant = await self._api.refresh_access_token(state.refresh_token)
            now = self._clock.now()
            new = TokenState(access_token=grant.access_token, refresh_token=grant.refresh_token,
                             expires_at=now + timedelta(seconds=grant.expires_in),
                             seed_fingerprint=state.seed_fingerprint)
            row.data = new.to_row()
            row.updated_at = now
            logger.info("Zalo access token refreshed, valid until %s", new.expires_at)
            return grant.access_token

    async def current(self) -> TokenState:
        """The stored state (seeding it first if needed)."""
        return await self._load()

    def _due(self, state: TokenState) -> bool:
        if state.expires_at is None:
            return False  # unknown expiry: use it; a -216 or the refresher will rotate it
        return state.expires_at - self._clock.now() < self._margin

    async def _load(self) -> TokenState:
        async with self._sessionmaker() as session:
            row = await session.get(ChannelCredential, CREDENTIAL_NAME)
            seed = fingerprint(self._seed_access, self._seed_refresh)
            if row is not None and (seed is None or row.data.get("seed_fingerprint") == seed):
                return TokenState.from_row(row.data)
        await self._seed()
        async with self._sessionmaker() as session:
            row = await session.get(ChannelCredential, CREDENTIAL_NAME)
            if row is None:
                raise ZaloTokenError("no Zalo tokens: set TROLY_ZALO_ACCESS_TOKEN / "
                                     "TROLY_ZALO_REFRESH_TOKEN")
            return TokenState.from_row(row.data)

    async def _seed(self) -> None:
        """Store the tokens from the environment when the DB has none, or a different seed."""
        seed = fingerprint(self._seed_access, self._seed_refresh)
        if seed is None:
            return
        state = TokenState(access_token=self._seed_access, refresh_token=self._seed_refresh,
                           expires_at=None, seed_fingerprint=seed)
        try:
            async with self._lock, self._sessionmaker.begin() as session:
                row = await self._locked_row(session)
                if row is None:
                    session.add(ChannelCredential(name=CREDENTIAL_NAME, data=state.to_row(),
                                                  updated_at=self._clock.now()))
                elif row.data.get("seed_fingerprint") != seed:
                    logger.info("new Zalo tokens in the environment replace the stored ones")
                    row.data = state.to_row()
                    row.updated_at = self._clock.now()
        except IntegrityError:
            pass  # another process seeded the same row at the same moment

    async def _locked_row(self, session: AsyncSession) -> ChannelCredential | None:
        query = select(ChannelCredential).where(ChannelCredential.name == CREDENTIAL_NAME)
        if is_postgres(session):
            query = query.with_for_update()  # SQLite: BEGIN IMMEDIATE already holds the lock
        return (await session.execute(query)).scalar_one_or_none()


class TokenRefresher:
    """Background component: keeps the token fresh even when nobody writes (the refresh token
    expires after 3 months unused, so a quiet OA must still rotate)."""

    def __init__(self, tokens: TokenStore, interval_seconds: float) -> None:
        self._tokens = tokens
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> bool:
        """One check; True when the token was refreshed."""
        try:
            return await self._tokens.ensure_fresh()
        except Exception:  # logged; the next tick or a send retries
            logger.exception("Zalo token refresh failed")
            return False

    async def _run(self) -> None:
        while True:
            await self.tick()
            await asyncio.sleep(self._interval)

    async def start(self) -> None:
        """Start the periodic check."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop the periodic check."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
