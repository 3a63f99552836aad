"""Slicing id lists for IN (…) clauses (SQLite caps the number of bound parameters)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = 500) -> Iterable[list[T]]:
    """Slices for IN (…) lists."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])
