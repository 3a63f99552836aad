"""The unit hierarchy as plain data: which units lie below a unit (pure, no database)."""

from __future__ import annotations

from collections.abc import Iterable


def descendants(parents: Iterable[tuple[int, int | None]], root: int) -> list[int]:
    """`root` and every unit below it, depth-first, from (unit id, parent id) pairs.

    Iterative and cycle-safe, should bad data ever make a loop.
    """
    children: dict[int, list[int]] = {}
    for uid, parent in parents:
        if parent is not None:
            children.setdefault(parent, []).append(uid)
    result: list[int] = []
    stack, seen = [root], set()
    while stack:
        uid = stack.pop()
        if uid in seen:
            continue
        seen.add(uid)
        result.append(uid)
        stack.extend(sorted(children.get(uid, []), reverse=True))
    return result
