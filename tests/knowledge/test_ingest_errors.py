"""parse_file refuses what it cannot import completely, with the right IngestProblem."""

from __future__ import annotations

import io
import zipfile

import pytest

from knowledge.ingest import parse_file
from knowledge.types import IngestError, IngestProblem
from tests.knowledge.conftest import (
    TCVN3,
    VNI,
    build_docx,
    build_image_pdf,
    build_pdf,
    build_scanned_guide,
    encrypt_pdf,
)

PDF_ITEMS = [
    ("h1", "1. Mục đích"),
    ("p", "Báo cáo tiến độ nhiệm vụ trước 16 giờ thứ Sáu hằng tuần."),
]


def problem_of(file_name: str, content: bytes, max_bytes: int | None = None) -> IngestProblem:
    with pytest.raises(IngestError) as caught:
        parse_file(file_name, content, max_bytes=max_bytes)
    assert caught.value.file_name == file_name
    return caught.value.problem


@pytest.mark.parametrize("name", ["setup.exe", "anh-chup.jpg", "bang.xlsx", "khong-duoi"])
def test_unsupported_types(name: str) -> None:
    assert problem_of(name, b"MZ\x90\x00 some bytes") is IngestProblem.UNSUPPORTED_TYPE


@pytest.mark.parametrize("name", ["a.md", "a.txt", "a.docx", "a.pdf"])
def test_empty_file(name: str) -> None:
    assert problem_of(name, b"") is IngestProblem.EMPTY


def test_whitespace_only_text_is_empty() -> None:
    assert problem_of("a.txt", b"  \n\t\n") is IngestProblem.EMPTY


def test_markdown_with_only_headings_has_no_usable_text() -> None:
    assert problem_of("a.md", "# Tiêu đề\n\n## Mục 1\n".encode()) is IngestProblem.EMPTY


def test_too_large() -> None:
    content = ("Nội dung hướng dẫn. " * 100).encode()
    assert problem_of("a.txt", content, max_bytes=len(content) - 1) is IngestProblem.TOO_LARGE
    assert parse_file("a.txt", content, max_bytes=len(content)).sections


def test_truncated_pdf_is_corrupted() -> None:
    content = build_pdf(PDF_ITEMS)
    assert problem_of("a.pdf", content[: len(content) // 2]) is IngestProblem.CORRUPTED


def test_garbage_pdf_is_corrupted() -> None:
    assert problem_of("a.pdf", b"%PDF-1.7\nthis is not a pdf\n%%EOF") is IngestProblem.CORRUPTED


def test_truncated_docx_is_corrupted() -> None:
    content = build_docx([("h1", "Mục 1"), ("p", "Nội dung")])
    assert problem_of("a.docx", content[: len(content) // 2]) is IngestProblem.CORRUPTED


def test_zip_that_is_not_a_word_file_is_corrupted() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    assert problem_of("a.docx", buffer.getvalue()) is IngestProblem.CORRUPTED


def test_password_protected_pdf() -> None:
    assert problem_of("a.pdf", encrypt_pdf(build_pdf(PDF_ITEMS))) is IngestProblem.ENCRYPTED


def test_pdf_with_owner_password_only_is_readable() -> None:
    guide = parse_file("a.pdf", encrypt_pdf(build_pdf(PDF_ITEMS), password=""))
    assert "16 giờ thứ Sáu" in guide.sections[0].text


def test_encrypted_word_file() -> None:
    # Office stores a password-protected .docx as an OLE compound file holding an "EncryptedPackage"
    # stream; this is its signature plus that stream name, which is what ingest looks for.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
    assert problem_of("mat-khau.docx", ole) is IngestProblem.ENCRYPTED


def test_legacy_doc_renamed_docx_is_unsupported() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le")
    assert problem_of("cu.docx", ole) is IngestProblem.UNSUPPORTED_TYPE


def test_scanned_pdf_has_no_text_layer() -> None:
    assert problem_of("scan.pdf", build_image_pdf(pages=2)) is IngestProblem.NO_TEXT_LAYER


def test_undecodable_text_is_bad_encoding() -> None:
    # Bytes 0x81/0x8A are undefined in cp1258 and invalid UTF-8.
    assert problem_of("a.txt", b"Bao cao \x81\x8a\x8d tuan") is IngestProblem.BAD_ENCODING


def test_non_vietnamese_legacy_bytes_are_bad_encoding() -> None:
    # German in Latin-1: decodes under cp1258 but "ü", "ß" are not Vietnamese letters.
    content = "Grüße aus München, schöne Straße".encode("latin-1")
    assert problem_of("a.md", content) is IngestProblem.BAD_ENCODING


def test_a_pdf_mostly_scanned_is_refused_with_its_scanned_pages() -> None:
    with pytest.raises(IngestError) as caught:
        parse_file("hs.pdf", build_scanned_guide("tsss"))
    assert caught.value.problem is IngestProblem.NO_TEXT_LAYER
    assert caught.value.pages == (2, 3, 4)


def test_a_scan_with_page_numbers_and_a_running_header_is_still_a_scan() -> None:
    with pytest.raises(IngestError) as caught:
        parse_file("hs.pdf", build_scanned_guide("sss"))
    assert caught.value.problem is IngestProblem.NO_TEXT_LAYER
    assert caught.value.pages == ()  # every page: the whole file is a scan


def test_a_pdf_and_a_word_file_saved_under_each_other_s_name_are_read() -> None:
    """Portals hand out files under the wrong extension: read as what they are, not refused."""
    pdf = build_pdf(PDF_ITEMS, title="Báo cáo tuần")
    word = build_docx([("h1", "1. Mục đích"), ("p", "Báo cáo trước 16 giờ thứ Sáu hằng tuần.")])
    assert "16 giờ thứ Sáu" in parse_file("bao-cao.docx", pdf).sections[0].text
    assert "16 giờ thứ Sáu" in parse_file("bao-cao.pdf", word).sections[0].text


@pytest.mark.parametrize("old", [TCVN3, VNI])
def test_text_typed_in_an_old_vietnamese_font_is_refused(old: str) -> None:
    word = build_docx([("h1", old.split(":")[0]), ("p", old), ("p", old)])
    pdf = build_pdf([("h1", "1. Thủ tục"), ("p", old), ("p", old)])
    for name, content in (("cu.docx", word), ("cu.pdf", pdf)):
        with pytest.raises(IngestError) as caught:
            parse_file(name, content)
        assert caught.value.problem is IngestProblem.BAD_ENCODING


def test_a_few_signs_in_unicode_text_are_not_an_old_font() -> None:
    text = ("Diện tích tối thiểu 30 m² mỗi phòng, nhiệt độ 25°C ± 2°C; "
            "hồ sơ nộp tại bộ phận một cửa của Ủy ban nhân dân xã trong giờ hành chính.")
    guide = parse_file("a.docx", build_docx([("h1", "Tiêu chuẩn phòng"), ("p", text)]))
    assert "30 m²" in guide.sections[0].text
