"""/tiendo and /xuatbaocao: what heads see, sub-units rolled up, permissions, the xlsx read back."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from bot.db.models import CheckinEntry, Official, Unit
from tests.bot.docx_helpers import all_bold, body_texts, cell_paragraphs, open_docx
from tests.handlers.checkin_helpers import add_tasks
from tests.harness import BotHarness, texts


async def _tree(harness: BotHarness) -> dict[str, int]:
    """BO → CUC → PHONG; a head in BO and CUC, officials in CUC and PHONG, an outsider unit."""
    ids = {
        "head_bo": await harness.make_official("Lãnh Đạo Bộ", role="head", user="hb", unit_code="BO"),
        "head_cuc": await harness.make_official("Cục Trưởng", role="head", user="hc", unit_code="CUC"),
        "chau": await harness.make_official("Lê Minh Châu", user="chau", unit_code="CUC"),
        "lan": await harness.make_official("Bùi Thị Lan", user="lan", unit_code="PHONG"),
        "other": await harness.make_official("Người Ngoài", role="head", user="ng", unit_code="KHAC"),
        "admin": await harness.make_official("Quản Trị", role="admin", user="ad", unit_code="BO"),
    }
    async with harness.app.sessionmaker.begin() as session:
        units = {u.code: u for u in (await session.execute(select(Unit))).scalars()}
        units["CUC"].parent_id = units["BO"].id
        units["PHONG"].parent_id = units["CUC"].id
    await add_tasks(harness, [ids["chau"]], [("NV1", "Xây dựng kho dữ liệu", date(2026, 12, 31)),
                                             ("NV2", "Báo cáo quý", date(2026, 11, 20))],
                    unit_code="CUC")
    await add_tasks(harness, [ids["lan"]], [("NV3", "Tập huấn cấp xã", date(2026, 12, 15))],
                    unit_code="PHONG")
    return ids


async def _report(harness: BotHarness, user: str, answers: list[str]) -> None:
    for step in ["/baocao", *answers]:
        await (harness.press(step, user=user) if step.startswith("ci:")
               else harness.say(step, user=user))


async def test_head_sees_unit_and_subunits(harness: BotHarness) -> None:
    await _tree(harness)
    # Châu: NV2 (overdue) first, then NV1
    await _report(harness, "chau", ["40", "ci:s:late", "Chờ số liệu", "không",
                                    "60", "ci:s:on", "không", "không", "ci:ok"])
    text = texts(await harness.say("/tiendo", user="hb"))
    assert "Tiến độ Đơn vị BO — tuần 48/2026" in text
    assert "Đã báo cáo: 1/2 cán bộ" in text and "Chưa báo cáo: Bùi Thị Lan" in text
    assert "quá hạn 1" in text and "đang thực hiện trong hạn 2" in text
    assert "NV2 Báo cáo quý — 40%, Chậm tiến độ" in text
    assert "NV2: Chờ số liệu (Lê Minh Châu)" in text
    assert "• Đơn vị CUC: báo cáo 1/2" in text
    cuc = texts(await harness.say("/tiendo", user="hc"))
    assert "Tiến độ Đơn vị CUC" in cuc and "Đơn vị PHONG" in cuc


async def test_permissions(harness: BotHarness) -> None:
    await _tree(harness)
    assert "chỉ xem được đơn vị mình" in texts(await harness.say("/tiendo BO", user="hc"))
    assert "chỉ xem được đơn vị mình" in texts(await harness.say("/tiendo CUC", user="ng"))
    assert "Tiến độ Đơn vị PHONG" in texts(await harness.say("/tiendo PHONG", user="hc"))
    assert "Tiến độ Đơn vị KHAC" in texts(await harness.say("/tiendo KHAC", user="ad"))
    # an official sees only their own report, whatever unit they ask for
    own = texts(await harness.say("/tiendo BO", user="lan"))
    assert "chưa báo cáo tuần 48/2026" in own and "Lê Minh Châu" not in own
    await _report(harness, "lan", ["50", "ci:s:on", "không", "không", "ci:ok"])
    own = texts(await harness.say("/tiendo", user="lan"))
    assert "NV3 Tập huấn cấp xã — 50%, Đúng tiến độ" in own and "NV1" not in own
    assert "không có quyền" in texts(await harness.say("/xuatbaocao", user="lan"))
    assert "không hợp lệ" in texts(await harness.say("/tiendo 2026-W99", user="hb"))
    assert "Không tìm thấy đơn vị" in texts(await harness.say("/tiendo NOPE", user="hb"))


async def test_export_is_a_readable_spreadsheet(harness: BotHarness) -> None:
    await _tree(harness)
    await _report(harness, "chau", ["40", "ci:s:late", "Chờ số liệu", "không",
                                    "ci:done", "QĐ 12/QĐ-CUC", "ci:ok"])
    replies = await harness.say("/xuatbaocao", user="hb")
    (message,) = replies
    (attachment,) = message.attachments
    assert attachment.file_name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(attachment.content))
    tasks = book["Nhiệm vụ"]
    header = [c.value for c in tasks[2]]
    assert header[:7] == ["STT", "Mã nhiệm vụ", "Nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp",
                          "Cán bộ phụ trách", "Thời hạn"]
    rows = {r[1]: r for r in tasks.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {"NV1", "NV2", "NV3"}
    nv2 = rows["NV2"]
    assert nv2[3] == "Đơn vị CUC" and nv2[5] == "Lê Minh Châu"
    assert nv2[6].date() == date(2026, 11, 20)
    assert nv2[8] == 40 and nv2[9] == "Chậm tiến độ" and nv2[10] == "Quá hạn chưa hoàn thành"
    # printable: A4 landscape, one page wide, the header row repeated, progress shown as percent
    assert tasks.page_setup.orientation == "landscape" and tasks.page_setup.paperSize == 9  # A4
    assert tasks.page_setup.fitToWidth == 1 and tasks.sheet_properties.pageSetUpPr.fitToPage
    assert tasks.print_title_rows == "$2:$2"
    assert tasks["I3"].number_format == '0"%"'
    assert "Đơn vị BO" in tasks["A1"].value and "tuần 48/2026" in tasks["A1"].value
    # headers wrap at their spaces (each word fits its column); the columns add up to about 200
    # characters, so one page wide prints near 75 % (at 340 it was about 40 %, unreadable)
    assert all(c.alignment.wrap_text and tasks.column_dimensions[c.column_letter].width
               >= max(len(w) for w in str(c.value).split()) for c in tasks[2])
    assert sum(tasks.column_dimensions[c.column_letter].width for c in tasks[2]) <= 210
    assert tasks.page_margins.left <= 0.5 and tasks.page_margins.right <= 0.5
    # a wrapped cell's row is as tall as its lines (LibreOffice would clip it to one line)
    long_row = next(r for r in tasks.iter_rows(min_row=3) if r[1].value == "NV2")[0].row
    assert (tasks.row_dimensions[long_row].height or 0) >= 2 * 15
    assert nv2[11] == "Lê Minh Châu: Chờ số liệu"
    assert rows["NV1"][9] == "Hoàn thành" and rows["NV1"][10] == "Hoàn thành đúng hạn"
    assert rows["NV1"][13] == "QĐ 12/QĐ-CUC"
    people = {r[0]: r for r in book["Báo cáo của cán bộ"].iter_rows(min_row=2, values_only=True)}
    # a long unit name wraps in its cell instead of running under the next column
    assert all(c.alignment.wrap_text for c in book["Báo cáo của cán bộ"][2])
    assert all(c.alignment.wrap_text for c in book["Đơn vị trực thuộc"][2])
    assert people["Lê Minh Châu"][2] == "Có" and people["Bùi Thị Lan"][2] == "Không"
    subs = list(book["Đơn vị trực thuộc"].iter_rows(min_row=2, values_only=True))
    assert subs[0][0] == "Đơn vị CUC" and subs[0][1:3] == (1, 2)


async def test_export_survives_control_characters_already_stored(harness: BotHarness) -> None:
    await _tree(harness)
    await _report(harness, "chau", ["40", "ci:s:late", "Chờ số liệu", "không",
                                    "60", "ci:s:on", "không", "không", "ci:ok"])
    # an answer stored before input was normalized (pasted from Word: \x01, vertical tab)
    async with harness.app.sessionmaker.begin() as session:
        entry = (await session.execute(select(CheckinEntry).where(
            CheckinEntry.blockers == "Chờ số liệu"))).scalar_one()
        entry.blockers = "Chờ\x01 số\x0b liệu"
    (message,) = await harness.say("/xuatbaocao", user="hb")
    (attachment,) = message.attachments
    rows = {r[1]: r for r in load_workbook(io.BytesIO(attachment.content))["Nhiệm vụ"]
            .iter_rows(min_row=3, values_only=True)}
    assert rows["NV2"][11] == "Lê Minh Châu: Chờ số liệu"


async def test_month_report_as_an_administrative_document(harness: BotHarness) -> None:
    ids = await _tree(harness)
    async with harness.app.sessionmaker.begin() as session:
        units = {u.code: u for u in (await session.execute(select(Unit))).scalars()}
        units["BO"].head_official_id = ids["head_bo"]
        units["BO"].name = "Bộ Thông tin và Truyền thông"
        head = await session.get(Official, ids["head_bo"])
        assert head is not None
        head.title = "Bộ trưởng"
    await _report(harness, "chau", ["40", "ci:s:late", "Chờ số liệu", "không",
                                    "60", "ci:s:on", "không", "không", "ci:ok"])
    (message,) = await harness.say("/xuatbaocao tháng docx", user="hb")
    assert "tháng 12/2026" in message.text
    (attachment,) = message.attachments
    assert attachment.file_name == "bao-cao-BO-2026-12.docx"
    assert attachment.mime_type.endswith("wordprocessingml.document")
    doc = open_docx(attachment.content)
    nation, motto = cell_paragraphs(doc.tables[0], 0, 1)
    assert motto.text == "Độc lập - Tự do - Hạnh phúc" and all_bold(motto)
    assert cell_paragraphs(doc.tables[0], 0, 0)[0].text == "BỘ THÔNG TIN VÀ TRUYỀN THÔNG"
    lines = body_texts(doc)
    assert "Tiến độ thực hiện nhiệm vụ tháng 12/2026 (15/11–14/12/2026)" in lines
    assert "- NV2: Chờ số liệu (Lê Minh Châu)." in lines
    annex = doc.tables[-1]
    assert sorted(row.cells[1].text for row in annex.rows[1:]) == ["NV1", "NV2", "NV3"]
    signer = [p.text for p in cell_paragraphs(doc.tables[2], 0, 1)]
    assert signer == ["BỘ TRƯỞNG", "(Ký, ghi rõ họ tên)", "Lãnh Đạo Bộ"]
    # the week, as before, and the month as a spreadsheet
    (week,) = await harness.say("/xuatbaocao tuần docx", user="hb")
    assert week.attachments[0].file_name == "bao-cao-BO-2026-W48.docx"
    (sheet,) = await harness.say("/xuatbaocao tháng xlsx", user="hb")
    book = load_workbook(io.BytesIO(sheet.attachments[0].content))
    assert "tháng 12/2026" in str(book["Nhiệm vụ"]["A1"].value)
    # still for heads only, and only their own units
    assert "không có quyền" in texts(await harness.say("/xuatbaocao tháng docx", user="lan"))
    assert "chỉ xem được đơn vị mình" in texts(
        await harness.say("/xuatbaocao tháng docx BO", user="hc"))


async def test_tiendo_names_who_reported_and_who_did_not(harness: BotHarness) -> None:
    await _tree(harness)
    await _report(harness, "chau", ["40", "ci:s:late", "Chờ số liệu", "không",
                                    "60", "ci:s:on", "không", "không", "ci:ok"])
    lines = texts(await harness.say("/tiendo", user="hb")).splitlines()
    assert "Đã nộp: Lê Minh Châu" in lines and "Chưa báo cáo: Bùi Thị Lan" in lines
    # a month: the same names, and each one's weekly check-ins in the period
    month = texts(await harness.say("/tiendo thang", user="hb"))
    assert "Chưa báo cáo: " in month and "Báo cáo tuần trong kỳ: " in month


async def test_tiendo_keeps_long_name_lists_phone_sized(harness: BotHarness) -> None:
    await _tree(harness)
    many = [await harness.make_official(f"Cán Bộ Số {n:02d}", user=f"cb{n}", unit_code="PHONG")
            for n in range(30)]
    await add_tasks(harness, many, [("NV9", "Rà soát thủ tục", date(2026, 12, 31))],
                    unit_code="PHONG")
    text = texts(await harness.say("/tiendo", user="hb"))
    [missing] = [line for line in text.splitlines() if line.startswith("Chưa báo cáo: ")]
    # 32 officials have not reported: the first twelve are named, then how many others
    assert missing.endswith("và 20 người khác") and missing.count(",") == 11
    assert len(missing) < 300
    assert "Đã báo cáo: 0/32 cán bộ" in text and "Đã nộp:" not in text


async def test_export_without_diacritics_and_the_title_block_names_the_period(
        harness: BotHarness) -> None:
    await _tree(harness)
    (doc,) = await harness.say("/xuatbaocao thang DOCX", user="hb")
    assert doc.attachments[0].file_name == "bao-cao-BO-2026-12.docx"
    (week,) = await harness.say("/xuatbaocao tuan .docx", user="hb")
    assert week.attachments[0].file_name == "bao-cao-BO-2026-W48.docx"
    (sheet,) = await harness.say("/xuatbaocao thang", user="hb")
    assert sheet.attachments[0].file_name == "tien-do-BO-2026-12.xlsx"
    tasks = load_workbook(io.BytesIO(sheet.attachments[0].content))["Nhiệm vụ"]
    title = str(tasks["A1"].value)
    assert title.startswith("Tiến độ nhiệm vụ — Đơn vị BO — tháng 12/2026 (15/11–14/12/2026)")
    assert "tuần" not in title and "số liệu tại thời điểm" in title
    headers = [c.value for c in tasks[2]]
    assert "Kế hoạch kỳ tới" in headers and "Kế hoạch tuần tới" not in headers
    (weekly,) = await harness.say("/xuatbaocao tuan xlsx", user="hb")
    week_sheet = load_workbook(io.BytesIO(weekly.attachments[0].content))["Nhiệm vụ"]
    assert "tuần 48/2026 (23/11–29/11/2026)" in str(week_sheet["A1"].value)
    assert "Kế hoạch tuần tới" in [c.value for c in week_sheet[2]]
    (quarter,) = await harness.say("/xuatbaocao quy IV/2026", user="hb")
    assert "quý IV/2026" in str(load_workbook(io.BytesIO(
        quarter.attachments[0].content))["Nhiệm vụ"]["A1"].value)


async def test_month_alone_right_after_its_cutoff_is_the_month_being_filed(
        harness: BotHarness) -> None:
    await _tree(harness)
    # Tuesday 15/12/2026: December's period (15/11–14/12) closed yesterday at 16:00
    harness.clock.set(datetime(2026, 12, 15, 2, 0, tzinfo=UTC))
    (doc,) = await harness.say("/xuatbaocao thang docx", user="hb")
    assert doc.attachments[0].file_name == "bao-cao-BO-2026-12.docx"
    assert "tháng 12/2026 (15/11–14/12/2026)" in texts(await harness.say("/tiendo tháng",
                                                                          user="hb"))
    # 'this month' is the new one; a week after the cut-off 'tháng' is the new one too
    assert "tháng 1/2027" in texts(await harness.say("/tiendo tháng này", user="hb"))
    harness.clock.set(datetime(2026, 12, 21, 2, 0, tzinfo=UTC))
    (later,) = await harness.say("/xuatbaocao tháng", user="hb")
    assert later.attachments[0].file_name == "tien-do-BO-2027-01.xlsx"
    # a quarter alone, likewise: Q4 (15/09–14/12) just closed
    harness.clock.set(datetime(2026, 12, 15, 2, 0, tzinfo=UTC))
    (quarter,) = await harness.say("/xuatbaocao quý docx", user="hb")
    assert quarter.attachments[0].file_name == "bao-cao-BO-2026-Q4.docx"
