"""Which table a file holds — units, officials or a plan's tasks — decided by its header row, and
running the matching importer (chat imports, where no subcommand says which)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.imports import officials, tasks, units
from bot.imports.common import ImportFailed, ImportResult, RowError
from bot.imports.tabular import NoHeaderRow, TableError, read_sheets, table_of
from bot.texts import admin_import as texts

#: most specific first: a tasks table names units and officials, an officials file names units
KINDS: tuple[tuple[str, dict[str, tuple[str, ...]], tuple[str, ...]], ...] = (
    ("tasks", tasks.HEADER_ALIASES, tasks.REQUIRED),
    ("officials", officials.HEADER_ALIASES, officials.REQUIRED),
    ("units", units.HEADER_ALIASES, units.REQUIRED),
)


def detect_kind(file_name: str, content: bytes) -> str:
    """'tasks', 'officials' or 'units'; ImportFailed (in Vietnamese) when the file is unreadable
    or its headers are none of these."""
    try:
        # the first visible sheet with a known header row, as the importers read it
        for rows in read_sheets(file_name, content):
            for kind, aliases, required in KINDS:
                try:
                    table_of(rows, aliases, required)
                except NoHeaderRow:
                    continue
                return kind
    except TableError as exc:
        raise ImportFailed([RowError(0, str(exc))]) from exc
    raise ImportFailed([RowError(0, texts.UNKNOWN_TABLE)])


async def run_import(kind: str, session: AsyncSession, file_name: str, content: bytes,
                     now: datetime, *, dry_run: bool, partial: bool) -> ImportResult:
    """Run the importer of `kind` (as detect_kind named it)."""
    if kind == "tasks":
        return await tasks.import_tasks(session, file_name, content, now, dry_run=dry_run,
                                        partial=partial)
    if kind == "officials":
        return await officials.import_officials(session, file_name, content, now,
                                                dry_run=dry_run, partial=partial)
    if kind == "units":
        return await units.import_units(session, file_name, content, now, dry_run=dry_run,
                                        partial=partial)
    raise ValueError(f"unknown import kind {kind!r}")
