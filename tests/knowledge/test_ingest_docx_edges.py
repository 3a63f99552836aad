"""Word files as ministries send them: headings numbered by Word ("Điều 1.", "1.1."), a guide's
steps in a table (paragraphs, list numbers and a table inside cells, merged cells), running
headers and footers, content controls and tracked insertions, a table of contents, and files
with pictures only or nothing at all."""

from __future__ import annotations

import io

import docx
import pytest
from docx.document import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from knowledge.ingest import parse_file
from knowledge.ingest_docx import EMBEDDED_WEB_PAGE, WEB_PAGE
from knowledge.types import IngestError, IngestProblem
from tests.knowledge.conftest import build_web_export_docx, number_heading_styles, scanned_page


def _save(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_headings_numbered_by_word_keep_their_numbers() -> None:
    document = docx.Document()
    number_heading_styles(document, [("Heading1", "decimal", "%1."), ("Heading2", "decimal", "%1.%2.")])
    document.add_paragraph("Hướng dẫn ký số văn bản", style="Title")
    for heading, level, body in [
        ("Chuẩn bị", 1, "Văn thư cài phần mềm ký số trên máy tính được giao."),
        ("Chứng thư số", 2, "Chứng thư số cấp cho từng cá nhân."),
        ("Thiết bị ký số", 2, "Mỗi lãnh đạo được cấp một USB ký số."),
        ("Ký văn bản", 1, "Văn bản được ký trước khi phát hành."),
    ]:
        document.add_heading(heading, level=level)
        document.add_paragraph(body)
    guide = parse_file("ky-so.docx", _save(document))
    assert [s.heading_path for s in guide.sections] == [
        ("1. Chuẩn bị",), ("1. Chuẩn bị", "1.1. Chứng thư số"),
        ("1. Chuẩn bị", "1.2. Thiết bị ký số"), ("2. Ký văn bản",)]


@pytest.mark.parametrize("first", [None, 10])
def test_articles_numbered_by_word_are_the_legal_structure(first: int | None) -> None:
    document = docx.Document()
    number_heading_styles(document, [("Heading1", "upperRoman", "Chương %1"),
                              ("Heading2", "decimal", "Điều %2.")], running=True,
                   second_from=first)
    document.add_paragraph("Quy chế gửi, nhận văn bản điện tử", style="Title")
    document.add_heading("QUY ĐỊNH CHUNG", level=1)
    for title, body in [("Phạm vi điều chỉnh", "Quy chế này quy định việc gửi, nhận văn bản."),
                        ("Đối tượng áp dụng", "Cán bộ, công chức của các sở, ngành.")]:
        document.add_heading(title, level=2)
        document.add_paragraph(body)
    document.add_heading("TỔ CHỨC THỰC HIỆN", level=1)
    document.add_heading("Hiệu lực thi hành", level=2)
    document.add_paragraph("Quy chế có hiệu lực từ ngày ký.")
    guide = parse_file("quy-che.docx", _save(document))
    n = first or 1  # a document going on from another numbers its articles on
    assert [s.heading_path for s in guide.sections] == [
        ("Chương I. Quy định chung", f"Điều {n}. Phạm vi điều chỉnh"),
        ("Chương I. Quy định chung", f"Điều {n + 1}. Đối tượng áp dụng"),
        ("Chương II. Tổ chức thực hiện", f"Điều {n + 2}. Hiệu lực thi hành")]


def test_steps_in_a_table_keep_every_paragraph_number_and_inner_table() -> None:
    document = docx.Document()
    document.add_heading("Quy trình cấp bản sao trích lục", level=1)
    table = document.add_table(rows=4, cols=3)
    for column, text in enumerate(["Bước", "Nội dung", "Thời gian"]):
        table.cell(0, column).text = text
    table.cell(1, 0).text = "1"
    cell = table.cell(1, 1)
    cell.text = "Tiếp nhận hồ sơ:"
    cell.add_paragraph("Kiểm tra tờ khai", style="List Number")
    cell.add_paragraph("Đối chiếu giấy tờ tùy thân", style="List Number")
    table.cell(1, 2).text = "Ngay khi nhận"
    table.cell(2, 0).text = "2"
    inner = table.cell(2, 1)
    inner.text = "Thu phí theo bảng:"
    fees = inner.add_table(rows=2, cols=2)
    for r, row in enumerate([["Bản sao", "8.000 đồng"], ["Bản điện tử", "Miễn phí"]]):
        for c, value in enumerate(row):
            fees.cell(r, c).text = value
    table.cell(2, 2).merge(table.cell(3, 2)).text = "Trong ngày"
    table.cell(3, 0).text = "3"
    table.cell(3, 1).text = "Trả kết quả"
    text = parse_file("trich-luc.docx", _save(document)).sections[0].text
    assert text.split("\n") == [
        "Bước | Nội dung | Thời gian",
        "1 | Tiếp nhận hồ sơ: 1. Kiểm tra tờ khai 2. Đối chiếu giấy tờ tùy thân | Ngay khi nhận",
        "2 | Thu phí theo bảng: Bản sao | 8.000 đồng; Bản điện tử | Miễn phí | Trong ngày",
        "3 | Trả kết quả | Trong ngày",
    ]


def test_running_headers_and_footers_are_not_content() -> None:
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "SỞ NỘI VỤ TỈNH AN GIANG – LƯU HÀNH NỘI BỘ"
    section.footer.paragraphs[0].text = "Hướng dẫn số 12/HD-SNV – trang"
    document.add_heading("Hướng dẫn tuyển dụng viên chức", level=0)
    document.add_heading("Hồ sơ dự tuyển", level=1)
    document.add_paragraph("Phiếu đăng ký dự tuyển theo mẫu ban hành kèm Nghị định.")
    guide = parse_file("tuyen-dung.docx", _save(document))
    assert guide.title == "Hướng dẫn tuyển dụng viên chức"
    assert [(s.heading_path, s.text) for s in guide.sections] == [
        (("Hồ sơ dự tuyển",), "Phiếu đăng ký dự tuyển theo mẫu ban hành kèm Nghị định.")]


def _sdt(inner: str, gallery: str | None = None) -> str:
    part = (f'<w:docPartObj><w:docPartGallery w:val="{gallery}"/></w:docPartObj>'
            if gallery else '<w:alias w:val="Nội dung"/>')
    return f'<w:sdtPr>{part}</w:sdtPr><w:sdtContent>{inner}</w:sdtContent>'


def _p(text: str, style: str | None = None) -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{props}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def test_content_controls_tracked_insertions_and_a_table_of_contents() -> None:
    document = docx.Document()
    document.add_heading("Hướng dẫn đăng ký khai sinh", level=0)
    body = document.element.body
    # a table of contents (a content control Word marks as one): its lines are not content
    body.insert(len(body) - 1, parse_xml(f'<w:sdt {nsdecls("w")}>' + _sdt(
        _p("Mục lục", "TOCHeading") + _p("Hồ sơ\t2", "TOC1"), "Table of Contents") + "</w:sdt>"))
    document.add_heading("Hồ sơ", level=1)
    # a template's content control around whole paragraphs
    body.insert(len(body) - 1, parse_xml(f'<w:sdt {nsdecls("w")}>' + _sdt(
        _p("Tờ khai đăng ký khai sinh theo mẫu.")) + "</w:sdt>"))
    # a date typed in an inline content control, and a tracked insertion
    paragraph = document.add_paragraph("Nộp trước ngày ")
    paragraph._p.append(parse_xml(f'<w:sdt {nsdecls("w")}>' + _sdt(
        '<w:r><w:t>15/3/2027</w:t></w:r>') + "</w:sdt>"))
    paragraph._p.append(parse_xml(
        f'<w:ins {nsdecls("w")} w:id="1" w:author="Văn thư" w:date="2026-12-01T08:00:00Z">'
        '<w:r><w:t xml:space="preserve"> tại bộ phận một cửa</w:t></w:r></w:ins>'))
    paragraph._p.append(parse_xml(
        f'<w:del {nsdecls("w")} w:id="2" w:author="Văn thư" w:date="2026-12-01T08:00:00Z">'
        '<w:r><w:delText> qua đường bưu điện</w:delText></w:r></w:del>'))
    paragraph.add_run(".")
    guide = parse_file("khai-sinh.docx", _save(document))
    assert [(s.heading_path, s.text) for s in guide.sections] == [
        (("Hồ sơ",), "Tờ khai đăng ký khai sinh theo mẫu.\n"
                     "Nộp trước ngày 15/3/2027 tại bộ phận một cửa.")]


def test_a_word_file_of_pictures_only_is_refused_as_such() -> None:
    document = docx.Document()
    for _ in range(2):  # pages scanned, pasted in
        picture = io.BytesIO()
        scanned_page("HƯỚNG DẪN\nĐăng ký khai sinh").save(picture, format="PNG")
        document.add_picture(io.BytesIO(picture.getvalue()))
    with pytest.raises(IngestError) as caught:
        parse_file("scan.docx", _save(document))
    assert caught.value.problem is IngestProblem.NO_TEXT_LAYER


def test_an_empty_word_file_is_empty() -> None:
    document = docx.Document()
    document.add_paragraph("   ")
    with pytest.raises(IngestError) as caught:
        parse_file("rong.docx", _save(document))
    assert caught.value.problem is IngestProblem.EMPTY


def test_a_web_page_saved_as_docx_or_embedded_whole_is_named_as_such() -> None:
    page = "<html><body><h1>Hướng dẫn</h1><p>Nộp hồ sơ tại bộ phận một cửa.</p></body></html>"
    for content in (page.encode(), b"MIME-Version: 1.0\r\nContent-Type: multipart/related",
                    build_web_export_docx(page)):
        with pytest.raises(IngestError) as caught:
            parse_file("xuat-tu-phan-mem.docx", content)
        assert caught.value.problem is IngestProblem.UNSUPPORTED_TYPE
        assert caught.value.detail in (WEB_PAGE, EMBEDDED_WEB_PAGE)


def test_articles_numbered_as_a_list_on_body_paragraphs_are_articles() -> None:
    """No heading style: bold paragraphs numbered by a list whose text is "Điều %1."."""
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="91"><w:lvl w:ilvl="0">'
        '<w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Điều %1."/>'
        '</w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="91">'
                               '<w:abstractNumId w:val="91"/></w:num>'))
    document.add_paragraph("Quy chế gửi, nhận văn bản điện tử", style="Title")
    for title, body in [("Phạm vi điều chỉnh", "Quy chế này quy định việc gửi, nhận văn bản."),
                        ("Đối tượng áp dụng", "Cán bộ, công chức của các sở, ngành."),
                        ("Hiệu lực thi hành", "Quy chế có hiệu lực từ ngày ký.")]:
        paragraph = document.add_paragraph()
        paragraph.add_run(title).bold = True
        paragraph._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="91"/></w:numPr>'))
        document.add_paragraph(body)
    guide = parse_file("quy-che.docx", _save(document))
    assert [(s.heading_path, s.text) for s in guide.sections] == [
        (("Điều 1. Phạm vi điều chỉnh",), "Quy chế này quy định việc gửi, nhận văn bản."),
        (("Điều 2. Đối tượng áp dụng",), "Cán bộ, công chức của các sở, ngành."),
        (("Điều 3. Hiệu lực thi hành",), "Quy chế có hiệu lực từ ngày ký.")]
