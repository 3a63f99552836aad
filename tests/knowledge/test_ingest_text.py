"""Markdown and plain-text guides: titles, heading paths, encodings, NFC."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.ingest import parse_file, passages_from_guide, title_from_file_name
from knowledge.types import IngestError

MARKDOWN = """# Hướng dẫn báo cáo tiến độ

Căn cứ: Kế hoạch số 286/KH-BTTTT ngày 15/3/2024 (ví dụ minh họa).

## 1. Thời hạn báo cáo

Báo cáo trước **16 giờ thứ Sáu** hằng tuần qua [cổng](https://baocao.example.vn).

## 2. Cách báo cáo

### 2.1. Trên điện thoại

- Gõ /baocao
  - chọn nhiệm vụ
- Nhập phần trăm hoàn thành

| Trạng thái | Ý nghĩa |
|---|---|
| Đúng hạn | xong trước hạn |
"""


def test_markdown_title_sections_and_source() -> None:
    guide = parse_file("bao-cao.md", MARKDOWN.encode())
    assert guide.title == "Hướng dẫn báo cáo tiến độ"
    assert guide.source_ref == "Kế hoạch số 286/KH-BTTTT ngày 15/3/2024"
    paths = [s.heading_path for s in guide.sections]
    assert paths == [(), ("1. Thời hạn báo cáo",), ("2. Cách báo cáo", "2.1. Trên điện thoại")]
    deadline = guide.sections[1].text
    assert (
        deadline == "Báo cáo trước 16 giờ thứ Sáu hằng tuần qua cổng (https://baocao.example.vn)."
    )


def test_markdown_lists_keep_nesting_and_tables_become_rows() -> None:
    text = parse_file("a.md", MARKDOWN.encode()).sections[-1].text
    assert text.split("\n") == [
        "- Gõ /baocao",
        "  - chọn nhiệm vụ",
        "- Nhập phần trăm hoàn thành",
        "Trạng thái | Ý nghĩa",
        "Đúng hạn | xong trước hạn",
    ]


def test_given_title_wins_and_leading_h1_is_not_a_section() -> None:
    guide = parse_file("a.md", MARKDOWN.encode(), title="HD báo cáo (bản 2)")
    assert guide.title == "HD báo cáo (bản 2)"
    assert all("Hướng dẫn báo cáo tiến độ" not in s.heading_path for s in guide.sections)


def test_title_from_file_name_when_document_has_none() -> None:
    guide = parse_file("huong-dan_chu-ky-so.md", "## Bước 1\n\nCắm USB token.".encode())
    assert guide.title == "Huong dan chu ky so"
    assert title_from_file_name("Hướng dẫn.txt") == "Hướng dẫn"


def test_nfd_input_is_normalised_to_nfc() -> None:
    nfd = unicodedata.normalize(
        "NFD", "# Chuyển đổi số\n\nTổ công nghệ số cộng đồng gồm trưởng thôn."
    )
    guide = parse_file("a.md", nfd.encode())
    assert guide.title == "Chuyển đổi số"
    assert unicodedata.is_normalized("NFC", guide.sections[0].text)
    assert "Tổ công nghệ số cộng đồng" in guide.sections[0].text


def test_deprecated_combining_tone_marks_are_normalised() -> None:
    # U+0341 (combining acute tone mark) is canonically U+0301.
    guide = parse_file("a.txt", "Ca\u0341n bo\u0323\u0302 xã".encode())
    assert guide.sections[0].text == "Cán bộ xã"


def to_cp1258(text: str) -> bytes:
    """Encode like a legacy Windows editor: base letter (with â/ă/ê/ô/ơ/ư/đ) then a combining tone."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
        out += (base + "".join(c for c in parts if c in tones)).encode("cp1258")
    return out


def test_cp1258_text_is_decoded() -> None:
    text = "Hướng dẫn sử dụng chữ ký số\n\nCán bộ đăng nhập Cổng dịch vụ công quốc gia bằng VNeID."
    content = to_cp1258(text)
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    guide = parse_file("cu.txt", content)
    assert guide.title == "Hướng dẫn sử dụng chữ ký số"
    assert guide.sections[0].text == "Cán bộ đăng nhập Cổng dịch vụ công quốc gia bằng VNeID."


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le"])
def test_unicode_variants(codec: str) -> None:
    guide = parse_file("a.txt", "Tiêu đề\n\nNội dung hướng dẫn xã phường.".encode(codec))
    assert guide.title == "Tiêu đề"
    assert guide.sections[0].text == "Nội dung hướng dẫn xã phường."


PLAIN = """HƯỚNG DẪN AN TOÀN THÔNG TIN

I. MẬT KHẨU

Đặt mật khẩu dài ít nhất 12 ký tự, gồm chữ hoa, chữ thường, chữ số.

1. Đổi mật khẩu định kỳ
Đổi mật khẩu ba tháng một lần.

2. Không dùng chung mật khẩu
Mỗi hệ thống một mật khẩu riêng.

II. THƯ ĐIỆN TỬ GIẢ MẠO

Các dấu hiệu thường gặp:
1. Người gửi lạ.
2. Đường dẫn rút gọn.
3. Giục mở tệp đính kèm.
"""


def test_plain_text_headings_are_detected_conservatively() -> None:
    guide = parse_file("attt.txt", PLAIN.encode())
    assert guide.title == "Hướng dẫn an toàn thông tin"
    by_path = {s.heading_path: s.text for s in guide.sections}
    assert list(by_path) == [
        ("I. MẬT KHẨU",),
        ("I. MẬT KHẨU", "1. Đổi mật khẩu định kỳ"),
        ("I. MẬT KHẨU", "2. Không dùng chung mật khẩu"),
        ("II. THƯ ĐIỆN TỬ GIẢ MẠO",),
    ]
    assert by_path[("I. MẬT KHẨU", "1. Đổi mật khẩu định kỳ")] == "Đổi mật khẩu ba tháng một lần."
    # Consecutive numbered lines are a list, not three headings.
    assert by_path[("II. THƯ ĐIỆN TỬ GIẢ MẠO",)].endswith(
        "1. Người gửi lạ.\n2. Đường dẫn rút gọn.\n3. Giục mở tệp đính kèm."
    )


def test_hard_wrapped_text_is_rejoined() -> None:
    words = [
        "cán",
        "bộ",
        "cấp",
        "xã",
        "cần",
        "cập",
        "nhật",
        "tiến",
        "độ",
        "nhiệm",
        "vụ",
        "đúng",
        "hạn",
        "mỗi",
        "tuần",
    ]
    lines = [" ".join(words[i % 5 :] + words[: i % 5])[:60] for i in range(8)]
    text = "Tiêu đề ngắn\n\n" + "\n".join(lines) + "\n\nĐoạn sau."
    guide = parse_file("a.txt", text.encode())
    paragraphs = guide.sections[0].text.split("\n")
    assert len(paragraphs) == 2
    assert paragraphs[1] == "Đoạn sau."


def test_passages_from_guide() -> None:
    guide = parse_file("a.md", MARKDOWN.encode())
    passages = passages_from_guide("bao-cao", guide)
    assert [p.id for p in passages] == ["bao-cao#0", "bao-cao#1", "bao-cao#2"]
    assert {p.guide_title for p in passages} == {"Hướng dẫn báo cáo tiến độ"}
    assert passages[1].heading_path == ("1. Thời hạn báo cáo",)
    assert passages[1].source_ref == guide.source_ref


_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "",
                "# Tiêu đề",
                "## 1. Mục",
                "Điều 3. Hiệu lực",
                "Chương II",
                "1. Khoản",
                "a) điểm",
                "- mục",
                "| a | b |",
                "|---|---|",
                "```",
                "I. PHẦN",
                "Lưu ý:",
                "HƯỚNG DẪN",
            ]
        ),
        st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=80),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(lines=_LINES, suffix=st.sampled_from([".md", ".txt"]))
def test_any_text_gives_a_complete_guide_or_an_ingest_error(lines: list[str], suffix: str) -> None:
    try:
        guide = parse_file("x" + suffix, "\n".join(lines).encode())
    except IngestError:
        return
    assert guide.title and guide.sections
    assert all(s.text.strip() and unicodedata.is_normalized("NFC", s.text) for s in guide.sections)


def test_guide_text_and_title_are_cleaned_by_the_one_rule() -> None:
    body = "# Hướng dẫn\x9b\n\nNội dung\x00 có ký tự\x85 điều khiển\x1b[0m và\x01 NUL.\n"
    guide = parse_file("g.md", body.encode("utf-8"))
    text = "\n".join(s.text for s in guide.sections) + guide.title
    assert not any(ch in text for ch in "\x00\x01\x1b\x85\x9b")
    assert "Nội dung có ký tự điều khiển[0m và NUL." in text
    titled = parse_file("g.md", body.encode("utf-8"), title="Tiêu\x00 đề\x85 mới")
    assert titled.title == "Tiêu đề mới"
