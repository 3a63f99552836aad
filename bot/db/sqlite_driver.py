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
from sqlalchemy.util import EMPTY_DICT

_Result = tuple[Any, int, int | None, list[Any], bool]


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


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor whose statement is one round trip to aiosqlite's thread."""

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

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        adapted: Any = self._adapt_connection
        async with adapted._execute_mutex:
            connection: Any = self._connection
            adapted.idle = False  # unknown until the statement has run
            (self._description, self._rowcount, self._lastrowid, rows,
             in_transaction) = await connection._execute(
                _run, connection._conn, operation, parameters, many)
            self._rows = collections.deque(rows)
            adapted.idle = not in_transaction

    def nextset(self) -> None:
        """sqlite3 has no further result sets."""
        return

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Ignored, as by sqlite3."""
        return


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with OneHopCursor as its client-side cursor, and no
    round trip for a rollback with no transaction open.

    The pool rolls back every connection it gets back, most of them just committed: in SQLite's
    autocommit mode (the engine begins its transactions itself, bot/db/base.py) that rollback
    does nothing but costs a round trip to aiosqlite's thread. `idle` is True only when the
    last statement run here (or a commit or rollback) left no transaction open, as sqlite3 said
    in its thread; anything else (a server-side cursor, an error) leaves it False.
    """

    __slots__ = ("idle",)
    _cursor_cls = OneHopCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.idle = False

    def cursor(self, server_side: bool = False) -> Any:
        """A cursor; a server-side one runs statements we do not follow: idle unknown."""
        if server_side:
            self.idle = False
        return super().cursor(server_side)

    def rollback(self) -> None:
        """Roll back, unless no transaction is open (nothing to undo: no round trip)."""
        if self.idle:
            return
        super().rollback()
        self.idle = True

    def commit(self) -> None:
        """Commit (a transaction is then no longer open)."""
        self.idle = False
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

