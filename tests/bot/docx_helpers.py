"""Reading a produced .docx back with python-docx: paragraphs in order, cells, run formatting."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph


def open_docx(content: bytes) -> DocxDocument:
    """The document from its bytes."""
    return Document(io.BytesIO(content))


def cell_paragraphs(table: Table, row: int, column: int) -> list[Paragraph]:
    """The non-empty paragraphs of one cell."""
    return [p for p in table.cell(row, column).paragraphs if p.text]


def body_texts(doc: DocxDocument) -> list[str]:
    """The text of every body paragraph (outside tables), in order, empty ones dropped."""
    return [p.text for p in doc.paragraphs if p.text]


def paragraph_with(doc: DocxDocument, text: str) -> Paragraph:
    """The first body paragraph whose text is exactly `text`."""
    return next(p for p in doc.paragraphs if p.text == text)


def all_bold(paragraph: Paragraph) -> bool:
    """Every run of the paragraph is bold."""
    return bool(paragraph.runs) and all(run.bold for run in paragraph.runs)


def all_italic(paragraph: Paragraph) -> bool:
    """Every run of the paragraph is italic."""
    return bool(paragraph.runs) and all(run.italic for run in paragraph.runs)


def header_repeats(table: Table) -> bool:
    """The first row is marked to repeat on every page (w:tblHeader)."""
    properties = table.rows[0]._tr.trPr
    return properties is not None and properties.find(qn("w:tblHeader")) is not None


def has_borders(table: Table) -> bool:
    """The table draws cell borders (a bordered style, or borders of its own)."""
    own = table._tbl.tblPr.find(qn("w:tblBorders")) is not None
    return own or (table.style is not None and table.style.name == "Table Grid")
