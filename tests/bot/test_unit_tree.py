"""The unit hierarchy walk."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.unit_tree import descendants


def test_descendants_depth_first_root_first() -> None:
    pairs = [(1, None), (2, 1), (3, 1), (4, 2), (5, None)]
    assert descendants(pairs, 1) == [1, 2, 4, 3]
    assert descendants(pairs, 5) == [5]
    assert descendants(pairs, 9) == [9]


def test_a_loop_in_bad_data_terminates() -> None:
    assert sorted(descendants([(1, 2), (2, 1)], 1)) == [1, 2]


@given(st.dictionaries(st.integers(1, 30), st.one_of(st.none(), st.integers(1, 30)), max_size=30))
def test_every_unit_listed_once_and_all_lie_below_root(parents: dict[int, int | None]) -> None:
    result = descendants(parents.items(), 1)
    assert result[0] == 1 and len(result) == len(set(result))
    for uid in result[1:]:
        assert parents.get(uid) in result  # reached through its parent
