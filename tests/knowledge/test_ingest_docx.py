"""Word guides: heading styles (also localized), Title, lists with numbers, tables, bold fallback."""

from __future__ import annotations

import pytest

from knowledge.ingest import parse_file
from knowledge.ingest_text import is_default_title
from tests.knowledge.conftest import build_docx


def test_heading_styles_build_paths_and_title_style_is_the_title() -> None:
    content = build_docx(
        [
            ("title", "Hướng dẫn gửi, nhận văn bản điện tử"),
            ("p", "Căn cứ: Quyết định số 06/QĐ-TTg ngày 6/1/2022 (ví dụ minh họa)."),
            ("h1", "1. Chuẩn bị"),
            ("p", "Văn thư cài đặt phần mềm ký số trên máy tính được giao."),
            ("h2", "1.1. Chứng thư số"),
            ("p", "Chứng thư số do Ban Cơ yếu Chính phủ cấp cho từng cá nhân."),
            ("h1", "2. Gửi văn bản"),
            ("p", "Văn bản đã ký số được gửi qua trục liên thông."),
        ]
    )
    guide = parse_file("vb.docx", content)
    assert guide.title == "Hướng dẫn gửi, nhận văn bản điện tử"
    assert guide.source_ref == "Quyết định số 06/QĐ-TTg ngày 6/1/2022"
    assert [s.heading_path for s in guide.sections] == [
        (),
        ("1. Chuẩn bị",),
        ("1. Chuẩn bị", "1.1. Chứng thư số"),
        ("2. Gửi văn bản",),
    ]
    assert guide.sections[2].text == "Chứng thư số do Ban Cơ yếu Chính phủ cấp cho từng cá nhân."


def test_localized_heading_style_name() -> None:
    content = build_docx(
        [
            ("localized1", "Hạ tầng số"),
            ("p", "Phủ sóng 4G đến 100% thôn, bản."),
            ("localized1", "Dữ liệu số"),
            ("p", "Số hóa hồ sơ hộ tịch."),
        ]
    )
    guide = parse_file("cds.docx", content)
    assert [s.heading_path for s in guide.sections] == [("Hạ tầng số",), ("Dữ liệu số",)]


def test_lists_get_their_markers_and_tables_become_rows() -> None:
    content = build_docx(
        [
            ("h1", "Các bước"),
            ("number", "Đăng nhập hệ thống"),
            ("number", "Chọn văn bản đến"),
            ("bullet", "Lưu ý: kiểm tra chữ ký số"),
            ("table", [["Bước", "Người làm"], ["Tiếp nhận", "Văn thư"], ["Xử lý", "Chuyên viên"]]),
        ]
    )
    text = parse_file("a.docx", content).sections[0].text
    assert text.split("\n") == [
        "1. Đăng nhập hệ thống",
        "2. Chọn văn bản đến",
        "- Lưu ý: kiểm tra chữ ký số",
        "Bước | Người làm",
        "Tiếp nhận | Văn thư",
        "Xử lý | Chuyên viên",
    ]


def test_bold_short_paragraphs_are_headings_when_no_styles_are_used() -> None:
    content = build_docx(
        [
            ("bold", "I. MỤC ĐÍCH"),
            ("p", "Nâng cao kỹ năng số cho người dân."),
            ("bold", "II. NHIỆM VỤ"),
            ("p", "Thành lập tổ công nghệ số cộng đồng ở mọi thôn."),
        ]
    )
    guide = parse_file("a.docx", content, title="Kế hoạch thử")
    assert guide.title == "Kế hoạch thử"
    assert [s.heading_path for s in guide.sections] == [("I. MỤC ĐÍCH",), ("II. NHIỆM VỤ",)]


def test_docx_legal_structure_from_plain_paragraphs() -> None:
    content = build_docx(
        [
            ("p", "Chương I"),
            ("p", "QUY ĐỊNH CHUNG"),
            ("p", "Điều 1. Phạm vi điều chỉnh"),
            ("p", "Quy chế này quy định việc gửi, nhận văn bản điện tử."),
            ("p", "Điều 2. Đối tượng áp dụng"),
            ("p", "Cán bộ, công chức của Ủy ban nhân dân cấp xã."),
        ]
    )
    guide = parse_file("quy-che.docx", content)
    assert [s.heading_path for s in guide.sections] == [
        ("Chương I. Quy định chung", "Điều 1. Phạm vi điều chỉnh"),
        ("Chương I. Quy định chung", "Điều 2. Đối tượng áp dụng"),
    ]


def test_lone_heading_1_title_is_the_guide_title_not_a_section() -> None:
    # Title set as "Heading 1", sections as "Heading 2": the usual way officials format a guide.
    content = build_docx(
        [
            ("h1", "Hướng dẫn quản lý trang thông tin điện tử xã"),
            ("p", "Hướng dẫn này áp dụng cho UBND cấp xã."),
            ("h2", "Tần suất cập nhật"),
            ("p", "Tối thiểu 08 tin, bài mỗi tháng."),
            ("h2", "Nhuận bút"),
            ("p", "Nhuận bút chi từ ngân sách xã."),
        ]
    )
    guide = parse_file("trang-ttdt.docx", content)
    assert guide.title == "Hướng dẫn quản lý trang thông tin điện tử xã"
    assert [s.heading_path for s in guide.sections] == [(), ("Tần suất cập nhật",), ("Nhuận bút",)]


def test_numbered_lone_heading_1_stays_a_section() -> None:
    content = build_docx(
        [
            ("h1", "1. Chuẩn bị"),
            ("p", "Cài phần mềm ký số."),
            ("h2", "1.1. Chứng thư số"),
            ("p", "Chứng thư số cấp cho từng cá nhân."),
        ]
    )
    guide = parse_file("vb.docx", content)
    assert [s.heading_path for s in guide.sections][-1] == ("1. Chuẩn bị", "1.1. Chứng thư số")


DEFAULT_TITLES = ["Word Document", "Microsoft Word - bao-cao-tuan.doc", "Untitled document",
                  "Untitled", "Document1", "Tài liệu1", "Văn bản mới 2", "bao-cao.docx"]


@pytest.mark.parametrize("default", DEFAULT_TITLES)
def test_a_word_processor_default_title_is_never_the_guide_title(default: str) -> None:
    content = build_docx([("h1", "Hướng dẫn tiếp nhận hồ sơ"), ("p", "Nộp tại bộ phận một cửa."),
                          ("h1", "Lệ phí"), ("p", "Nộp tại quầy thu ngân.")], core_title=default)
    assert parse_file("tiep-nhan.docx", content).title == "Hướng dẫn tiếp nhận hồ sơ"


def test_without_title_metadata_the_first_heading_is_the_title() -> None:
    content = build_docx([("p", "Lời nói đầu của văn bản."), ("h1", "Quy trình tiếp nhận"),
                          ("p", "Tiếp nhận hồ sơ."), ("h1", "Lệ phí"), ("p", "Miễn phí.")])
    assert parse_file("x.docx", content).title == "Quy trình tiếp nhận"


def test_without_title_or_heading_the_file_name_is_the_title() -> None:
    content = build_docx([("p", "Một đoạn văn bản không có đề mục nào.")],
                         core_title="Word Document")
    assert parse_file("huong-dan_mot-cua.docx", content).title == "Huong dan mot cua"
    numbered = build_docx([("h1", "1. Chuẩn bị"), ("p", "Cài phần mềm."), ("h1", "2. Ký số"),
                           ("p", "Ký văn bản.")])
    assert parse_file("ky-so.docx", numbered).title == "Ky so"


def test_real_title_metadata_is_kept() -> None:
    content = build_docx([("h1", "Mục một"), ("p", "Nội dung.")],
                         core_title="Hướng dẫn ký số văn bản")
    assert parse_file("a.docx", content).title == "Hướng dẫn ký số văn bản"


def test_default_title_names() -> None:
    assert all(is_default_title(t) for t in DEFAULT_TITLES)
    assert not any(is_default_title(t) for t in ("Hướng dẫn sử dụng Word", "Document management",
                                                  "Tài liệu hướng dẫn chữ ký số"))
