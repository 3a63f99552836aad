"""Reading a table from .xlsx or .csv: find the header row (ministry files put titles above it), map
Vietnamese headers to fields, and keep the spreadsheet row number of every data row."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook

from bot.imports.common import fold_key
from bot.texts import imports as texts
from knowledge.normalize import sanitize

#: header rows are searched this far down (titles, plan number, date lines come first)
HEADER_SEARCH_ROWS = 20
Cell = str | int | float | date | None


class TableError(ValueError):
    """The file cannot be read as a table (message in Vietnamese)."""


@dataclass(frozen=True)
class Row:
    """One data row: its number in the file (1-based, as the spreadsheet shows it) and its fields."""

    number: int
    values: dict[str, Cell]

    def get(self, name: str) -> Cell:
        """A field's raw value (None when the column is absent or the cell empty)."""
        return self.values.get(name)


@dataclass(frozen=True)
class Table:
    """The data rows, the header text per field, and the text lines above the header."""

    rows: list[Row]
    headers: dict[str, str]
    preamble: list[str]


def _cell(value: Any) -> Cell:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float):
        return value
    # the one rule for text from people (knowledge.normalize): NFC (cp1258/NFD files use combining
    # marks), no control characters (a NUL from a broken export is refused by PostgreSQL)
    text = sanitize(str(value)).strip()
    return text or None


def _raw_rows(file_name: str, content: bytes) -> list[list[Cell]]:
    suffix = PurePath(file_name).suffix.casefold()
    if suffix == ".xlsx":
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise TableError(texts.EXCEL_UNREADABLE.format(
                file=file_name, error=exc.__class__.__name__)) from exc
        try:
            sheet = book.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "cp1258"):
            try:
                decoded = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - cp1258 decodes almost anything
            raise TableError(texts.CSV_ENCODING_UNREADABLE.format(file=file_name))
        try:
            dialect: Any = csv.Sniffer().sniff(decoded[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(decoded), dialect)]
    raise TableError(texts.WRONG_FILE_TYPE.format(file=file_name))


def read_table(file_name: str, content: bytes, fields: dict[str, tuple[str, ...]],
               required: tuple[str, ...]) -> Table:
    """Read the table; `fields` maps a field to its accepted header spellings (any diacritics/case)."""
    raw = _raw_rows(file_name, content)
    aliases = {fold_key(alias): name for name, spellings in fields.items() for alias in spellings}
    best: tuple[int, dict[int, str], dict[str, str]] | None = None
    for index, row in enumerate(raw[:HEADER_SEARCH_ROWS]):
        columns: dict[int, str] = {}
        headers: dict[str, str] = {}
        for col, value in enumerate(row):
            if not isinstance(value, str):
                continue
            name = aliases.get(fold_key(value))
            if name is not None and name not in headers:
                columns[col], headers[name] = name, value
        if all(r in headers for r in required) and (best is None or len(headers) > len(best[2])):
            best = (index, columns, headers)
            break
    if best is None:
        wanted = ", ".join(fields[r][0] for r in required)
        raise TableError(texts.NO_HEADER_ROW.format(columns=wanted))
    header_index, columns, headers = best
    preamble = [" ".join(str(v) for v in row if v is not None) for row in raw[:header_index]]
    rows = []
    for offset, row in enumerate(raw[header_index + 1:], start=header_index + 2):
        values = {name: row[col] for col, name in columns.items() if col < len(row)}
        if any(v is not None for v in values.values()):
            rows.append(Row(offset, values))
    return Table(rows, headers, [p for p in preamble if p.strip()])
