"""A ProgressReport as a .docx in the administrative document layout (Decree 30/2020/NĐ-CP).

Header block (issuing unit | national name and motto), number and place-date line, title, four
sections (results, overdue tasks, blockers, recommendations), a task annex whose header row
repeats on every page, then "Nơi nhận" and the signature block. Layout values come from
bot/reports/docx_layout.py and the labels from bot/texts/documents.py; this module only arranges
them. Text from the database is cleaned (control characters dropped) before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import cast

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from bot.clock import local_date
from bot.dates import fmt_day, fmt_document_date, fmt_time_day
from bot.db.plan_store import plan_handle
from bot.reports.docx_layout import DECREE_30, DocumentLayout
from bot.reports.model import ProgressReport, TaskProgress, names_the_plan
from bot.texts import checkin as C
from bot.texts import documents as T
from knowledge.normalize import sanitize
from rules.deadlines import CATEGORIES

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Letterhead:
    """Who issues the report and who signs it (from the unit tree; None where unknown)."""

    issuer: str
    parent_unit: str | None = None
    unit_code: str | None = None
    place: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None


def _clean(text: str | None) -> str:
    return sanitize(text or "")


#: the children of w:pPr that come after w:pBdr (ECMA-376 CT_PPr sequence)
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
               "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
               "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
               "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
               "w:rPr", "w:sectPr", "w:pPrChange")


class _Writer:
    """The document being written, with the layout's fonts applied to every run."""

    def __init__(self, layout: DocumentLayout) -> None:
        self.layout = layout
        self.doc: DocxDocument = Document()
        self._setup()

    def _setup(self) -> None:
        layout = self.layout
        for section in self.doc.sections:
            self.page(section, landscape=False)
        normal = self.doc.styles["Normal"]
        font = normal.font
        font.name, font.size = layout.font_name, layout.body_size
        # East Asian / complex-script slots too, or Word falls back to another font for some text
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(slot), layout.font_name)
        paragraph_format = normal.paragraph_format
        paragraph_format.space_before, paragraph_format.space_after = Length(0), Length(0)

    def page(self, section: Section, *, landscape: bool) -> None:
        """A4 in either orientation, with the layout's margins."""
        layout = self.layout
        section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
        width, height = layout.page_width, layout.page_height
        section.page_width, section.page_height = (height, width) if landscape else (width, height)
        section.top_margin, section.bottom_margin = layout.margin_top, layout.margin_bottom
        section.left_margin, section.right_margin = layout.margin_left, layout.margin_right

    def paragraph(self, text: str = "", *, size: Length | None = None, bold: bool = False,
                  italic: bool = False, align: WD_ALIGN_PARAGRAPH | None = None,
                  where: _Cell | None = None, body: bool = False) -> Paragraph:
        """A paragraph with one run; in a table cell when `where` is given."""
        if where is not None:
            first = where.paragraphs[0]
            paragraph = first if not first.text and not first.runs else where.add_paragraph()
        else:
            paragraph = self.doc.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        if body:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = self.layout.first_line_indent
            paragraph.paragraph_format.space_after = self.layout.paragraph_after
            paragraph.paragraph_format.line_spacing = self.layout.line_spacing
        if text:
            run = paragraph.add_run(text)
            run.font.name = self.layout.font_name
            run.font.size = size or self.layout.body_size
            run.bold, run.italic = bold, italic
        return cast(Paragraph, paragraph)

    def rule(self, cell: _Cell | None, width: Length, column: Length) -> Paragraph:
        """A short centred line: an empty paragraph's bottom border between equal indents (in
        `cell`, else in the body)."""
        paragraph = self.paragraph(where=cell)
        indent = Length(max(0, (column - width) // 2))
        paragraph.paragraph_format.left_indent = indent
        paragraph.paragraph_format.right_indent = indent
        run = paragraph.add_run("")
        run.font.size = self.layout.rule_size
        # an exact line height and a tiny paragraph mark: the border sits right under the text
        # above, not a 14 pt empty line below it
        paragraph.paragraph_format.line_spacing = self.layout.rule_size
        properties = paragraph._p.get_or_add_pPr()
        mark = OxmlElement("w:rPr")
        for tag in ("w:sz", "w:szCs"):
            size = OxmlElement(tag)
            size.set(qn("w:val"), str(round(self.layout.rule_size.pt * 2)))
            mark.append(size)
        properties.insert_element_before(mark, "w:sectPr", "w:pPrChange")
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                           ("w:color", "auto")):
            bottom.set(qn(key), value)
        borders.append(bottom)
        # in the order the schema wants (Word refuses a pPr whose children are out of order)
        properties.insert_element_before(borders, *_AFTER_PBDR)
        return paragraph

    def two_columns(self, left: Length, right: Length) -> Table:
        """A borderless one-row table of two fixed-width columns."""
        table = self.doc.add_table(rows=1, cols=2)
        table.autofit = False
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _set_widths(table, (left, right))
        # the row never splits across pages (a signature block stays whole)
        no_split = OxmlElement("w:cantSplit")
        no_split.set(qn("w:val"), "true")
        table.rows[0]._tr.get_or_add_trPr().append(no_split)
        return cast(Table, table)


def _set_widths(table: Table, widths: tuple[Length, ...]) -> None:
    """Fixed column widths on the grid and on every cell (LibreOffice reads the grid, Word cells)."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _subtitle(report: ProgressReport) -> str:
    scope = report.scope
    if scope.kind == "plan":
        quoted = _clean(scope.plan_title) if names_the_plan(scope.plan_title, scope.plan_ref) \
            else ""
        title = f" \u201c{quoted}\u201d" if quoted else ""
        return T.SUBTITLE_PLAN.format(plan=_clean(scope.plan_ref or scope.name), title=title,
                                      period=report.period.label_with_dates)
    return T.SUBTITLE.format(period=report.period.label_with_dates)


def _header(writer: _Writer, head: Letterhead, report: ProgressReport) -> None:
    layout = writer.layout
    table = writer.two_columns(layout.header_left_width, layout.header_right_width)
    left, right = table.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    if head.parent_unit:
        writer.paragraph(_clean(head.parent_unit).upper(), size=layout.header_size, align=center,
                         where=left)
    writer.paragraph(_clean(head.issuer).upper(), size=layout.header_bold_size, bold=True,
                     align=center, where=left)
    writer.rule(left, layout.unit_rule_width, layout.header_left_width)
    writer.paragraph(layout.national_name, size=layout.header_size, bold=True, align=center,
                     where=right)
    writer.paragraph(layout.motto, size=layout.header_bold_size, bold=True, align=center,
                     where=right)
    writer.rule(right, layout.motto_rule_width, layout.header_right_width)

    line = writer.two_columns(layout.header_left_width, layout.header_right_width)
    number_cell, date_cell = line.rows[0].cells
    number = writer.paragraph(_number(head, layout), size=layout.number_size, align=center,
                              where=number_cell)
    day, month, year = fmt_document_date(local_date(report.generated_at))
    place = _clean(head.place) or T.PLACE_PLACEHOLDER
    dated = writer.paragraph(T.PLACE_DATE.format(place=place, day=day, month=month, year=year),
                             size=layout.number_size, italic=True, align=center, where=date_cell)
    for paragraph in (number, dated):
        paragraph.paragraph_format.space_before = layout.number_space_before


def _number(head: Letterhead, layout: DocumentLayout) -> str:
    return T.NUMBER.format(dots=T.NUMBER_DOTS, type_code=layout.type_code,
                           unit_code=_clean(head.unit_code) or T.UNIT_CODE_PLACEHOLDER)


def _title(writer: _Writer, report: ProgressReport) -> None:
    layout, center = writer.layout, WD_ALIGN_PARAGRAPH.CENTER
    writer.paragraph()
    writer.paragraph(T.TITLE, size=layout.title_size, bold=True, align=center)
    writer.paragraph(_subtitle(report), size=layout.title_size, bold=True, align=center)
    # a short solid line under the summary line (Appendix I, II.6: 1/3 to 1/2 of its length)
    rule = writer.rule(None, layout.subtitle_rule_width,
                       Length(layout.page_width - layout.margin_left - layout.margin_right))
    rule.paragraph_format.space_before = layout.subtitle_rule_space  # clear of descenders
    writer.paragraph()
    writer.paragraph(T.SCOPE_LINE.format(
        scope=_clean(report.scope.name),
        as_of=fmt_time_day(report.as_of)), body=True)


def _section(writer: _Writer, heading: str, lines: list[str]) -> None:
    writer.paragraph(heading, bold=True, body=True)
    for line in lines or [T.NONE]:
        writer.paragraph(line, body=True)


def _results(report: ProgressReport) -> list[str]:
    counts = report.counts
    lines = [T.RESULTS_TOTAL.format(total=len(report.tasks))]
    lines += [T.RESULTS_CATEGORY.format(label=C.CATEGORY_LABELS[c], count=counts[c])
              for c in CATEGORIES]
    avg = report.avg_progress
    lines.append(T.RESULTS_AVERAGE.format(avg=f"{avg:g}".replace(".", ","))
                 if avg is not None else T.RESULTS_NO_AVERAGE)
    if report.officials:
        lines.append(T.RESULTS_REPORTED.format(reported=len(report.reported),
                                               total=len(report.expected)))
    missing = report.units_not_reported
    if missing:
        lines.append(T.RESULTS_UNITS_MISSING.format(
            count=len(missing), total=len(report.units),
            units=", ".join(_clean(u.unit_name) for u in missing)))
    highlights = [T.RESULTS_HIGHLIGHT.format(official=_clean(n.official),
                                             text=_clean(n.highlights))
                  for n in report.notes if n.highlights]
    return lines + ([T.RESULTS_HIGHLIGHTS, *highlights] if highlights else [])


def _deadline(task: TaskProgress) -> str:
    if task.deadline is not None:
        return fmt_day(task.deadline)
    return _clean(task.deadline_text) or T.NO_UNIT


def _overdue(report: ProgressReport) -> list[str]:
    return [T.OVERDUE_ITEM.format(code=_clean(t.code), title=_clean(t.title),
                                  unit=_clean(t.lead_unit) or T.NO_UNIT,
                                  deadline=_deadline(t), progress=t.progress)
            for t in report.tasks_in("overdue")]


def _blockers(report: ProgressReport) -> list[str]:
    lines = [T.BLOCKER_ITEM.format(code=_clean(t.code), text=_clean(b.text).rstrip("."),
                                   official=_clean(b.official))
             for t, b in report.blockers]
    return lines + [T.NOTE_ITEM.format(official=_clean(n.official), text=_clean(n.difficulties))
                    for n in report.notes if n.difficulties]


def _recommendations(report: ProgressReport) -> list[str]:
    return [T.NOTE_ITEM.format(official=_clean(n.official), text=_clean(n.recommendations))
            for n in report.notes if n.recommendations]


def _row_flag(row: _Row, tag: str) -> None:
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _repeat_header(table: Table) -> None:
    """Mark the first row as a header row: Word repeats it on every page."""
    _row_flag(table.rows[0], "w:tblHeader")


def _annex(writer: _Writer, head: Letterhead, report: ProgressReport) -> None:
    layout, center = writer.layout, WD_ALIGN_PARAGRAPH.CENTER
    if layout.annex_landscape:  # a section of its own: starts on a new page
        writer.page(writer.doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
    title = writer.paragraph(T.ANNEX_TITLE, size=layout.title_size, bold=True, align=center)
    # the annex starts on a page of its own
    title.paragraph_format.page_break_before = not layout.annex_landscape
    writer.paragraph(T.ANNEX_SUBTITLE, size=layout.title_size, bold=True, align=center)
    writer.paragraph(T.ANNEX_ATTACHED.format(
        dots=T.NUMBER_DOTS, type_code=layout.type_code,
        unit_code=_clean(head.unit_code) or T.UNIT_CODE_PLACEHOLDER),
        size=layout.number_size, italic=True, align=center)
    writer.paragraph()
    table = writer.doc.add_table(rows=1, cols=len(T.ANNEX_HEADERS))
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(table, layout.annex_widths)
    for cell, label in zip(table.rows[0].cells, T.ANNEX_HEADERS, strict=True):
        writer.paragraph(label, size=layout.table_size, bold=True, align=center, where=cell)
    _repeat_header(table)
    for n, task in enumerate(report.tasks, start=1):
        values = (str(n), _clean(task.code), _clean(task.title),
                  _clean(task.lead_unit) or T.NO_UNIT, _deadline(task),
                  T.ANNEX_PROGRESS.format(progress=task.progress),
                  C.CATEGORY_LABELS[task.category])
        row = table.add_row()
        _row_flag(row, "w:cantSplit")  # a task's row is never cut across two pages
        for i, (cell, value, width) in enumerate(zip(row.cells, values, layout.annex_widths,
                                                     strict=True)):
            cell.width = width
            align = WD_ALIGN_PARAGRAPH.LEFT if i in (2, 3, 6) else center
            writer.paragraph(value, size=layout.table_size, align=align, where=cell)


def _signature(writer: _Writer, head: Letterhead) -> None:
    layout = writer.layout
    writer.paragraph()
    table = writer.two_columns(layout.footer_left_width, layout.footer_right_width)
    left, right = table.rows[0].cells
    writer.paragraph(T.RECIPIENTS_TITLE, size=layout.recipients_title_size, bold=True,
                     italic=True, where=left)
    first = (T.RECIPIENT_REPORT_TO.format(unit=_clean(head.parent_unit)) if head.parent_unit
             else T.RECIPIENT_PLACEHOLDER)
    for item in (first, T.RECIPIENT_ARCHIVE):
        writer.paragraph(item, size=layout.recipients_size, where=left)
    center = WD_ALIGN_PARAGRAPH.CENTER
    title = _clean(head.signer_title).upper() or T.SIGNER_DEFAULT_TITLE
    writer.paragraph(title, size=layout.signature_size, bold=True, align=center, where=right)
    writer.paragraph(T.SIGNER_HINT, size=layout.signature_size, italic=True, align=center,
                     where=right)
    for _ in range(3):  # room for the signature and the seal
        writer.paragraph(where=right)
    if head.signer_name:
        writer.paragraph(_clean(head.signer_name), size=layout.signature_size, bold=True,
                         align=center, where=right)


def _page_numbers(writer: _Writer) -> None:
    """A PAGE field centred in each section's header; no number on a section's first page,
    and each section (the document, the annex) counts from 1."""
    layout = writer.layout
    for section in writer.doc.sections:
        section.different_first_page_header_footer = True
        number_type = OxmlElement("w:pgNumType")
        number_type.set(qn("w:start"), "1")
        section._sectPr.insert_element_before(
            number_type, "w:cols", "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg",
            "w:textDirection", "w:bidi", "w:rtlGutter", "w:docGrid", "w:printerSettings",
            "w:sectPrChange")
        header = section.header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                           ("end", None)):
            run = paragraph.add_run()
            run.font.name, run.font.size = layout.font_name, layout.page_number_size
            if kind is not None:
                field = OxmlElement("w:fldChar")
                field.set(qn("w:fldCharType"), kind)
                run._r.append(field)
            elif text == " PAGE ":
                instruction = OxmlElement("w:instrText")
                instruction.set(qn("xml:space"), "preserve")
                instruction.text = text
                run._r.append(instruction)
            else:
                run.text = text


def render_docx(report: ProgressReport, head: Letterhead,
                layout: DocumentLayout = DECREE_30) -> bytes:
    """The report as an administrative .docx (Decree 30/2020/NĐ-CP, Appendix I)."""
    writer = _Writer(layout)
    _header(writer, head, report)
    _title(writer, report)
    _section(writer, T.SECTION_RESULTS, _results(report))
    _section(writer, T.SECTION_OVERDUE, _overdue(report))
    _section(writer, T.SECTION_BLOCKERS, _blockers(report))
    _section(writer, T.SECTION_RECOMMENDATIONS, _recommendations(report))
    _signature(writer, head)
    _annex(writer, head, report)
    _page_numbers(writer)
    buffer = BytesIO()
    writer.doc.save(buffer)
    return buffer.getvalue()


def scope_slug(report: ProgressReport) -> str:
    """The report's scope in ASCII for file names: the unit code, or the plan's handle ('KH286')."""
    who = report.scope.unit_code or (plan_handle(report.scope.plan_ref)
                                     if report.scope.plan_ref else str(report.unit_id))
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in who)


def docx_file_name(report: ProgressReport) -> str:
    """A file name for the document, ASCII only (e.g. 'bao-cao-DV1-2026-11.docx',
    'bao-cao-KH286-2026-11.docx' for a plan)."""
    return f"bao-cao-{scope_slug(report)}-{report.period.key}.docx"
