"""Text boxes in Word guides (w:txbxContent): ministries put notes, hotlines and steps in them.
Word writes a text box twice, a DrawingML shape (mc:Choice) and a VML copy for older readers
(mc:Fallback); older files have the VML shape alone. Each box's text is read once, after the
paragraph it is anchored to, inside a table cell too."""

from __future__ import annotations

import io

import docx
from docx.document import Document
from docx.oxml import parse_xml

from knowledge.ingest import parse_file

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = (
    f'xmlns:w="{W}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def _save(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _paragraphs(*texts: str) -> str:
    return "".join(f'<w:p><w:r><w:t xml:space="preserve">{t}</w:t></w:r></w:p>' for t in texts)


def _vml(content: str) -> str:
    return ('<w:pict><v:shape id="Hop1" type="#_x0000_t202" style="width:200pt;height:60pt">'
            f'<v:textbox><w:txbxContent>{content}</w:txbxContent></v:textbox></v:shape></w:pict>')


def _drawing(content: str) -> str:
    return (
        '<w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" '
        'relativeHeight="1" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0'
        '</wp:posOffset></wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0'
        '</wp:posOffset></wp:positionV><wp:extent cx="2540000" cy="762000"/><wp:wrapSquare '
        'wrapText="bothSides"/><wp:docPr id="1" name="Text Box 1"/><a:graphic><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
        '<wps:cNvSpPr txBox="1"/><wps:spPr/>'
        f'<wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx><wps:bodyPr/>'
        '</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>')


def text_box(*texts: str, fallback: bool = True) -> str:
    """A run holding a text box as Word 2010+ writes it (DrawingML, with a VML fallback holding
    the same text), or as older Word wrote it (VML only)."""
    content = _paragraphs(*texts)
    if not fallback:
        return f"<w:r {NAMESPACES}>{_vml(content)}</w:r>"
    return (f"<w:r {NAMESPACES}><mc:AlternateContent><mc:Choice Requires=\"wps\">"
            f"{_drawing(content)}</mc:Choice><mc:Fallback>{_vml(content)}</mc:Fallback>"
            "</mc:AlternateContent></w:r>")


def test_text_boxes_are_read_once_after_their_paragraph() -> None:
    document = docx.Document()
    document.add_paragraph("Hướng dẫn nộp hồ sơ trực tuyến", style="Title")
    document.add_heading("Nộp hồ sơ", level=1)
    anchor = document.add_paragraph("Cán bộ tiếp nhận hồ sơ trên cổng dịch vụ công.")
    anchor._p.append(parse_xml(text_box("Lưu ý: kiểm tra chữ ký số trước khi nộp.",
                                        "Đường dây nóng: 1900 1234.")))
    document.add_paragraph("Hồ sơ được trả kết quả trong 3 ngày làm việc.")
    document.add_heading("Hỗ trợ", level=1)
    # a box anchored to an empty paragraph, as Word inserts one; an older file's VML box
    document.add_paragraph()._p.append(parse_xml(text_box(
        "Bước 1: đăng nhập.", "Bước 2: chọn thủ tục.", fallback=False)))
    guide = parse_file("nop-ho-so.docx", _save(document))
    assert guide.title == "Hướng dẫn nộp hồ sơ trực tuyến"
    assert [(s.heading_path, s.text) for s in guide.sections] == [
        (("Nộp hồ sơ",), "Cán bộ tiếp nhận hồ sơ trên cổng dịch vụ công.\n"
                         "Lưu ý: kiểm tra chữ ký số trước khi nộp.\n"
                         "Đường dây nóng: 1900 1234.\n"
                         "Hồ sơ được trả kết quả trong 3 ngày làm việc."),
        (("Hỗ trợ",), "Bước 1: đăng nhập.\nBước 2: chọn thủ tục.")]


def test_a_text_box_in_a_table_cell_is_part_of_the_cell() -> None:
    document = docx.Document()
    document.add_paragraph("Hướng dẫn tiếp công dân", style="Title")
    document.add_heading("Lịch tiếp", level=1)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Thứ Hai"
    cell = table.cell(0, 1)
    cell.text = "Lãnh đạo tiếp"
    cell.paragraphs[0]._p.append(parse_xml(text_box("Gọi trước: 0243 999 888")))
    guide = parse_file("tiep-dan.docx", _save(document))
    [section] = guide.sections
    assert section.text == "Thứ Hai | Lãnh đạo tiếp Gọi trước: 0243 999 888"
