"""bot/db/precompiled.py: hot statements on the DBAPI cursor give what SQLAlchemy's execution
gives (SQL, parameters, processed rows, events, errors), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import asyncpg
import pytest
from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import sqlite_driver
from bot.db.base import make_engine
from bot.db.models import ConversationState, InboundEventRow
from bot.db.precompiled import Precompiled, Ran, begin_with
from tests.harness import engine_statements

STATES = cast(Table, ConversationState.__table__)
EVENTS = cast(Table, InboundEventRow.__table__)
WHEN = datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=UTC)
KEY = {"p_channel": "telegram", "p_chat": "c1", "p_user": "u1"}
WHERE = (STATES.c.channel == bindparam("p_channel"), STATES.c.chat_id == bindparam("p_chat"),
         STATES.c.user_id == bindparam("p_user"))

INSERT_STATE_SQL = insert(STATES).values(
    channel=bindparam("p_channel"), chat_id=bindparam("p_chat"), user_id=bindparam("p_user"),
    version=1, data=bindparam("p_data"), menu=None, flow="checkin", step="percent",
    updated_at=bindparam("p_now"), expires_at=bindparam("p_expires"))
INSERT_STATE = Precompiled(INSERT_STATE_SQL, keys=(*KEY, "p_data", "p_now", "p_expires"))
#: a RETURNING with JSON, datetime, and a NULL among its columns
TOUCH_STATE = Precompiled(
    update(STATES).where(*WHERE).values(version=STATES.c.version + 1, updated_at=bindparam("p_now"))
    .returning(STATES.c.version, STATES.c.data, STATES.c.updated_at, STATES.c.expires_at,
               STATES.c.menu, (STATES.c.flow == "checkin").label("checking_in")),
    keys=(*KEY, "p_now"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """make_engine on the migrated test database."""
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


async def _run(engine: AsyncEngine, statement: Precompiled, params: dict[str, Any]) -> Ran:
    """One precompiled statement in a transaction of its own, committed."""
    async with engine.begin() as conn:
        return await conn.run_sync(statement.run, params)


async def test_rows_come_back_as_sqlalchemy_gives_them(engine: AsyncEngine) -> None:
    data = {"task": 7, "note": "Báo cáo tuần", "items": [1, 2]}
    inserted = await _run(engine, INSERT_STATE, {**KEY, "p_data": data, "p_now": WHEN,
                                                 "p_expires": WHEN + timedelta(hours=1)})
    assert inserted.rowcount == 1 and inserted.rows == []
    later = WHEN + timedelta(minutes=5)
    touched = await _run(engine, TOUCH_STATE, {**KEY, "p_now": later})
    assert touched.keys == ("version", "data", "updated_at", "expires_at", "menu", "checking_in")
    assert touched.rows == [(2, data, later, WHEN + timedelta(hours=1), None, True)]
    assert touched.first() == touched.rows[0]
    assert touched.mapping(touched.rows[0])["updated_at"].tzinfo is not None  # aware UTC
    # the same statement through SQLAlchemy's execution: the same values
    async with engine.begin() as conn:
        expected = (await conn.execute(
            select(STATES.c.version, STATES.c.data, STATES.c.updated_at, STATES.c.expires_at,
                   STATES.c.menu, (STATES.c.flow == "checkin").label("checking_in"))
            .where(*WHERE), KEY)).one()
    assert touched.rows == [tuple(expected)]
    nobody = await _run(engine, TOUCH_STATE, {**KEY, "p_user": "nobody", "p_now": later})
    assert nobody.rowcount == 0 and nobody.first() is None


async def test_the_sql_and_parameters_are_sqlalchemys(engine: AsyncEngine) -> None:
    """The statement events see what SQLAlchemy would send (tests record statements by them),
    with no execution context; a statement's own values are bound as SQLAlchemy binds them."""
    params: dict[str, Any] = {**KEY, "p_data": {}, "p_now": WHEN, "p_expires": None}
    with engine_statements(engine.sync_engine) as ours:
        await _run(engine, INSERT_STATE, params)
    async with engine.begin() as conn:
        await conn.execute(delete(STATES))
    contexts: list[object] = []
    with engine_statements(engine.sync_engine) as theirs:
        async with engine.begin() as conn:
            await conn.execute(INSERT_STATE_SQL, params)
    sql = [s for s in ours if s.startswith("INSERT")]
    assert sql == [s for s in theirs if s.startswith("INSERT")] and len(sql) == 1
    assert INSERT_STATE.sql(engine.dialect).startswith("INSERT INTO conversation_state")

    def seen(_conn: Connection, _cursor: object, statement: str, parameters: Any,
             context: object, _many: bool) -> None:
        if statement.startswith("INSERT"):
            contexts.append(context)
            assert "checkin" in list(parameters) and "percent" in list(parameters)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        await _run(engine, INSERT_STATE, {**params, "p_user": "u2"})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert contexts == [None]


async def test_errors_are_sqlalchemys_and_the_transaction_goes_on(engine: AsyncEngine) -> None:
    params: dict[str, Any] = {**KEY, "p_data": {}, "p_now": WHEN, "p_expires": None}
    await _run(engine, INSERT_STATE, params)
    with pytest.raises(IntegrityError):  # the same primary key
        await _run(engine, INSERT_STATE, params)
    async with engine.begin() as conn:  # the pool's connection is fine afterwards
        assert (await conn.run_sync(TOUCH_STATE.run, {**KEY, "p_now": WHEN})).rowcount == 1


async def test_a_statement_outside_a_transaction_begins_one(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert not conn.in_transaction()
        await conn.run_sync(INSERT_STATE.run, {**KEY, "p_data": {}, "p_now": WHEN,
                                               "p_expires": None})
        assert conn.in_transaction()
        await conn.rollback()
    async with engine.connect() as conn:
        assert (await conn.execute(select(STATES.c.version))).first() is None  # rolled back


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # dialect-independent
async def test_what_cannot_be_precompiled_is_refused_before_it_runs(engine: AsyncEngine) -> None:
    dialect = engine.dialect
    refused = [
        # rendered again at every execution
        Precompiled(select(EVENTS.c.id).where(EVENTS.c.id.in_([1, 2])), keys=()),
        Precompiled(select(EVENTS.c.id).where(EVENTS.c.id.in_(bindparam("p_ids", expanding=True))),
                    keys=("p_ids",)),
        # a Python-side default evaluated per execution (data: default=dict)
        Precompiled(insert(STATES).values(channel="a", chat_id="b", user_id="c"), keys=()),
        # a parameter the caller does not pass, and one the statement does not have
        Precompiled(update(STATES).where(*WHERE).values(flow=None), keys=("p_channel", "p_chat")),
        Precompiled(update(STATES).where(*WHERE).values(flow=None), keys=(*KEY, "p_other")),
    ]
    for statement in refused:
        with pytest.raises(ValueError):
            statement.sql(dialect)
    with pytest.raises(TypeError):
        Precompiled("SELECT 1", keys=())  # type: ignore[arg-type]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite's driver only
async def test_sqlite_runs_them_inline_without_a_greenlet_switch(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a write transaction the one-hop cursor runs a statement on the loop's thread; only
    AsyncConnection.execute needs it to switch greenlets once (_ran), a precompiled statement in
    run_sync does not, and neither does the BEGIN."""
    switches: list[None] = []
    real = sqlite_driver._ran

    async def counting() -> None:
        switches.append(None)
        await real()

    monkeypatch.setattr(sqlite_driver, "_ran", counting)
    async with engine.connect() as conn:
        await conn.rollback()  # connected: the next BEGIN may run inline
        async with conn.begin():
            await conn.run_sync(INSERT_STATE.run, {**KEY, "p_data": {}, "p_now": WHEN,
                                                   "p_expires": None})
            assert switches == []  # neither the BEGIN nor the statement
            await conn.execute(select(STATES.c.version))
            assert len(switches) == 1  # AsyncConnection.execute requires an await


UPDATE_ROW = ("INSERT INTO inbound_updates (channel, update_id, received_at) "
              "VALUES ('telegram', 'u-{n}', now())")


async def _stored_updates(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:  # (autocommit: no transaction of its own)
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        return len((await conn.execute(text("SELECT update_id FROM inbound_updates"))).all())


async def test_begin_with_begins_the_transaction_and_runs_the_statement_in_one_message(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """asyncpg: the BEGIN and the statement go as one message (asyncpg's own BEGIN, a round
    trip of its own, is not sent); the statement is inside the transaction (rolled back with
    it), the commit and the rollback are the transaction's as ever. Elsewhere: nothing sent."""
    if engine.dialect.driver != "asyncpg":
        async with engine.connect() as conn:
            assert not await conn.run_sync(begin_with, UPDATE_ROW.format(n=0))
        return
    async with engine.connect():
        pass  # connected (the dialect's first-connect queries begin a transaction of theirs)
    starts: list[object] = []
    real_start = asyncpg.transaction.Transaction.start

    async def start(self: asyncpg.transaction.Transaction) -> None:
        starts.append(self)
        await real_start(self)

    monkeypatch.setattr(asyncpg.transaction.Transaction, "start", start)
    with engine_statements(engine.sync_engine) as sent:
        async with engine.connect() as conn:
            assert await conn.run_sync(begin_with, UPDATE_ROW.format(n=1))
            assert conn.in_transaction()
            await conn.rollback()  # the insert goes with the transaction: it was inside it
    assert starts == [] and await _stored_updates(engine) == 0
    assert sent == ["BEGIN; " + UPDATE_ROW.format(n=1)]
    async with engine.connect() as conn:
        assert await conn.run_sync(begin_with, UPDATE_ROW.format(n=2))
        await conn.run_sync(INSERT_STATE.run, {**KEY, "p_data": {}, "p_now": WHEN,
                                               "p_expires": None})
        await conn.commit()
    assert starts == [] and await _stored_updates(engine) == 1
    async with engine.connect() as conn:
        assert (await conn.execute(select(STATES.c.version))).scalar_one() == 1
        assert len(starts) == 1  # (that statement's transaction: asyncpg's own BEGIN)
        # begun already (by a statement): nothing sent, the caller runs it the usual way
        assert not await conn.run_sync(begin_with, UPDATE_ROW.format(n=3))
        await conn.rollback()
    async with engine.connect() as conn:  # autocommit: no transaction to begin
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        assert not await conn.run_sync(begin_with, UPDATE_ROW.format(n=4))
    assert await _stored_updates(engine) == 1


async def test_begin_with_sends_nothing_to_an_adapter_that_begins_by_another_flag(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLAlchemy 2.0's asyncpg adapter begins by its `_started` flag: marked begun by
    `_transaction` only, its commit would release a SAVEPOINT and leave the BEGIN open."""
    if engine.dialect.driver != "asyncpg":
        pytest.skip("asyncpg only")
    with engine_statements(engine.sync_engine) as sent:
        async with engine.connect() as conn:
            adapted: Any = (await conn.get_raw_connection()).dbapi_connection
            monkeypatch.setattr(type(adapted), "_started", False, raising=False)
            assert not await conn.run_sync(begin_with, UPDATE_ROW.format(n=6))
            assert adapted._transaction is None  # not marked begun: its own BEGIN comes next
            await conn.rollback()
    assert sent == []
    assert await _stored_updates(engine) == 0


async def test_begin_with_a_failing_statement_rolls_back_and_the_connection_goes_on(
        engine: AsyncEngine) -> None:
    if engine.dialect.driver != "asyncpg":
        pytest.skip("asyncpg only")
    async with engine.connect() as conn:
        with pytest.raises(DBAPIError, match="division by zero"):  # SQLAlchemy's error class
            await conn.run_sync(begin_with, "SELECT 1 / 0")
        await conn.rollback()
        # the next transaction begins afresh (with the statement again, then one the usual way)
        assert await conn.run_sync(begin_with, UPDATE_ROW.format(n=5))
        await conn.run_sync(INSERT_STATE.run, {**KEY, "p_data": {}, "p_now": WHEN,
                                               "p_expires": None})
        await conn.commit()
        await conn.run_sync(INSERT_STATE.run, {**KEY, "p_user": "u2", "p_data": {}, "p_now": WHEN,
                                               "p_expires": None})
        await conn.commit()
    assert await _stored_updates(engine) == 1
    async with engine.connect() as conn:
        assert len((await conn.execute(select(STATES.c.version))).all()) == 2
