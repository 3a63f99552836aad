"""Sender election: one process per bot account holds a lease row; its epoch is a fencing token."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import insert_ignore
from bot.db.models import WorkerLease

DEFAULT_TTL = timedelta(seconds=30)


class SenderLease:
    """The lease `sender:<channel>`; renew it well within its TTL (the service renews every tick)."""

    def __init__(self, name: str, owner: str, ttl: timedelta = DEFAULT_TTL) -> None:
        self.name = name
        self.owner = owner
        self.ttl = ttl
        self.epoch: int | None = None

    @property
    def token(self) -> str:
        """`owner#epoch`: written into outbox.lease_owner, so a deposed leader's writes match nothing."""
        return f"{self.owner}#{self.epoch}"

    async def acquire(self, session: AsyncSession, now: datetime) -> bool:
        """Take or renew the lease; True when this owner holds it (epoch changes on takeover)."""
        await session.execute(insert_ignore(session, WorkerLease).values(
            name=self.name, owner=None, epoch=0, lease_until=None))
        stmt = (
            update(WorkerLease)
            .where(WorkerLease.name == self.name,
                   or_(WorkerLease.owner == self.owner, WorkerLease.owner.is_(None),
                       WorkerLease.lease_until.is_(None), WorkerLease.lease_until < now))
            .values(epoch=case((WorkerLease.owner == self.owner, WorkerLease.epoch),
                               else_=WorkerLease.epoch + 1),
                    owner=self.owner, lease_until=now + self.ttl)
            .returning(WorkerLease.epoch)
        )
        epoch = (await session.execute(stmt)).scalar_one_or_none()
        self.epoch = int(epoch) if epoch is not None else None
        return self.epoch is not None

    async def release(self, session: AsyncSession) -> None:
        """Give the lease up (clean shutdown) so a standby takes over at once."""
        await session.execute(update(WorkerLease).where(
            WorkerLease.name == self.name, WorkerLease.owner == self.owner,
        ).values(owner=None, lease_until=None))
        self.epoch = None
