"""Imports: the shipped example files, every kind of bad row, all-or-nothing, re-import, dry-run."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import people_store
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import Official, Plan, Task, TaskAssignee, TaskUnit, Unit
from bot.imports.common import ImportFailed
from bot.imports.detect import detect_kind
from bot.imports.officials import import_officials
from bot.imports.tasks import import_tasks
from bot.imports.units import import_units
from bot.texts import imports as T
from rules.recipients import load_directory
from tests.harness import fits

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
UNITS_HEAD = "Mã đơn vị,Tên đơn vị,Đơn vị cấp trên,Cấp\n"


def _row(row: int, reason: str) -> str:
    """A row's error as the import reports it ("Dòng N: …")."""
    return T.ROW_ERROR.format(row=row, reason=reason)
OFFICIALS_HEAD = "Mã cán bộ,Họ và tên,Chức vụ,Mã đơn vị,Vai trò,Email,Điện thoại,Trạng thái\n"
TASKS_HEAD = ("STT,Mã nhiệm vụ,Nhiệm vụ,Đơn vị chủ trì,Đơn vị phối hợp,Cán bộ phụ trách,Thời hạn,"
              "Sản phẩm,Ghi chú\n")


@pytest.fixture
async def session(database_url: str) -> AsyncSession:  # type: ignore[misc]
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as s:
        yield s
    await engine.dispose()


async def _count(session: AsyncSession, model: type) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def _examples(session: AsyncSession) -> None:
    await import_units(session, "don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(), NOW)
    await import_officials(session, "can-bo.csv", (EXAMPLES / "can-bo.csv").read_bytes(), NOW)


async def test_example_files_import(session: AsyncSession) -> None:
    await _examples(session)
    result = await import_tasks(session, "nhiem-vu.xlsx", (EXAMPLES / "nhiem-vu.xlsx").read_bytes(),
                                NOW)
    await session.commit()
    assert len(result.created) == 5 and result.skipped_rows  # section headings I, II skipped
    plan = (await session.execute(select(Plan))).scalar_one()
    assert plan.ref == "Kế hoạch số 286/KH-BTTTT"
    tasks = {t.code: t for t in (await session.execute(select(Task))).scalars()}
    assert tasks["NV01"].deadline == date(2026, 12, 15)  # an Excel date cell
    assert tasks["NV02"].deadline == date(2027, 3, 31)  # Quý I/2027
    assert tasks["NV04"].deadline == date(2027, 6, 30)  # Trước 30/6/2027
    assert tasks["NV05"].deadline is None and tasks["NV05"].deadline_text == "Hằng tuần"
    cds = (await session.execute(select(Unit).where(Unit.code == "CDS"))).scalar_one()
    assert tasks["NV02"].lead_unit_id == cds.id
    co = (await session.execute(select(TaskUnit).where(TaskUnit.task_id == tasks["NV02"].id))).all()
    assert len(co) == 2
    assignees = (await session.execute(
        select(Official.name).join(TaskAssignee, TaskAssignee.official_id == Official.id)
        .where(TaskAssignee.task_id == tasks["NV03"].id).order_by(Official.name))).scalars().all()
    assert list(assignees) == ["Bùi Thị Lan", "Đỗ Thị Giang"]  # matched by name
    head = await session.get(Official, cds.head_official_id)
    assert head is not None and head.name == "Nguyễn Văn An"
    vp = (await session.execute(select(Unit).where(Unit.code == "VP"))).scalar_one()
    assert vp.schedule == {"checkin_cutoff": "T5 17:00"}
    # the CSV twin of the same table changes nothing
    again = await import_tasks(session, "nhiem-vu.csv", (EXAMPLES / "nhiem-vu.csv").read_bytes(), NOW)
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 5


async def test_reimport_updates_by_code_and_dry_run_writes_nothing(session: AsyncSession) -> None:
    await import_units(session, "u.csv", (UNITS_HEAD + "A,Đơn vị A,,\nB,Đơn vị B,A,\n").encode(), NOW)
    await session.commit()
    content = (UNITS_HEAD + "A,Đơn vị A mới,,\nB,Đơn vị B,A,\nC,Đơn vị C,B,Xã\n").encode()
    dry = await import_units(session, "u.csv", content, NOW, dry_run=True)
    assert dry.created == ["C: Đơn vị C"] and dry.updated == [("A", ["Tên đơn vị"])]
    assert dry.unchanged == ["B"]
    assert await _count(session, Unit) == 2
    await import_units(session, "u.csv", content, NOW)
    await session.commit()
    assert await _count(session, Unit) == 3
    a = (await session.execute(select(Unit).where(Unit.code == "A"))).scalar_one()
    assert a.name == "Đơn vị A mới"
    shorter = await import_units(session, "u.csv", (UNITS_HEAD + "A,Đơn vị A mới,,\n").encode(), NOW,
                                 dry_run=True)
    assert shorter.not_in_file == ["B", "C"]


@pytest.mark.parametrize(("body", "expected"), [
    (",Không mã,,\n", _row(3, T.UNIT_CODE_MISSING)),
    ("A,Tên,,\nA,Trùng,,\n", _row(4, T.UNIT_CODE_DUPLICATE.format(code="A", row=3))),
    ("A,,,\n", _row(3, T.UNIT_NAME_MISSING)),
    ("A,Tên,ZZZ,\n", _row(3, T.UNIT_PARENT_UNKNOWN.format(code="ZZZ"))),
    ("A,Tên,A,\n", _row(3, T.UNIT_OWN_PARENT)),
    ("A,Tên,B,\nB,Tên,A,\n", T.UNIT_IN_CYCLE),
])
async def test_bad_unit_rows(session: AsyncSession, body: str, expected: str) -> None:
    """`expected`: the error of the bad row (after the header and a good row: rows from 3)."""
    with pytest.raises(ImportFailed) as info:
        await import_units(session, "u.csv", (UNITS_HEAD + "OK,Đơn vị tốt,,\n" + body).encode(), NOW)
    messages = [str(e) for e in info.value.errors]
    assert any(fits(m, expected) for m in messages), messages
    assert await _count(session, Unit) == 0  # nothing written, not even the good row


async def test_bad_official_rows_are_all_reported(session: AsyncSession) -> None:
    await import_units(session, "u.csv", (UNITS_HEAD + "CDS,Cục,,\n").encode(), NOW)
    body = (OFFICIALS_HEAD
            + "CB1,Nguyễn Văn A,,CDS,Cán bộ,,,\n"
            + ",Không Mã,,CDS,,,,\n"
            + "CB3,Sai Đơn Vị,,XYZ,,,,\n"
            + "CB4,Sai Vai Trò,,CDS,Thần tượng,,,\n"
            + "CB5,Trưởng Một,,CDS,Trưởng đơn vị,,,\n"
            + "CB6,Trưởng Hai,,CDS,Trưởng đơn vị,,,\n"
            + "CB7,Sai Trạng Thái,,CDS,,,,Đi chơi\n")
    with pytest.raises(ImportFailed) as info:
        await import_officials(session, "cb.csv", body.encode(), NOW)
    text = "\n".join(str(e) for e in info.value.errors)
    assert _row(3, T.OFFICIAL_CODE_MISSING) in text
    assert _row(4, T.OFFICIAL_UNIT_UNKNOWN.format(unit="XYZ")) in text
    assert _row(5, T.OFFICIAL_ROLE_INVALID.format(value="Thần tượng")) in text
    assert _row(7, T.UNIT_HAS_HEAD.format(code="CDS", row=6)) in text
    assert _row(8, T.OFFICIAL_STATUS_INVALID.format(value="Đi chơi")) in text
    assert await _count(session, Official) == 0


async def test_bad_task_rows(session: AsyncSession) -> None:
    await _examples(session)
    body = ("Kế hoạch số 99/KH-TEST năm 2025\n" + TASKS_HEAD
            + "1,T1,Việc tốt,CDS,,CB003,15/4,,\n"
            + "2,,Không mã,CDS,,,30/6/2025,,\n"
            + "3,T3,Sai đơn vị,KHONGCO,,,30/6/2025,,\n"
            + "4,T4,Sai hạn,CDS,,,abc,,\n"
            + "5,T5,Sai cán bộ,CDS,VP; ZZ,Người Lạ,30/6/2025,,\n"
            + "6,T1,Trùng mã,CDS,,,30/6/2025,,\n")
    with pytest.raises(ImportFailed) as info:
        await import_tasks(session, "nv.csv", body.encode(), NOW)
    text = "\n".join(str(e) for e in info.value.errors)
    assert _row(4, T.TASK_CODE_MISSING) in text
    assert _row(5, T.TASK_LEAD_UNKNOWN.format(unit="KHONGCO")) in text
    assert _row(6, T.DEADLINE_UNREADABLE.format(value="abc")) in text
    assert fits(text, _row(7, T.TASK_CO_UNKNOWN.format(unit="ZZ")))
    assert fits(text, _row(7, T.OFFICIAL_UNKNOWN.format(name="Người Lạ")))
    assert _row(8, T.TASK_CODE_DUPLICATE.format(code="T1", row=3)) in text
    assert await _count(session, Task) == 0 and await _count(session, Plan) == 0


async def test_task_reimport_updates_links_and_uses_plan_year(session: AsyncSession) -> None:
    await _examples(session)
    first = ("Kế hoạch số 99/KH-TEST năm 2025\n" + TASKS_HEAD
             + "1,T1,Việc một,CDS,VP,CB003,15/4,,\n")
    await import_tasks(session, "nv.csv", first.encode(), NOW)
    task = (await session.execute(select(Task).where(Task.code == "T1"))).scalar_one()
    assert task.deadline == date(2025, 4, 15)  # year from the plan lines, not the clock
    second = ("Kế hoạch số 99/KH-TEST năm 2025\n" + TASKS_HEAD
              + "1,T1,Việc một (sửa),CDS,,CB004,Quý III/2025,,\n")
    result = await import_tasks(session, "nv.csv", second.encode(), NOW)
    assert result.updated and set(result.updated[0][1]) == {
        "Nhiệm vụ", "Thời hạn", "Đơn vị phối hợp", "Cán bộ phụ trách"}
    await session.commit()
    assert await _count(session, Task) == 1
    assert await _count(session, TaskUnit) == 0
    people = (await session.execute(select(Official.code).join(
        TaskAssignee, TaskAssignee.official_id == Official.id))).scalars().all()
    assert list(people) == ["CB004"]


async def test_plan_reference_is_required(session: AsyncSession) -> None:
    await _examples(session)
    with pytest.raises(ImportFailed, match="--plan"):
        await import_tasks(session, "nv.csv", (TASKS_HEAD + "1,T1,Việc,CDS,,,15/4/2025,,\n").encode(),
                           NOW)
    result = await import_tasks(session, "nv.csv",
                                (TASKS_HEAD + "1,T1,Việc,CDS,,,15/4/2025,,\n").encode(), NOW,
                                plan_ref="KH 1/2025")
    assert result.created


async def test_file_level_errors(session: AsyncSession) -> None:
    with pytest.raises(ImportFailed, match="chỉ nhận .xlsx hoặc .csv"):
        await import_units(session, "u.txt", b"x", NOW)
    with pytest.raises(ImportFailed, match="không tìm thấy dòng tiêu đề"):
        await import_units(session, "u.csv", "Tên,Khác\na,b\n".encode(), NOW)
    with pytest.raises(ImportFailed, match="không đọc được tệp Excel"):
        await import_units(session, "u.xlsx", b"not a zip", NOW)


async def test_xlsx_with_headers_without_diacritics_and_semicolon_csv(session: AsyncSession) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH ĐƠN VỊ"])
    sheet.append(["Ma don vi", "TEN DON VI", "Don vi cap tren"])
    sheet.append(["X", "Đơn vị X", None])
    buffer = io.BytesIO()
    book.save(buffer)
    result = await import_units(session, "u.xlsx", buffer.getvalue(), NOW)
    assert result.created == ["X: Đơn vị X"]
    # the legacy Windows Vietnamese code page: precomposed ơ/đ, tone marks as combining characters
    csv = "Ma don vi;Ten don vi;Don vi cap tren\nY;\u0110\u01a1n vi\u0323 Y;X\n".encode("cp1258")
    assert (await import_units(session, "u.csv", csv, NOW)).created == ["Y: Đơn vị Y"]


async def test_cells_are_cleaned_by_the_one_rule(session: AsyncSession) -> None:
    """A broken export: NUL (PostgreSQL refuses it), \\x01, C1 controls, NFD marks."""
    await _examples(session)
    nfd = unicodedata.normalize("NFD", "Tập huấn kỹ năng số")
    body = ("Kế hoạch số 99/KH-TEST năm 2026\n" + TASKS_HEAD
            + f"1,T1,{nfd}\x00\x01 cho\x85 xã\x9b,CDS,,CB003,30/6/2026,Báo\x00 cáo,\n")
    await import_tasks(session, "nv.csv", body.encode(), NOW)
    await session.commit()
    task = (await session.execute(select(Task).where(Task.code == "T1"))).scalar_one()
    assert task.title == "Tập huấn kỹ năng số cho xã" and task.product == "Báo cáo"


async def test_invisible_characters_make_no_second_code(session: AsyncSession) -> None:
    """Cells copied from a web page carry zero-width spaces, joiners and BOMs: 'T1\u200b' looked
    like 'T1' but was another task to every comparison, so a re-import made a duplicate (and a
    unit 'CDS\ufeff' was unknown). They are dropped like control characters; so are the bidi
    overrides (U+202E) that can make a title or a name read backwards."""
    await _examples(session)
    row = "1,T1{zw},Tập huấn\u202e số,CDS\ufeff,,CB003\u2060,30/6/2026,,\n"
    head = "Kế hoạch số 99/KH-TEST năm 2026\n" + TASKS_HEAD
    await import_tasks(session, "nv.csv", (head + row.format(zw="")).encode(), NOW)
    await session.commit()
    again = await import_tasks(session, "nv.csv", (head + row.format(zw="\u200b")).encode(), NOW)
    await session.commit()
    assert again.created == [] and again.unchanged == ["T1"]
    task = (await session.execute(select(Task).where(Task.code == "T1"))).scalar_one()
    assert task.title == "Tập huấn số"


async def test_a_head_moved_to_lead_another_unit_leaves_the_old_unit(session: AsyncSession) -> None:
    """Re-imported as head of unit B, the head of unit A no longer leads A: A's digests, overdue
    notices and escalations go to A's deputy, not to someone who left (adversary, 2026-12-03:
    A's head slot kept pointing at them)."""
    await import_units(session, "u.csv", (UNITS_HEAD + "A,Phòng A,,\nB,Phòng B,,\n").encode(), NOW)
    body = OFFICIALS_HEAD + "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,\nD1,Lê Thị Dung,,A,Phó,,,\n"
    await import_officials(session, "cb.csv", body.encode(), NOW)
    await session.commit()
    units = {u.code: u for u in (await session.execute(select(Unit))).scalars()}
    hung = (await session.execute(select(Official).where(Official.code == "H1"))).scalar_one()
    assert units["A"].head_official_id == hung.id
    moved = OFFICIALS_HEAD + "H1,Trần Văn Hùng,,B,Trưởng đơn vị,,,\n"
    await import_officials(session, "cb.csv", moved.encode(), NOW)
    await session.commit()
    for unit in units.values():
        await session.refresh(unit)
    assert units["B"].head_official_id == hung.id
    assert units["A"].head_official_id is None
    assert [o.code for o in await people_store.heads_of(session, units["A"].id)] == ["D1"]
    directory = await load_directory(session)
    assert [p.name for p in directory.heads(units["A"].id)] == ["Lê Thị Dung"]
    assert [p.name for p in directory.heads(units["B"].id)] == ["Trần Văn Hùng"]


def _book_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_a_hidden_first_sheet_is_skipped(session: AsyncSession) -> None:
    """The sheet read is the first one the admin sees: a hidden lookup sheet before it made the
    file "không tìm thấy dòng tiêu đề"."""
    book = Workbook()
    hidden = book.active
    hidden.title, hidden.sheet_state = "DanhMuc", "hidden"
    hidden.append(["Bộ", "Cục", "Sở"])
    sheet = book.create_sheet("DonVi")
    sheet.append(["Mã đơn vị", "Tên đơn vị"])
    sheet.append(["X", "Đơn vị X"])
    result = await import_units(session, "u.xlsx", _book_bytes(book), NOW)
    assert result.created == ["X: Đơn vị X"]


async def test_merged_cells_fill_their_rows_and_spread_headings_are_skipped(
        session: AsyncSession) -> None:
    """A lead unit merged down over three tasks is each task's; a section heading merged across
    the table ("I | NHIỆM VỤ CHUNG" from the code column on) is a heading, not a task with no
    title, no lead unit and no deadline."""
    await _examples(session)
    book = Workbook()
    sheet = book.active
    sheet.append(["KẾ HOẠCH SỐ 98/KH-TEST NĂM 2027"])
    sheet.merge_cells("A1:G1")
    sheet.append(["STT", "Mã nhiệm vụ", "Nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp",
                  "Cán bộ phụ trách", "Thời hạn"])
    sheet.append(["I", "NHIỆM VỤ CHUNG"])
    sheet.merge_cells("B3:G3")
    sheet.append([1, "M1", "Việc một", "CDS", None, "CB003", "30/6/2027"])
    sheet.append([2, "M2", "Việc hai", None, None, "CB003", "30/9/2027"])
    sheet.append([3, "M3", "Việc ba", None, None, "CB004", "31/12/2027"])
    sheet.merge_cells("D4:D6")
    sheet.append([4, "M4", "Việc bốn", "VP", None, None, "31/12/2027"])
    result = await import_tasks(session, "nv.xlsx", _book_bytes(book), NOW)
    await session.commit()
    rows = await session.execute(
        select(Task.code, Unit.code).join(Unit, Unit.id == Task.lead_unit_id))
    leads = {row[0]: row[1] for row in rows}
    assert len(result.created) == 4
    assert leads == {"M1": "CDS", "M2": "CDS", "M3": "CDS", "M4": "VP"}


async def test_utf16_csv_is_read(session: AsyncSession) -> None:
    """Excel's "Unicode Text" (UTF-16 with its byte order mark, tab separated) was refused."""
    body = "Mã đơn vị\tTên đơn vị\nX\tĐơn vị Xã Tân Lập\n"
    for encoded in (body.encode("utf-16"), body.encode("utf-16-be").join([b"\xfe\xff", b""])):
        result = await import_units(session, "u.csv", encoded, NOW, dry_run=True)
        assert result.created == ["X: Đơn vị Xã Tân Lập"]


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("u.xlsx", b"", T.FILE_EMPTY.format(file="u.xlsx")),
    ("u.csv", b"\r\n", T.FILE_EMPTY.format(file="u.csv")),
    ("u.xlsx", b"<html><body><table><tr><td>M\xc3\xa3</td></tr></table></body></html>",
     T.EXCEL_UNREADABLE.format(file="u.xlsx")),
    ("u.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
     T.EXCEL_OLD_OR_PASSWORD.format(file="u.xlsx")),
])
async def test_files_that_are_no_table_say_what_to_do(session: AsyncSession, name: str,
                                                      content: bytes, expected: str) -> None:
    """An empty file, a web page or an .xls renamed .xlsx, a password-protected workbook: one
    Vietnamese sentence saying what to send instead (the message named Python's BadZipFile)."""
    with pytest.raises(ImportFailed) as info:
        await import_units(session, name, content, NOW)
    assert [str(e) for e in info.value.errors] == [expected]
    assert "Error" not in expected and "Zip" not in expected


async def test_a_two_row_header_merged_down_is_read(session: AsyncSession) -> None:
    """Plans group columns under one heading ("Đơn vị" over "Chủ trì | Phối hợp"), the other
    headings merged down over both rows: the lower row, filled, is the header."""
    await _examples(session)
    book = Workbook()
    sheet = book.active
    sheet.append(["KẾ HOẠCH SỐ 97/KH-TEST NĂM 2027"])
    sheet.append(["STT", "Mã nhiệm vụ", "Nhiệm vụ", "Đơn vị", None, "Thời hạn"])
    sheet.append([None, None, None, "Chủ trì", "Phối hợp", None])
    for column in "ABCF":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("D2:E2")
    sheet.append([1, "H1", "Việc một", "CDS", "VP", "30/6/2027"])
    result = await import_tasks(session, "nv.xlsx", _book_bytes(book), NOW)
    assert result.created == ["H1: Việc một"]
    await session.commit()
    # both columns under "Đơn vị" were read: the lead unit, and the cooperating unit stored
    task = (await session.execute(select(Task).where(Task.code == "H1"))).scalar_one()
    lead = await session.get_one(Unit, task.lead_unit_id)
    co = (await session.execute(select(Unit.code).join(TaskUnit, TaskUnit.unit_id == Unit.id)
                                .where(TaskUnit.task_id == task.id))).scalars().all()
    assert (lead.code, list(co), task.deadline) == ("CDS", ["VP"], date(2027, 6, 30))


async def test_dates_that_read_both_ways_in_a_month_first_file_are_asked(
        session: AsyncSession) -> None:
    """Review of 7e46195: in a file exported month first, "03/15/2027" was asked about but
    "03/04/2027" (4 March) imported silently as 3 April. Every date of the column that reads
    both ways is asked about, its row named; one that reads the same both ways is fine."""
    await _examples(session)
    body = ("Kế hoạch số 98/KH-TEST năm 2027\n" + TASKS_HEAD
            + "1,M1,Việc một,CDS,,,03/04/2027,,\n"
            + "2,M2,Việc hai,CDS,,,03/15/2027,,\n"
            + "3,M3,Việc ba,CDS,,,05/05/2027,,\n"
            + "4,M4,Việc bốn,CDS,,,Trước 11/12/2027,,\n")
    with pytest.raises(ImportFailed) as info:
        await import_tasks(session, "nv.csv", body.encode(), NOW, dry_run=True)
    example = {"row": 4, "example": "03/15/2027"}
    assert [str(e) for e in info.value.errors] == [
        _row(3, T.DEADLINE_ORDER_DOUBT.format(day=3, month=4, year=2027, **example)),
        _row(4, T.DEADLINE_MONTH_FIRST.format(day=3, month=15, year=2027)),
        _row(6, T.DEADLINE_ORDER_DOUBT.format(day=11, month=12, year=2027, **example))]
    # partial: the rows in doubt are left out, the one that reads the same both ways is kept
    result = await import_tasks(session, "nv.csv", body.encode(), NOW, partial=True,
                                dry_run=True)
    assert result.created == ["M3: Việc ba"]
    # without a month-first row the same dates read day first, as Vietnamese write them
    day_first = body.replace("03/15/2027", "15/03/2027")
    result = await import_tasks(session, "nv.csv", day_first.encode(), NOW, dry_run=True)
    assert len(result.created) == 4


async def test_a_task_with_its_title_merged_across_is_never_skipped_as_a_heading(
        session: AsyncSession) -> None:
    """Only a row with no other required cell is a heading: a task whose title is merged over
    three columns and whose lead unit and deadline were forgotten is reported, not dropped."""
    await _examples(session)
    book = Workbook()
    sheet = book.active
    sheet.append(["KẾ HOẠCH SỐ 96/KH-TEST NĂM 2027"])
    sheet.append(["STT", "Mã nhiệm vụ", "Nhiệm vụ", None, None, "Đơn vị chủ trì", "Thời hạn"])
    sheet.append([1, "W1", "Việc một, tên dài chiếm ba cột"])
    sheet.merge_cells("C3:E3")
    with pytest.raises(ImportFailed) as info:
        await import_tasks(session, "nv.xlsx", _book_bytes(book), NOW, dry_run=True)
    assert _row(3, T.TASK_LEAD_MISSING) in [str(e) for e in info.value.errors]


async def test_a_second_head_of_a_unit_is_refused_unless_the_stored_one_is_in_the_file(
        session: AsyncSession) -> None:
    """One active head per unit, the stored one counted: a new head imported while the old one
    stays head (not in the file) made the unit two heads, the old one keeping a head's rights."""
    await import_units(session, "u.csv", (UNITS_HEAD + "A,Phòng A,,\n").encode(), NOW)
    await import_officials(session, "cb.csv", (
        OFFICIALS_HEAD + "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,\n").encode(), NOW)
    await session.commit()
    new_head = "H2,Lê Văn Mới,,A,Trưởng đơn vị,,,\n"
    with pytest.raises(ImportFailed) as info:
        await import_officials(session, "cb.csv", (OFFICIALS_HEAD + new_head).encode(), NOW)
    assert [str(e) for e in info.value.errors] == [_row(2, T.UNIT_HAS_STORED_HEAD.format(
        code="A", name="Trần Văn Hùng", other="H1"))]
    # the old head in the same file, retired: the new one leads
    retired = "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,Đã nghỉ\n"
    await import_officials(session, "cb.csv", (OFFICIALS_HEAD + new_head + retired).encode(), NOW)
    await session.commit()
    unit = (await session.execute(select(Unit).where(Unit.code == "A"))).scalar_one()
    heads = [o.code for o in (await session.execute(select(Official).where(
        Official.role == "head", Official.status == "active"))).scalars()]
    assert heads == ["H2"]
    assert unit.head_official_id is not None


async def test_the_first_sheet_with_the_header_row_is_read(session: AsyncSession) -> None:
    """A template's first sheet is often its instructions ("Hướng dẫn nhập liệu"): the table is
    the first visible sheet with the header row (chat detection reads the same one)."""
    book = Workbook()
    book.active.title = "Hướng dẫn"
    book.active.append(["Nhập mỗi đơn vị một dòng ở trang tính DonVi."])
    sheet = book.create_sheet("DonVi")
    sheet.append(["Mã đơn vị", "Tên đơn vị"])
    sheet.append(["X", "Đơn vị X"])
    content = _book_bytes(book)
    assert detect_kind("u.xlsx", content) == "units"
    result = await import_units(session, "u.xlsx", content, NOW)
    assert result.created == ["X: Đơn vị X"]
    with pytest.raises(ImportFailed, match="không tìm thấy dòng tiêu đề"):
        await import_officials(session, "u.xlsx", content, NOW)


async def test_cells_with_a_spreadsheet_error_reject_their_row(session: AsyncSession) -> None:
    """A lookup that found nothing leaves #N/A (cached in the .xlsx, written as text into a CSV
    export): it was stored as the official's name."""
    await import_units(session, "u.csv", (UNITS_HEAD + "A,Phòng A,,\n").encode(), NOW)
    body = OFFICIALS_HEAD + "E1,#N/A,,A,,,,\nE2,Lê Văn Đúng,,#REF!,,,,\nE3,Trần Ổn,,A,,,,\n"
    result = await import_officials(session, "cb.csv", body.encode(), NOW, partial=True)
    reasons = [(e.row, e.reason) for e in result.rejected]
    assert (2, T.ERROR_CELL.format(column="Họ và tên", value="#N/A")) in reasons
    assert (3, T.ERROR_CELL.format(column="Mã đơn vị", value="#REF!")) in reasons
    assert {row for row, _ in reasons} == {2, 3}
    assert result.created == ["E3: Trần Ổn"]
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã cán bộ", "Họ và tên", "Mã đơn vị"])
    sheet.append(["E4", "#N/A", "A"])  # stored as an error cell (t="e"), as Excel caches one
    result = await import_officials(session, "cb.xlsx", _book_bytes(book), NOW, partial=True)
    assert [(e.row, e.reason) for e in result.rejected] == [
        (2, T.ERROR_CELL.format(column="Họ và tên", value="#N/A"))]


async def test_a_phone_number_excel_stored_as_a_number_keeps_its_leading_zero(
        session: AsyncSession) -> None:
    """0901234567 typed into a General cell is the number 901234567: stored so, a Zalo template
    message by phone found no number (international_phone needs a 0 or 84)."""
    await import_units(session, "u.csv", (UNITS_HEAD + "A,Phòng A,,\n").encode(), NOW)
    book = Workbook()
    sheet = book.active
    sheet.append(["Mã cán bộ", "Họ và tên", "Mã đơn vị", "Điện thoại"])
    for code, phone in (("P1", 901234567), ("P2", 2439876543), ("P3", "0912 345 678"),
                        ("P4", 84901234567), ("P5", 113), ("P6", 845123456),
                        ("P7", 889876543), ("P8", 84912345678)):
        sheet.append([code, f"Người {code}", "A", phone])
    await import_officials(session, "cb.xlsx", _book_bytes(book), NOW)
    await session.commit()
    phones = {o.code: o.phone for o in (await session.execute(select(Official))).scalars()}
    assert phones == {"P1": "0901234567", "P2": "02439876543", "P3": "0912 345 678",
                      "P4": "84901234567", "P5": "113", "P6": "0845123456",
                      "P7": "0889876543", "P8": "84912345678"}


CONCURRENT_HEAD = OFFICIALS_HEAD.rstrip("\n") + ",Kiêm nhiệm trưởng đơn vị\n"


async def _units_ab(session: AsyncSession) -> dict[str, Unit]:
    await import_units(session, "u.csv", (UNITS_HEAD + "A,Phòng A,,\nB,Phòng B,,\n").encode(), NOW)
    await session.commit()
    return {u.code: u for u in (await session.execute(select(Unit))).scalars()}


async def test_a_head_of_two_units_leads_both(session: AsyncSession) -> None:
    """Kiêm nhiệm: the head of A named in the import as head of B too leads B — B's digests and
    escalations go to them, not to B's deputy (the link was judged stale: B's head slot
    pointed at someone of another unit, or the import could not say it at all)."""
    units = await _units_ab(session)
    body = CONCURRENT_HEAD + ("H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,,B\n"
                              "D2,Lê Thị Dung,,B,Phó,,,,\n")
    result = await import_officials(session, "cb.csv", body.encode(), NOW)
    await session.commit()
    assert len(result.created) == 2
    hung = (await session.execute(select(Official).where(Official.code == "H1"))).scalar_one()
    for unit in units.values():
        await session.refresh(unit)
    assert units["A"].head_official_id == hung.id and units["B"].head_official_id == hung.id
    assert [o.code for o in await people_store.heads_of(session, units["B"].id)] == ["H1"]
    directory = await load_directory(session)
    assert [p.name for p in directory.heads(units["A"].id)] == ["Trần Văn Hùng"]
    assert [p.name for p in directory.heads(units["B"].id)] == ["Trần Văn Hùng"]
    # re-imported without the column: the concurrent post stays (the file says nothing of it)
    again = await import_officials(
        session, "cb.csv", (OFFICIALS_HEAD + "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,\n").encode(), NOW)
    await session.commit()
    assert again.unchanged == ["H1"]
    await session.refresh(units["B"])
    assert units["B"].head_official_id == hung.id
    # the column emptied: no longer head of B, B's deputy stands in
    ended = await import_officials(
        session, "cb.csv", (CONCURRENT_HEAD + "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,,\n").encode(),
        NOW)
    await session.commit()
    assert ended.updated == [("H1", ["Kiêm nhiệm trưởng đơn vị"])]
    await session.refresh(units["B"])
    assert units["B"].head_official_id is None
    assert [p.name for p in (await load_directory(session)).heads(units["B"].id)] == ["Lê Thị Dung"]


async def test_a_concurrent_head_keeps_the_one_head_rule(session: AsyncSession) -> None:
    """A unit held concurrently has a head: a new head of B is refused naming the concurrent
    head, as a second head in the file or the unit's own stored head is."""
    await _units_ab(session)
    await import_officials(session, "cb.csv", (
        CONCURRENT_HEAD + "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,,B\n").encode(), NOW)
    await session.commit()
    result = await import_officials(session, "cb.csv", (
        OFFICIALS_HEAD + "H2,Phạm Văn Bình,,B,Trưởng đơn vị,,,\n").encode(), NOW, partial=True)
    await session.commit()
    assert not result.created and [e.row for e in result.rejected] == [2]
    assert "Trần Văn Hùng (H1) kiêm nhiệm" in result.rejected[0].reason
    with pytest.raises(ImportFailed) as in_file:
        await import_officials(session, "cb.csv", (
            CONCURRENT_HEAD + "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,,B\n"
            "H3,Ngô Văn Cường,,B,Trưởng đơn vị,,,,\nH4,Đỗ Thị Hoa,,A,,,,,B\n"
        ).encode(), NOW, dry_run=True)
    assert [(e.row, e.reason) for e in in_file.value.errors] == [
        (3, T.UNIT_HAS_HEAD.format(code="B", row=2)), (4, T.UNIT_HAS_HEAD.format(code="B", row=2))]
    with pytest.raises(ImportFailed) as own:
        await import_officials(session, "cb.csv", (
            CONCURRENT_HEAD + "H5,Vũ Văn Nam,,A,,,,,A\nH6,Lý Thị Mai,,A,,,,Đã nghỉ,B\n").encode(),
            NOW, dry_run=True)
    assert [e.reason for e in own.value.errors] == [T.CONCURRENT_OWN_UNIT.format(code="A"),
                                                    T.CONCURRENT_INACTIVE.format(code="B")]


async def test_a_bare_kiem_nhiem_column_is_not_a_headship(session: AsyncSession) -> None:
    """HR sheets' bare "Kiêm nhiệm" column holds other posts ("Bí thư chi bộ"), even one that
    reads like a unit: it is ignored, nobody becomes head of B. The headship column is read
    spelled either way, with or without diacritics, and an unknown unit in it names the column."""
    units = await _units_ab(session)
    bare = OFFICIALS_HEAD.rstrip("\n") + ",Kiêm nhiệm\n"
    result = await import_officials(session, "cb.csv", (
        bare + "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,,Bí thư chi bộ\nD1,Lê Thị Dung,,A,,,,,B\n"
    ).encode(), NOW)
    await session.commit()
    assert len(result.created) == 2
    await session.refresh(units["B"])
    assert units["B"].head_official_id is None
    for header in ("Trưởng đơn vị kiêm nhiệm", "Kiem nhiem truong don vi"):
        with pytest.raises(ImportFailed) as unknown:
            await import_officials(session, "cb.csv", (
                OFFICIALS_HEAD.rstrip("\n") + f",{header}\n"
                "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,,Bí thư chi bộ\n").encode(), NOW, dry_run=True)
        assert [e.reason for e in unknown.value.errors] == [
            T.CONCURRENT_UNIT_UNKNOWN.format(unit="Bí thư chi bộ", column=header)]
        assert header in unknown.value.errors[0].reason
    held = await import_officials(session, "cb.csv", (
        OFFICIALS_HEAD.rstrip("\n") + ",Trưởng đơn vị kiêm nhiệm\n"
        "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,,B\n").encode(), NOW)
    await session.commit()
    assert held.updated == [("H1", ["Kiêm nhiệm trưởng đơn vị"])]
    await session.refresh(units["B"])
    assert units["B"].head_official_id is not None
