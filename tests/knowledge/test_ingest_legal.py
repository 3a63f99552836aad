"""Vietnamese legal structure (Chương, Mục, Điều, Khoản, Điểm) and the document's own reference."""

from __future__ import annotations

import pytest

from knowledge.ingest import parse_file
from knowledge.legal import ARTICLE, CHAPTER, SUBCHAPTER, find_source_ref, match_legal_heading

CLAUSE = "Chủ tịch Ủy ban nhân dân cấp xã chỉ đạo tổ công nghệ số cộng đồng hướng dẫn người dân cài đặt ứng dụng. "
SAMPLE = "\n".join(
    [
        "KẾ HOẠCH",
        "Số: 45/KH-UBND",
        "",
        "Chương I",
        "QUY ĐỊNH CHUNG",
        "Điều 1. Phạm vi",
        "Kế hoạch này áp dụng cho các xã trong huyện.",
        "Chương II",
        "TỔ CHỨC THỰC HIỆN",
        "Mục 1. TRÁCH NHIỆM CỦA UBND",
        "Điều 5. Trách nhiệm của UBND cấp xã",
        "Ủy ban nhân dân cấp xã có trách nhiệm:",
        "1. " + CLAUSE * 4,
        "2. " + CLAUSE * 4,
        "a) hướng dẫn mở tài khoản định danh;",
        "b) hướng dẫn thanh toán trực tuyến.",
        "3. " + CLAUSE * 4,
        "Điều 6. Chế độ báo cáo",
        "Báo cáo định kỳ trước ngày 20 hằng tháng.",
    ]
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Điều 5. Trách nhiệm của UBND cấp xã", (ARTICLE, "Điều 5. Trách nhiệm của UBND cấp xã")),
        ("Điều 12: Hiệu lực", (ARTICLE, "Điều 12. Hiệu lực")),
        ("CHƯƠNG II. TỔ CHỨC THỰC HIỆN", (CHAPTER, "Chương II. Tổ chức thực hiện")),
        ("Mục 1. TRÁCH NHIỆM CỦA UBND", (SUBCHAPTER, "Mục 1. Trách nhiệm của UBND")),
        ("Điều 5 của Luật này quy định", None),
        ("Mục 2 của Kế hoạch này", None),
        ("Mục tiêu cụ thể", None),
        ("Chương trình chuyển đổi số", None),
    ],
)
def test_match_legal_heading(line: str, expected: tuple[int, str] | None) -> None:
    assert match_legal_heading(line) == expected


def test_legal_paths_and_long_article_split_by_clause() -> None:
    guide = parse_file("kh.txt", SAMPLE.encode(), title="Kế hoạch 45")
    assert guide.source_ref == "Kế hoạch số 45/KH-UBND"
    paths = [s.heading_path for s in guide.sections]
    chapter2 = "Chương II. Tổ chức thực hiện"
    article5 = (chapter2, "Mục 1. Trách nhiệm của UBND", "Điều 5. Trách nhiệm của UBND cấp xã")
    assert ("Chương I. Quy định chung", "Điều 1. Phạm vi") in paths
    article5_paths = [p for p in paths if p[:3] == article5]
    assert article5_paths == [
        article5 + ("Khoản 1",),
        article5 + ("Khoản 2",),
        article5 + ("Khoản 3",),
    ]
    by_path = {s.heading_path: s.text for s in guide.sections}
    # The article's lead-in travels with Khoản 1; the points stay with Khoản 2.
    assert by_path[article5 + ("Khoản 1",)].startswith(
        "Ủy ban nhân dân cấp xã có trách nhiệm:\n1. "
    )
    assert by_path[article5 + ("Khoản 2",)].endswith(
        "a) hướng dẫn mở tài khoản định danh;\nb) hướng dẫn thanh toán trực tuyến."
    )
    assert (chapter2, "Mục 1. Trách nhiệm của UBND", "Điều 6. Chế độ báo cáo") in paths


def test_short_article_is_one_chunk_without_clause_label() -> None:
    text = (
        "Điều 1. Phạm vi\n1. Khoản một.\n2. Khoản hai.\nĐiều 2. Hiệu lực\nCó hiệu lực từ ngày ký."
    )
    guide = parse_file("a.txt", text.encode(), title="T")
    assert [s.heading_path for s in guide.sections] == [
        ("Điều 1. Phạm vi",),
        ("Điều 2. Hiệu lực",),
    ]
    assert guide.sections[0].text == "1. Khoản một.\n2. Khoản hai."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Căn cứ: Kế hoạch số 286/KH-BTTTT ngày 12/3/2024 của Bộ",
            "Kế hoạch số 286/KH-BTTTT ngày 12/3/2024",
        ),
        ("Thực hiện Quyết định số 06/QĐ-TTg của Thủ tướng", "Quyết định số 06/QĐ-TTg"),
        ("Theo Nghị định 42/2022/NĐ-CP về dịch vụ công", "Nghị định 42/2022/NĐ-CP"),
        (
            "Công văn số 1234/BTTTT-CĐSQG ngày 5 tháng 4 năm 2024",
            "Công văn số 1234/BTTTT-CĐSQG ngày 5 tháng 4 năm 2024",
        ),
        ("BỘ THÔNG TIN\nSố: 286/KH-BTTTT\nKẾ HOẠCH", "Kế hoạch số 286/KH-BTTTT"),
        ("Số: 99/BTTTT-VP\nV/v báo cáo", "Công văn số 99/BTTTT-VP"),
        ("Hướng dẫn này không dẫn văn bản nào.", None),
    ],
)
def test_find_source_ref(text: str, expected: str | None) -> None:
    assert find_source_ref(text) == expected


def test_source_ref_far_from_the_top_is_ignored() -> None:
    assert find_source_ref("Nội dung. " * 400 + "Quyết định số 06/QĐ-TTg") is None
