"""Consolidating units (đơn vị tổng hợp): the agency that tracks a plan sees every unit with a part
in it — only that plan's tasks — and the plan view across units; others still see only their tree."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.db.models import Plan, Unit
from bot.db.plan_store import set_consolidators
from bot.texts import checkin as T
from bot.texts import documents as D
from bot.texts import periods as PT
from tests.bot.docx_helpers import body_texts, cell_paragraphs, open_docx
from tests.harness import BotHarness, fits, texts

KH286 = "Kế hoạch số 286/KH-BTTTT"


def _plan_title(ref: str, period: str = "{period}") -> str:
    """The /tiendo title of a plan, its subject line and period left open unless given."""
    return T.PLAN_TITLE.format(plan=ref, title="{title}", period=period)


def _unit_title(unit: str, period: str = "{period}") -> str:
    return T.PROGRESS_TITLE.format(unit=unit, period=period)


async def _world(harness: BotHarness) -> dict[str, int]:
    """BO → {CUC (tracks KH286), SO_A → PHONG_A}; TINH_B is another tree. KH286 has tasks in
    SO_A, PHONG_A and TINH_B; KH999 has one in SO_A that CUC does not track."""
    ids = {
        "head_bo": await harness.make_official("Bộ Trưởng", role="head", user="hb", unit_code="BO"),
        "head_cuc": await harness.make_official("Cục Trưởng", role="head", user="hc",
                                                unit_code="CUC"),
        "cuc_staff": await harness.make_official("Chuyên Viên Cục", user="oc", unit_code="CUC"),
        "head_a": await harness.make_official("Giám Đốc Sở A", role="head", user="ha",
                                              unit_code="SO_A"),
        "an": await harness.make_official("Nguyễn Văn An", user="an", unit_code="SO_A"),
        "binh": await harness.make_official("Trần Bình", user="binh", unit_code="PHONG_A"),
        "cuong": await harness.make_official("Lê Cường", user="cuong", unit_code="TINH_B"),
        "vu": await harness.make_official("Vụ Trưởng", role="head", user="hv", unit_code="VU"),
    }
    async with harness.app.sessionmaker.begin() as session:
        units = {u.code: u for u in (await session.execute(select(Unit))).scalars()}
        units["CUC"].parent_id = units["BO"].id
        units["SO_A"].parent_id = units["BO"].id
        units["PHONG_A"].parent_id = units["SO_A"].id
        units["VU"].parent_id = units["BO"].id
    await harness.world.tasks([ids["an"]], [("NV1", "Cổng dịch vụ công tỉnh", date(2026, 12, 31))],
                              unit="SO_A", plan=KH286)
    await harness.world.tasks([ids["binh"]], [("NV2", "Số hoá hồ sơ xã", date(2026, 11, 20))],
                              unit="PHONG_A", plan=KH286)
    await harness.world.tasks([ids["cuong"]], [("NV3", "Kết nối dữ liệu", date(2026, 12, 15))],
                              unit="TINH_B", plan=KH286)
    await harness.world.tasks([ids["an"]], [("MAT1", "Việc riêng của sở", date(2026, 12, 20))],
                              unit="SO_A", plan="Kế hoạch số 999/KH-UBND")
    return ids


async def _consolidate(harness: BotHarness, ref: str, unit_code: str) -> None:
    async with harness.app.sessionmaker.begin() as session:
        plan = (await session.execute(select(Plan).where(Plan.ref == ref))).scalar_one()
        unit = (await session.execute(select(Unit).where(Unit.code == unit_code))).scalar_one()
        await set_consolidators(session, plan.id, [unit.id], harness.clock.now())


async def test_consolidating_unit_sees_the_plan_across_the_tree(harness: BotHarness) -> None:
    await _world(harness)
    # before: the national agency's head sees only their own unit
    assert T.UNIT_NOT_YOURS in texts(await harness.say("/tiendo SO_A", user="hc"))
    assert T.PLAN_NOT_YOURS in texts(await harness.say("/tiendo KH286", user="hc"))
    await _consolidate(harness, KH286, "CUC")

    unit = texts(await harness.say("/tiendo SO_A", user="hc"))
    assert _unit_title("Đơn vị SO_A", "tuần 48/2026") in unit
    assert "NV1" in unit and "NV2" in unit  # SO_A and the unit below it
    assert "MAT1" not in unit and "Việc riêng" not in unit  # another plan: not theirs to see
    assert fits(texts(await harness.say("/tiendo TINH_B", user="hc")), _unit_title("Đơn vị TINH_B"))
    # no part in KH286
    assert T.UNIT_NOT_YOURS in texts(await harness.say("/tiendo VU", user="hc"))
    ministry = texts(await harness.say("/tiendo BO", user="hc"))  # KH286's tasks below BO only
    assert "NV1" in ministry and "MAT1" not in ministry and "Vụ Trưởng" not in ministry

    plan = texts(await harness.say("/tiendo KH286", user="hc"))
    assert plan.startswith(_plan_title(KH286, "tuần 48/2026").replace("{title}", ""))
    assert fits(plan, T.PROGRESS_COUNTS.format(
        total=3, done_on_time="{on_time}", done_late="{late}", in_progress="{in}", overdue=1))
    assert "NV1" in plan and "NV2" in plan and "NV3" in plan and "MAT1" not in plan
    # a title that only repeats the number (older imports kept the file's first line) is not shown
    for title, shown in (("KẾ HOẠCH SỐ 286/KH-BTTTT NGÀY 15/10/2026", False),
                         ("Triển khai chuyển đổi số 2026", True)):
        async with harness.app.sessionmaker.begin() as session:
            await session.execute(update(Plan).where(Plan.ref == KH286).values(title=title))
        header = texts(await harness.say("/tiendo KH286", user="hc")).splitlines()[0]
        assert (title in header) is shown and header.count("286/KH-BTTTT") == 1
    assert T.PLAN_UNITS in plan
    assert fits(plan, T.PLAN_UNIT.format(unit="Đơn vị PHONG_A", tasks=1, avg="{avg}",
                                         overdue="{overdue}", reported="{reported}",
                                         total="{total}"))
    assert fits(plan, T.UNITS_NOT_REPORTED.format(count=3, items="{items}"))
    assert T.UNITS_OVERDUE.format(
        count=1, items=T.UNIT_OVERDUE_ITEM.format(unit="Đơn vị PHONG_A", overdue=1)) in plan
    # the same plan, by its number, for a month, and its reference in full
    month = texts(await harness.say("/tiendo 286/KH-BTTTT tháng 12", user="hc"))
    assert "tháng 12/2026 (15/11–14/12/2026)" in month
    assert fits(texts(await harness.say(f"/tiendo {KH286} quý IV/2026", user="hc")),
                _plan_title(KH286))
    # anyone in the consolidating unit may read the plan (the staff who track it)
    assert fits(texts(await harness.say("/tiendo KH286", user="oc")), _plan_title(KH286))
    # the spreadsheet
    [reply] = await harness.say("/xuatbaocao KH286", user="hc")
    [attachment] = reply.attachments
    sheet = load_workbook(io.BytesIO(attachment.content))[T.XLSX_TASKS_SHEET]
    assert sorted(r[1] for r in sheet.iter_rows(min_row=3, values_only=True)) == [
        "NV1", "NV2", "NV3"]


async def test_others_still_see_only_their_tree(harness: BotHarness) -> None:
    await _world(harness)
    await _consolidate(harness, KH286, "CUC")
    # a provincial head: the plan has a unit outside their tree
    assert T.PLAN_NOT_YOURS in texts(await harness.say("/tiendo KH286", user="ha"))
    assert T.UNIT_NOT_YOURS in texts(await harness.say("/tiendo TINH_B", user="ha"))
    assert fits(texts(await harness.say("/tiendo", user="ha")), _unit_title("Đơn vị SO_A"))
    # an official: their own report; a plan they do not consolidate is refused
    own = texts(await harness.say("/tiendo", user="an"))
    assert fits(own, T.PROGRESS_OWN_HEADER) or fits(own, T.PROGRESS_OWN_NONE)
    assert T.PLAN_NOT_YOURS in texts(await harness.say("/tiendo KH286", user="an"))
    # the ministry's head above the consolidating unit sees the plan too
    assert fits(texts(await harness.say("/tiendo KH286", user="hb")), _plan_title(KH286))
    # unknown plans and units, bad periods
    assert T.TARGET_NOT_FOUND.format(code="KH404") in texts(
        await harness.say("/tiendo KH404", user="hc"))
    assert PT.BAD_PERIOD.format(text="2026-W99") in texts(
        await harness.say("/tiendo KH286 2026-W99", user="hc"))


async def test_root_head_sees_a_plan_within_their_tree_without_consolidating(
        harness: BotHarness) -> None:
    await _world(harness)
    # KH999 lies entirely in SO_A: the ministry's head (above SO_A) and SO_A's head see it
    kh999 = _plan_title("Kế hoạch số 999/KH-UBND")
    assert fits(texts(await harness.say("/tiendo KH999", user="hb")), kh999)
    assert fits(texts(await harness.say("/tiendo KH999", user="ha")), kh999)


async def test_plan_document_is_issued_by_the_consolidating_unit(harness: BotHarness) -> None:
    ids = await _world(harness)
    await _consolidate(harness, KH286, "CUC")
    async with harness.app.sessionmaker.begin() as session:
        cuc = (await session.execute(select(Unit).where(Unit.code == "CUC"))).scalar_one()
        cuc.name, cuc.head_official_id = "Cục Chuyển đổi số quốc gia", ids["head_cuc"]
    [reply] = await harness.say("/xuatbaocao KH286 thang docx", user="hc")
    [attachment] = reply.attachments
    assert attachment.file_name == "bao-cao-KH286-2026-12.docx"
    doc = open_docx(attachment.content)
    assert cell_paragraphs(doc.tables[0], 0, 0)[-1].text == "CỤC CHUYỂN ĐỔI SỐ QUỐC GIA"
    assert cell_paragraphs(doc.tables[1], 0, 0)[0].text == D.NUMBER.format(
        dots=D.NUMBER_DOTS, type_code="BC", unit_code="CUC")
    lines = body_texts(doc)
    assert any(fits(line, D.SUBTITLE_PLAN.format(plan=KH286, title="{title}",
                                                 period="tháng 12/2026{dates}"))
               for line in lines)
    assert D.RESULTS_UNITS_MISSING.format(
        count=3, total=3, units="Đơn vị PHONG_A, Đơn vị SO_A, Đơn vị TINH_B") in lines
    annex = doc.tables[-1]
    assert sorted(row.cells[1].text for row in annex.rows[1:]) == ["NV1", "NV2", "NV3"]
    assert [p.text for p in cell_paragraphs(doc.tables[2], 0, 1)][-1] == "Cục Trưởng"
