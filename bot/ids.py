"""Database ids from untrusted text (button payloads, command arguments), range-checked."""

from __future__ import annotations

#: the largest value of a PostgreSQL `integer` column (every id column here is one)
MAX_ID = 2**31 - 1


def parse_id(text: str) -> int | None:
    """A positive id that fits the database's integer columns, or None.

    Checked before any query: PostgreSQL raises on an out-of-range parameter instead of finding
    nothing, and `str.isdigit` alone would accept '²' or Arabic-Indic digits.
    """
    if not text or len(text) > 12 or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
