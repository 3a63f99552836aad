"""PDF guides (pypdf): the text layer per page, headings from bookmarks or layout, no running headers."""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.generic import Destination

from knowledge.ingest_blocks import Block, heading
from knowledge.ingest_text import (
    body_blocks,
    clean_text,
    is_default_title,
    plain_text_blocks,
    split_title,
    wrap_width,
)
from knowledge.legal import apply_legal_structure
from knowledge.types import IngestError, IngestLimits, IngestProblem

_PAGE_NUMBER = re.compile(
    r"^(?:trang|page)?\s*[-–—]?\s*\d{1,4}\s*(?:(?:/|của|of)\s*\d{1,4})?\s*[-–—]?$", re.I
)
_EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running headers/footers
#: a page holding pictures and fewer letters than this (page numbers and running lines aside)
#: is a scanned page: its words are in a picture, which troly does not read (no OCR)
MIN_PAGE_LETTERS = 12
#: a page without text whose drawing takes more than this (bytes of its content stream) has
#: its words drawn as shapes (text turned into outlines by a printer driver or a layout
#: program): no more readable than a picture; a blank page or a ruled form takes far less
MAX_DRAWING_BYTES = 10_000


@dataclass(frozen=True, slots=True)
class PdfDocument:
    """What a PDF was read as: its title, its blocks, and the pages whose words are pictures."""

    title: str | None
    blocks: list[Block]
    #: pages (1-based) with pictures but no text: nothing on them can be answered from
    pages_without_text: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class _OutlineEntry:
    page: int
    level: int
    title: str


def pdf_blocks(
    file_name: str, content: bytes, title: str | None, limits: IngestLimits
) -> tuple[str | None, list[Block]]:
    """Read a PDF (read_pdf) as a title and blocks."""
    document = read_pdf(file_name, content, title, limits)
    return document.title, document.blocks


def read_pdf(file_name: str, content: bytes, title: str | None,
             limits: IngestLimits) -> PdfDocument:
    """Read a PDF; a password gives ENCRYPTED, a scan (no page with text, or more than half of
    the pages pictures without text) NO_TEXT_LAYER; a few scanned pages are named."""
    if b"%PDF-" not in content[:1024] or b"%%EOF" not in content[-2048:]:
        raise IngestError(file_name, IngestProblem.CORRUPTED, "not a complete PDF file")
    try:
        reader = _open(file_name, content)
        pages = _bounded_pages(file_name, reader, limits)
        outline = _outline(reader)
        meta_title = _meta_title(reader)
    except IngestError:
        raise
    except (
        Exception
    ) as error:  # pypdf raises many types (and plain ValueError/KeyError) on broken files
        raise IngestError(file_name, IngestProblem.CORRUPTED, str(error)) from error
    pages = _strip_running_lines(pages)
    without_text = _check_text_layer(file_name, reader, pages)
    found, pages = _take_title(pages, title or meta_title)
    blocks = _with_outline(pages, outline) if outline else plain_text_blocks(_flatten(pages))
    return PdfDocument(found, apply_legal_structure(blocks), without_text)


def _open(file_name: str, content: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(content), strict=False)
    if reader.is_encrypted:
        try:
            result = reader.decrypt("")
        except Exception as error:  # e.g. AES without a crypto provider: still unreadable to us
            raise IngestError(file_name, IngestProblem.ENCRYPTED, str(error)) from error
        if result == PasswordType.NOT_DECRYPTED:
            raise IngestError(file_name, IngestProblem.ENCRYPTED, "password required")
    return reader


def _bounded_pages(file_name: str, reader: PdfReader, limits: IngestLimits) -> list[list[str]]:
    """Every page's lines; refused before extracting when there are too many pages, and as soon
    as the text extracted so far exceeds the unpacked cap (pypdf bounds each stream itself)."""
    count = len(reader.pages)
    if count > limits.max_pdf_pages:
        raise IngestError(file_name, IngestProblem.TOO_MANY_PAGES, f"{count} pages",
                          limit=limits.max_pdf_pages)
    pages: list[list[str]] = []
    characters = 0
    for page in reader.pages:
        lines = _page_lines(page)
        characters += sum(len(line) + 1 for line in lines)
        if characters > limits.max_unpacked_bytes:
            raise IngestError(file_name, IngestProblem.UNPACKED_TOO_LARGE,
                              f"more than {limits.max_unpacked_bytes} characters of text",
                              limit=limits.max_unpacked_bytes)
        pages.append(lines)
    return pages


def _page_lines(page: Any) -> list[str]:
    text = clean_text(page.extract_text() or "")
    return [line for line in text.split("\n") if line]


def _check_text_layer(file_name: str, reader: PdfReader,
                      pages: list[list[str]]) -> tuple[int, ...]:
    """The pages (1-based) that are pictures (or words drawn as shapes) without text, running
    lines already dropped. No text anywhere, or more than half of the pages such pictures: a
    scan we cannot read (no OCR here), refused (with those pages when some do have text)."""
    scanned = tuple(
        number
        for number, (page, lines) in enumerate(zip(reader.pages, pages, strict=True), start=1)
        if _letters(lines) < MIN_PAGE_LETTERS and (_has_images(page) or _drawn(page))
    )
    if not any(any(ch.isalnum() for ch in line) for lines in pages for line in lines):
        problem = IngestProblem.NO_TEXT_LAYER if scanned else IngestProblem.EMPTY
        raise IngestError(file_name, problem, "no text layer")
    if len(scanned) > len(pages) / 2:
        raise IngestError(file_name, IngestProblem.NO_TEXT_LAYER,
                          f"{len(scanned)} of {len(pages)} pages are images",
                          pages=scanned if len(scanned) < len(pages) else ())
    return scanned


def _letters(lines: list[str]) -> int:
    return sum(1 for line in lines for ch in line if ch.isalpha())


def _drawn(page: Any) -> bool:
    try:
        contents = page.get_contents()
        return contents is not None and len(contents.get_data()) > MAX_DRAWING_BYTES
    except Exception:  # an unreadable content stream was refused or read as empty before
        return False


def _has_images(page: Any) -> bool:
    try:
        return len(page.images) > 0
    except Exception:  # an unreadable image resource still means "not text"
        return True


def _outline(reader: PdfReader) -> list[_OutlineEntry]:
    entries: list[_OutlineEntry] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            elif isinstance(item, Destination):
                page = reader.get_destination_page_number(item)
                title = " ".join(clean_text(str(item.title or "")).split())
                if title and page is not None and page >= 0:
                    entries.append(_OutlineEntry(page, level, title))

    walk(list(reader.outline), 1)
    return entries


def _meta_title(reader: PdfReader) -> str | None:
    metadata = reader.metadata
    raw = metadata.title if metadata is not None else None
    text = " ".join(clean_text(str(raw or "")).split())
    bad = not text or is_default_title(text) or text.lower().endswith(".pdf")
    return None if bad else text


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.casefold())


def _strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Drop page numbers and lines repeated at the top or bottom of at least half the pages."""
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_edge_key(line) for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]})
    repeated = {
        key for key, n in counts.items() if len(pages) >= 2 and n >= max(2, len(pages) / 2)
    }
    return [_strip_page(lines, repeated) for lines in pages]


def _strip_page(lines: list[str], repeated: set[str]) -> list[str]:
    edge = set(range(_EDGE_LINES)) | set(range(len(lines) - _EDGE_LINES, len(lines)))
    return [
        line
        for index, line in enumerate(lines)
        if not (index in edge and (_PAGE_NUMBER.match(line) or _edge_key(line) in repeated))
    ]


def _take_title(pages: list[list[str]], title: str | None) -> tuple[str | None, list[list[str]]]:
    if not pages:
        return title, pages
    first = pages[0]
    if title is not None:
        consumed = _match_lines(first, 0, title)
        return title, (
            [first[consumed[1] :]] if consumed and consumed[0] == 0 else [first]
        ) + pages[1:]
    found, rest = split_title(first, None)
    return found, [rest, *pages[1:]]


def _flatten(pages: list[list[str]]) -> list[str]:
    return [line for lines in pages for line in lines]


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _match_lines(lines: list[str], start: int, title: str) -> tuple[int, int] | None:
    """Where the title is written (possibly across lines) at or after start: (first, end) line indexes."""
    wanted = _norm(title)
    for first in range(start, len(lines)):
        accumulated = ""
        for end in range(first, min(first + 4, len(lines))):
            accumulated = f"{accumulated} {_norm(lines[end])}".strip()
            if accumulated == wanted:
                return first, end + 1
            if not wanted.startswith(accumulated):
                break
    return None


def _with_outline(pages: list[list[str]], outline: list[_OutlineEntry]) -> list[Block]:
    """Bookmarks are the headings; the text between them is body (no layout guessing)."""
    width = wrap_width(_flatten(pages))
    blocks: list[Block] = []
    pending: list[str] = []
    for number, lines in enumerate(pages):
        cursor = 0
        for entry in (e for e in outline if e.page == number):
            found = _match_lines(lines, cursor, entry.title)
            start, end = found if found else (cursor, cursor)
            pending.extend(lines[cursor:start])
            blocks.extend(body_blocks(pending, width))
            blocks.append(heading(entry.title, entry.level))
            pending, cursor = [], end
        pending.extend(lines[cursor:])
    blocks.extend(body_blocks(pending, width))
    return blocks
