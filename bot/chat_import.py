"""Tables sent in chat (units, officials, a plan's tasks): the dry-run preview an admin confirms,
and the fingerprint that makes "Nhập" apply exactly what the preview showed."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import PendingImport
from bot.imports.common import ImportFailed, ImportResult, RowError
from bot.texts import admin_import as T
from bot.texts import imports as import_texts

#: how long a previewed file waits for the admin's "Nhập"
PENDING_IMPORT_TTL = timedelta(hours=24)
#: records and rejected rows listed per part of a preview (the rest are counted); Zalo shows
#: 2,000 characters per message
MAX_LISTED = 10


def preview_digest(result: ImportResult) -> str:
    """SHA-256 of what an import does: records created and changed (with the columns), rows
    rejected (with why). Same digest, same import."""
    shown = {"kind": result.kind, "subject": result.subject, "created": result.created,
             "updated": [[code, cols] for code, cols in result.updated],
             "rejected": [[e.row, e.reason] for e in result.rejected]}
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()


def _listed(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LISTED:
        return lines
    return [*lines[:MAX_LISTED], T.MORE.format(count=len(lines) - MAX_LISTED)]


def describe(result: ImportResult, file_name: str, *, done: bool) -> str:
    """The preview (or, `done`, the outcome) of an import, in Vietnamese."""
    item = T.ITEM_LABELS.get(result.kind, result.kind)
    subject = T.SUBJECT.format(subject=result.subject) if result.subject else ""
    header = T.DONE_HEADER if done else T.PREVIEW_HEADER
    lines = [header.format(file=file_name, kind=T.KIND_LABELS.get(result.kind, result.kind),
                           subject=subject)]
    if result.created:
        lines.append((T.DONE_CREATED if done else T.PREVIEW_CREATED).format(
            count=len(result.created), item=item))
        lines += _listed([T.CREATED_LINE.format(item=c) for c in result.created])
    if result.updated:
        lines.append((T.DONE_UPDATED if done else T.PREVIEW_UPDATED).format(
            count=len(result.updated), item=item))
        lines += _listed([T.UPDATED_LINE.format(code=code, columns=", ".join(cols))
                          for code, cols in result.updated])
    if result.unchanged:
        lines.append(T.UNCHANGED.format(count=len(result.unchanged), item=item))
    if result.not_in_file:
        codes = result.not_in_file
        shown = ", ".join(codes[:MAX_LISTED])
        if len(codes) > MAX_LISTED:
            shown += " " + T.MORE.format(count=len(codes) - MAX_LISTED)
        lines.append(T.NOT_IN_FILE.format(count=len(codes), codes=shown))
    if result.rejected:
        by_row: dict[int, list[str]] = {}
        for error in result.rejected:
            by_row.setdefault(error.row, []).append(error.reason)
        lines.append(T.REJECTED_HEADER.format(count=len(by_row)))
        lines += _listed([T.REJECTED_LINE.format(error=RowError(row, "; ".join(reasons)))
                          for row, reasons in by_row.items()])
    return "\n".join(lines)


def describe_failure(error: ImportFailed, file_name: str) -> str:
    """Why a whole file was refused (unreadable, no known header row, no plan), in Vietnamese."""
    reasons = [T.PLAN_UNKNOWN if e.reason == import_texts.PLAN_UNKNOWN else str(e)
               for e in error.errors]
    return T.FILE_REJECTED.format(file=file_name, reasons="\n".join(
        T.REJECTED_LINE.format(error=r) for r in _listed(reasons)))


async def collect_expired_imports(session: AsyncSession, now: datetime) -> int:
    """Forget previewed files nobody confirmed in time; returns how many."""
    result = await session.execute(delete(PendingImport).where(PendingImport.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
