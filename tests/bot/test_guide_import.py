"""What a chat upload was read as, kept beside the waiting file (bot/guide_import.py)."""

from __future__ import annotations

from bot.guide_import import (
    decode_parsed,
    describe_pages_without_text,
    encode_parsed,
    page_ranges,
)
from bot.texts import guides as GT
from knowledge.ingest import parse_file
from knowledge.types import ParsedGuide, Section


def test_a_parsed_guide_reads_back_the_same() -> None:
    parsed = parse_file("so-hoa.md", (
        "# Hướng dẫn số hóa hồ sơ\n\nCăn cứ Kế hoạch số 286/KH-BTTTT.\n\n"
        "## Quy trình\n\n### Quét [chia sẻ]\n\nHồ sơ được quét \u201cđủ trang\u201d.\n").encode())
    assert decode_parsed(encode_parsed(parsed)) == parsed
    bare = ParsedGuide("Tiêu đề", (Section((), "Một đoạn."),))
    assert decode_parsed(encode_parsed(bare)) == bare
    scanned = ParsedGuide("Tiêu đề", (Section((), "Một đoạn."),), None, (3, 7, 8, 9))
    assert decode_parsed(encode_parsed(scanned)) == scanned  # the summary names them again


def test_scanned_pages_are_named_in_runs() -> None:
    assert page_ranges([9, 3, 7, 8]) == "3, 7\u20139"
    assert page_ranges(range(1, 40, 2)) == "1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23" \
        + GT.PAGES_MORE.format(count=8)
    assert describe_pages_without_text([2]) == GT.PAGES_WITHOUT_TEXT.format(pages="2")


def test_a_long_guide_is_kept_smaller_than_its_text() -> None:
    sections = tuple(Section(("Chương I", f"Điều {i}"), "Cán bộ tiếp nhận hồ sơ. " * 40)
                     for i in range(2000))
    parsed = ParsedGuide("Hướng dẫn dài", sections)
    blob = encode_parsed(parsed)
    assert len(blob) < sum(len(s.text.encode()) for s in sections) / 4
    assert decode_parsed(blob) == parsed


def test_nothing_kept_or_unreadable_reads_as_nothing() -> None:
    for blob in (None, b"", b"not zlib", encode_parsed(ParsedGuide("x", ()))[:-3]):
        assert decode_parsed(blob) is None
