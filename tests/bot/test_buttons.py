"""The typed button codec: pack and unpack in the wire format the handlers always wrote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from bot.button_kinds import DigestAck, OpenGuide, PeriodPrompt
from bot.buttons import ButtonData, Offset
from bot.ids import MAX_ID


@dataclass(frozen=True)
class Choice(ButtonData, prefix="t_choice"):
    """A test kind: a closed answer and an id."""

    answer: Literal["ok", "no"]
    row_id: int


@dataclass(frozen=True)
class Said(ButtonData, prefix="t_said"):
    """A test kind: an id and free text at the end."""

    chunk_id: int
    text: str = ""


@dataclass(frozen=True)
class Bare(ButtonData, prefix="t_bare"):
    """A test kind without fields."""


def test_pack_writes_prefix_and_fields() -> None:
    assert Choice("ok", 12).pack() == "t_choice:ok:12"
    assert Bare().pack() == "t_bare"


def test_unpack_reads_what_pack_wrote() -> None:
    assert Choice.unpack("t_choice:no:7") == Choice("no", 7)
    assert Choice.unpack(Choice("ok", MAX_ID).pack()) == Choice("ok", MAX_ID)


@pytest.mark.parametrize("payload", [
    "t_choice:maybe:7",  # not one of the answers
    "t_choice:ok",  # a field missing
    "t_choice:ok:",  # an empty id
    "t_choice:ok:x7",
    "t_choice:ok:-7",
    "t_choice:ok:٣",  # an Arabic-Indic digit: isdigit() says yes, a database says no
    f"t_choice:ok:{MAX_ID + 1}",  # does not fit an integer column
    "t_choice:ok:7:8",  # one field too many
    "other:ok:7",  # another kind's prefix
])
def test_a_payload_that_does_not_fit_unpacks_to_none(payload: str) -> None:
    assert Choice.unpack(payload) is None


def test_the_last_text_field_takes_the_rest_colons_included() -> None:
    said = Said(12, "hạn nộp: thứ sáu?")
    assert said.pack() == "t_said:12:hạn nộp: thứ sáu?"
    assert Said.unpack(said.pack()) == said


def test_a_trailing_default_is_left_out_and_may_be_missing() -> None:
    assert Said(12).pack() == "t_said:12"
    assert Said.unpack("t_said:12") == Said(12, "")
    assert OpenGuide("quy-trinh").pack() == "guide:quy-trinh"
    assert OpenGuide("quy-trinh", Offset(8)).pack() == "guide:quy-trinh:8"
    assert OpenGuide.unpack("guide:quy-trinh:8") == OpenGuide("quy-trinh", Offset(8))


@pytest.mark.parametrize("arg", ["", "abc", "-1", "123456", "١٢"])
def test_an_offset_that_is_not_a_short_number_reads_as_the_first_page(arg: str) -> None:
    assert OpenGuide.parse(f"quy-trinh:{arg}" if arg else "quy-trinh") == OpenGuide("quy-trinh")


def test_a_field_less_kind_ignores_what_follows() -> None:
    assert Bare.unpack("t_bare:anything") == Bare()


def test_a_value_that_would_not_read_back_refuses_to_pack() -> None:
    with pytest.raises(ValueError):
        OpenGuide("a:b").pack()  # a text field before the last holds no ':'
    with pytest.raises(ValueError):
        Choice("ok", -1).pack()


def test_a_prefix_is_short_ascii_without_separator_or_token_mark() -> None:
    for bad in ("", "a:b", "~tok", "mục", "x" * 13):
        with pytest.raises(ValueError):
            type("Bad", (ButtonData,), {}, prefix=bad)


def test_digest_and_period_buttons_keep_their_wire_format() -> None:
    # sent by the scheduler before this codec existed; still in chats
    assert DigestAck.unpack("rem_ack:5:2026-W48:weekly") == DigestAck(5, "2026-W48", "weekly")
    assert DigestAck(5, "2026-11", "monthly").pack() == "rem_ack:5:2026-11:monthly"
    assert PeriodPrompt.unpack("rem_period:2026-Q4") == PeriodPrompt("2026-Q4")
    assert PeriodPrompt.unpack("rem_period") == PeriodPrompt("")
