"""The one writer of every spreadsheet troly produces (.xlsx and .csv): safe to open.

No cell troly writes starts a formula (OWASP "CSV injection"): text is always written as text,
and text that a spreadsheet would read as a formula (starting with =, +, -, @, tab or CR) is
marked the way spreadsheet software expects — the xlsx "quote prefix" style (Excel shows the
value, and editing the cell keeps it text), a leading apostrophe in CSV. Characters no file can
hold (NUL and other control characters, lone surrogates) are dropped first (knowledge.normalize).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

from knowledge.normalize import sanitize

#: a cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text without the characters a worksheet cannot hold (control characters, surrogates)."""
    return sanitize(value)


def looks_like_formula(value: str) -> bool:
    """True when spreadsheet software would read `value` as a formula if typed into a cell."""
    return value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS)


def new_workbook() -> Workbook:
    """An empty workbook (write its cells with `append_row` / `set_cell` only)."""
    return Workbook()


def set_cell(cell: Cell, value: Any) -> Cell:
    """Write one value: numbers, dates and None as they are; text always as text."""
    if isinstance(value, str):
        text = safe_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl would make "=…" a formula
        if looks_like_formula(value) or looks_like_formula(text):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append a row after the last one (like Worksheet.append), every value through `set_cell`."""
    sheet.append([set_cell(Cell(sheet), value) for value in values])


def csv_cell(value: Any) -> str:
    """One CSV field: text cleaned and, when it would start a formula, prefixed with an apostrophe."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    text = safe_text(value)
    return "'" + text if looks_like_formula(value) or looks_like_formula(text) else text


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """A UTF-8 CSV with a byte-order mark (Excel then reads Vietnamese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")
