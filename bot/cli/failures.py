"""One clear line instead of a traceback when a command meets the file system or a database it
cannot reach (any command).

A missing folder, a mount the troly user cannot write, a full disk or a read-only file system
are the operator's to fix; they get one Vietnamese line saying what to do, and exit code 1.
Anything else keeps its traceback (a bug should be reported with it).
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.texts import cli as texts

_PERMISSION = {errno.EACCES, errno.EPERM}
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_UNREACHABLE = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ECONNRESET,
                errno.ETIMEDOUT}


def describe_failure(exc: BaseException) -> str | None:
    """A one-line explanation of a failure the operator can fix (file system, a database that
    cannot be reached), else None."""
    chain = _chain(exc)
    for error in chain:
        if isinstance(error, sqlite3.Error):
            message = _describe_sqlite(error)
            if message is not None:
                return message
        if isinstance(error, OSError) and _is_file_system(error):
            return _describe_os_error(error)
    for error in chain:
        reason = _unreachable_reason(error)
        if reason is not None:
            return texts.DATABASE_UNREACHABLE.format(target=_database_target(), reason=reason)
    return None


def _unreachable_reason(error: BaseException) -> str | None:
    """Why the database server could not be reached, when `error` says so."""
    import asyncpg  # only when a command failed

    if isinstance(error, socket.gaierror):
        return texts.DB_UNKNOWN_HOST
    if isinstance(error, ConnectionRefusedError) or (
            isinstance(error, OSError) and error.errno in _UNREACHABLE):
        return texts.DB_REFUSED
    if isinstance(error, TimeoutError):
        return texts.DB_TIMEOUT
    if isinstance(error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return texts.DB_AUTH
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return texts.DB_NO_DATABASE
    if isinstance(error, asyncpg.CannotConnectNowError | asyncpg.TooManyConnectionsError):
        return texts.DB_NOT_ACCEPTING
    return None


def _database_target() -> str:
    """host:port/database of TROLY_DATABASE_URL, never its password."""
    try:
        from bot.config import Settings

        url = make_url(Settings().database_url)
    except Exception:  # the settings themselves are broken: say less, not nothing
        return "?"
    if url.drivername.startswith("sqlite"):
        return str(url.database or "")
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _chain(exc: BaseException) -> list[BaseException]:
    """The error, what SQLAlchemy wrapped (`orig`), and its causes."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        error = todo.pop(0)
        if error is None or any(error is s for s in seen) or len(seen) > 20:
            continue
        seen.append(error)
        todo += [getattr(error, "orig", None), error.__cause__, error.__context__]
    return seen


def _is_file_system(error: OSError) -> bool:
    # a refused connection is an OSError too, but not a file's: it is not handled here
    return error.filename is not None or error.errno in _NO_SPACE | {errno.EROFS}


def _describe_os_error(error: OSError) -> str:
    path = str(error.filename) if error.filename is not None else "?"
    code = error.errno
    if code in _PERMISSION:
        target = Path(path)
        folder = target if target.is_dir() else target.parent
        return texts.FS_PERMISSION.format(path=path, uid=os.getuid(), gid=os.getgid(),
                                          folder=folder)
    if code == errno.ENOENT:
        return texts.FS_NOT_FOUND.format(path=path)
    if code in _NO_SPACE:
        return texts.FS_NO_SPACE.format(path=path)
    if code == errno.EROFS:
        return texts.FS_READ_ONLY.format(path=path)
    if code == errno.EISDIR:
        return texts.FS_IS_DIRECTORY.format(path=path)
    if code == errno.ENOTDIR:
        return texts.FS_NOT_DIRECTORY.format(path=path)
    return texts.FS_OTHER.format(path=path, reason=error.strerror or error)


def _describe_sqlite(error: sqlite3.Error) -> str | None:
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_CANTOPEN"):
        return texts.SQLITE_CANNOT_OPEN.format(uid=os.getuid())
    if name.startswith("SQLITE_READONLY"):
        return texts.SQLITE_READ_ONLY.format(uid=os.getuid())
    if name == "SQLITE_FULL":
        return texts.SQLITE_FULL
    if name.startswith("SQLITE_IOERR"):
        return texts.SQLITE_IO.format(reason=name)
    return None
