"""Public entry of ingest: one uploaded file (name + bytes) to a complete ParsedGuide, or an IngestError."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import PurePath

from knowledge.chunking import chunk_sections
from knowledge.ingest_blocks import Block, BlockKind, group_sections
from knowledge.ingest_docx import docx_blocks
from knowledge.ingest_markdown import markdown_blocks, take_title
from knowledge.ingest_pdf import read_pdf
from knowledge.ingest_text import clean_text, decode_text, plain_text_blocks, split_title
from knowledge.legal import find_source_ref
from knowledge.normalize import sanitize
from knowledge.types import (
    IngestError,
    IngestLimits,
    IngestProblem,
    ParsedGuide,
    Passage,
    check_blocks,
)

DEFAULT_MAX_BYTES = IngestLimits().max_bytes
_NUMBERED_HEADING = re.compile(r"^(?:(?:chương|phần|mục|điều|part|chapter)\b|[\divxlc]+[.)])", re.I)



@dataclass(frozen=True, slots=True)
class _Read:
    """What a reader found: the title written in the document (or None), the blocks, and the
    pages it could not read the words of (a PDF's scanned pages, 1-based)."""

    title: str | None
    blocks: list[Block]
    pages_without_text: tuple[int, ...] = ()


# A reader honours the limits it can.
_Reader = Callable[[str, bytes, str | None, IngestLimits], _Read]


def parse_file(
    file_name: str,
    content: bytes,
    *,
    max_bytes: int | None = None,
    title: str | None = None,
    limits: IngestLimits | None = None,
) -> ParsedGuide:
    """Parse .md/.markdown/.txt/.docx/.pdf bytes into a guide; raise IngestError instead of half-importing.

    `limits` bounds the file, what it unpacks to and what it produces (`max_bytes` overrides
    its file size bound); every bound is checked before the work it protects.
    """
    limits = limits or IngestLimits()
    if max_bytes is not None:
        limits = replace(limits, max_bytes=max_bytes)
    reader = _reader_for(file_name, content)
    if not content.strip():
        raise IngestError(file_name, IngestProblem.EMPTY)
    if len(content) > limits.max_bytes:
        raise IngestError(file_name, IngestProblem.TOO_LARGE,
                          f"{len(content)} > {limits.max_bytes} bytes", limit=limits.max_bytes)
    given = _clean_title(title) if title else None
    read = reader(file_name, content, given, limits)
    _check_unicode(file_name, read.blocks)
    found_title, blocks = _promote_title_heading(read.title, read.blocks)
    check_blocks(file_name, len(blocks), limits)
    sections = tuple(chunk_sections(group_sections(blocks)))
    if not sections:
        raise IngestError(file_name, IngestProblem.EMPTY, "no usable text")
    if len(sections) > limits.max_passages:
        raise IngestError(file_name, IngestProblem.TOO_MANY_PASSAGES,
                          f"{len(sections)} > {limits.max_passages}", limit=limits.max_passages)
    final_title = given or found_title or title_from_file_name(file_name)
    return ParsedGuide(final_title, sections, find_source_ref(_source_region(blocks)),
                       read.pages_without_text)


def passages_from_guide(guide_id: str, parsed: ParsedGuide) -> list[Passage]:
    """The index's view of a parsed guide: one Passage per section, ids "<guide_id>#<n>"."""
    return [
        Passage(
            id=f"{guide_id}#{index}",
            guide_id=guide_id,
            guide_title=parsed.title,
            heading_path=section.heading_path,
            text=section.text,
            source_ref=parsed.source_ref,
        )
        for index, section in enumerate(parsed.sections)
    ]


def title_from_file_name(file_name: str) -> str:
    """ "huong-dan_bao-cao.md" → "Huong dan bao cao" (the fallback when a document names no title)."""
    stem = unicodedata.normalize("NFC", PurePath(file_name).stem)
    words = re.sub(r"[-_.]+", " ", stem).split()
    text = " ".join(words) or "Tài liệu"
    return text[:1].upper() + text[1:]


#: characters Vietnamese never uses that text typed in the old Vietnamese fonts is made of:
#: TCVN3 (.VnTime: 'c¸c', 'vµ', 'H\u00adíng dÉn') and VNI (VNI-Times: 'Vieät', 'Höôùng')
_LEGACY_MARKS = frozenset("¡¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿ÆÇÎÏÑ×ØÜÞßæçñ÷øüþäëïöûÄËÖÛ")
#: a document with at least this share of its words (and LEGACY_MIN_WORDS) so written is refused
LEGACY_SHARE = 0.2
LEGACY_MIN_WORDS = 10


def _check_unicode(file_name: str, blocks: list[Block]) -> None:
    """Refuse a document typed in an old Vietnamese font (TCVN3, VNI): its words read as
    'c¸c', 'Vieät', which nobody searches; Unikey's converter turns them into Unicode."""
    words = [w for b in blocks for w in b.text.split() if any(ch.isalpha() for ch in w)]
    legacy = sum(1 for w in words if not _LEGACY_MARKS.isdisjoint(w))
    if legacy >= LEGACY_MIN_WORDS and legacy >= LEGACY_SHARE * len(words):
        raise IngestError(file_name, IngestProblem.BAD_ENCODING,
                          f"{legacy} of {len(words)} words in an old Vietnamese font")


def _promote_title_heading(title: str | None, blocks: list[Block]) -> tuple[str | None, list[Block]]:
    """A lone top-level heading that opens the document is its title, not a section.

    Word and PDF guides often set the title as "Heading 1" (or the first bookmark) with the sections one
    level below; kept as a section, the title would head every chunk and the preamble would read as a
    section of its own. Promoted, the guide has the same shape as a Markdown one ("# title", "## …").
    """
    headings = [b for b in blocks if b.kind is BlockKind.HEADING]
    if not headings or blocks[0] is not headings[0]:
        return title, blocks
    top = headings[0]
    if _NUMBERED_HEADING.match(top.text):
        return title, blocks  # "Chương I", "Phần 1", "I. …": a part of the document, not its title
    same_level = [b for b in headings if b.level <= top.level]
    deeper = [b for b in headings if b.level > top.level]
    if len(same_level) != 1 or not deeper:
        return title, blocks
    if title is not None and _clean_title(title).casefold() != _clean_title(top.text).casefold():
        return title, blocks
    return title or _clean_title(top.text), blocks[1:]


def _clean_title(title: str) -> str:
    return " ".join(sanitize(title).split())


def _source_region(blocks: list[Block]) -> str:
    return "\n".join(block.text for block in blocks[:40])


def _reader_for(file_name: str, content: bytes) -> _Reader:
    suffix = PurePath(file_name).suffix.lower()
    if suffix in (".docx", ".pdf"):  # saved under the other's name (a portal's download): read
        if b"%PDF-" in content[:1024]:  # as what it is, not refused as broken
            suffix = ".pdf"
        elif content.startswith(b"PK\x03\x04"):
            suffix = ".docx"
    readers: dict[str, _Reader] = {
        ".md": _read_markdown,
        ".markdown": _read_markdown,
        ".txt": _read_text,
        ".docx": _read_docx,
        ".pdf": _read_pdf,
    }
    if suffix not in readers:
        raise IngestError(file_name, IngestProblem.UNSUPPORTED_TYPE, suffix or "no extension")
    return readers[suffix]


def _read_docx(file_name: str, content: bytes, title: str | None, limits: IngestLimits) -> _Read:
    return _Read(*docx_blocks(file_name, content, title, limits))


def _read_pdf(file_name: str, content: bytes, title: str | None, limits: IngestLimits) -> _Read:
    document = read_pdf(file_name, content, title, limits)
    return _Read(document.title, document.blocks, document.pages_without_text)


def _read_markdown(file_name: str, content: bytes, title: str | None,
                   limits: IngestLimits) -> _Read:
    lines = clean_text(decode_text(file_name, content), keep_indent=True).split("\n")
    return _Read(*take_title(markdown_blocks(lines)))


def _read_text(file_name: str, content: bytes, title: str | None, limits: IngestLimits) -> _Read:
    lines = clean_text(decode_text(file_name, content)).split("\n")
    found, body = split_title(lines, title)
    blocks = plain_text_blocks(body)
    if found is not None and not any(b.kind is not BlockKind.HEADING for b in blocks):
        # A one-line file: its only line is the text, not a title.
        return _Read(None, plain_text_blocks(lines))
    return _Read(found, blocks)
