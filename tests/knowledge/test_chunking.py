"""Chunking: one chunk per leaf section, long ones split on paragraph boundaries, lists and tables intact."""

from __future__ import annotations

from knowledge.chunking import MAX_CHARS, MIN_CHARS, SPLIT_ABOVE, chunk_sections
from knowledge.ingest_blocks import Block, BlockKind, RawSection, para

PATH = ("2. Cách báo cáo",)


def paragraph(n: int, size: int = 300) -> Block:
    head = f"Đoạn {n}: "
    return para(head + ("cán bộ cập nhật tiến độ " * 40)[: size - len(head)].strip() + ".")


def test_short_section_is_one_chunk() -> None:
    sections = chunk_sections([RawSection(PATH, [paragraph(1), paragraph(2)])])
    assert len(sections) == 1
    assert sections[0].heading_path == PATH
    assert sections[0].text.count("Đoạn") == 2


def test_long_section_is_split_on_paragraph_boundaries_keeping_the_path() -> None:
    blocks = [paragraph(n) for n in range(1, 11)]  # ~3,000 characters
    sections = chunk_sections([RawSection(PATH, blocks)])
    assert len(sections) >= 3
    assert all(s.heading_path == PATH for s in sections)
    assert all(MIN_CHARS <= len(s.text) <= MAX_CHARS for s in sections)
    lines = [line for s in sections for line in s.text.split("\n")]
    assert lines == [b.text for b in blocks]  # nothing lost, nothing cut mid-paragraph


def test_tiny_tail_is_merged_into_a_neighbour() -> None:
    blocks = [paragraph(1, 600), paragraph(2, 600), para("Ghi chú ngắn.")]
    sections = chunk_sections([RawSection(PATH, blocks)])
    assert len(sections) == 2
    assert sections[-1].text.endswith("Ghi chú ngắn.")
    assert all(len(s.text) <= SPLIT_ABOVE for s in sections)


def test_a_list_stays_in_one_chunk() -> None:
    items = [
        Block(BlockKind.LIST_ITEM, f"- Bước {n}: mở ứng dụng và chọn mục {n}.") for n in range(8)
    ]
    blocks = [paragraph(1, 700), *items, paragraph(2, 700)]
    sections = chunk_sections([RawSection(PATH, blocks)])
    holding = [s for s in sections if "- Bước 0" in s.text]
    assert len(holding) == 1 and "- Bước 7" in holding[0].text


def test_a_huge_table_is_split_by_rows_repeating_the_header() -> None:
    rows = ["Xã | Số hồ sơ | Tỷ lệ trực tuyến"] + [
        f"Xã số {n} | {n * 10} | {n}%" for n in range(120)
    ]
    sections = chunk_sections([RawSection(PATH, [Block(BlockKind.TABLE, "\n".join(rows))])])
    assert len(sections) > 1
    assert all(s.text.startswith("Xã | Số hồ sơ | Tỷ lệ trực tuyến\n") for s in sections)
    body = [line for s in sections for line in s.text.split("\n")[1:]]
    assert body == rows[1:]


def test_one_giant_paragraph_is_split_at_sentences() -> None:
    sentence = "Đơn vị báo cáo đúng hạn vào chiều thứ Sáu hằng tuần. "
    sections = chunk_sections([RawSection(PATH, [para(sentence * 60)])])
    assert len(sections) >= 3
    assert all(s.text.endswith(".") for s in sections)
    assert all(len(s.text) <= SPLIT_ABOVE for s in sections)


def test_lead_in_is_folded_into_first_subsection_and_empty_sections_dropped() -> None:
    raw = [
        RawSection(("3. Hồ sơ",), [para("Hồ sơ gồm các thành phần sau:")]),
        RawSection(("3. Hồ sơ", "3.1. Bản chính"), [para("Tờ khai theo mẫu.")]),
        RawSection(("4. Trống",), [para("   ")]),
        RawSection(("5. Liên hệ",), [para("Gọi 1900 1234.")]),
    ]
    sections = chunk_sections(raw)
    assert [(s.heading_path, s.text) for s in sections] == [
        (("3. Hồ sơ", "3.1. Bản chính"), "Hồ sơ gồm các thành phần sau:\nTờ khai theo mẫu."),
        (("5. Liên hệ",), "Gọi 1900 1234."),
    ]
