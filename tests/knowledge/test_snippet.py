"""Pages of a passage: each fits, nothing is cut away, breaks fall on paragraphs, lines, sentences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.snippet import best_page, paginate


def _visible(text: str) -> str:
    return "".join(text.split())


def test_short_text_is_one_page() -> None:
    assert paginate("  Một câu ngắn.  ", 100) == ["Một câu ngắn."]
    assert paginate("", 100) == [""]


def test_pages_break_at_paragraphs_first() -> None:
    first = "Đoạn một nói về thời hạn nộp báo cáo tuần, trước 16 giờ thứ Sáu."
    second = "Đoạn hai nói về cách sửa báo cáo đã gửi bằng lệnh /suabaocao."
    assert paginate(f"{first}\n\n{second}", 90) == [first, second]


def test_a_long_paragraph_breaks_after_a_sentence() -> None:
    sentences = [f"Câu số {i} nói về một bước của quy trình tiếp nhận hồ sơ." for i in range(10)]
    pages = paginate(" ".join(sentences), 200)
    assert len(pages) > 1 and all(p.endswith(".") for p in pages)
    assert " ".join(pages) == " ".join(sentences)


def test_a_word_longer_than_a_page_is_cut_inside() -> None:
    assert paginate("x" * 450, 200) == ["x" * 200, "x" * 200, "x" * 50]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "đ", "ế", " ", "\n", "\n\n", ".", ". ", "chữ ", "😀"]),
                max_size=3000).map("".join), st.integers(min_value=1, max_value=700))
def test_pages_fit_and_keep_every_visible_character(text: str, size: int) -> None:
    pages = paginate(text, size)
    assert all(len(p) <= size for p in pages)
    assert _visible("".join(pages)) == _visible(text)
    assert all(p.strip() for p in pages) or pages == [""]


def test_best_page_is_the_one_about_the_query() -> None:
    pages = ["Thời hạn nộp báo cáo tuần.", "Cách ký số văn bản trên điện thoại.", "Liên hệ hỗ trợ."]
    assert best_page(pages, "ky so van ban") == 1
    assert best_page(pages, "kys soos") == 1  # Telex
    assert best_page(pages, "khong lien quan gi ca") == 2 or best_page(pages, "xyz") == 0
    assert best_page(pages, "xyz") == 0
