"""Admin imports from .xlsx/.csv with Vietnamese headers: units, officials, a plan's tasks.

Every importer validates the whole file first and reports every bad row with its row number; nothing is
written unless the whole file is valid; re-importing updates rows by code instead of duplicating them.
"""

from bot.imports.common import ImportFailed, ImportResult, RowError
from bot.imports.tabular import Row, Table, TableError, read_table

__all__ = ["ImportFailed", "ImportResult", "Row", "RowError", "Table", "TableError", "read_table"]
