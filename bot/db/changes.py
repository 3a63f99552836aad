"""Change counters: one generation number per kind of shared data, bumped in the same transaction
as the change, so any process can tell cheaply (one primary-key read) that it must rebuild."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ScalarSelect, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import is_postgres
from bot.db.models import ChangeCounter

#: guides added, replaced or withdrawn, synonyms edited: everything the search index is built from
KNOWLEDGE = "knowledge"
#: session.info key: name → the transaction in which this session bumped it
_BUMPED_IN = "troly.changes.bumped_in"
#: session.info key: name → (the transaction, the generation read with another statement of it)
_READ_IN = "troly.changes.read_in"


async def bump(session: AsyncSession, name: str, now: datetime) -> None:
    """Record a change of `name` in the caller's transaction (visible when it commits)."""
    dialect = postgresql if is_postgres(session) else sqlite
    stmt = dialect.insert(ChangeCounter).values(name=name, generation=1, changed_at=now)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[ChangeCounter.name],
        set_={"generation": ChangeCounter.generation + 1, "changed_at": stmt.excluded.changed_at}))
    # remembered so that this transaction's own uncommitted view is never cached per process
    session.info.setdefault(_BUMPED_IN, {})[name] = session.sync_session.get_transaction()


def changed_here(session: AsyncSession, name: str) -> bool:
    """True when `session` bumped `name` in its current transaction (not committed yet)."""
    bumped = session.info.get(_BUMPED_IN, {}).get(name)
    return bumped is not None and bumped is session.sync_session.get_transaction()


#: built once: every answered question reads it (bot/db/guide_cache.py)
_GENERATION = select(ChangeCounter.generation).where(ChangeCounter.name == bindparam("name"))


def generation_column(name: str) -> ScalarSelect[int]:
    """The generation of `name` as a column of another statement (NULL before its first change):
    the dispatcher reads it with the event's first statement and hands it on with remember()."""
    return select(ChangeCounter.generation).where(ChangeCounter.name == name).scalar_subquery()


def remember(session: AsyncSession, name: str, found: int | None) -> None:
    """Keep a generation read in the session's current transaction for its next generation()
    call (one round trip fewer per event)."""
    session.info.setdefault(_READ_IN, {})[name] = (session.sync_session.get_transaction(),
                                                   int(found or 0))


async def generation(session: AsyncSession, name: str) -> int:
    """The current generation of `name` (0 before its first change).

    A value remember()ed in this transaction answers the first call only: a caller comparing two
    calls (bot/db/guide_cache.py, whether a change was committed in between) reads the second.
    """
    read = session.info.get(_READ_IN)
    kept = read.pop(name, None) if read else None
    if (kept is not None and kept[0] is session.sync_session.get_transaction()
            and not changed_here(session, name)):
        return int(kept[1])
    # on the session's connection, past the ORM (about half the CPU): no autoflush first. The
    # session's own changes are told by changed_here(), which bump() marks, not by this number
    connection = await session.connection()
    found = (await connection.execute(_GENERATION, {"name": name})).scalar_one_or_none()
    return int(found or 0)
