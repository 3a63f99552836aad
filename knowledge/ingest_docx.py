"""Word .docx guides (python-docx): heading styles (also localized), lists with their numbers, tables."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from knowledge.ingest_blocks import Block, BlockKind, heading
from knowledge.ingest_text import clean_text, heading_kind, is_default_title, level_order
from knowledge.legal import apply_legal_structure
from knowledge.types import IngestError, IngestLimits, IngestProblem, check_blocks

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: the start of a web page or a Word XML file saved under .docx (Word opens them, troly not)
_WEB_MARKS = (b"<html", b"<!doctype html", b"mime-version:", b"<?mso-application",
              b"<w:worddocument")
#: IngestError details of a .docx that is a web page, or holds one embedded whole (altChunk)
WEB_PAGE = "a web page or Word XML file, not a .docx package"
EMBEDDED_WEB_PAGE = "a web page embedded whole (altChunk), no Word text"
_HEADING_NAME = re.compile(r"(heading|tiêu đề|đề mục|đầu đề|mục)\s*(\d)", re.I)
_TITLE_NAMES = frozenset({"title", "tiêu đề", "tựa đề"})
_BODY_OUTLINE = 9
_MAX_BOLD_HEADING = 120
#: a Word package has tens of parts (a few hundred with images); more is not a document
_MAX_PARTS = 5000
_READ_STEP = 1024 * 1024


def docx_blocks(
    file_name: str, content: bytes, title: str | None, limits: IngestLimits
) -> tuple[str | None, list[Block]]:
    """Read a .docx; the first "Title"-styled paragraph (or the core title) is the guide title."""
    document = _open(file_name, content, limits)
    try:
        reader = _Reader(_numbering_levels(document))
        body = document._body  # paragraphs and tables are read with the body as their parent
        for element in _block_elements(document.element.body):
            reader.read(Table(element, body) if element.tag == _TBL else Paragraph(element, body))
            if len(reader.blocks) > limits.max_blocks:  # stop reading: it cannot fit anyway
                check_blocks(file_name, len(reader.blocks), limits)
    except (KeyError, ValueError, AttributeError, zipfile.BadZipFile) as error:
        raise IngestError(file_name, IngestProblem.CORRUPTED, str(error)) from error
    if not reader.blocks and _has_pictures(document.element.body):
        # pictures of pages (scans, photos) pasted into Word: nothing troly can read
        raise IngestError(file_name, IngestProblem.NO_TEXT_LAYER, "only pictures")
    if not reader.blocks and document.element.body.find(qn("w:altChunk")) is not None:
        # a web page embedded whole (what some systems export); Word turns it into text
        raise IngestError(file_name, IngestProblem.UNSUPPORTED_TYPE, EMBEDDED_WEB_PAGE)
    blocks = reader.blocks if reader.has_styled_headings else _bold_headings(reader)
    # a "Title" paragraph, else the title property unless it is a word processor's default,
    # else the first heading that is not a numbered part (the caller falls back to the file name)
    found = reader.title or _core_title(document) or _first_heading(blocks)
    return found, apply_legal_structure(blocks)


def _open(file_name: str, content: bytes, limits: IngestLimits) -> Any:
    if content.startswith(_OLE_SIGNATURE):
        if "EncryptedPackage".encode("utf-16-le") in content:
            raise IngestError(file_name, IngestProblem.ENCRYPTED, "password-protected Word file")
        raise IngestError(file_name, IngestProblem.UNSUPPORTED_TYPE, "legacy Word .doc format")
    if not content.startswith(b"PK"):
        head = content[:2048].lower()
        if any(mark in head for mark in _WEB_MARKS):  # what "Save as Web Page" writes
            raise IngestError(file_name, IngestProblem.UNSUPPORTED_TYPE, WEB_PAGE)
        raise IngestError(file_name, IngestProblem.CORRUPTED, "not a zip package")
    check_package(file_name, content, limits.max_unpacked_bytes)
    try:
        return docx.Document(io.BytesIO(content))
    except Exception as error:  # python-docx/lxml raise many types for a broken package
        raise IngestError(file_name, IngestProblem.CORRUPTED, str(error)) from error


def check_package(file_name: str, content: bytes, max_unpacked: int) -> None:
    """Refuse a zip package (a zip bomb) whose parts inflate beyond `max_unpacked` bytes.

    Checked twice: the sizes the zip directory declares (cheap, before anything is inflated),
    then the bytes actually inflated, counted while reading in 1 MB steps — the directory can
    lie. python-docx reads the same parts afterwards, so nothing it holds exceeds the bound.
    """
    def too_large(detail: str) -> IngestError:
        return IngestError(file_name, IngestProblem.UNPACKED_TOO_LARGE, detail,
                           limit=max_unpacked)

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            infos = package.infolist()
            if len(infos) > _MAX_PARTS:
                raise too_large(f"{len(infos)} parts")
            declared = sum(info.file_size for info in infos)
            if declared > max_unpacked:
                raise too_large(f"declares {declared} bytes unpacked")
            inflated = 0
            for info in infos:
                with package.open(info) as part:
                    while chunk := part.read(_READ_STEP):
                        inflated += len(chunk)
                        if inflated > max_unpacked:
                            raise too_large(f"inflates past {max_unpacked} bytes")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            OSError, ValueError) as error:
        raise IngestError(file_name, IngestProblem.CORRUPTED, str(error)) from error


_P, _TBL, _SDT, _CUSTOM_XML = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:customXml")
_SDT_CONTENT, _SDT_PR = qn("w:sdtContent"), qn("w:sdtPr")
_T, _TAB, _BR, _CR, _NO_BREAK_HYPHEN = (qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"),
                                         qn("w:noBreakHyphen"))
#: not the paragraph's text: its properties (w:tab there is a tab stop), a text box's own
#: paragraphs (Word writes each twice, for old and new readers), deleted or moved-away text
_NOT_TEXT = frozenset({qn("w:pPr"), qn("w:rPr"), qn("w:txbxContent"), qn("w:del"),
                       qn("w:moveFrom")})
_PICTURES = (qn("w:drawing"), qn("w:pict"), qn("w:object"))
_TEXT_BOX = qn("w:txbxContent")
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_ALTERNATE, _CHOICE, _FALLBACK = f"{_MC}AlternateContent", f"{_MC}Choice", f"{_MC}Fallback"
#: text that is not there (deleted, moved away): its text boxes are not either
_GONE = frozenset({qn("w:del"), qn("w:moveFrom")})


def _block_elements(container: Any) -> Iterator[Any]:
    """The paragraphs and tables of a body or a cell in document order, also those inside
    content controls and custom XML (templates wrap whole parts of a document in them; python-
    docx's iter_inner_content skips them); a table of contents is left out (its lines repeat
    the headings, with page numbers)."""
    for child in container:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT and not _is_table_of_contents(child):
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _block_elements(content)
        elif child.tag == _CUSTOM_XML:
            yield from _block_elements(child)


def _is_table_of_contents(sdt: Any) -> bool:
    properties = sdt.find(_SDT_PR)
    gallery = (properties.find(f"{qn('w:docPartObj')}/{qn('w:docPartGallery')}")
               if properties is not None else None)
    return gallery is not None and "contents" in str(gallery.get(qn("w:val"), "")).lower()


def paragraph_text(element: Any) -> str:
    """A paragraph's text as Word shows it: runs, also inside hyperlinks, fields, content
    controls, smart tags and tracked insertions (python-docx's Paragraph.text reads runs and
    hyperlinks only: a date typed in a content control, a tracked insertion were lost); not
    deleted text, not text boxes (read as blocks of their own: text_boxes)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        for child in node:
            tag = child.tag
            if tag == _T:
                out.append(child.text or "")
            elif tag == _TAB:
                out.append("\t")
            elif tag in (_BR, _CR):
                out.append("\n")
            elif tag == _NO_BREAK_HYPHEN:
                out.append("-")
            elif tag not in _NOT_TEXT:
                walk(child)

    walk(element)
    return "".join(out)


def text_boxes(element: Any) -> Iterator[Any]:
    """The text boxes (w:txbxContent) anchored in a paragraph, in document order, each once.

    Word writes a text box twice: a DrawingML shape in mc:Choice and a VML copy of it in
    mc:Fallback for older readers; only one branch of an mc:AlternateContent is read (the
    first holding a text box). Boxes inside a box are read with the box's own paragraphs."""
    for child in element:
        tag = child.tag
        if tag == _TEXT_BOX:
            yield child
        elif tag == _ALTERNATE:
            for branch in child:
                if branch.tag in (_CHOICE, _FALLBACK):
                    found = list(text_boxes(branch))
                    if found:
                        yield from found
                        break
        elif tag not in _GONE and tag != qn("w:pPr"):
            yield from text_boxes(child)


def _has_pictures(body: Any) -> bool:
    return any(True for tag in _PICTURES for _ in body.iter(tag))


_NUMBERED_PART = re.compile(r"^(?:(?:chương|phần|mục|điều|part|chapter)\b|[\divxlc]+[.)])", re.I)


def _core_title(document: Any) -> str | None:
    text = " ".join(clean_text(document.core_properties.title or "").split())
    return text if text and not is_default_title(text) else None


def _first_heading(blocks: list[Block]) -> str | None:
    """The first heading that reads as a title (not "1. …", "Chương I", "Điều 3")."""
    for block in blocks:
        if block.kind is BlockKind.HEADING and block.text and not _NUMBERED_PART.match(block.text):
            return block.text
    return None


@dataclass(slots=True)
class _Reader:
    """Walks paragraphs and tables in document order, keeping list counters."""

    numbering: dict[str, dict[int, _Level]]
    blocks: list[Block] = field(default_factory=list)
    bold: list[bool] = field(default_factory=list)
    title: str | None = None
    has_styled_headings: bool = False
    counters: dict[str, list[int]] = field(default_factory=dict)
    styles: dict[str | None, _StyleInfo] = field(default_factory=dict)

    def read(self, item: Any) -> None:
        if hasattr(item, "rows"):
            self._add(Block(BlockKind.TABLE, self._table_text(item)), False)
        else:
            self._paragraph(item)
            # a text box's paragraphs and tables (a note, a hotline, steps) after the paragraph
            # it is anchored to: where it is placed on the page is not known without layout
            for box in text_boxes(item._p):
                for element in _block_elements(box):
                    self.read(Table(element, item._parent) if element.tag == _TBL
                              else Paragraph(element, item._parent))

    def _table_text(self, table: Any) -> str:
        """Rows as "cell | cell" lines; merged cells (repeated by python-docx) are written
        once; a cell's paragraphs (with their list numbers) and the tables inside it read in
        order (a guide's steps often live in a table)."""
        lines = []
        for row in table.rows:
            cells: list[str] = []
            seen: list[Any] = []
            for cell in row.cells:
                if any(cell._tc is other for other in seen):
                    continue
                seen.append(cell._tc)
                cells.append(" ".join(self._cell_text(cell).split()))
            if any(cells):
                lines.append(" | ".join(cells))
        return "\n".join(lines)

    def _cell_text(self, cell: Any, container: Any = None) -> str:
        """The text of a cell (or of a text box in one: `container`), on one line."""
        parts: list[str] = []
        for element in _block_elements(cell._tc if container is None else container):
            if element.tag == _TBL:  # a table in a cell: its rows, one after the other
                parts.append("; ".join(self._table_text(Table(element, cell)).split("\n")))
                continue
            paragraph = Paragraph(element, cell)
            text = clean_text(paragraph_text(element)).strip()
            marker = self._list_marker(paragraph, self._style(paragraph)) if text else None
            parts.append(f"{marker.strip()} {text}" if marker else text)
            parts += [self._cell_text(cell, box) for box in text_boxes(element)]
        return " ".join(part for part in parts if part)

    def _add(self, block: Block, bold: bool) -> None:
        if block.text.strip():
            self.blocks.append(block)
            self.bold.append(bold)

    def _style(self, paragraph: Any) -> _StyleInfo:
        # python-docx resolves paragraph.style by scanning all styles; once per style id is enough.
        style_id = paragraph._p.style
        if style_id not in self.styles:
            self.styles[style_id] = _style_info(paragraph.style)
        return self.styles[style_id]

    def _paragraph(self, paragraph: Any) -> None:
        text = clean_text(paragraph_text(paragraph._p)).strip()
        style = self._style(paragraph)
        if style.name.startswith("toc "):  # a table of contents' line ("toc 1"): not content
            return
        level = style.level if style.level is not None else _outline_level(paragraph._p)
        if level == 0 and self.title is None:
            self.title = " ".join(text.split()) or None
        elif level is not None and level > 0:
            self.has_styled_headings = self.has_styled_headings or bool(text)
            # a heading numbered by Word ("Điều %1.", "%1.%2."): its number is part of it
            number = self._list_marker(paragraph, style) if text else None
            if number is not None and number.strip() != "-":
                text = f"{number.strip()} {text}"
            self._add(heading(" ".join(text.split()), level), False)
        else:
            marker = self._list_marker(paragraph, style)
            kind = BlockKind.PARA if marker is None else BlockKind.LIST_ITEM
            bold = _is_bold(paragraph, style.bold)
            self._add(Block(kind, text if marker is None else f"{marker} {text}"), bold)

    def _list_marker(self, paragraph: Any, style: _StyleInfo) -> str | None:
        num_id, ilvl = _num_pr(paragraph._p) or style.numbering or (None, 0)
        name = style.name
        if num_id is None:
            return "-" if "list" in name and "number" not in name else None
        levels = self.numbering.get(num_id, {})
        level = levels.get(
            ilvl, _Level("bullet" if "bullet" in name else "decimal", f"%{ilvl + 1}.")
        )
        indent = "  " * ilvl
        if level.fmt == "bullet" or level.fmt == "none":
            return f"{indent}-"
        counts = self.counters.setdefault(num_id, [0] * 9)  # the number each level is at
        counts[ilvl] = counts[ilvl] + 1 if counts[ilvl] else level.start
        for deeper in range(ilvl + 1, 9):  # restarted, unless the level says when ("Điều"
            restart = levels.get(deeper, _Level("", "")).restart  # runs on across chapters: 0)
            if restart is None or ilvl < restart:
                counts[deeper] = 0
        number = re.sub(
            r"%(\d)",
            lambda m: _format_number(
                counts[int(m.group(1)) - 1], levels.get(int(m.group(1)) - 1, level).fmt
            ),
            level.text,
        )
        return f"{indent}{number}"


@dataclass(frozen=True, slots=True)
class _StyleInfo:
    """What a paragraph style (with its based-on chain) says: heading level, numbering, name, bold."""

    level: int | None
    numbering: tuple[str | None, int] | None
    name: str
    bold: bool


def _style_info(style: Any) -> _StyleInfo:
    chain: list[Any] = []
    while style is not None and len(chain) < 6:
        chain.append(style)
        style = style.base_style
    numbering = next((found for s in chain if (found := _num_pr(s.element))), None)
    name = (chain[0].name or "").lower() if chain else ""
    bold = bool(chain) and chain[0].font.bold is True
    return _StyleInfo(_style_level(chain), numbering, name, bold)


def _style_level(chain: list[Any]) -> int | None:
    """0 for a title, 1..9 for a heading, None for body text; follows based-on styles and outline level."""
    for style in chain:
        name = (style.name or "").strip()
        if name.lower() in _TITLE_NAMES:
            return 0
        found = _HEADING_NAME.search(name) or _HEADING_NAME.search(style.style_id or "")
        if found:
            return int(found.group(2)) or 1
        level = _outline_level(style.element)
        if level is not None:
            return level
    return None


def _outline_level(element: Any) -> int | None:
    ppr = element.find(qn("w:pPr"))
    node = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
    if node is None:
        return None
    value = int(node.get(qn("w:val"), _BODY_OUTLINE))
    return value + 1 if value < _BODY_OUTLINE else None


def _num_pr(element: Any) -> tuple[str | None, int] | None:
    """The (numId, ilvl) set directly on a paragraph or style element; numId 0 means "no list"."""
    ppr = element.find(qn("w:pPr"))
    num_pr = ppr.find(qn("w:numPr")) if ppr is not None else None
    if num_pr is None:
        return None
    num_id = num_pr.find(qn("w:numId"))
    ilvl = num_pr.find(qn("w:ilvl"))
    value = num_id.get(qn("w:val")) if num_id is not None else None
    if value in (None, "0"):
        return None, 0
    return value, int(ilvl.get(qn("w:val"), "0")) if ilvl is not None else 0


class _Level(NamedTuple):
    """A list level of the numbering part."""

    fmt: str  # numFmt: decimal, upperRoman, bullet…
    text: str  # lvlText: "%1.%2.", "Điều %1."
    #: lvlRestart: after which level (1-based) it starts again; 0 never; None after any above
    restart: int | None = None
    #: w:start, or the list's startOverride ("Điều 10" when a document goes on from another)
    start: int = 1


def _numbering_levels(document: Any) -> dict[str, dict[int, _Level]]:
    """numId → {ilvl: _Level} from the numbering part (empty if the file has none)."""
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return {}
    abstract: dict[str, dict[int, _Level]] = {}
    for node in root.findall(qn("w:abstractNum")):
        abstract[node.get(qn("w:abstractNumId"))] = {
            int(lvl.get(qn("w:ilvl"), "0")): _Level(
                _val(lvl, "w:numFmt", "decimal"),
                _val(lvl, "w:lvlText", ""),
                int(restart) if (restart := _val(lvl, "w:lvlRestart", "")).isdigit() else None,
                int(start) if (start := _val(lvl, "w:start", "1")).isdigit() else 1,
            )
            for lvl in node.findall(qn("w:lvl"))
        }
    result: dict[str, dict[int, _Level]] = {}
    for num in root.findall(qn("w:num")):
        ref = num.find(qn("w:abstractNumId"))
        if ref is None:
            continue
        levels = dict(abstract.get(ref.get(qn("w:val")), {}))
        for override in num.findall(qn("w:lvlOverride")):
            ilvl = int(override.get(qn("w:ilvl"), "0"))
            start = _val(override, "w:startOverride", "")
            if ilvl in levels and start.isdigit():
                levels[ilvl] = levels[ilvl]._replace(start=int(start))
        result[num.get(qn("w:numId"))] = levels
    return result


def _val(node: Any, tag: str, default: str) -> str:
    child = node.find(qn(tag))
    return str(child.get(qn("w:val"), default)) if child is not None else default


def _format_number(number: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (number - 1) % 26)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(number)
        return roman.lower() if fmt == "lowerRoman" else roman
    return f"{number:02d}" if fmt == "decimalZero" else str(number)


def _roman(number: int) -> str:
    out = ""
    for value, letters in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while number >= value:
            out, number = out + letters, number - value
    return out


def _is_bold(paragraph: Any, style_bold: bool) -> bool:
    runs = [run for run in paragraph.runs if run.text.strip()]
    return bool(runs) and all(
        run.bold is True or (run.bold is None and style_bold) for run in runs
    )


def _bold_headings(reader: _Reader) -> list[Block]:
    """Without heading styles, short all-bold paragraphs are taken as headings."""
    if sum(reader.bold) > len(reader.bold) / 2:
        return reader.blocks  # a document set bold throughout says nothing about structure
    candidates = [
        bold
        and block.kind is BlockKind.PARA
        and len(block.text) <= _MAX_BOLD_HEADING
        and not block.text.endswith((".", ";", ","))
        for block, bold in zip(reader.blocks, reader.bold, strict=True)
    ]
    kinds = [
        heading_kind(b.text) or "plain" if c else None
        for b, c in zip(reader.blocks, candidates, strict=True)
    ]
    order = level_order(kinds)
    return [
        heading(block.text.rstrip(":").strip(), order[kind]) if kind else block
        for block, kind in zip(reader.blocks, kinds, strict=True)
    ]
