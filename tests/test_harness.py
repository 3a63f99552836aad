"""The harness's label and template helpers: they must fail when the text or button is not there."""

from __future__ import annotations

import pytest

from bot.messages import Button, OutgoingMessage
from bot.texts import checkin as CT
from bot.texts import people as P
from tests.harness import Press, button, fields, fits, labels

MENU = [OutgoingMessage("Chọn:", (Button(CT.BTN_SUBMIT, "ci:ok"), Button(CT.BTN_DONE, "ci:done"))),
        OutgoingMessage("Khác:", (Button(CT.BTN_SUBMIT, "ci:ok"),))]


def test_button_finds_the_payload_of_a_label() -> None:
    assert labels(MENU) == [CT.BTN_SUBMIT, CT.BTN_DONE, CT.BTN_SUBMIT]
    assert button(MENU, CT.BTN_DONE) == "ci:done"
    assert button(MENU, CT.BTN_SUBMIT) == "ci:ok"  # twice, the same choice: not ambiguous


def test_button_fails_on_a_missing_or_ambiguous_label() -> None:
    with pytest.raises(AssertionError, match="offered"):
        button(MENU, CT.BTN_SKIP_WEEK)
    twice = [OutgoingMessage("x", (Button("Gỡ 1", "acc_unb:1"), Button("Gỡ 1", "acc_unb:2")))]
    with pytest.raises(AssertionError, match="different buttons"):
        button(twice, "Gỡ 1")


def test_fits_fills_fields_with_anything_on_one_line() -> None:
    assert fits("… Đã gửi báo cáo tuần 48/2026. Cảm ơn anh/chị! …", CT.SUBMITTED)
    assert not fits("Đã gửi báo cáo tuần 48/2026.", CT.SUBMITTED)  # the rest is missing
    assert not fits("Đã gửi báo cáo tuần 48/\n2026. Cảm ơn anh/chị!", CT.SUBMITTED)
    assert fits("{literal}", "{{literal}}")


def test_fields_reads_the_values_and_a_trailing_field_takes_the_line() -> None:
    text = (P.INVITE_CREATED.format(who="Lan", unit="CDS", role="cán bộ", code="AB12CD34",
                                    expires="10:00 30/11/2026",
                                    link=P.INVITE_LINK.format(url="https://t.me/x?start=AB12CD34"))
            + "\nmore")
    found = fields(text, P.INVITE_CREATED)
    assert found is not None
    assert (found["code"], found["who"]) == ("AB12CD34", "Lan")
    assert found["link"] == " hoặc bấm đường dẫn: https://t.me/x?start=AB12CD34"
    assert fields(text.replace("/start AB12CD34", "/start ZZ"), P.INVITE_CREATED) is None
    assert fields("nothing", P.INVITE_CREATED) is None


def test_press_steps_are_strings_with_their_label() -> None:
    step = Press(CT.BTN_SUBMIT)
    assert isinstance(step, str) and step.label == CT.BTN_SUBMIT
