"""The search answers the recorded question set exactly as recorded (tests/knowledge/search_fixture.py).

Pins ranking, scores, decisions, features and score parts, so that work on the search's speed cannot
change what it answers. A change meant to alter them re-records the fixture (see search_fixture.py).
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import pytest

from tests.knowledge.search_fixture import FIXTURE, demo_index, questions, snapshot

REGENERATE = "if the change is meant: .venv/bin/python -m tests.knowledge.search_fixture --write"
#: relative tolerance of scores and features (float32 sums in another order differ in the last bits)
REL = 1e-5


@cache
def recorded() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return rows


@cache
def live() -> dict[str, dict[str, Any]]:
    return {row["q"]: row for row in snapshot(demo_index(), [r["q"] for r in recorded()])}


def close(a: Any, b: Any) -> bool:
    """Equal, floats within REL (nested lists and dicts compared element by element)."""
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, int | float)
            and isinstance(b, int | float)
            and math.isclose(a, b, rel_tol=REL, abs_tol=1e-9)
        )
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return bool(a == b)


def test_the_fixture_holds_the_current_question_set() -> None:
    assert [r["q"] for r in recorded()] == questions(), REGENERATE


def test_the_fixture_covers_every_path() -> None:
    rows = recorded()
    assert {r["outcome"] for r in rows} == {"answer", "tentative", "decline"}
    assert sum(bool(r["corrected"]) for r in rows) >= 40  # typos and Telex corrected
    assert any(r["alternative"] for r in rows)
    assert any(not r["hits"] for r in rows)


@pytest.mark.parametrize("field", ["hits", "outcome", "corrected", "legacy"])
def test_exact_fields_are_unchanged(field: str) -> None:
    changed = [r["q"] for r in recorded() if live()[r["q"]][field] != r[field]]
    assert not changed, f"{field} changed for {len(changed)} questions, e.g. {changed[:3]}; {REGENERATE}"


@pytest.mark.parametrize("field", ["pool", "confidence", "alternative", "features", "parts"])
def test_scores_and_features_are_unchanged(field: str) -> None:
    changed = [
        r["q"] for r in recorded() if not close(live()[r["q"]].get(field), r.get(field))
        # the confidence is rounded to 4 places: a last-bit change may round it one step away
        and not (field == "confidence" and abs(live()[r["q"]][field] - r[field]) <= 1.01e-4)
    ]
    assert not changed, f"{field} changed for {len(changed)} questions, e.g. {changed[:3]}; {REGENERATE}"


def test_the_comparison_can_fail() -> None:
    row = recorded()[0]
    assert close(row["pool"], json.loads(json.dumps(row["pool"])))
    moved = [[pid, score * (1 + 10 * REL)] for pid, score in row["pool"]]
    assert not close(row["pool"], moved)
