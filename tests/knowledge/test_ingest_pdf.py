"""PDF guides: bookmarks or layout headings, running headers/footers removed, Vietnamese kept."""

from __future__ import annotations

import unicodedata

from knowledge.ingest import parse_file
from tests.knowledge.conftest import STEPS, build_pdf, build_scanned_guide

LONG = (
    "Cán bộ đầu mối của xã đăng nhập Cổng dịch vụ công quốc gia bằng tài khoản định danh điện tử "
    "mức 2, kiểm tra hồ sơ đã tiếp nhận trong ngày và cập nhật trạng thái xử lý trước 17 giờ."
)
ITEMS = [
    ("h1", "1. Tiếp nhận hồ sơ"),
    ("p", LONG),
    ("p", "Hồ sơ thiếu thành phần được trả lại ngay trong ngày."),
    ("page", ""),
    ("h2", "1.1. Thanh toán trực tuyến"),
    (
        "p",
        "Người dân nộp phí qua nền tảng thanh toán của Cổng; biên lai điện tử được gửi tự động.",
    ),
    ("page", ""),
    ("h1", "2. Trả kết quả"),
    (
        "p",
        "Kết quả điện tử có giá trị pháp lý như bản giấy và được lưu vào kho dữ liệu của người dân.",
    ),
]
HEADER = "Ủy ban nhân dân xã An Bình – tài liệu nội bộ"


def test_bookmarks_give_heading_paths_and_running_lines_are_removed() -> None:
    content = build_pdf(
        ITEMS, bookmarks=True, title="Hướng dẫn dịch vụ công trực tuyến", header=HEADER
    )
    guide = parse_file("dvc.pdf", content)
    assert guide.title == "Hướng dẫn dịch vụ công trực tuyến"
    assert [s.heading_path for s in guide.sections] == [
        ("1. Tiếp nhận hồ sơ",),
        ("1. Tiếp nhận hồ sơ", "1.1. Thanh toán trực tuyến"),
        ("2. Trả kết quả",),
    ]
    everything = "\n".join(s.text for s in guide.sections)
    assert HEADER not in everything
    assert "Trang" not in everything
    # The wrapped long paragraph is one paragraph again; the next one stays separate.
    assert (
        guide.sections[0].text == LONG + "\nHồ sơ thiếu thành phần được trả lại ngay trong ngày."
    )
    assert unicodedata.is_normalized("NFC", everything)


def test_without_bookmarks_headings_come_from_layout() -> None:
    content = build_pdf(ITEMS, header=HEADER)
    guide = parse_file("dvc.pdf", content, title="DVC")
    paths = [s.heading_path for s in guide.sections]
    assert paths == [
        ("1. Tiếp nhận hồ sơ",),
        ("1. Tiếp nhận hồ sơ", "1.1. Thanh toán trực tuyến"),
        ("2. Trả kết quả",),
    ]
    assert "Người dân nộp phí" in guide.sections[1].text


def test_pdf_legal_structure_and_source_reference() -> None:
    items = [
        ("p", "Số: 123/QĐ-UBND"),
        ("p", "QUY CHẾ gửi, nhận văn bản điện tử (ví dụ minh họa)"),
        ("h1", "Chương I"),
        ("h1", "QUY ĐỊNH CHUNG"),
        ("p", "Điều 1. Phạm vi điều chỉnh"),
        ("p", "Quy chế này quy định việc gửi, nhận văn bản điện tử giữa các cơ quan."),
        ("p", "Điều 2. Nguyên tắc"),
        ("p", "1. Văn bản điện tử phải được ký số."),
        ("p", "2. Văn bản mật không gửi qua mạng."),
    ]
    guide = parse_file("qc.pdf", build_pdf(items), title="Quy chế")
    assert guide.source_ref == "Quyết định số 123/QĐ-UBND"
    by_path = {s.heading_path: s.text for s in guide.sections}
    assert by_path[("Chương I. Quy định chung", "Điều 2. Nguyên tắc")] == (
        "1. Văn bản điện tử phải được ký số.\n2. Văn bản mật không gửi qua mạng."
    )


def test_title_bookmark_is_the_title_and_lone_list_markers_join_their_item() -> None:
    content = build_pdf(
        [
            ("h1", "Hướng dẫn chữ ký số cấp xã"),
            ("p", "Hướng dẫn này áp dụng cho cán bộ xã."),
            ("h2", "Nhận thiết bị"),
            ("p", "•"),
            ("p", "Người được cấp trực tiếp nhận USB Token."),
            ("p", "1."),
            ("p", "Kiểm tra phong bì mã PIN."),
        ],
        bookmarks=True,
        title="Hướng dẫn chữ ký số cấp xã",
    )
    guide = parse_file("cks.pdf", content)
    assert guide.title == "Hướng dẫn chữ ký số cấp xã"
    assert [s.heading_path for s in guide.sections] == [(), ("Nhận thiết bị",)]
    assert guide.sections[1].text == (
        "• Người được cấp trực tiếp nhận USB Token.\n1. Kiểm tra phong bì mã PIN."
    )



def test_scanned_pages_of_a_typed_guide_are_named_and_the_rest_is_read() -> None:
    guide = parse_file("hs.pdf", build_scanned_guide("ttstttsssttt"))
    assert guide.pages_without_text == (3, 7, 8, 9)
    assert [s.heading_path for s in guide.sections] == [
        (f"{n}. {STEPS[n - 1]}",) for n in (1, 2, 4, 5, 6, 10, 11, 12)]
    assert guide.sections[5].text == (
        "Trả kết quả hồ sơ: cán bộ phụ trách ghi kết quả vào phần mềm một cửa, rồi chuyển hồ sơ "
        "sang bước thu phí ngay trong ngày làm việc.")


def test_a_typed_guide_has_no_pages_without_text() -> None:
    assert parse_file("hs.pdf", build_scanned_guide("tttt")).pages_without_text == ()


def test_a_screenshot_with_its_caption_is_not_a_scanned_page() -> None:
    items = [("h1", "1. Đăng nhập"), ("p", "Mở trang dịch vụ công và chọn Đăng nhập."),
             ("picture", "Màn hình đăng nhập"),
             ("p", "Hình 1. Màn hình đăng nhập bằng tài khoản định danh điện tử mức 2."),
             ("page", ""), ("picture", "Màn hình hồ sơ"), ("p", "Hình 2. Danh sách hồ sơ.")]
    guide = parse_file("dn.pdf", build_pdf(items, title="Hướng dẫn đăng nhập"))
    assert guide.pages_without_text == ()  # each picture's page has words of its own


def test_a_page_of_words_drawn_as_shapes_is_named_too() -> None:
    """Text turned into outlines (a printer driver, a layout program): no text and no picture,
    but nothing troly can read either; a blank page is not named."""
    items = [("h1", "1. Tiếp nhận"), ("p", "Cán bộ một cửa tiếp nhận hồ sơ trong giờ hành chính."),
             ("outlines", "Phụ lục: mẫu tờ khai đăng ký khai sinh"), ("page", ""),
             ("h1", "2. Trả kết quả"), ("p", "Kết quả được trả tại bộ phận một cửa của xã."),
             ("page", ""), ("p", " ")]
    guide = parse_file("ks.pdf", build_pdf(items, title="Hướng dẫn khai sinh"))
    assert guide.pages_without_text == (2,)
