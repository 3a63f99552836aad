"""Reading typed check-in answers: percentages."""

from __future__ import annotations

import pytest

from bot.checkin_answers import parse_percent


@pytest.mark.parametrize(("text", "value"), [
    ("99,6", 99), ("99.5%", 99), ("99.99", 99), ("100", 100), ("100,0%", 100), ("70,4", 70),
    ("70,5", 71), ("0,4", 0), ("năm mươi", 50), ("120", None), ("-5", None), ("100,1", None)])
def test_percent_rounds_but_never_up_to_done(text: str, value: int | None) -> None:
    """100 % closes the task (its evidence is asked, and confirming marks it done): a decimal
    just under it is read as 99, not rounded to 100."""
    assert parse_percent(text) == value
