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

_Result = tuple[Any, int, int | None, list[Any]]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Result:
    """In aiosqlite's thread: the whole statement, results kept."""
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
        return description, cursor.rowcount, cursor.lastrowid, rows
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
        async with self._adapt_connection._execute_mutex:
            connection: Any = self._connection
            self._description, self._rowcount, self._lastrowid, rows = await connection._execute(
                _run, connection._conn, operation, parameters, many)
            self._rows = collections.deque(rows)

    def nextset(self) -> None:
        """sqlite3 has no further result sets."""
        return

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Ignored, as by sqlite3."""
        return


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection with OneHopCursor as its client-side cursor."""

    __slots__ = ()
    _cursor_cls = OneHopCursor


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

