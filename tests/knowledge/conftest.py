"""Builders of real .docx and .pdf files (python-docx, fpdf2 with DejaVu Sans) for ingest tests."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

# ("h1".."h3" | "title" | "p" | "bullet" | "number" | "bold" | "table" | "localized1" | "page", payload)
DocItem = tuple[str, object]
PdfItem = tuple[str, str]

#: "Hướng dẫn thủ tục hành chính: các đơn vị và công chức nộp hồ sơ đúng hạn." as Word shows
#: text typed in TCVN3 (.VnTime) and in VNI (VNI-Times) once the font is not the old one
TCVN3 = "H\u00adíng dÉn thñ tôc hµnh chÝnh: c¸c ®¬n vÞ vµ c«ng chøc nép hå s¬ ®óng h¹n."
VNI = "Höôùng daãn thuû tuïc haønh chính: caùc ñôn vò vaø coâng chöùc noäp hoà sô ñuùng haïn."


#: the running header of build_scanned_guide's pages
HEADER = "Ủy ban nhân dân xã An Bình – tài liệu nội bộ"
FONT = Path(__file__).resolve().parents[2] / "scheduler" / "fonts" / "DejaVuSans-vi.ttf"


def build_docx(items: Sequence[DocItem], *, core_title: str | None = None) -> bytes:
    """A real Word file written by python-docx from a list of (kind, payload) items."""
    document = docx.Document()
    if core_title is not None:
        document.core_properties.title = core_title
    for kind, payload in items:
        _add_docx_item(document, kind, payload)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_docx_item(document: docx.document.Document, kind: str, payload: object) -> None:
    if kind == "title":
        document.add_heading(str(payload), level=0)
    elif kind in ("h1", "h2", "h3"):
        document.add_heading(str(payload), level=int(kind[1]))
    elif kind == "localized1":
        if "Tiêu đề 1" not in [s.name for s in document.styles]:
            document.styles.add_style("Tiêu đề 1", WD_STYLE_TYPE.PARAGRAPH)
        document.add_paragraph(str(payload), style="Tiêu đề 1")
    elif kind == "bullet":
        document.add_paragraph(str(payload), style="List Bullet")
    elif kind == "number":
        document.add_paragraph(str(payload), style="List Number")
    elif kind == "bold":
        document.add_paragraph().add_run(str(payload)).bold = True
    elif kind == "table":
        _add_table(document, payload)
    else:
        document.add_paragraph(str(payload))


def _add_table(document: docx.document.Document, payload: object) -> None:
    rows = list(payload)  # type: ignore[call-overload]
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value


class _PdfWithRunningLines(FPDF):
    running_header = ""

    def header(self) -> None:
        if self.running_header:
            self.set_font("DejaVu", size=8)
            self.cell(0, 5, self.running_header)
            self.ln(8)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.cell(0, 5, f"Trang {self.page_no()}", align="C")


def build_pdf(
    items: Sequence[PdfItem],
    *,
    bookmarks: bool = False,
    title: str | None = None,
    header: str = "",
) -> bytes:
    """A real PDF with a Vietnamese text layer; headings ("h1"/"h2") optionally bookmarked;
    ("scan", text) is a scanned page: a picture of the text filling a page of its own (with
    the running header and the page number every page gets), what a PDF put together from a
    typed part and a scanned part holds; ("outlines", text) a page whose words are drawn as
    shapes (text turned into outlines: no text, no picture); ("picture", text) a small picture
    among the text."""
    pdf = _PdfWithRunningLines()
    pdf.running_header = header
    pdf.add_font("DejaVu", fname=str(FONT))
    if title:
        pdf.set_title(title)
    pdf.add_page()
    blank, on_scan = True, False  # nothing written on the page yet; the page is a scan
    for kind, text in items:
        if kind == "page":
            pdf.add_page()
            blank, on_scan = True, False
            continue
        if kind in ("scan", "outlines"):
            if not blank:
                pdf.add_page()
            if kind == "scan":
                pdf.image(scanned_page(text), x=15, y=18, w=180)
            else:
                _draw_outlines(pdf, text)
            blank, on_scan = False, True
            continue
        if on_scan:
            pdf.add_page()
        blank, on_scan = False, False
        if kind == "picture":  # a screenshot in the text, as user manuals have
            pdf.image(scanned_page(text), w=60)
            continue
        if kind in ("h1", "h2") and bookmarks:
            pdf.start_section(text, level=int(kind[1]) - 1)
        pdf.set_font("DejaVu", size=14 if kind.startswith("h") else 11)
        pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


#: a guide put together from typed pages and scanned ones (an annex signed on paper, scanned)
SCAN = "PHỤ LỤC\nMẫu tờ khai đăng ký tài khoản\n(bản ký tay, đóng dấu)"


#: what the typed pages of build_scanned_guide say, one step a page
STEPS = ("Tiếp nhận", "Kiểm tra", "Phân loại", "Thẩm định", "Trình ký", "Đóng dấu", "Vào sổ",
         "Số hóa", "Lưu trữ", "Trả kết quả", "Thu phí", "Báo cáo")


def build_scanned_guide(pages: str, header: str = HEADER) -> bytes:
    """One page per letter: 't' typed (step n of STEPS), 's' scanned; every page has the
    running header and its number."""
    items: list[tuple[str, str]] = []
    for number, kind in enumerate(pages, start=1):
        if kind == "s":
            items.append(("scan", SCAN))
            continue
        step = STEPS[number - 1]
        items += [("h1", f"{number}. {step}"),
                  ("p", f"{step} hồ sơ: cán bộ phụ trách ghi kết quả vào phần mềm một cửa, "
                        f"rồi chuyển hồ sơ sang bước {STEPS[number % len(STEPS)].lower()} "
                        "ngay trong ngày làm việc."),
                  ("page", "")]
    if items[-1] == ("page", ""):
        items.pop()
    return build_pdf(items, title="Hướng dẫn tiếp nhận hồ sơ", header=header)


def _draw_outlines(pdf: FPDF, text: str) -> None:
    """Each letter of the text (repeated to fill a page) drawn as a few strokes, the way a
    printer driver or a layout program writes text turned into outlines."""
    x, y = 15.0, 25.0
    for char in (text + " ") * 40:
        if char != " ":
            pdf.polyline([(x, y), (x + 1.2, y - 2.5), (x + 2.4, y), (x + 0.6, y - 1.0),
                          (x + 1.8, y - 1.0)])
        x += 2.6
        if x > 190:
            x, y = 15.0, y + 5.0
        if y > 270:
            break


def scanned_page(text: str) -> Image.Image:
    """A page as a scanner sees it: a grey-white picture with the text drawn as pixels."""
    picture = Image.new("L", (620, 877), 246)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.truetype(str(FONT), 15)
    for row, line in enumerate(text.split("\n") * 3):
        draw.text((40, 40 + 22 * row), line, fill=30, font=font)
    return picture


def build_image_pdf(pages: int = 1) -> bytes:
    """A "scanned" PDF: each page is one picture, with no text layer."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(Image.new("RGB", (200, 280), "white"), x=10, y=10, w=180)
    return bytes(pdf.output())


def number_heading_styles(document: docx.document.Document,
                          levels: list[tuple[str, str, str]], *, running: bool = False,
                          second_from: int | None = None) -> None:
    """A multilevel list linked to heading styles, as Word makes it: level i numbers
    `levels[i]` = (style, numFmt, lvlText); `running`: the levels below the first run on
    across it (articles numbered through the chapters); `second_from`: the second level starts
    at that number in this document (Word's "Set numbering value")."""
    numbering = document.part.numbering_part.element
    restart = '<w:lvlRestart w:val="0"/>' if running else ""
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'{restart if i else ""}<w:pStyle w:val="{style}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (style, fmt, text) in enumerate(levels))
    numbering.insert(0, parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
                                  f'{lvls}</w:abstractNum>'))
    override = (f'<w:lvlOverride w:ilvl="1"><w:startOverride w:val="{second_from}"/>'
                '</w:lvlOverride>' if second_from else "")
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90">'
                               f'<w:abstractNumId w:val="90"/>{override}</w:num>'))
    for i, (style, _, _) in enumerate(levels):
        ppr = document.styles.get_by_id(style, WD_STYLE_TYPE.PARAGRAPH).element.get_or_add_pPr()
        ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{i}"/>'
                             '<w:numId w:val="90"/></w:numPr>'))


def build_web_export_docx(html: str) -> bytes:
    """A .docx as some systems export one: the body holds a whole web page (w:altChunk) and no
    Word paragraph of text; Word shows it, python-docx reads nothing."""
    document = docx.Document()
    part = Part(PackURI("/word/afchunk.htm"), "text/html", html.encode(), document.part.package)
    rel = document.part.relate_to(part, RT.A_F_CHUNK)
    body = document.element.body
    body.insert(0, parse_xml(f'<w:altChunk {nsdecls("w", "r")} r:id="{rel}"/>'))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def encrypt_pdf(content: bytes, password: str = "matkhau") -> bytes:
    """The same PDF protected by a user password (pypdf's writer, RC4 so no crypto library is needed)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    writer.encrypt(password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def make_docx() -> Callable[[Sequence[DocItem]], bytes]:
    """Factory fixture: items → .docx bytes."""
    return build_docx


@pytest.fixture
def make_pdf() -> Callable[..., bytes]:
    """Factory fixture: items → .pdf bytes (keyword options: bookmarks, title, header)."""
    return build_pdf
