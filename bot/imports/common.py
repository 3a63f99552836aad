"""What every importer returns: a diff (created/updated/unchanged/not in file) or the list of row errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.texts import imports as texts
from knowledge.normalize import fold_words


@dataclass(frozen=True)
class RowError:
    """A bad row (row 0: the file itself) and why, in Vietnamese."""

    row: int
    reason: str

    def __str__(self) -> str:
        return texts.ROW_ERROR.format(row=self.row, reason=self.reason) if self.row else self.reason


def keep_or_raise(errors: list[RowError], partial: bool) -> list[RowError]:
    """All or nothing (the CLI): any row error rejects the file. Partial (chat): the bad rows are
    returned, to be listed as rejected while the others go ahead."""
    if errors and not partial:
        raise ImportFailed(errors)
    return sorted(errors, key=lambda e: e.row)


class ImportFailed(Exception):
    """The file was rejected; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = sorted(errors, key=lambda e: e.row)


@dataclass
class ImportResult:
    """What an import did (or, with dry_run, would do)."""

    kind: str  # units | officials | tasks
    dry_run: bool
    created: list[str] = field(default_factory=list)
    #: (code, names of the changed columns)
    updated: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: codes in the database that the file does not mention (left as they are)
    not_in_file: list[str] = field(default_factory=list)
    #: rows skipped on purpose (section headings of a plan table), by row number
    skipped_rows: list[int] = field(default_factory=list)
    #: with partial=True: the bad rows left out (and why); the others are imported
    rejected: list[RowError] = field(default_factory=list)
    #: what the file is about beyond its kind (a task table: its plan's reference)
    subject: str | None = None

    @property
    def changes(self) -> int:
        """How many records the import creates or updates."""
        return len(self.created) + len(self.updated)

    def lines(self) -> list[str]:
        """A Vietnamese, line-per-change description for the CLI."""
        summary = texts.DRY_RUN_SUMMARY if self.dry_run else texts.DONE_SUMMARY
        out = [summary.format(created=len(self.created), updated=len(self.updated),
                              unchanged=len(self.unchanged))]
        out += [texts.CREATED_LINE.format(item=item) for item in self.created]
        out += [texts.UPDATED_LINE.format(code=code, columns=", ".join(cols))
                for code, cols in self.updated]
        if self.not_in_file:
            out.append(texts.NOT_IN_FILE.format(codes=", ".join(self.not_in_file)))
        return out


def fold_key(text: str) -> str:
    """A comparison key: no diacritics, lower case, single spaces, no surrounding punctuation."""
    return fold_words(text).strip(" .:*")


_SPLIT_RE = re.compile(r"[;,\n]+")


def split_list(value: str) -> list[str]:
    """'Sở A; Sở B, Sở C' → ['Sở A', 'Sở B', 'Sở C'] (empty parts dropped)."""
    return [part.strip() for part in _SPLIT_RE.split(value) if part.strip()]


def too_long(values: Mapping[str, str | None], limits: dict[str, tuple[int, str]]) -> list[str]:
    """Row problems for the values longer than their column allows: field → (limit, header)."""
    return [texts.CELL_TOO_LONG.format(column=header, limit=limit)
            for name, (limit, header) in limits.items() if len(values.get(name) or "") > limit]


def text(value: object) -> str:
    """A cell as trimmed text ('' for empty)."""
    return "" if value is None else str(value).strip()
