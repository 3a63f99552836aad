"""The administrative document template for .docx reports (Decree 30/2020/NĐ-CP, Appendix I).

All layout data of the .docx renderer lives here: paper, margins, the font and its sizes, the
national motto and the widths of the two-column blocks. The renderer (bot/reports/docx_report.py)
only reads these values; the Vietnamese words (motto included) are in bot/texts/documents.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx.shared import Length, Mm, Pt, Twips

from bot.texts import documents as T


@dataclass(frozen=True)
class DocumentLayout:
    """Paper, margins, fonts and block widths of an administrative document."""

    # A4 portrait (Appendix I, section I.2), in twips as Word stores it (210 × 297 mm)
    page_width: Length = Twips(11906)
    page_height: Length = Twips(16838)
    # margins: top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm
    margin_top: Length = Mm(20)
    margin_bottom: Length = Mm(20)
    margin_left: Length = Mm(30)
    margin_right: Length = Mm(15)
    font_name: str = "Times New Roman"
    #: body text, 13–14
    body_size: Length = Pt(14)
    #: the parent unit and the national name ("CỘNG HÒA …"), 12–13
    header_size: Length = Pt(12)
    #: the issuing unit (bold) and the motto, 13–14
    header_bold_size: Length = Pt(13)
    #: "Số: …" and the place and date, a little below the rules
    number_size: Length = Pt(13)
    number_space_before: Length = Pt(6)
    title_size: Length = Pt(14)
    #: page numbers: centred in the top margin, 13–14, none on a first page (Appendix I, I.8);
    #: the annex is numbered on its own from 1
    page_number_size: Length = Pt(13)
    #: the annex table
    table_size: Length = Pt(12)
    #: "Nơi nhận:" 12, its items 11
    recipients_title_size: Length = Pt(12)
    recipients_size: Length = Pt(11)
    signature_size: Length = Pt(14)
    #: the header block: issuing unit column and national-name column (text width 165 mm)
    header_left_width: Length = Mm(65)
    header_right_width: Length = Mm(100)
    #: "Nơi nhận" column and signature column
    footer_left_width: Length = Mm(80)
    footer_right_width: Length = Mm(85)
    #: the short rule under the issuing unit (about a third of its line) and under the motto
    #: (as long as the motto); drawn as a paragraph's bottom border between indents
    unit_rule_width: Length = Mm(22)
    motto_rule_width: Length = Mm(62)
    #: under the title's summary line ("Tiến độ thực hiện …", about 120–165 mm): 1/3 to 1/2 of it
    subtitle_rule_width: Length = Mm(50)
    subtitle_rule_space: Length = Pt(4)
    #: the rule paragraph's height (exact), so the line sits right under the motto
    rule_size: Length = Pt(2)
    #: the annex (task table) is a landscape A4 section of its own, same margins: seven columns
    #: in portrait broke dates ("15/11/20|26"), "STT" and "Tiến độ" mid-word
    annex_landscape: bool = True
    #: the annex table's column widths (STT, Mã, Nhiệm vụ, Đơn vị, Hạn, Tiến độ, Tình trạng);
    #: landscape text width 297 - 30 - 15 = 252 mm
    annex_widths: tuple[Length, ...] = (Mm(13), Mm(22), Mm(88), Mm(50), Mm(26), Mm(18), Mm(35))
    #: spacing after a body paragraph and first-line indent (Appendix I: 1–1.27 cm)
    paragraph_after: Length = Pt(6)
    first_line_indent: Length = Mm(10)
    line_spacing: float = 1.15
    #: the national name and motto (Appendix I, section II.1); the words are in bot/texts
    national_name: str = T.NATIONAL_NAME
    motto: str = T.MOTTO
    #: the document type code in the number: Số: …/BC-<unit code>
    type_code: str = "BC"


#: the layout every .docx report uses
DECREE_30 = DocumentLayout()
