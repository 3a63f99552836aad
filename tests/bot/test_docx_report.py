"""The .docx report: Decree 30/2020/NĐ-CP layout read back with python-docx."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt

from bot.reports.docx_layout import DECREE_30
from bot.reports.docx_report import Letterhead, docx_file_name, render_docx
from bot.reports.model import (
    Blocker,
    OfficialStatus,
    ProgressReport,
    ReportPeriod,
    ReportScope,
    SummaryNote,
    TaskProgress,
)
from bot.texts import checkin as CT
from bot.texts import documents as D
from rules.deadlines import Category
from tests.bot.docx_helpers import (
    all_bold,
    all_italic,
    body_texts,
    cell_paragraphs,
    has_borders,
    header_repeats,
    open_docx,
    paragraph_with,
)

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # 10:00 on 02/12/2026 in Hà Nội


def _task(code: str, title: str, category: Category, progress: int,
          blockers: tuple[Blocker, ...] = ()) -> TaskProgress:
    return TaskProgress(
        task_id=len(code), code=code, title=title, plan_ref="KH-01", lead_unit="Phòng Dữ liệu",
        co_units=(), responsible=("Lê Minh Châu",), deadline=date(2026, 11, 20), deadline_text=None,
        days_left=-12, progress=progress, status="late", status_label="Chậm tiến độ",
        blockers=blockers, next_plans=(), evidence=None, category=category, done_at=None,
        reported=True)


def _report() -> ProgressReport:
    period = ReportPeriod(kind="month", key="2026-12", label="tháng 12/2026",
                          label_with_dates="tháng 12/2026 (15/11–14/12/2026)",
                          start=date(2026, 11, 15), end=date(2026, 12, 14),
                          cutoff=datetime(2026, 12, 14, 9, 0, tzinfo=UTC))
    tasks = (
        _task("NV1", "Xây dựng kho dữ liệu", "in_progress", 60),
        _task("NV2", "Báo cáo quý", "overdue", 40,
              (Blocker("Lê Minh Châu", "=HYPERLINK(\"x\") chờ\x01 số liệu"),)),
        _task("NV3", "Tập huấn cấp xã", "done_on_time", 100),
    )
    note = SummaryNote(official_id=1, official="Lê Minh Châu", unit_name="Phòng Dữ liệu",
                       period_key="2026-12", period_label="tháng 12/2026", status="submitted",
                       highlights="Hoàn thành tập huấn", difficulties="Thiếu nhân lực",
                       recommendations="Bổ sung 01 biên chế", skipped_reason=None,
                       submitted_at=NOW, late=False)
    official = OfficialStatus(official_id=1, name="Lê Minh Châu", unit_name="Phòng Dữ liệu",
                              status="submitted", reported=True, late=False, submitted_at=NOW,
                              skipped_reason=None)
    return ProgressReport(
        scope=ReportScope(kind="unit", name="Cục Chuyển đổi số quốc gia", unit_id=2,
                          unit_code="CDS"),
        period=period, generated_at=NOW, as_of=NOW, officials=(official,), tasks=tasks,
        notes=(note,))


HEAD = Letterhead(issuer="Cục Chuyển đổi số quốc gia", parent_unit="Bộ Thông tin và Truyền thông",
                  unit_code="CDS", place="Hà Nội", signer_title="Cục trưởng",
                  signer_name="Nguyễn Văn An")


def _size(value: Length | None) -> Length:
    """A run's font size, which this report always sets (None would inherit the style's)."""
    assert value is not None
    return value


def test_page_fonts_and_header_block() -> None:
    doc = open_docx(render_docx(_report(), HEAD))
    section, annex = doc.sections  # the annex is a landscape section of its own
    def whole_mm(value: Length | None) -> int:
        assert value is not None
        return round(float(value.mm))

    assert (whole_mm(section.page_width), whole_mm(section.page_height)) == (210, 297)
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert (whole_mm(annex.page_width), whole_mm(annex.page_height)) == (297, 210)
    assert annex.orientation == WD_ORIENT.LANDSCAPE and annex.start_type == WD_SECTION.NEW_PAGE
    def mm(value: Length | None) -> float:  # Word stores twips: compare to a tenth of a mm
        assert value is not None
        return round(float(value.mm), 1)

    for page in (section, annex):
        assert 20 <= mm(page.top_margin) <= 25 and 20 <= mm(page.bottom_margin) <= 25
        assert 30 <= mm(page.left_margin) <= 35 and 15 <= mm(page.right_margin) <= 20
        # page numbers centred in the top margin, 13 pt, none on the first page; the annex
        # counts from 1 on its own (Appendix I, I.8)
        assert page.different_first_page_header_footer
        (number,) = page.header.paragraphs
        assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert "PAGE" in "".join(t.text or "" for t in number._p.iter(qn("w:instrText")))
        assert {r.font.size for r in number.runs} == {Pt(13)}
        assert not "".join(p.text for p in page.first_page_header.paragraphs).strip()
        restart = page._sectPr.find(qn("w:pgNumType"))
        assert restart is not None and restart.get(qn("w:start")) == "1"
        tags = [child.tag for child in page._sectPr]
        assert tags.index(qn("w:pgMar")) < tags.index(qn("w:pgNumType")) < tags.index(qn("w:cols"))
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and Pt(13) <= normal.size <= Pt(14)

    header = doc.tables[0]
    assert not has_borders(header)
    parent, issuer = cell_paragraphs(header, 0, 0)
    assert parent.text == "BỘ THÔNG TIN VÀ TRUYỀN THÔNG" and not all_bold(parent)
    assert issuer.text == "CỤC CHUYỂN ĐỔI SỐ QUỐC GIA" and all_bold(issuer)
    nation, motto = cell_paragraphs(header, 0, 1)
    assert nation.text == D.NATIONAL_NAME and all_bold(nation)
    assert Pt(12) <= _size(nation.runs[0].font.size) <= Pt(13)
    assert motto.text == D.MOTTO and all_bold(motto)
    assert Pt(13) <= _size(motto.runs[0].font.size) <= Pt(14)
    # the short rules under the issuer and the motto are bordered paragraphs, right under the
    # text: an exact line height of a few points, not an empty 14 pt line
    for column in (0, 1):
        rule = header.cell(0, column).paragraphs[-1]
        assert rule.text == "" and rule._p.pPr is not None
        bottom = rule._p.pPr.find(qn("w:pBdr") + "/" + qn("w:bottom"))
        assert bottom is not None and bottom.get(qn("w:val")) == "single"
        spacing = rule.paragraph_format
        assert spacing.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert spacing.line_spacing is not None and spacing.line_spacing <= Pt(3)
        # pPr children in schema order (Word rejects pBdr after ind/jc)
        tags = [child.tag for child in rule._p.pPr]
        assert tags.index(qn("w:pBdr")) < tags.index(qn("w:ind")) < tags.index(qn("w:rPr"))

    number_line = doc.tables[1]
    (number,) = cell_paragraphs(number_line, 0, 0)
    assert number.text == D.NUMBER.format(dots=D.NUMBER_DOTS, type_code="BC", unit_code="CDS")
    (place_date,) = cell_paragraphs(number_line, 0, 1)
    assert place_date.text == D.PLACE_DATE.format(place="Hà Nội", day="02", month=12, year=2026)
    assert all_italic(place_date)
    assert number.paragraph_format.space_before == place_date.paragraph_format.space_before \
        == Pt(6)


def test_title_sections_annex_and_signature() -> None:
    doc = open_docx(render_docx(_report(), HEAD))
    title = paragraph_with(doc, "BÁO CÁO")
    assert all_bold(title) and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    subtitle = paragraph_with(doc, "Tiến độ thực hiện nhiệm vụ tháng 12/2026 (15/11–14/12/2026)")
    assert all_bold(subtitle)
    # a short solid rule under the summary line (Appendix I, II.6), clear of its descenders
    paragraphs = [p._p for p in doc.paragraphs]
    rule = doc.paragraphs[paragraphs.index(subtitle._p) + 1]
    assert rule.text == "" and rule._p.pPr is not None
    assert rule._p.pPr.find(qn("w:pBdr") + "/" + qn("w:bottom")) is not None
    indents = rule.paragraph_format
    assert indents.left_indent is not None and indents.right_indent is not None
    length = DECREE_30.page_width - DECREE_30.margin_left - DECREE_30.margin_right \
        - indents.left_indent - indents.right_indent
    assert Mm(40) <= length <= Mm(80) and indents.space_before == Pt(4)
    lines = body_texts(doc)
    headings = [D.SECTION_RESULTS, D.SECTION_OVERDUE, D.SECTION_BLOCKERS,
                D.SECTION_RECOMMENDATIONS]
    positions = [lines.index(h) for h in headings]
    assert positions == sorted(positions)
    results = lines[positions[0]:positions[1]]
    assert D.RESULTS_TOTAL.format(total=3) in results
    assert D.RESULTS_CATEGORY.format(label=CT.CATEGORY_LABELS["overdue"], count=1) in results
    assert D.RESULTS_CATEGORY.format(label=CT.CATEGORY_LABELS["done_on_time"], count=1) \
        in results
    assert D.RESULTS_AVERAGE.format(avg="66,7") in results
    assert D.RESULTS_HIGHLIGHT.format(official="Lê Minh Châu", text="Hoàn thành tập huấn") \
        in results
    overdue = lines[positions[1]:positions[2]]
    assert overdue[1:] == [D.OVERDUE_ITEM.format(code="NV2", title="Báo cáo quý",
                                                 unit="Phòng Dữ liệu", deadline="20/11/2026",
                                                 progress=40)]
    blockers = lines[positions[2]:positions[3]]
    # stored text is written as text: the formula-looking start kept, control characters dropped
    assert D.BLOCKER_ITEM.format(code="NV2", text="=HYPERLINK(\"x\") chờ số liệu",
                                 official="Lê Minh Châu") in blockers
    assert D.NOTE_ITEM.format(official="Lê Minh Châu", text="Thiếu nhân lực") in blockers
    assert D.NOTE_ITEM.format(official="Lê Minh Châu", text="Bổ sung 01 biên chế") \
        in lines[positions[3]:]

    annex = doc.tables[-1]
    assert has_borders(annex) and header_repeats(annex)
    assert [c.text for c in annex.rows[0].cells] == list(D.ANNEX_HEADERS)
    assert all(all_bold(c.paragraphs[0]) for c in annex.rows[0].cells)
    rows = [[c.text for c in row.cells] for row in annex.rows[1:]]
    assert [r[1] for r in rows] == ["NV1", "NV2", "NV3"]
    assert rows[1] == ["2", "NV2", "Báo cáo quý", "Phòng Dữ liệu", "20/11/2026", "40%",
                       CT.CATEGORY_LABELS["overdue"]]
    assert D.ANNEX_ATTACHED.format(dots=D.NUMBER_DOTS, type_code="BC", unit_code="CDS") \
        in " ".join(lines)
    # no task row is cut across two pages; dates and "STT" fit their columns on landscape A4
    assert all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
               for row in annex.rows[1:])
    assert annex.columns[4].width >= Mm(25) and annex.columns[0].width >= Mm(12)

    footer = doc.tables[2]
    recipients = cell_paragraphs(footer, 0, 0)
    # no "Kính gửi" in a report: "Nơi nhận" names the unit above, not "Như trên"
    assert [p.text for p in recipients] == [
        D.RECIPIENTS_TITLE, D.RECIPIENT_REPORT_TO.format(unit="Bộ Thông tin và Truyền thông"),
        D.RECIPIENT_ARCHIVE]
    assert all_bold(recipients[0]) and all_italic(recipients[0])
    assert recipients[0].runs[0].font.size == Pt(12)
    position, hint, name = cell_paragraphs(footer, 0, 1)
    assert position.text == "CỤC TRƯỞNG" and all_bold(position)
    assert hint.text == D.SIGNER_HINT and all_italic(hint)
    assert name.text == "Nguyễn Văn An" and all_bold(name)
    assert docx_file_name(_report()) == "bao-cao-CDS-2026-12.docx"


def test_unknown_head_place_and_code_leave_placeholders() -> None:
    doc = open_docx(render_docx(_report(), Letterhead(issuer="Đơn vị X")))
    issuer, = cell_paragraphs(doc.tables[0], 0, 0)
    assert issuer.text == "ĐƠN VỊ X"
    assert cell_paragraphs(doc.tables[1], 0, 0)[0].text == D.NUMBER.format(
        dots=D.NUMBER_DOTS, type_code="BC", unit_code=D.NUMBER_DOTS)
    assert cell_paragraphs(doc.tables[1], 0, 1)[0].text == D.PLACE_DATE.format(
        place=D.PLACE_PLACEHOLDER, day="02", month="12", year=2026)
    assert [p.text for p in cell_paragraphs(doc.tables[2], 0, 1)] == [
        D.SIGNER_DEFAULT_TITLE, D.SIGNER_HINT]
    assert [p.text for p in cell_paragraphs(doc.tables[2], 0, 0)] == [
        D.RECIPIENTS_TITLE, D.RECIPIENT_PLACEHOLDER, D.RECIPIENT_ARCHIVE]


def test_layout_is_within_the_decree() -> None:
    assert DECREE_30.motto == D.MOTTO
    assert DECREE_30.annex_landscape  # the annex table's text width is the page's height
    assert sum(DECREE_30.annex_widths, Mm(0)) <= DECREE_30.page_height - DECREE_30.margin_left \
        - DECREE_30.margin_right


def test_plan_subtitle_quotes_a_title_only_when_it_is_not_the_number_again() -> None:
    def subtitle(title: str | None) -> list[str]:
        scope = ReportScope(kind="plan", name="Kế hoạch số 286/KH-BTTTT", plan_id=1,
                            plan_ref="Kế hoạch số 286/KH-BTTTT", plan_title=title)
        report = replace(_report(), scope=scope)
        return body_texts(open_docx(render_docx(report, HEAD)))

    period = "tháng 12/2026 (15/11–14/12/2026)"
    # an imported plan keeps its reference line as the title: not repeated in quotes
    def plan_subtitle(title: str) -> str:
        return D.SUBTITLE_PLAN.format(plan="Kế hoạch số 286/KH-BTTTT", title=title, period=period)

    assert plan_subtitle("") in subtitle("KẾ HOẠCH SỐ 286/KH-BTTTT NGÀY 15/10/2026")
    assert plan_subtitle(" \u201cChuyển đổi số năm 2027\u201d") in subtitle("Chuyển đổi số năm 2027")
    assert plan_subtitle("") in subtitle(None)
