"""Guide files are bounded before they are parsed: a .docx that inflates beyond the cap (checked
from the zip directory and while reading), too many passages, too many PDF pages or too much PDF
text are refused with IngestError, never parsed into memory."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable, Sequence

import pytest

from knowledge.ingest import parse_file
from knowledge.types import IngestError, IngestLimits, IngestProblem
from tests.knowledge.conftest import DocItem

MB = 1024 * 1024


def inflate_docx(docx: bytes, part_bytes: int, *, name: str = "word/media/filler.bin") -> bytes:
    """The same .docx with one extra part that inflates to `part_bytes` (zeros compress ~1000:1)."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info, source.read(info))
        filler = zipfile.ZipInfo(name)
        filler.compress_type = zipfile.ZIP_DEFLATED
        with out.open(filler, "w", force_zip64=True) as part:
            chunk = b"\0" * MB
            for _ in range(part_bytes // MB):
                part.write(chunk)
    return buffer.getvalue()


def lie_about_sizes(package: bytes, name: str, declared: int) -> bytes:
    """The same zip whose central directory claims `name` inflates to `declared` bytes only."""
    data = bytearray(package)
    offset = data.rfind(b"PK\x05\x06")
    entries, directory = struct.unpack_from("<HI", data, offset + 10)[0], struct.unpack_from(
        "<I", data, offset + 16)[0]
    position = directory
    for _ in range(entries):
        assert data[position:position + 4] == b"PK\x01\x02"
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, position + 28)
        entry = data[position + 46:position + 46 + name_length].decode()
        if entry == name:
            struct.pack_into("<I", data, position + 24, declared)  # uncompressed size
        position += 46 + name_length + extra_length + comment_length
    return bytes(data)


def test_a_docx_that_inflates_beyond_the_cap_is_refused_from_its_directory(
        make_docx: Callable[[Sequence[DocItem]], bytes]) -> None:
    docx = inflate_docx(make_docx([("h1", "Mục 1"), ("p", "Nội dung.")]), 8 * MB)
    assert len(docx) < MB // 10  # small on the wire, like the 0.8 MB file of the issue
    with pytest.raises(IngestError) as info:
        parse_file("bom.docx", docx, limits=IngestLimits(max_unpacked_bytes=4 * MB))
    assert info.value.problem is IngestProblem.UNPACKED_TOO_LARGE
    assert info.value.limit == 4 * MB
    # under the cap it is an ordinary guide
    assert parse_file("ok.docx", docx, limits=IngestLimits(max_unpacked_bytes=16 * MB)).sections


def test_a_lying_zip_directory_is_caught_while_reading(
        make_docx: Callable[[Sequence[DocItem]], bytes]) -> None:
    docx = inflate_docx(make_docx([("h1", "Mục 1"), ("p", "Nội dung.")]), 8 * MB)
    lying = lie_about_sizes(docx, "word/media/filler.bin", 1000)
    with pytest.raises(IngestError) as info:
        parse_file("bom.docx", lying, limits=IngestLimits(max_unpacked_bytes=4 * MB))
    assert info.value.problem in (IngestProblem.UNPACKED_TOO_LARGE, IngestProblem.CORRUPTED)


def test_a_guide_producing_too_many_passages_is_refused(
        make_docx: Callable[[Sequence[DocItem]], bytes]) -> None:
    items: list[DocItem] = []
    for n in range(1, 61):
        items += [("h1", f"Mục {n}"), ("p", f"Nội dung của mục {n} về chuyển đổi số.")]
    docx = make_docx(items)
    with pytest.raises(IngestError) as info:
        parse_file("dai.docx", docx, limits=IngestLimits(max_passages=50))
    assert info.value.problem is IngestProblem.TOO_MANY_PASSAGES and info.value.limit == 50
    assert len(parse_file("dai.docx", docx, limits=IngestLimits(max_passages=60)).sections) == 60
    text = "\n\n".join(f"# Mục {n}\n\nNội dung {n}." for n in range(1, 61)).encode()
    with pytest.raises(IngestError):
        parse_file("dai.md", text, limits=IngestLimits(max_passages=50))


def test_pdf_pages_and_text_are_bounded(make_pdf: Callable[..., bytes]) -> None:
    items = []
    for n in range(1, 13):
        items += [("h1", f"Mục {n}"), ("p", "Nội dung hướng dẫn chuyển đổi số cấp xã. " * 20)]
        items.append(("page", ""))
    pdf = make_pdf(items)
    with pytest.raises(IngestError) as info:
        parse_file("dai.pdf", pdf, limits=IngestLimits(max_pdf_pages=10))
    assert info.value.problem is IngestProblem.TOO_MANY_PAGES and info.value.limit == 10
    with pytest.raises(IngestError) as info:
        parse_file("dai.pdf", pdf, limits=IngestLimits(max_unpacked_bytes=4000))
    assert info.value.problem is IngestProblem.UNPACKED_TOO_LARGE
    assert parse_file("dai.pdf", pdf, limits=IngestLimits(max_pdf_pages=20)).sections


def test_the_file_itself_is_bounded_first() -> None:
    content = "# Hướng dẫn\n\nNội dung.\n".encode()
    with pytest.raises(IngestError) as info:
        parse_file("a.md", content, limits=IngestLimits(max_bytes=len(content) - 1))
    assert info.value.problem is IngestProblem.TOO_LARGE and info.value.limit == len(content) - 1
