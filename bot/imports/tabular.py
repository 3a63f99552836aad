"""Reading a table from .xlsx or .csv: find the header row (ministry files put titles above it), map
Vietnamese headers to fields, and keep the spreadsheet row number of every data row."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils.cell import range_boundaries

from bot.imports.common import fold_key
from bot.texts import imports as texts
from knowledge.normalize import drop_invisible, sanitize

#: header rows are searched this far down (titles, plan number, date lines come first)
HEADER_SEARCH_ROWS = 20
#: rows one file may hold (a province's officials fit; a runaway export does not)
MAX_ROWS = 20_000
#: columns read per row (a sheet whose last used column is XFD would make every row huge)
MAX_COLUMNS = 200
#: the parts of an .xlsx may inflate to this much (a zip bomb is refused before parsing)
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
Cell = str | int | float | date | None


class TableError(ValueError):
    """The file cannot be read as a table (message in Vietnamese)."""


class NoHeaderRow(TableError):
    """The file is a table, but not one with these columns."""


@dataclass(frozen=True)
class Formula:
    """A formula cell troly cannot use: a text starting with '=' (a CSV cell, or a formula an
    export left without its computed value). Kept out of the data: written back into a
    spreadsheet report, it would run as a formula."""

    text: str


@dataclass(frozen=True)
class ErrorValue(Formula):
    """A spreadsheet error a formula left (#N/A, #REF!…), as an .xlsx caches it or a CSV export
    writes it: no value to store (an official named "#N/A")."""


class Spread(str):
    """A text cell merged across several columns of its row (a section heading such as
    "I. NHIỆM VỤ CHUNG" spread over the table): a row holding one, with nothing to its right,
    is a heading, not data."""

    __slots__ = ()


#: a merge over this many columns of one row reads as a heading across the table
SPREAD_COLUMNS = 3


@dataclass(frozen=True)
class Row:
    """One data row: its number in the file (1-based, as the spreadsheet shows it) and its fields."""

    number: int
    values: dict[str, Cell]
    #: headers of the row's cells that hold a formula (see Formula); importers reject the row
    formulas: tuple[str, ...] = ()
    #: (header, error) of the row's cells that hold a spreadsheet error (see ErrorValue): rejected too
    errors: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> Cell:
        """A field's raw value (None when the column is absent or the cell empty)."""
        return self.values.get(name)

    def problems(self) -> list[str]:
        """Why the row cannot be used whatever its fields say (formula cells), in Vietnamese."""
        found = [texts.ERROR_CELL.format(column=column, value=value) for column, value in self.errors]
        return ([texts.FORMULA_CELL.format(column=", ".join(self.formulas))] if self.formulas
                else []) + found


@dataclass(frozen=True)
class Table:
    """The data rows, the header text per field, and the text lines above the header."""

    rows: list[Row]
    headers: dict[str, str]
    preamble: list[str]


def _cell(value: Any) -> Cell | Formula:
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
    # marks), no control characters (a NUL from a broken export is refused by PostgreSQL); and no
    # invisible characters (cells copied from a web page: 'NV01\u200b' is no second code)
    text = drop_invisible(sanitize(str(value))).strip()
    if text.startswith("="):
        return Formula(text)
    if text in ERROR_CODES:
        return ErrorValue(text)
    if isinstance(value, Spread) and text:
        return Spread(text)
    return text or None


RawRow = list[Cell | Formula]


def _xlsx_rows(file_name: str, content: bytes, sheet: int = 0) -> list[RawRow] | None:
    """The values of visible sheet number `sheet` (None past the last); a formula cell gives the
    value Excel computed and saved, and a formula without one (a file written by a program, never
    opened in Excel) a Formula."""
    if content.startswith(_OLE_SIGNATURE):  # an .xls renamed, or an .xlsx saved with a password
        raise TableError(texts.EXCEL_OLD_OR_PASSWORD.format(file=file_name))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError(texts.EXCEL_UNREADABLE.format(file=file_name)) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(texts.EXCEL_TOO_LARGE_UNPACKED.format(
            file=file_name, limit=MAX_UNPACKED_BYTES // (1024 * 1024)))
    values = _sheet(file_name, content, data_only=True, index=sheet)
    if values is None:
        return None
    if not _has_formulas(content):  # the usual file: one pass is enough
        return [[_cell(v) for v in row] for row in values]
    formulas = _sheet(file_name, content, data_only=False, index=sheet) or []
    rows: list[RawRow] = []
    for index, row in enumerate(values):
        raw = formulas[index] if index < len(formulas) else []
        cells: RawRow = []
        for col, value in enumerate(row):
            source = raw[col] if col < len(raw) else None
            is_formula = isinstance(source, str) and source.startswith("=")
            cells.append(Formula(source) if is_formula and value is None and isinstance(source, str)
                         else _cell(value))
        rows.append(cells)
    return rows


#: the start of an OLE compound file: a legacy .xls, or an encrypted (password-protected) .xlsx
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: a merged range in a worksheet part (<mergeCell ref="D6:D8"/>, any namespace prefix)
_MERGE_TAG = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]{1,3}[0-9]+:[A-Z]{1,3}[0-9]+)\"")


#: a formula element in a worksheet part (<f>…</f>, <f t="shared" …/>, any namespace prefix)
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(content: bytes) -> bool:
    """Whether any worksheet of the (already size-checked) workbook holds a formula."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return any(_FORMULA_TAG.search(archive.read(info.filename))
                   for info in archive.infolist()
                   if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"))


def _sheet(file_name: str, content: bytes, *, data_only: bool,
           index: int = 0) -> list[list[Any]] | None:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise TableError(texts.EXCEL_UNREADABLE.format(file=file_name)) from exc
    try:
        # the sheets the person sees: a hidden one (lookup lists, an old copy) is skipped
        sheets = [ws for ws in book.worksheets if ws.sheet_state == "visible"] or book.worksheets
        if not sheets and index == 0:
            raise TableError(texts.NO_HEADER_ROW.format(columns="-"))
        if index >= len(sheets):
            return None
        sheet = sheets[index]
        rows: list[list[Any]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row[:MAX_COLUMNS]))
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise TableError(texts.TOO_MANY_ROWS.format(file=file_name, limit=MAX_ROWS))
        _fill_merged_down(rows, _merged_ranges(content, getattr(sheet, "_worksheet_path", "")))
        return rows
    except (KeyError, OSError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        if isinstance(exc, TableError):
            raise
        raise TableError(texts.EXCEL_UNREADABLE.format(file=file_name)) from exc
    finally:
        book.close()


def _merged_ranges(content: bytes, part: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of one worksheet part as (min_col, min_row, max_col, max_row), 1-based
    (read-only workbooks do not parse them)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        try:
            xml = archive.read(part)
        except KeyError:
            return []
    ranges = []
    for ref in _MERGE_TAG.findall(xml):
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
        if min_col is not None and min_row is not None and max_col is not None and max_row is not None:
            ranges.append((min_col, min_row, max_col, max_row))
    return ranges


def _fill_merged_down(rows: list[list[Any]], ranges: list[tuple[int, int, int, int]]) -> None:
    """A cell merged over several rows (a lead unit shared by three tasks) holds its value in its
    top row only: give that value to the rows below, in the range's first column. A text merged
    across SPREAD_COLUMNS columns or more of one row is marked a Spread (a heading); other
    merges across columns are left alone (a heading is no value of each column)."""
    for min_col, min_row, max_col, max_row in ranges:
        if min_col > MAX_COLUMNS or min_row > len(rows):
            continue
        top = rows[min_row - 1]
        value = top[min_col - 1] if min_col - 1 < len(top) else None
        if value is None:
            continue
        if max_row == min_row:
            if max_col - min_col + 1 >= SPREAD_COLUMNS and isinstance(value, str):
                top[min_col - 1] = Spread(value)
            continue
        for index in range(min_row, min(max_row, len(rows))):
            row = rows[index]
            if len(row) < min_col:
                row.extend([None] * (min_col - len(row)))
            if row[min_col - 1] is None:
                row[min_col - 1] = value


def _raw_rows(file_name: str, content: bytes, sheet: int = 0) -> list[RawRow] | None:
    """The rows of the file's visible sheet number `sheet` (a CSV has one); None past the last."""
    suffix = PurePath(file_name).suffix.casefold()
    if suffix in (".xlsx", ".csv") and len(content) < 1024 and not content.strip(b" \t\r\n\x00"):
        raise TableError(texts.FILE_EMPTY.format(file=file_name))
    if suffix == ".xlsx":
        return _xlsx_rows(file_name, content, sheet)
    if suffix == ".csv" and sheet > 0:
        return None
    if suffix == ".csv":
        # Excel's "Unicode Text" and some exports write UTF-16 with its byte order mark
        utf16 = content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "cp1258"):
            try:
                decoded = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # cp1258 decodes almost anything; a broken UTF-16 file does not
            raise TableError(texts.CSV_ENCODING_UNREADABLE.format(file=file_name))
        try:
            dialect: Any = csv.Sniffer().sniff(decoded[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows: list[RawRow] = []
        try:
            for row in csv.reader(io.StringIO(decoded), dialect):
                rows.append([_cell(v) for v in row[:MAX_COLUMNS]])
                if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                    raise TableError(texts.TOO_MANY_ROWS.format(file=file_name, limit=MAX_ROWS))
        except csv.Error as exc:
            raise TableError(texts.CSV_UNREADABLE.format(file=file_name)) from exc
        return rows
    raise TableError(texts.WRONG_FILE_TYPE.format(file=file_name))


def _is_heading(row: RawRow, columns: dict[int, str], required: tuple[str, ...]) -> bool:
    """A section heading spread across the table: a Spread cell in a read column, nothing filled
    to its right, and no other required column filled (a number such as "I" in the STT column
    before it is allowed; a task whose code is filled and whose title is merged across is data,
    reported if incomplete, never skipped)."""
    spread = next((col for col in sorted(columns) if col < len(row) and isinstance(row[col], Spread)),
                  None)
    return spread is not None and all(
        row[col] is None for col, name in columns.items()
        if col < len(row) and col != spread and (col > spread or name in required))


def read_sheets(file_name: str, content: bytes) -> Iterator[list[RawRow]]:
    """Every row of each visible sheet in turn (a CSV: its one table), cells cleaned, a sheet read
    only when asked for; TableError when the file cannot be read as a table."""
    for index in itertools.count():
        rows = _raw_rows(file_name, content, index)
        if rows is None:
            return
        yield rows


def read_table(file_name: str, content: bytes, fields: dict[str, tuple[str, ...]],
               required: tuple[str, ...]) -> Table:
    """Read the table from the first visible sheet that has its header row (a template's first
    sheet is often its instructions); `fields` maps a field to its accepted header spellings (any
    diacritics/case). NoHeaderRow when no sheet has it."""
    missing: NoHeaderRow | None = None
    for rows in read_sheets(file_name, content):
        try:
            return table_of(rows, fields, required)
        except NoHeaderRow as exc:
            missing = missing or exc
    raise missing or NoHeaderRow(texts.NO_HEADER_ROW.format(
        columns=", ".join(fields[r][0] for r in required)))


def table_of(raw: list[RawRow], fields: dict[str, tuple[str, ...]],
             required: tuple[str, ...]) -> Table:
    """The table in rows read by read_rows (NoHeaderRow when no row has the required headers)."""
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
        raise NoHeaderRow(texts.NO_HEADER_ROW.format(columns=wanted))
    header_index, columns, headers = best
    preamble = [" ".join(str(v) for v in row if v is not None and not isinstance(v, Formula))
                for row in raw[:header_index]]
    rows = []
    for offset, row in enumerate(raw[header_index + 1:], start=header_index + 2):
        cells = {name: row[col] for col, name in columns.items() if col < len(row)}
        # a formula keeps its text (the row is rejected for it, not for a "missing" value)
        values: dict[str, Cell] = {name: v.text if isinstance(v, Formula) else v
                                   for name, v in cells.items()}
        formulas = tuple(headers[name] for name, v in cells.items()
                         if isinstance(v, Formula) and not isinstance(v, ErrorValue))
        errors = tuple((headers[name], v.text) for name, v in cells.items()
                       if isinstance(v, ErrorValue))
        if _is_heading(row, columns, required):
            continue
        if formulas or errors or any(v is not None for v in values.values()):
            rows.append(Row(offset, values, formulas, errors))
    return Table(rows, headers, [p for p in preamble if p.strip()])
