"""Paragraphs, clause openings and title lines of a passage."""

from __future__ import annotations

from knowledge.passage_structure import clause_opening, paragraphs, title_line

ARTICLE = (
    "Giải thích từ ngữ\n\n"
    "Trong Luật này, các từ ngữ dưới đây được hiểu như sau:\n\n"
    "1. Người lao động là người làm việc cho người sử dụng lao động.\n"
    "2. Người sử dụng lao động là doanh nghiệp, cơ quan, tổ chức."
)


def test_paragraphs_split_at_line_breaks_and_drop_blank_lines() -> None:
    assert paragraphs(ARTICLE) == [
        "Giải thích từ ngữ",
        "Trong Luật này, các từ ngữ dưới đây được hiểu như sau:",
        "1. Người lao động là người làm việc cho người sử dụng lao động.",
        "2. Người sử dụng lao động là doanh nghiệp, cơ quan, tổ chức.",
    ]


def test_inline_points_after_a_colon_or_semicolon_start_new_paragraphs() -> None:
    text = "Bao gồm các trường hợp sau:a) Bị kết án; b) Bị mất năng lực hành vi."
    assert paragraphs(text) == [
        "Bao gồm các trường hợp sau:",
        "a) Bị kết án;",
        "b) Bị mất năng lực hành vi.",
    ]


def test_an_empty_passage_still_has_one_paragraph() -> None:
    assert paragraphs("") == [""]
    assert paragraphs(" \n\n ") == [""]


def test_clause_opening_drops_numbering_and_bullets() -> None:
    assert clause_opening("1. Người lao động là ai").startswith("Người lao động")
    assert clause_opening("a) Bị kết án").startswith("Bị kết án")
    assert clause_opening("- Cài phần mềm").startswith("Cài phần mềm")
    assert clause_opening("Điều 5 không đổi") == "Điều 5 không đổi"


def test_title_line_is_a_short_first_line_that_is_not_a_sentence_or_list_item() -> None:
    assert title_line(ARTICLE) == "Giải thích từ ngữ"
    assert title_line("  Tuyên bố mất tích\n1. Khi một người biệt tích") == "Tuyên bố mất tích"
    assert title_line("1. Việc áp dụng tập quán được thực hiện như sau:") == ""
    assert title_line("Hướng dẫn này quy định các yêu cầu tối thiểu.\nTiếp") == ""
    assert title_line("- Cài phần mềm phòng, chống mã độc\n- Cập nhật") == ""
    assert title_line("Các bước như sau:\n1. Mở") == ""
    assert title_line("x" * 201 + "\nthân") == ""
    assert title_line("") == ""
