"""The inbound path's hot statements, compiled once and run on the DBAPI cursor.

Every inbound event runs the same few statements (its account, its row 'answered', the group
commits' store and done marks). Executed through SQLAlchemy, each one builds an execution context:
the compiled-cache look-up, a parameter dictionary over every bind of the statement (the account
statement has dozens), its positional list, the result's metadata and a Row per row. Measured on
the inbound bench (py-spy, SQLite), that was 80-90 % of those statements' CPU; SQLite's own work
was under a tenth of it.

`Precompiled` compiles its statement once per dialect (the same SQL SQLAlchemy would send: the
dialect's compiler with the same options) and works out once which parameter goes to which
position, with its bind processor, and each result column's processor. A run is then the
positional tuple, the DBAPI cursor's execute, and the processed rows: nothing else.

What SQLAlchemy's execution did besides, kept here: its statement events (before/after
cursor_execute, which the tests' statement recorders listen to), its error wrapping (a DBAPI
error raises as SQLAlchemy's class, e.g. OperationalError "database is locked", with the
connection invalidated on a disconnect), asyncpg's prepared-statement invalidation after a
schema change, and the echo log. Not supported (refused when the plan is made, so a test of the
statement fails at once): statements re-rendered per execution (expanding IN lists, literal_execute
binds), Python-side column defaults evaluated per execution (prefetch), bind parameters whose value
is a callable, and result columns that do not map 1-1 onto the cursor's.
"""

from __future__ import annotations

import weakref
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, cast

from asyncpg.transaction import TransactionState
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import compiler
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.util import await_

#: where a statement's positional parameter comes from: the caller's parameter of this name (with
#: the bind's processor, or None), or a fixed value (already processed)
_FromParam = tuple[str, Any]
_Fixed = tuple[None, Any]


@dataclass(frozen=True, slots=True)
class Ran:
    """What a run gave: its rows (processed, as tuples), the changed row count, column keys."""

    rows: list[tuple[Any, ...]]
    rowcount: int
    keys: tuple[str, ...]

    def first(self) -> tuple[Any, ...] | None:
        """The first row, or None."""
        return self.rows[0] if self.rows else None

    def mapping(self, row: tuple[Any, ...]) -> dict[str, Any]:
        """One row as {column key: value}."""
        return dict(zip(self.keys, row, strict=True))


class _Plan:
    """One statement compiled for one dialect: its SQL, where each parameter comes from, and
    (after its first run: they depend on the cursor's column types) its result processors."""

    __slots__ = ("keys", "positions", "result_processors", "result_types", "sql", "tuple_of")

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: Collection[str]) -> None:
        compiled = statement.compile(
            dialect=dialect, column_keys=sorted(keys), for_executemany=False,
            linting=dialect.compiler_linting | compiler.WARN_LINTING)
        assert isinstance(compiled, compiler.SQLCompiler)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a statement rendered again at every execution (an expanding or "
                             "literal_execute parameter) cannot be precompiled")
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("a statement with Python-side defaults evaluated per execution "
                             "cannot be precompiled: give those columns values")
        if getattr(compiled, "_collected_params", None) or compiled.schema_translate_map:
            raise ValueError("a statement with parameters given by .params(), or with a schema "
                             "translation, cannot be precompiled")
        if not compiled.positional or compiled.positiontup is None:
            raise ValueError(f"{dialect.name}: only positional paramstyles are supported")
        processors = cast(Mapping[str, Any], compiled._bind_processors)
        sources: dict[str, _FromParam | _Fixed] = {}
        used: set[str] = set()
        for bind, name in compiled.bind_names.items():
            if bind.key in keys:
                sources[name] = (bind.key, processors.get(name))
                used.add(bind.key)
            elif bind.callable is not None:
                raise ValueError(f"bind parameter {bind.key!r} has a callable value")
            elif bind.required:
                raise ValueError(f"bind parameter {bind.key!r} needs a value: add it to keys")
            else:
                processor = processors.get(name)
                sources[name] = (None, processor(bind.value) if processor else bind.value)
        if unused := set(keys) - used:
            raise ValueError(f"parameters {sorted(unused)} are not in the statement")
        self.sql: str = compiled.string
        self.positions = tuple(sources[name] for name in compiled.positiontup)
        self.tuple_of = dialect.execute_sequence_format
        columns = compiled._result_columns
        self.keys = tuple(column.keyname for column in columns)
        self.result_types = tuple(column.type for column in columns)
        #: per result column its processor or None; None until the first run with rows
        self.result_processors: tuple[Any, ...] | None = None

    def parameters(self, params: Mapping[str, Any]) -> Any:
        """The DBAPI's positional parameters."""
        return self.tuple_of([
            value if key is None else (value(params[key]) if value else params[key])
            for key, value in self.positions])

    def processors(self, dialect: Dialect, description: Any) -> tuple[Any, ...]:
        """The result columns' processors (by the cursor's column types, as SQLAlchemy's)."""
        if len(description) != len(self.result_types):
            raise ValueError(f"{len(description)} columns returned, {len(self.result_types)} "
                             "compiled: a precompiled statement's columns must map 1-1")
        self.result_processors = tuple(
            type_._cached_result_processor(dialect, column[1])
            for type_, column in zip(self.result_types, description, strict=True))
        return self.result_processors


class Precompiled:
    """A Core statement run on the connection's DBAPI cursor, compiled once per dialect.

    `keys`: the parameters every run passes (each must be a bind parameter of the statement; the
    statement's other binds keep their values). Run it inside the greenlet of a session's or a
    connection's run_sync (it awaits through SQLAlchemy's await_, as the DBAPI adapters do).
    """

    __slots__ = ("_dialect", "_keys", "_plan", "_plans", "_statement")

    def __init__(self, statement: Executable, *, keys: Collection[str]) -> None:
        if not isinstance(statement, ClauseElement):
            raise TypeError("a Core statement is needed")
        self._statement = statement
        self._keys = frozenset(keys)
        #: the plan of the dialect used last (the one of the process's engine, in practice)
        self._dialect: Dialect | None = None
        self._plan: _Plan | None = None
        self._plans: weakref.WeakKeyDictionary[Dialect, _Plan] = weakref.WeakKeyDictionary()

    @property
    def keys(self) -> frozenset[str]:
        """The parameters every run passes."""
        return self._keys

    def sql(self, dialect: Dialect) -> str:
        """The SQL this statement runs as on `dialect`."""
        return self._plan_for(dialect).sql

    def _plan_for(self, dialect: Dialect) -> _Plan:
        if dialect is self._dialect:
            return cast(_Plan, self._plan)
        plan = self._plans.get(dialect)
        if plan is None:
            plan = self._plans[dialect] = _Plan(self._statement, dialect, self._keys)
        self._dialect, self._plan = dialect, plan
        return plan

    def run(self, connection: Connection, params: Mapping[str, Any]) -> Ran:
        """Execute on `connection` (in its transaction, begun if it was not) with `params`."""
        dialect = connection.dialect
        plan = self._plan_for(dialect)
        if not connection.in_transaction():
            connection.begin()  # as SQLAlchemy's autobegin
        sql = plan.sql
        parameters: Any = None
        cursor: Any = None
        try:
            parameters = plan.parameters(params)
            fairy = connection.connection
            cursor = fairy.dbapi_connection.cursor()  # type: ignore[union-attr]
            asof = getattr(dialect, "_invalidate_schema_cache_asof", None)
            if asof is not None:  # asyncpg: prepared statements older than a schema change
                cursor._invalidate_schema_cache_asof = asof
            dispatch = connection.dispatch
            if dispatch.before_cursor_execute:
                for listener in dispatch.before_cursor_execute:
                    # (listeners return what to run: SQLAlchemy wraps those that return nothing)
                    sql, parameters = listener(connection, cursor, sql, parameters, None, False)
            if connection._echo:
                connection._log_info("[precompiled] %s %r", sql, parameters)
            # SQLite's one-hop cursor runs a write transaction's statement without the greenlet
            # switch that only AsyncConnection.execute needs (bot/db/sqlite_driver.py)
            getattr(cursor, "execute_no_switch", cursor.execute)(sql, parameters)
            description = cursor.description
            rows: list[tuple[Any, ...]] = []
            if description:
                processors = plan.result_processors or plan.processors(dialect, description)
                fetched = cursor.fetchall()
                if any(processors):
                    rows = [tuple(p(v) if p else v for p, v in zip(processors, row, strict=True))
                            for row in fetched]
                else:
                    rows = [tuple(row) for row in fetched]
            rowcount = cursor.rowcount
            if dispatch.after_cursor_execute:
                for listener in dispatch.after_cursor_execute:
                    listener(connection, cursor, sql, parameters, None, False)
            cursor.close()
        except BaseException as error:
            _on_error(connection, error, sql, parameters, cursor)
            raise  # (not reached: _on_error raises)
        return Ran(rows, rowcount, plan.keys)


def _on_error(connection: Connection, error: BaseException, sql: str, parameters: Any,
              cursor: Any) -> None:
    """Raise `error` as SQLAlchemy's execution would (wrapped, the connection invalidated on a
    disconnect); asyncpg's prepared statements are dropped after a schema change as its
    execution context does."""
    dbapi: Any = connection.dialect.loaded_dbapi
    stale = tuple(getattr(dbapi, name) for name in ("InvalidCachedStatementError",
                                                    "InternalServerError") if hasattr(dbapi, name))
    if stale and isinstance(error, stale):
        connection.dialect._invalidate_schema_cache()  # type: ignore[attr-defined]
    connection._handle_dbapi_exception(error, sql, parameters, cursor, None)


#: the BEGIN asyncpg's Transaction.start sends for the adapter's settings (asyncpg/transaction.py)
_ISOLATION_SQL = {None: "", "read_committed": " ISOLATION LEVEL READ COMMITTED",
                  "read_uncommitted": " ISOLATION LEVEL READ UNCOMMITTED",
                  "repeatable_read": " ISOLATION LEVEL REPEATABLE READ",
                  "serializable": " ISOLATION LEVEL SERIALIZABLE"}


def begin_with(connection: Connection, sql: str) -> bool:
    """asyncpg: begin the connection's transaction and run `sql` in one round trip, when the
    server has not begun it yet; False (nothing sent) otherwise: run `sql` the usual way.

    SQLAlchemy's asyncpg adapter begins a transaction at its first statement with a BEGIN of its
    own (asyncpg's Transaction.start: a simple-protocol query, one round trip), then sends the
    statement (another). Here the BEGIN and `sql` go as one simple-protocol message (PostgreSQL
    runs them in order; after an error in `sql` the transaction is aborted and rolled back as
    any), and the adapter holds an asyncpg Transaction marked started, so that its commit and
    rollback are asyncpg's own as ever. `sql` takes no parameters (literal values only: never
    text from outside) and its rows are not read. Kept from SQLAlchemy's execution, as in
    Precompiled.run: the statement events (with no cursor) and the error wrapping.
    """
    if connection.dialect.driver != "asyncpg":
        return False
    if not connection.in_transaction():
        connection.begin()  # as SQLAlchemy's autobegin (the dialect's do_begin sends nothing)
    adapted: Any = connection.connection.dbapi_connection
    if hasattr(type(adapted), "_started"):
        # SQLAlchemy 2.0's adapter begins by its own `_started` flag, not `_transaction`: marked
        # begun here, its next statement would nest a SAVEPOINT and its commit would release
        # only that, leaving the event's writes uncommitted. Only 2.1's adapter is trusted.
        return False
    raw = adapted._connection
    if (adapted._transaction is not None or adapted.isolation_level == "autocommit"
            or adapted.isolation_level not in _ISOLATION_SQL or raw._top_xact is not None
            or raw.is_in_transaction()):
        return False
    transaction = raw.transaction(isolation=adapted.isolation_level,
                                  readonly=adapted.readonly, deferrable=adapted.deferrable)
    statement = ("BEGIN" + _ISOLATION_SQL[adapted.isolation_level]
                 + (" READ ONLY" if adapted.readonly else "")
                 + (" DEFERRABLE" if adapted.deferrable else "") + "; " + sql)
    dispatch = connection.dispatch
    parameters: Any = ()
    if dispatch.before_cursor_execute:
        for listener in dispatch.before_cursor_execute:
            statement, parameters = listener(connection, None, statement, parameters, None,
                                             False)
    if connection._echo:
        connection._log_info("[begin_with] %s", statement)
    # started before it is sent: whatever happens to the message, the adapter then rolls back
    # (a ROLLBACK outside a transaction, were the BEGIN itself refused, is only a warning)
    transaction._state = TransactionState.STARTED
    raw._top_xact = transaction
    adapted._transaction = transaction
    try:
        await_(_execute_simple(adapted, raw, statement))
    except Exception as error:
        try:
            adapted._handle_exception(error)  # the adapter's DBAPI error class
        except Exception as translated:
            _on_error(connection, translated, statement, parameters, None)
        raise  # (not reached)
    if dispatch.after_cursor_execute:
        for listener in dispatch.after_cursor_execute:
            listener(connection, None, statement, parameters, None, False)
    return True


async def _execute_simple(adapted: Any, raw: Any, statement: str) -> None:
    async with adapted._execute_mutex:  # as the adapter's cursor: one statement at a time
        await raw.execute(statement)
