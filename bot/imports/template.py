"""The one shape of a table import (units, officials, a plan's tasks): validate → diff → apply.

Reading the file, the all-or-nothing rule (or, with `partial`, leaving the bad rows out), the diff
against the database and the dry run are the same for every table; a TableImport says only what is
its own: how rows are checked, what an existing record is, what changed, and how to write.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.imports.common import ImportFailed, ImportResult, RowError, keep_or_raise
from bot.imports.tabular import Table, TableError, read_table


class TableImport(ABC):
    """One run of one kind of table import; `run` drives it through validate → diff → apply."""

    #: ImportResult.kind
    kind: ClassVar[str]
    #: field → the header spellings accepted in the file
    header_aliases: ClassVar[dict[str, tuple[str, ...]]]
    #: the fields a header row must name
    required: ClassVar[tuple[str, ...]]

    def __init__(self) -> None:
        #: the valid rows by code: field values as they are to be written
        self.parsed: dict[str, dict[str, Any]] = {}
        #: the records of the database the file is compared with, by code
        self.existing: Mapping[str, object] = {}
        #: rows skipped on purpose (section headings), by row number
        self.skipped_rows: list[int] = []
        #: what the file is about beyond its kind (ImportResult.subject)
        self.subject: str | None = None

    @abstractmethod
    async def validate(self, session: AsyncSession, table: Table, now: datetime, *,
                       partial: bool) -> list[RowError]:
        """Check every row (against the database too): fill `parsed` and `existing`; the errors."""

    @abstractmethod
    def created_line(self, code: str, values: dict[str, Any]) -> str:
        """How a new record is listed ("code: name")."""

    @abstractmethod
    def changes(self, code: str, values: dict[str, Any]) -> list[str]:
        """The headers of the columns whose values differ from the existing record's."""

    @abstractmethod
    async def apply(self, session: AsyncSession, now: datetime) -> None:
        """Create and update the records of `parsed` (the session is flushed afterwards)."""

    async def run(self, session: AsyncSession, file_name: str, content: bytes, now: datetime, *,
                  dry_run: bool, partial: bool) -> ImportResult:
        """Validate the whole file, then (unless `dry_run`) write: nothing on any row error, or
        with `partial` the bad rows left out and listed as rejected."""
        try:
            # parsing a large workbook takes seconds: keep the event loop answering meanwhile
            table = await asyncio.to_thread(read_table, file_name, content, self.header_aliases,
                                            self.required)
        except TableError as exc:
            raise ImportFailed([RowError(0, str(exc))]) from exc
        rejected = keep_or_raise(await self.validate(session, table, now, partial=partial),
                                 partial)
        result = ImportResult(self.kind, dry_run, skipped_rows=self.skipped_rows,
                              rejected=rejected, subject=self.subject)
        result.not_in_file = sorted(set(self.existing) - set(self.parsed))
        for code, values in self.parsed.items():
            if code not in self.existing:
                result.created.append(self.created_line(code, values))
            elif changes := self.changes(code, values):
                result.updated.append((code, changes))
            else:
                result.unchanged.append(code)
        if dry_run or not self.parsed:
            return result
        await self.apply(session, now)
        await session.flush()
        return result
