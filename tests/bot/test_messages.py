"""Choices as text: a final choice ("Gửi báo cáo") is never numbered after a list's items, on
Zalo (a button kept beside the numbered items) and on the console (listed by name); the menu a
typed answer picks from survives storage, including a menu stored before names were."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

from bot.messages import (
    Attachment,
    Button,
    Menu,
    OutgoingMessage,
    from_payload,
    menu_of_buttons,
    numbered_options,
    parts_to_send,
    render_as_text,
    split_text,
    to_payload,
)
from bot.texts import common as C

ITEMS = [Button(f"Sửa nhiệm vụ {n}", f"ck:edit:{n - 1}") for n in range(1, 6)]
SEND = Button("Gửi báo cáo", "ck:ok", final=True)
CANCEL = Button("Huỷ", "ck:cancel", command="/huy")


def test_zalo_numbers_the_items_and_keeps_the_final_choice_a_button() -> None:
    message = OutgoingMessage("Tóm tắt", (*ITEMS, SEND, CANCEL), numbered="Gõ số.")
    numbered = numbered_options(message, 5)
    assert numbered is not None
    shown, menu = numbered
    assert "5. Sửa nhiệm vụ 5\n\nGõ số." in shown.text and "6. " not in shown.text
    assert [b.label for b in shown.buttons] == ["Gửi báo cáo", "Huỷ"]
    assert menu == Menu(tuple(b.payload for b in ITEMS), (("Gửi báo cáo", "ck:ok"),), strict=True)
    # five choices with the final one fit five buttons: nothing numbered
    assert numbered_options(OutgoingMessage("x", (*ITEMS[:4], SEND), numbered="Gõ số."), 5) is None


def test_the_console_lists_the_final_choice_by_name() -> None:
    message = OutgoingMessage("Tóm tắt", (ITEMS[0], SEND))
    printed = render_as_text(message)
    assert printed == ("Tóm tắt\n\n1. Sửa nhiệm vụ 1\n\n\u2013 Gửi báo cáo\n\n"
                       + C.FINAL_TYPED_BY_NAME.format(labels="\u201cGửi báo cáo\u201d"))
    menu = menu_of_buttons(message)
    assert menu.numbered == ("ck:edit:0",) and menu.strict
    assert menu.named_payload("  GUI bao  cáo ") == "ck:ok"
    assert menu.named_payload("gửi") is None and menu.named_payload("") is None


def test_a_final_choice_survives_the_outbox() -> None:
    message = OutgoingMessage("Tóm tắt", (ITEMS[0], SEND, CANCEL))
    again = from_payload(to_payload(message))
    assert [b.final for b in again.buttons] == [False, True, False]
    assert again.buttons[2].command == "/huy"


def test_a_menu_survives_storage_and_an_older_one_is_read() -> None:
    menu = Menu(("a:1", "a:2"), (("Gửi thông báo", "a:send"),), strict=True)
    assert Menu.of(menu.to_json()) == menu
    # stored before final choices were named: its payloads by number, numbers passed on as text
    assert Menu.of(["a:1", "a:2"]) == Menu(("a:1", "a:2"))
    assert Menu.of([]) is None and Menu.of(None) is None and Menu.of("x") is None


def test_items_that_act_for_good_are_asked_back_by_number() -> None:
    sections = [Button(f"Mục {n}", f"uqs:1:{n}", confirm_typed=True) for n in range(1, 9)]
    more = Button("Xem thêm", "uqg:1:2:8")
    numbered = numbered_options(OutgoingMessage("Chọn mục", (*sections, more), numbered="Gõ số."), 5)
    assert numbered is not None
    menu = numbered[1]
    assert menu.asks == tuple((i, f"Mục {i + 1}") for i in range(8))
    assert menu.asked_label(1) == "Mục 2" and menu.asked_label(8) is None
    waiting = Menu(menu.numbered, strict=True, asks=menu.asks, pending=1)
    assert Menu.of(waiting.to_json()) == waiting


def test_the_console_menu_numbers_every_button_but_the_final_ones() -> None:
    """menu_of_buttons and numbered_options build their menus alike; the console's numbers the
    commands too ("Huỷ", also picked by its word typed) and is strict only where the message
    asked for a number."""
    section = Button("Mục 1", "uqs:1:1", confirm_typed=True)
    menu = menu_of_buttons(OutgoingMessage("x", (section, CANCEL)))
    assert menu == Menu(("uqs:1:1", "ck:cancel"), (), strict=False, asks=((0, "Mục 1"),),
                        words=(("/huy", "ck:cancel"),))
    assert Menu.of(menu.to_json()) == menu
    assert [menu.word_payload(w) for w in ("huy", "Huỷ bỏ!", "quay lai", "Huy Hoàng")] == [
        "ck:cancel", "ck:cancel", None, None]
    assert menu_of_buttons(OutgoingMessage("x", (section, SEND), numbered="Gõ số.")) == Menu(
        ("uqs:1:1",), (("Gửi báo cáo", "ck:ok"),), strict=True, asks=((0, "Mục 1"),))
    assert menu_of_buttons(OutgoingMessage("x", (section, SEND), numbers_typed=True)) == Menu(
        named=(("Mục 1", "uqs:1:1"), ("Gửi báo cáo", "ck:ok")))


def test_parts_to_send_skip_what_an_earlier_try_delivered() -> None:
    sheet = Attachment("a.xlsx", b"x", "application/octet-stream")
    message = OutgoingMessage("t", attachments=(sheet,))
    assert list(parts_to_send(["p1", "p2"], message)) == [(1, "p1"), (2, "p2"), (3, sheet)]
    assert list(parts_to_send(["p1", "p2"], replace(message, parts_sent=2))) == [(3, sheet)]
    assert list(parts_to_send(["p1"], replace(message, parts_sent=5))) == []


def test_a_forced_cut_keeps_a_letter_with_its_accents() -> None:
    # decomposed Vietnamese (a letter, then its combining marks) and no space to cut at
    word = unicodedata.normalize("NFD", "Nghịđịnhsốmườilăm")
    for limit in range(20, 80):
        parts = split_text(word * 20, limit)
        assert all(not unicodedata.combining(part[0]) for part in parts), limit
        assert "".join(parts) == word * 20


def test_a_run_of_marks_longer_than_the_limit_is_cut_at_the_limit() -> None:
    # zalgo text echoed back: the walk back to a letter gives up, a few parts instead of 1001
    parts = split_text("a" + "\u0301" * 5000, 4000)
    assert len(parts) == 2 and "".join(parts) == "a" + "\u0301" * 5000
    parts = split_text("\u0301" * 5000, 4000)
    assert [len(p) for p in parts] == [4000, 1000]


def test_a_tiny_limit_still_makes_progress() -> None:
    assert split_text("abcdef", 2) == ["ab", "cd", "ef"]
    assert split_text("abc", 1) == ["a", "b", "c"]
    assert split_text("ab cd", 0) == ["a", "b", "c", "d"]
    assert split_text("a.b. c", 2) == ["a.", "b.", "c"]


def test_a_part_does_not_end_at_an_abbreviation() -> None:
    text = "Nộp hồ sơ tại UBND TP. Hồ Chí Minh trước ngày 5. Sau đó chờ kết quả xét duyệt."
    limit = text.index("Minh") + 4
    parts = split_text(text, limit)
    assert not parts[0].endswith("TP."), parts
    assert " ".join(parts) == text
