"""aiosqlite under SQLAlchemy with one thread hop per statement instead of four.

aiosqlite runs sqlite3 in a thread of its own; every call is a round trip to it (a queue put, a
thread wake-up, the GIL handed over and back, a wake-up of the event loop). SQLAlchemy's adapter
makes four per statement: create the cursor, execute, fetch, close. On the inbound path an event's
transaction holds SQLite's one writer for all its statements, so those round trips are the queue
every other chat waits in; under load (a busy CPU) each one costs hundreds of microseconds.

This cursor runs create/execute/fetch/close as one function in aiosqlite's thread and keeps the
results (rows, description, rowcount, lastrowid), like SQLAlchemy's own cursor does with the rows.
It relies on two internals SQLAlchemy's adapter already uses itself (`Connection._conn`,
`Connection._execute`); tests/bot/test_sqlite_driver.py pins what the engine sees.
Server-side cursors (stream_results) keep SQLAlchemy's cursor.

Inside a write transaction (BEGIN IMMEDIATE, which bot/db/base.py issues for every writer) the
statements run on the event loop's own thread, with no round trip at all: the transaction holds
SQLite's one write lock, so none of them can wait for a lock (they cannot meet SQLITE_BUSY), and
a short statement (troly's are lookups and writes by key) takes microseconds, far less than the
round trip. BEGIN IMMEDIATE itself runs inline when the lock is free at once (busy timeout 0 for
it); when another connection holds the lock it waits for it in aiosqlite's thread, as before.
COMMIT stays in the thread (it waits for the disk: the WAL's fsync), and so do the statements
outside a write transaction (a reader's snapshot may wait). So a write transaction is one round
trip, its commit. The cost: a long statement in a write transaction (a big import) holds the
loop while it runs; every other writer waits for the lock anyway.

The sqlite3 connection is then used from two threads, never at once: an inline statement runs
only when no round trip is in flight (its connection's mutex free), and the loop thread waits for
each round trip before the next statement (one SQLAlchemy connection is used by one coroutine at
a time). Hence `check_same_thread=False` (bot/db/base.py).
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT, await_

_Result = tuple[Any, int, int | None, list[Any], bool]


async def _ran() -> None:
    """Awaited after an inline statement: SQLAlchemy's AsyncConnection requires each call to
    await something (it takes a call that never did for a synchronous driver's, AwaitRequired);
    a coroutine that returns at once is a switch to the loop's greenlet and back, no loop turn."""


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Result:
    """In aiosqlite's thread: the whole statement, results kept, and whether a transaction is
    open after it."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        # after the fetch: RETURNING rows count as they are stepped
        return description, cursor.rowcount, cursor.lastrowid, rows, conn.in_transaction
    finally:
        cursor.close()


#: statements that open a write transaction: after them, statements run inline
_WRITE_BEGINS = frozenset({"BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"})
#: the errors of a database whose lock another connection holds
_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
#: statements kept in aiosqlite's thread even in a write transaction (they may end it: a
#: commit waits for the disk)
_ENDS = ("COMMIT", "END", "ROLLBACK")


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement is one round trip to aiosqlite's thread, or none at
    all inside a write transaction (see the module's docstring)."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # no aiosqlite cursor: the statement makes (and closes) its own sqlite3 cursor
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        """The last statement's column description (None when it returned no rows)."""
        return self._description

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed (-1 for a SELECT, like sqlite3)."""
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        """The rowid of the last inserted row."""
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        """sqlite3's default fetchmany size."""
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    async def _async_soft_close(self) -> None:
        return  # nothing open in the thread

    def close(self) -> None:
        """Forget unread rows (the sqlite3 cursor is already closed)."""
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        """Run a statement: inline in a write transaction, else one round trip."""
        if self._ran_inline(operation, parameters):
            await_(_ran())
            return None
        return self._execute_outside(operation, parameters)

    def execute_no_switch(self, operation: str, parameters: Any) -> None:
        """execute, without the greenlet switch after an inline statement (bot/db/precompiled.py:
        its callers run in run_sync, which needs none; see _ran)."""
        if not self._ran_inline(operation, parameters):
            self._execute_outside(operation, parameters)

    def _ran_inline(self, operation: Any, parameters: Any) -> bool:
        """Run the statement inline when this connection holds the write transaction (any
        statement but its end); False: not run."""
        adapted: Any = self._adapt_connection
        if adapted.writing and not operation.lstrip()[:8].upper().startswith(_ENDS):
            self._inline(operation, parameters, many=False)
            return True
        return False

    def _execute_outside(self, operation: Any, parameters: Any) -> Any:
        """Not inside a write transaction: a BEGIN IMMEDIATE inline when the lock is free at
        once, else one round trip to aiosqlite's thread."""
        adapted: Any = self._adapt_connection
        if adapted.idle and not parameters and operation in _WRITE_BEGINS \
                and self._begin_unless_busy(operation):
            return None
        return super().execute(operation, parameters)

    def _begin_unless_busy(self, operation: str) -> bool:
        """BEGIN IMMEDIATE inline when the write lock is free at once (busy timeout 0); False
        when another connection holds it (then the caller waits for it in aiosqlite's thread)."""
        adapted: Any = self._adapt_connection
        if adapted._execute_mutex.locked():  # cannot be: see the module's docstring
            raise RuntimeError("a statement inline while a round trip is in flight")
        sqlite_connection = self._connection._conn
        if adapted.busy_ms is None:
            adapted.busy_ms = sqlite_connection.execute("PRAGMA busy_timeout").fetchone()[0]
        sqlite_connection.execute("PRAGMA busy_timeout=0")
        try:
            sqlite_connection.execute(operation)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF in _BUSY:  # (extended codes: BUSY_RECOVERY, …)
                return False
            adapted.idle = not sqlite_connection.in_transaction
            adapted._handle_exception(error)
        finally:
            sqlite_connection.execute(f"PRAGMA busy_timeout={int(adapted.busy_ms)}")
        self._description, self._rowcount, self._lastrowid = None, -1, None
        self._rows.clear()
        adapted.idle, adapted.writing = False, True
        # no switch (_ran): in AsyncConnection.execute's greenlet, the only one that requires
        # an await, the BEGIN is followed by the statement, which switches or awaits itself
        return True

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        """Run a statement for each parameter set (as execute)."""
        adapted: Any = self._adapt_connection
        if adapted.writing:
            self._inline(operation, seq_of_parameters, many=True)
            await_(_ran())
            return None
        return super().executemany(operation, seq_of_parameters)

    def _inline(self, operation: Any, parameters: Any, *, many: bool) -> None:
        adapted: Any = self._adapt_connection
        if adapted._execute_mutex.locked():  # cannot be: see the module's docstring
            raise RuntimeError("a statement inline while a round trip is in flight")
        sqlite_connection = self._connection._conn
        try:
            (self._description, self._rowcount, self._lastrowid, rows,
             in_transaction) = _run(sqlite_connection, operation, parameters, many)
        except Exception as error:
            # an error may have rolled the transaction back (SQLite does for some): then the
            # lock is gone and the next statement must be able to wait for it, in the thread
            adapted.writing = sqlite_connection.in_transaction
            adapted.idle = False
            adapted._handle_exception(error)
        self._rows = collections.deque(rows)
        if not in_transaction:
            adapted.writing = False
            adapted.idle = True

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        adapted: Any = self._adapt_connection
        async with adapted._execute_mutex:
            connection: Any = self._connection
            adapted.idle = adapted.writing = False  # unknown until the statement has run
            (self._description, self._rowcount, self._lastrowid, rows,
             in_transaction) = await connection._execute(
                _run, connection._conn, operation, parameters, many)
            self._rows = collections.deque(rows)
            adapted.idle = not in_transaction
            adapted.writing = in_transaction and operation.strip().upper() in _WRITE_BEGINS

    def nextset(self) -> None:
        """sqlite3 has no further result sets."""
        return

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Ignored, as by sqlite3."""
        return


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with OneHopCursor as its client-side cursor, and no
    round trip for a rollback with no transaction open.

    `writing` is True while this connection holds SQLite's write lock in a transaction it began
    with BEGIN IMMEDIATE (its statements then run inline, see the module's docstring); a commit,
    a rollback, a server-side cursor or a statement that left no transaction open clear it.

    The pool rolls back every connection it gets back, most of them just committed: in SQLite's
    autocommit mode (the engine begins its transactions itself, bot/db/base.py) that rollback
    does nothing but costs a round trip to aiosqlite's thread. `idle` is True only when the
    last statement run here (or a commit or rollback) left no transaction open, as sqlite3 said
    in its thread; anything else (a server-side cursor, an error) leaves it False.
    """

    __slots__ = ("busy_ms", "idle", "writing")
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.idle = False
        self.writing = False
        #: the connection's busy timeout (ms), read at its first BEGIN inline
        self.busy_ms: int | None = None

    def cursor(self, server_side: bool = False) -> Any:
        """A cursor; a server-side one runs statements we do not follow (its fetches are round
        trips of their own): idle unknown, and nothing inline until the transaction ends."""
        if server_side:
            self.idle = self.writing = False
        return super().cursor(server_side)

    def rollback(self) -> None:
        """Roll back, unless no transaction is open (nothing to undo: no round trip)."""
        self.writing = False
        if self.idle:
            return
        super().rollback()
        self.idle = True

    def commit(self) -> None:
        """Commit, in aiosqlite's thread (a transaction is then no longer open)."""
        self.idle = self.writing = False
        super().commit()
        self.idle = True


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DBAPI module to give create_async_engine(module=…) for sqlite+aiosqlite URLs."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        """Open the aiosqlite connection as SQLAlchemy does, with the one-hop cursor."""
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


def one_hop_dbapi() -> OneHopDBAPI:
    """A fresh module object (it keeps no state but SQLAlchemy's attributes)."""
    return OneHopDBAPI()

