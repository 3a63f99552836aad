"""Trimming passages for a phone screen."""

from __future__ import annotations

from knowledge.snippet import ELLIPSIS, trim_for_phone

FILLER = "Nội dung này nói về việc khác không liên quan đến câu hỏi của người dùng. "


def test_short_text_is_returned_whole() -> None:
    text = "Cán bộ gửi báo cáo trước thứ Sáu."
    assert trim_for_phone(text, "báo cáo") == text


def test_window_with_query_terms_is_kept_and_cuts_are_marked() -> None:
    answer = "Hồ sơ chuyển đổi số được nộp qua Cổng dịch vụ công trước ngày 15."
    text = FILLER * 12 + answer + " " + FILLER * 12
    out = trim_for_phone(text, "nộp hồ sơ chuyển đổi số", max_chars=300)
    assert len(out) <= 300
    assert answer in out
    assert out.startswith(ELLIPSIS)
    assert out.endswith(ELLIPSIS)


def test_cut_keeps_sentence_boundaries() -> None:
    sentences = [f"Câu số {i} nói về báo cáo tuần." for i in range(60)]
    out = trim_for_phone(" ".join(sentences), "báo cáo", max_chars=200)
    body = out.removeprefix(ELLIPSIS).removesuffix(ELLIPSIS)
    assert body.startswith("Câu số")
    assert body.endswith(".")


def test_no_query_term_keeps_the_opening() -> None:
    text = "Điều 1. Phạm vi. " + FILLER * 20
    out = trim_for_phone(text, "bóng đá", max_chars=200)
    assert out.startswith("Điều 1.")
    assert out.endswith(ELLIPSIS)


def test_folded_and_telex_query_find_accented_text() -> None:
    text = FILLER * 10 + "Thủ tục cấp chữ ký số mất ba ngày. " + FILLER * 10
    assert "chữ ký số" in trim_for_phone(text, "chu ky so", max_chars=250)
    assert "chữ ký số" in trim_for_phone(text, "chuwx kys soos", max_chars=250)


def test_one_very_long_sentence_is_cut_at_words() -> None:
    text = (
        "Theo quy định "
        + "và các văn bản liên quan " * 40
        + "thì báo cáo tuần gửi về Sở "
        + "và " * 60
    )
    out = trim_for_phone(text, "báo cáo tuần", max_chars=120)
    assert len(out) <= 120
    assert "báo cáo tuần" in out
    assert out.startswith(ELLIPSIS)
