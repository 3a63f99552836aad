"""/tiendo and /xuatbaocao: what heads see, sub-units rolled up, permissions, the xlsx read back."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import cast

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.access import led_units
from bot.context import Context
from bot.db.models import CheckinEntry, Official, Unit
from bot.events import ChannelName
from bot.texts import checkin as T
from bot.texts import common as C
from bot.texts import documents as D
from bot.texts import periods as PT
from scheduler.digest import build_digest
from tests.bot.docx_helpers import all_bold, body_texts, cell_paragraphs, open_docx
from tests.handlers.checkin_helpers import report_of
from tests.harness import BotHarness, Press, fits, texts
from tests.world import at

ON = Press(T.STATUS_LABELS["on_track"])
LATE = Press(T.STATUS_LABELS["late"])
DONE = Press(T.BTN_DONE)
SUBMIT = Press(T.BTN_SUBMIT)


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
    await harness.world.tasks([ids["chau"]], [("NV1", "Xây dựng kho dữ liệu", date(2026, 12, 31)),
                                              ("NV2", "Báo cáo quý", date(2026, 11, 20))],
                              unit="CUC")
    await harness.world.tasks([ids["lan"]], [("NV3", "Tập huấn cấp xã", date(2026, 12, 15))],
                              unit="PHONG")
    return ids


async def _report(harness: BotHarness, user: str, answers: list[str]) -> None:
    for step in ["/baocao", *answers]:
        await harness.act(step, user=user)


async def test_own_report_shows_a_skipped_task_with_its_reason_not_a_percentage(
        harness: BotHarness) -> None:
    await _tree(harness)
    await _report(harness, "lan", [Press(T.BTN_SKIP_TASK), "Chờ hướng dẫn của Sở", SUBMIT])
    own = texts(await harness.say("/tiendo", user="lan"))
    assert T.PROGRESS_TASK_SKIPPED.format(code="NV3", title="Tập huấn cấp xã",
                                          reason="Chờ hướng dẫn của Sở") in own
    assert "%" not in own


async def test_head_sees_unit_and_subunits(harness: BotHarness) -> None:
    await _tree(harness)
    # Châu: NV2 (overdue) first, then NV1
    await _report(harness, "chau", ["40", LATE, "Chờ số liệu", "không",
                                    "60", ON, "không", "không", SUBMIT])
    text = texts(await harness.say("/tiendo", user="hb"))
    assert T.PROGRESS_TITLE.format(unit="Đơn vị BO", period="tuần 48/2026") in text
    assert T.PROGRESS_REPORTED.format(reported=1, total=2) in text
    assert T.PROGRESS_NOT_YET.format(names="Bùi Thị Lan") in text
    assert fits(text, T.PROGRESS_COUNTS.format(
        total="{total}", done_on_time="{on_time}", done_late="{late}", in_progress=2, overdue=1))
    assert T.PROGRESS_TASK.format(code="NV2", title="Báo cáo quý", progress=40,
                                  status=LATE.label, deadline="") in text
    assert T.PROGRESS_BLOCKER.format(code="NV2", text="Chờ số liệu", official="Lê Minh Châu") \
        in text
    assert fits(text, T.PROGRESS_SUBUNIT.format(unit="Đơn vị CUC", reported=1, total=2,
                                                avg="{avg}", overdue="{overdue}"))
    cuc = texts(await harness.say("/tiendo", user="hc"))
    assert fits(cuc, T.PROGRESS_TITLE.format(unit="Đơn vị CUC", period="{period}"))
    assert "Đơn vị PHONG" in cuc


async def test_permissions(harness: BotHarness) -> None:
    await _tree(harness)
    assert T.UNIT_NOT_YOURS in texts(await harness.say("/tiendo BO", user="hc"))
    assert T.UNIT_NOT_YOURS in texts(await harness.say("/tiendo CUC", user="ng"))
    assert fits(texts(await harness.say("/tiendo PHONG", user="hc")),
                T.PROGRESS_TITLE.format(unit="Đơn vị PHONG", period="{period}"))
    assert fits(texts(await harness.say("/tiendo KHAC", user="ad")),
                T.PROGRESS_TITLE.format(unit="Đơn vị KHAC", period="{period}"))
    # an official sees only their own report, whatever unit they ask for
    own = texts(await harness.say("/tiendo BO", user="lan"))
    assert T.PROGRESS_OWN_NONE.format(week="48/2026") in own and "Lê Minh Châu" not in own
    await _report(harness, "lan", ["50", ON, "không", "không", SUBMIT])
    own = texts(await harness.say("/tiendo", user="lan"))
    assert fits(own, T.PROGRESS_TASK.format(code="NV3", title="Tập huấn cấp xã", progress=50,
                                            status=ON.label, deadline="{deadline}"))
    assert "NV1" not in own
    assert C.NOT_ALLOWED in texts(await harness.say("/xuatbaocao", user="lan"))
    assert PT.BAD_PERIOD.format(text="2026-W99") in texts(await harness.say("/tiendo 2026-W99",
                                                                           user="hb"))
    assert fits(texts(await harness.say("/tiendo NOPE", user="hb")), T.TARGET_NOT_FOUND)


async def test_a_head_of_two_units_sees_both(harness: BotHarness) -> None:
    """Kiêm nhiệm (bot/access.led_units): KHAC's head named as PHONG's head too sees PHONG as its
    own head would — the unit whose digests they now receive (it was 'not your unit')."""
    ids = await _tree(harness)
    assert T.UNIT_NOT_YOURS in texts(await harness.say("/tiendo PHONG", user="ng"))
    async with harness.app.sessionmaker.begin() as session:
        phong = (await session.execute(select(Unit).where(Unit.code == "PHONG"))).scalar_one()
        phong.head_official_id = ids["other"]
    assert fits(texts(await harness.say("/tiendo PHONG", user="ng")),
                T.PROGRESS_TITLE.format(unit="Đơn vị PHONG", period="{period}"))
    assert T.UNIT_NOT_YOURS in texts(await harness.say("/tiendo CUC", user="ng"))


@pytest.mark.parametrize("change", ["demoted", "deactivated"])
async def test_a_former_head_still_named_in_a_head_slot_leads_nothing_there(
        harness: BotHarness, change: str) -> None:
    """A head slot still naming someone no longer an active head or deputy (a role or status
    changed outside the officials import, which alone clears the slot) leads nothing there."""
    ids = await _tree(harness)
    async with harness.app.sessionmaker.begin() as session:
        phong = (await session.execute(select(Unit).where(Unit.code == "PHONG"))).scalar_one()
        phong.head_official_id = ids["other"]
        other = await session.get(Official, ids["other"])
        assert other is not None
        ctx = cast(Context, SimpleNamespace(session=session))
        assert phong.id in await led_units(ctx, other)  # the concurrent headship counts
        if change == "demoted":
            other.role = "official"
        else:
            other.status = "inactive"
        assert phong.id not in await led_units(ctx, other)


async def test_export_is_a_readable_spreadsheet(harness: BotHarness) -> None:
    await _tree(harness)
    await _report(harness, "chau", ["40", LATE, "Chờ số liệu", "không",
                                    DONE, "QĐ 12/QĐ-CUC", SUBMIT])
    replies = await harness.say("/xuatbaocao", user="hb")
    (message,) = replies
    (attachment,) = message.attachments
    assert attachment.file_name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(attachment.content))
    tasks = book[T.XLSX_TASKS_SHEET]
    header = [c.value for c in tasks[2]]
    assert header[:7] == list(T.XLSX_TASK_HEADERS[:7])
    rows = {r[1]: r for r in tasks.iter_rows(min_row=3, values_only=True)}
    assert set(rows) == {"NV1", "NV2", "NV3"}
    nv2 = rows["NV2"]
    assert nv2[3] == "Đơn vị CUC" and nv2[5] == "Lê Minh Châu"
    assert nv2[6].date() == date(2026, 11, 20)
    assert nv2[8] == 40 and nv2[9] == LATE.label and nv2[10] == T.CATEGORY_LABELS["overdue"]
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
    assert rows["NV1"][9] == T.STATUS_LABELS["done"]
    assert rows["NV1"][10] == T.CATEGORY_LABELS["done_on_time"]
    assert rows["NV1"][13] == "QĐ 12/QĐ-CUC"
    people = {r[0]: r for r in book[T.XLSX_PEOPLE_SHEET].iter_rows(min_row=2, values_only=True)}
    # a long unit name wraps in its cell instead of running under the next column
    assert all(c.alignment.wrap_text for c in book[T.XLSX_PEOPLE_SHEET][2])
    assert all(c.alignment.wrap_text for c in book[T.XLSX_SUBUNITS_SHEET][2])
    assert people["Lê Minh Châu"][2] == T.YES and people["Bùi Thị Lan"][2] == T.NO
    subs = list(book[T.XLSX_SUBUNITS_SHEET].iter_rows(min_row=2, values_only=True))
    assert subs[0][0] == "Đơn vị CUC" and subs[0][1:3] == (1, 2)


async def test_export_survives_control_characters_already_stored(harness: BotHarness) -> None:
    await _tree(harness)
    await _report(harness, "chau", ["40", LATE, "Chờ số liệu", "không",
                                    "60", ON, "không", "không", SUBMIT])
    # an answer stored before input was normalized (pasted from Word: \x01, vertical tab)
    async with harness.app.sessionmaker.begin() as session:
        entry = (await session.execute(select(CheckinEntry).where(
            CheckinEntry.blockers == "Chờ số liệu"))).scalar_one()
        entry.blockers = "Chờ\x01 số\x0b liệu"
    (message,) = await harness.say("/xuatbaocao", user="hb")
    (attachment,) = message.attachments
    rows = {r[1]: r for r in load_workbook(io.BytesIO(attachment.content))[T.XLSX_TASKS_SHEET]
            .iter_rows(min_row=3, values_only=True)}
    assert rows["NV2"][11] == "Lê Minh Châu: Chờ số liệu"


@pytest.mark.parametrize("channel", ["web", "telegram", "zalo"])
async def test_noncharacters_reach_no_export_and_no_digest(harness: BotHarness,
                                                          channel: ChannelName) -> None:
    """U+FFFE/U+FFFF (no XML characters: lxml refuses them) typed in a check-in on any channel,
    or already stored in a unit's, an official's or a task's name: /xuatbaocao as .xlsx and
    .docx and the unit's digest are still made, the characters dropped. (They made all three
    fail: the pasted-control-character attack again, with characters the rule did not drop.)"""
    # emoji (a flag, a ZWJ family) draw in the digest's chart title and the documents as well
    await harness.world.unit("P1", name="Phòng\ufffe Một 🇻🇳👨‍👩‍👧")
    await harness.make_official("Trưởng\uffff Phòng", role="head", user="hb", unit_code="P1")
    chau = await harness.make_official("Lê Minh\ufffe Châu", user="chau", unit_code="P1",
                                       channel=channel)
    (task,) = await harness.world.tasks([chau], [("NV1", "Tập huấn\uffff cấp xã",
                                                  date(2026, 11, 20))], unit="P1")
    for step in ["/baocao", "40", LATE, "Chờ\uffff số\ufffe liệu", "không", SUBMIT]:
        await harness.act(step, user="chau", channel=channel)
    _, entries = await report_of(harness, chau)
    assert entries[task].blockers == "Chờ số liệu"  # typed: dropped where text enters
    (sheet,) = await harness.say("/xuatbaocao", user="hb")
    (xlsx,) = sheet.attachments
    rows = {r[1]: r for r in load_workbook(io.BytesIO(xlsx.content))[T.XLSX_TASKS_SHEET]
            .iter_rows(min_row=3, values_only=True)}
    assert rows["NV1"][2] == "Tập huấn cấp xã" and rows["NV1"][3] == "Phòng Một 🇻🇳👨‍👩‍👧"
    assert rows["NV1"][11] == "Lê Minh Châu: Chờ số liệu"
    (document,) = await harness.say("/xuatbaocao tuần docx", user="hb")
    (docx,) = document.attachments
    assert D.BLOCKER_ITEM.format(code="NV1", text="Chờ số liệu", official="Lê Minh Châu") \
        in body_texts(open_docx(docx.content))
    async with harness.app.sessionmaker() as session:
        p1 = (await session.execute(select(Unit).where(Unit.code == "P1"))).scalar_one()
        digest = await build_digest(session, p1.id, "2026-W48", "week", harness.clock.now())
    [spreadsheet] = [a for a in digest.attachments if a.file_name.endswith(".xlsx")]
    assert load_workbook(io.BytesIO(spreadsheet.content))


async def test_month_report_as_an_administrative_document(harness: BotHarness) -> None:
    ids = await _tree(harness)
    async with harness.app.sessionmaker.begin() as session:
        units = {u.code: u for u in (await session.execute(select(Unit))).scalars()}
        units["BO"].head_official_id = ids["head_bo"]
        units["BO"].name = "Bộ Thông tin và Truyền thông"
        head = await session.get(Official, ids["head_bo"])
        assert head is not None
        head.title = "Bộ trưởng"
    await _report(harness, "chau", ["40", LATE, "Chờ số liệu", "không",
                                    "60", ON, "không", "không", SUBMIT])
    (message,) = await harness.say("/xuatbaocao tháng docx", user="hb")
    assert "tháng 12/2026" in message.text
    (attachment,) = message.attachments
    assert attachment.file_name == "bao-cao-BO-2026-12.docx"
    assert attachment.mime_type.endswith("wordprocessingml.document")
    doc = open_docx(attachment.content)
    nation, motto = cell_paragraphs(doc.tables[0], 0, 1)
    assert motto.text == D.MOTTO and all_bold(motto)
    assert cell_paragraphs(doc.tables[0], 0, 0)[0].text == "BỘ THÔNG TIN VÀ TRUYỀN THÔNG"
    lines = body_texts(doc)
    assert D.SUBTITLE.format(period="tháng 12/2026 (15/11–14/12/2026)") in lines
    assert D.BLOCKER_ITEM.format(code="NV2", text="Chờ số liệu", official="Lê Minh Châu") in lines
    annex = doc.tables[-1]
    assert sorted(row.cells[1].text for row in annex.rows[1:]) == ["NV1", "NV2", "NV3"]
    signer = [p.text for p in cell_paragraphs(doc.tables[2], 0, 1)]
    assert signer == ["BỘ TRƯỞNG", D.SIGNER_HINT, "Lãnh Đạo Bộ"]
    # the week, as before, and the month as a spreadsheet
    (week,) = await harness.say("/xuatbaocao tuần docx", user="hb")
    assert week.attachments[0].file_name == "bao-cao-BO-2026-W48.docx"
    (sheet,) = await harness.say("/xuatbaocao tháng xlsx", user="hb")
    book = load_workbook(io.BytesIO(sheet.attachments[0].content))
    assert "tháng 12/2026" in str(book[T.XLSX_TASKS_SHEET]["A1"].value)
    # still for heads only, and only their own units
    assert C.NOT_ALLOWED in texts(await harness.say("/xuatbaocao tháng docx", user="lan"))
    assert T.UNIT_NOT_YOURS in texts(
        await harness.say("/xuatbaocao tháng docx BO", user="hc"))


async def test_tiendo_names_who_reported_and_who_did_not(harness: BotHarness) -> None:
    await _tree(harness)
    await _report(harness, "chau", ["40", LATE, "Chờ số liệu", "không",
                                    "60", ON, "không", "không", SUBMIT])
    lines = texts(await harness.say("/tiendo", user="hb")).splitlines()
    assert T.PROGRESS_SUBMITTED.format(names="Lê Minh Châu") in lines
    assert T.PROGRESS_NOT_YET.format(names="Bùi Thị Lan") in lines
    # a month: the same names, and each one's weekly check-ins in the period
    month = texts(await harness.say("/tiendo thang", user="hb"))
    assert fits(month, T.PROGRESS_NOT_YET) and fits(month, T.PROGRESS_WEEKS)


async def test_tiendo_keeps_long_name_lists_phone_sized(harness: BotHarness) -> None:
    await _tree(harness)
    many = [await harness.make_official(f"Cán Bộ Số {n:02d}", user=f"cb{n}", unit_code="PHONG")
            for n in range(30)]
    await harness.world.tasks(many, [("NV9", "Rà soát thủ tục", date(2026, 12, 31))],
                              unit="PHONG")
    text = texts(await harness.say("/tiendo", user="hb"))
    [missing] = [line for line in text.splitlines()
                 if line.startswith(T.PROGRESS_NOT_YET.format(names=""))]
    # 32 officials have not reported: the first twelve are named, then how many others
    assert missing.endswith(T.NAMES_MORE.format(names="", count=20)) and missing.count(",") == 11
    assert len(missing) < 300
    assert T.PROGRESS_REPORTED.format(reported=0, total=32) in text
    assert T.PROGRESS_SUBMITTED.format(names="") not in text


async def test_export_without_diacritics_and_the_title_block_names_the_period(
        harness: BotHarness) -> None:
    await _tree(harness)
    (doc,) = await harness.say("/xuatbaocao thang DOCX", user="hb")
    assert doc.attachments[0].file_name == "bao-cao-BO-2026-12.docx"
    (week,) = await harness.say("/xuatbaocao tuan .docx", user="hb")
    assert week.attachments[0].file_name == "bao-cao-BO-2026-W48.docx"
    (sheet,) = await harness.say("/xuatbaocao thang", user="hb")
    assert sheet.attachments[0].file_name == "tien-do-BO-2026-12.xlsx"
    tasks = load_workbook(io.BytesIO(sheet.attachments[0].content))[T.XLSX_TASKS_SHEET]
    title = str(tasks["A1"].value)
    assert fits(title, T.XLSX_TITLE.format(
        unit="Đơn vị BO", period="tháng 12/2026 (15/11–14/12/2026)", as_of="{as_of}"))
    assert "tuần" not in title
    next_week = T.XLSX_TASK_HEADERS[12]
    headers = [c.value for c in tasks[2]]
    assert T.XLSX_NEXT_PERIOD_HEADER in headers and next_week not in headers
    (weekly,) = await harness.say("/xuatbaocao tuan xlsx", user="hb")
    week_sheet = load_workbook(io.BytesIO(weekly.attachments[0].content))[T.XLSX_TASKS_SHEET]
    assert "tuần 48/2026 (23/11–29/11/2026)" in str(week_sheet["A1"].value)
    assert next_week in [c.value for c in week_sheet[2]]
    (quarter,) = await harness.say("/xuatbaocao quy IV/2026", user="hb")
    assert "quý IV/2026" in str(load_workbook(io.BytesIO(
        quarter.attachments[0].content))[T.XLSX_TASKS_SHEET]["A1"].value)


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


async def test_week_53_and_a_period_number_that_does_not_exist(harness: BotHarness) -> None:
    """2026 has an ISO week 53 (28/12/2026–03/01/2027): in January 2027 "tuần 53" is that week
    (it said no unit or plan “53” was found); "tháng 13" and "tuần 54" say the period is wrong,
    not that a unit is missing."""
    await _tree(harness)
    harness.clock.set(at(date(2027, 1, 5), 9))
    (message,) = await harness.say("/xuatbaocao tuần 53", user="hb")
    assert [a.file_name for a in message.attachments] == ["tien-do-BO-2026-W53.xlsx"]
    assert "53/2026" in texts(await harness.say("/tiendo tuần 53", user="hb"))
    for wrong in ("tháng 13", "tuần 54", "BO tháng 13"):
        reply = texts(await harness.say(f"/tiendo {wrong}", user="hb"))
        assert fits(reply, PT.BAD_PERIOD) and not fits(reply, T.TARGET_NOT_FOUND), wrong
