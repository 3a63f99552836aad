"""Admins import tables from chat: the example files previewed then confirmed (across a restart),
confirmations only by the admin who sent the file, bad files and bad rows, a stale preview."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from bot.chat_import import PENDING_IMPORT_TTL, collect_expired_imports
from bot.db.models import Official, PendingImport, Plan, Task, TaskAssignee, Unit
from bot.imports.units import import_units
from bot.texts import admin_import as T
from bot.texts import guides as GT
from bot.texts import imports as IT
from tests.harness import BotHarness, button, fits, labels, payloads, texts

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
PLAN_LINE = "KẾ HOẠCH SỐ 12/KH-CDS NGÀY 01/11/2026\n"
TASKS_HEAD = "STT,Mã nhiệm vụ,Nhiệm vụ,Đơn vị chủ trì,Cán bộ phụ trách,Thời hạn\n"


async def _admin(h: BotHarness, user: str = "admin", name: str = "Quản Trị") -> None:
    await h.make_official(name, role="admin", user=user, unit_code="VP")


async def _count(h: BotHarness, model: type) -> int:
    async with h.app.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


def _count_line(template: str, count: int, kind: str) -> str:
    """A preview or result line: 'Thêm mới 4 đơn vị:' and the like."""
    return template.format(count=count, item=T.ITEM_LABELS[kind])


def _rejected(row: int, reason: str) -> str:
    return IT.ROW_ERROR.format(row=row, reason=reason)


async def _preview_and_confirm(h: BotHarness, name: str, *, restart: bool = False) -> str:
    replies = await h.send_file(name, (EXAMPLES / name).read_bytes(), user="admin")
    assert fits(texts(replies), T.PREVIEW_HEADER)
    if restart:
        await h.restart()
    return texts(await h.press(label=T.BUTTON_IMPORT, user="admin"))


async def test_example_files_previewed_then_imported_across_a_restart(harness: BotHarness) -> None:
    await _admin(harness)
    replies = await harness.send_file("don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(),
                                      user="admin")
    preview = texts(replies)
    assert T.PREVIEW_HEADER.format(file="don-vi.csv", kind=T.KIND_LABELS["units"],
                                   subject="") in preview
    assert _count_line(T.PREVIEW_CREATED, 4, "units") in preview
    assert T.CREATED_LINE.format(item="CDS: Cục Chuyển đổi số quốc gia") in preview
    assert T.NOT_IN_FILE.format(count=1, codes="VP") not in preview
    assert labels(replies) == [T.BUTTON_IMPORT, T.BUTTON_CANCEL]
    assert await _count(harness, Unit) == 1  # the admin's own unit (VP), nothing imported yet
    ok = button(replies, T.BUTTON_IMPORT)
    await harness.restart()  # the pending file is in the database
    done = texts(await harness.press(label=T.BUTTON_IMPORT, user="admin"))
    assert T.DONE_HEADER.format(file="don-vi.csv", kind=T.KIND_LABELS["units"],
                                subject="") in done
    assert _count_line(T.DONE_CREATED, 4, "units") in done
    # VP got its name and parent
    assert "Thay đổi 1" not in done and _count_line(T.DONE_UPDATED, 1, "units") in done
    assert await _count(harness, Unit) == 5
    assert await _count(harness, PendingImport) == 0
    # pressing again: the file was imported, nothing happens twice
    assert T.CHOICE_GONE in texts(await harness.press(ok, user="admin"))

    assert _count_line(T.DONE_CREATED, 9, "officials") in await _preview_and_confirm(
        harness, "can-bo.csv", restart=True)
    done = await _preview_and_confirm(harness, "nhiem-vu.xlsx")
    assert T.KIND_LABELS["tasks"] + T.SUBJECT.format(subject="Kế hoạch số 286/KH-BTTTT") in done
    assert _count_line(T.DONE_CREATED, 5, "tasks") in done
    assert await _count(harness, Task) == 5
    async with harness.app.sessionmaker() as session:
        chau = (await session.execute(select(Official).where(Official.code == "CB003"))).scalar_one()
        assigned = await session.scalar(select(func.count()).select_from(TaskAssignee).where(
            TaskAssignee.official_id == chau.id))
        assert assigned == 2  # NV01, NV02
    # the same table as .csv: nothing to do, no buttons
    replies = await harness.send_file("nhiem-vu.csv", (EXAMPLES / "nhiem-vu.csv").read_bytes(),
                                      user="admin")
    assert _count_line(T.UNCHANGED, 5, "tasks") in texts(replies)
    assert T.NOTHING_TO_IMPORT in texts(replies)
    assert payloads(replies) == []


async def test_only_the_sender_may_confirm(harness: BotHarness) -> None:
    await _admin(harness)
    await _admin(harness, user="admin2", name="Quản Trị Hai")
    await harness.make_official("Cán Bộ", user="canbo", unit_code="VP")
    replies = await harness.send_file("don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(),
                                      user="admin")
    ok, cancel = button(replies, T.BUTTON_IMPORT), button(replies, T.BUTTON_CANCEL)
    await harness.restart()
    # another admin, an official, a stranger, a forged id: the same answer, nothing written
    for user in ("admin2", "canbo", "stranger"):
        assert T.CHOICE_GONE in texts(await harness.press(ok, user=user))
        assert T.CHOICE_GONE in texts(await harness.press(cancel, user=user))
    for forged in ("imp:ok:999999", "imp:ok:abc", "imp:ok:-1", "imp:yes:1", "imp:ok:"):
        assert T.CHOICE_GONE in texts(await harness.press(forged, user="admin"))
    assert await _count(harness, Unit) == 1 and await _count(harness, PendingImport) == 1
    # the sender still can, once; "Huỷ" drops the file
    assert T.CANCELLED.format(file="don-vi.csv") in texts(
        await harness.press(label=T.BUTTON_CANCEL, user="admin"))
    assert T.CHOICE_GONE in texts(await harness.press(label=T.BUTTON_IMPORT, user="admin"))
    assert await _count(harness, Unit) == 1 and await _count(harness, PendingImport) == 0


async def test_a_preview_expires(harness: BotHarness) -> None:
    await _admin(harness)
    await harness.send_file("don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(), user="admin")
    harness.clock.advance(PENDING_IMPORT_TTL + timedelta(minutes=1))
    assert T.CHOICE_GONE in texts(await harness.press(label=T.BUTTON_IMPORT, user="admin"))
    assert await _count(harness, Unit) == 1
    async with harness.app.sessionmaker.begin() as session:
        assert await collect_expired_imports(session, harness.clock.now()) == 1


async def test_one_bad_row_does_not_stop_the_others(harness: BotHarness) -> None:
    await _admin(harness)
    for name in ("don-vi.csv", "can-bo.csv"):
        await _preview_and_confirm(harness, name)
    table = (PLAN_LINE + TASKS_HEAD
             + "1,T1,Việc một,CDS,CB003,15/12/2026\n"
             + "2,T2,Việc ngày không có,CDS,CB003,31/02/2027\n"  # row 4: no such day
             + "3,T3,Việc của đơn vị lạ,KHONGCO,,15/12/2026\n"   # row 5: unknown unit
             + "4,T4,=HYPERLINK(\"http://x\"),CDS,,15/12/2026\n"  # row 6: a formula
             + "5,T5,Việc năm,CDS,CB004,Quý I/2027\n")
    replies = await harness.send_file("ke-hoach-12.csv", table.encode(), user="admin")
    preview = texts(replies)
    assert T.KIND_LABELS["tasks"] + T.SUBJECT.format(subject="Kế hoạch số 12/KH-CDS") in preview
    assert _count_line(T.PREVIEW_CREATED, 2, "tasks") in preview
    assert T.CREATED_LINE.format(item="T1: Việc một") in preview
    assert T.REJECTED_HEADER.format(count=3) in preview
    assert _rejected(4, IT.DEADLINE_NO_SUCH_DAY.format(day=31, month=2, year=2027)) \
        in preview.replace("31/02", "31/2")
    assert _rejected(5, IT.TASK_LEAD_UNKNOWN.format(unit="KHONGCO")) in preview
    assert fits(preview, _rejected(6, IT.FORMULA_CELL.format(column="Nhiệm vụ")))
    done = texts(await harness.press(label=T.BUTTON_IMPORT, user="admin"))
    assert _count_line(T.DONE_CREATED, 2, "tasks") in done
    assert T.REJECTED_HEADER.format(count=3) in done
    async with harness.app.sessionmaker() as session:
        codes = set((await session.execute(select(Task.code))).scalars())
        assert codes == {"T1", "T5"}
        assert (await session.execute(select(Plan.ref))).scalar_one() == "Kế hoạch số 12/KH-CDS"


async def test_a_file_of_only_bad_rows_offers_nothing(harness: BotHarness) -> None:
    await _admin(harness)
    await _preview_and_confirm(harness, "don-vi.csv")
    table = PLAN_LINE + TASKS_HEAD + "1,T1,Việc,KHONGCO,,15/12/2026\n"
    replies = await harness.send_file("x.csv", table.encode(), user="admin")
    assert _rejected(3, IT.TASK_LEAD_UNKNOWN.format(unit="KHONGCO")) in texts(replies)
    assert T.NOTHING_TO_IMPORT in texts(replies) and payloads(replies) == []
    assert await _count(harness, Plan) == 0 and await _count(harness, PendingImport) == 0


def _xlsx_with_formula() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mã đơn vị", "Tên đơn vị"])
    sheet.append(["A1", "Đơn vị một"])
    sheet.append(["A2", "=CONCAT(\"Đơn vị \", \"hai\")"])  # no cached value: never opened in Excel
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_bad_files_get_a_polite_reason_and_change_nothing(harness: BotHarness) -> None:
    await _admin(harness)
    cases: dict[str, tuple[bytes | None, str]] = {
        "hong.xlsx": (b"PK\x03\x04 not really a workbook",
                      IT.EXCEL_UNREADABLE.format(file="hong.xlsx")),
        "trang-web.xlsx": (b"<html><body><table><tr><td>x</td></tr></table></body></html>",
                           IT.EXCEL_UNREADABLE.format(file="trang-web.xlsx")),
        "mat-khau.xlsx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                          IT.EXCEL_OLD_OR_PASSWORD.format(file="mat-khau.xlsx")),
        "rac.csv": (bytes(range(256)) * 40, IT.CSV_ENCODING_UNREADABLE.format(file="rac.csv")),
        "nul.csv": (b"\x00\x01abc,\x00def\n" * 50, T.UNKNOWN_TABLE),
        "rong.csv": (b"", IT.FILE_EMPTY.format(file="rong.csv")),
        "cu.xls": (b"\xd0\xcf\x11\xe0", T.OLD_EXCEL.format(file="cu.xls")),
        "lon.xlsx": (None, T.FILE_TOO_LARGE.format(file="lon.xlsx", limit=20)),
        "khong-ke-hoach.csv": ((TASKS_HEAD + "1,T1,Việc,VP,,15/12/2026\n").encode(),
                               T.PLAN_UNKNOWN),
        "nhieu-dong.csv": (("Mã đơn vị,Tên đơn vị\n" + "X,Y\n" * 20_100).encode(),
                           IT.TOO_MANY_ROWS.format(file="nhieu-dong.csv", limit=20000)),
    }
    for name, (content, reason) in cases.items():
        replies = await harness.send_file(name, content, user="admin")
        assert fits(texts(replies), reason), (name, texts(replies))
        assert payloads(replies) == []
    # a formula without its value: that row is rejected, the other offered
    replies = await harness.send_file("cong-thuc.xlsx", _xlsx_with_formula(), user="admin")
    assert _rejected(3, IT.FORMULA_CELL.format(column="Tên đơn vị")) in texts(replies)
    assert _count_line(T.PREVIEW_CREATED, 1, "units") in texts(replies)
    assert await _count(harness, Unit) == 1 and await _count(harness, Plan) == 0
    assert await _count(harness, PendingImport) == 1


async def test_control_characters_are_cleaned_not_stored(harness: BotHarness) -> None:
    await _admin(harness)
    table = "Mã đơn vị,Tên đơn vị\nA1,Đơn\x00 vị\x07 một\x1b\n".encode()
    replies = await harness.send_file("dk.csv", table, user="admin")
    assert T.CREATED_LINE.format(item="A1: Đơn vị một") in texts(replies)
    await harness.press(label=T.BUTTON_IMPORT, user="admin")
    async with harness.app.sessionmaker() as session:
        unit = (await session.execute(select(Unit).where(Unit.code == "A1"))).scalar_one()
        assert unit.name == "Đơn vị một"


async def test_a_preview_gone_stale_is_shown_again(harness: BotHarness) -> None:
    await _admin(harness)
    await harness.send_file("don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(), user="admin")
    # meanwhile someone imports part of it from the command line
    async with harness.app.sessionmaker.begin() as session:
        await import_units(session, "a.csv", "Mã đơn vị,Tên đơn vị\nBTTTT,Bộ TTTT\n".encode(),
                           harness.clock.now())
    again = await harness.press(label=T.BUTTON_IMPORT, user="admin")
    assert T.CHANGED_SINCE.format(file="don-vi.csv") in texts(again)
    assert _count_line(T.PREVIEW_CREATED, 3, "units") in texts(again)
    assert fits(texts(again), T.UPDATED_LINE.format(code="BTTTT", columns="Tên đơn vị{rest}"))
    assert await _count(harness, Unit) == 2  # nothing of the file written yet
    done = texts(await harness.press(label=T.BUTTON_IMPORT, user="admin"))  # the new preview's
    assert _count_line(T.DONE_CREATED, 3, "units") in done
    assert await _count(harness, Unit) == 5


async def test_non_admins_cannot_import_and_guides_still_upload(harness: BotHarness) -> None:
    await harness.make_official("Trưởng", role="head", user="head")
    for user in ("head", "stranger"):
        replies = await harness.send_file("don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(),
                                          user=user)
        assert T.ONLY_ADMINS_IMPORT in texts(replies)
    assert await _count(harness, Unit) == 1
    await _admin(harness)
    guide = "# Hướng dẫn thử\n\n## Mục một\n\nNội dung mục một của hướng dẫn.\n".encode()
    assert fits(texts(await harness.upload_guide("a.md", guide, user="admin")), GT.ADDED)


async def test_admins_help_says_files_can_be_sent(harness: BotHarness) -> None:
    await _admin(harness)
    await harness.make_official("Cán Bộ", user="canbo")
    assert T.HELP_SEND_FILES in texts(await harness.say("/trogiup", user="admin"))
    assert T.HELP_SEND_FILES not in texts(await harness.say("/trogiup", user="canbo"))


async def test_a_plan_is_titled_by_its_subject_line_not_its_number_line(
        harness: BotHarness) -> None:
    await _admin(harness)
    for name in ("don-vi.csv", "can-bo.csv"):
        await _preview_and_confirm(harness, name)
    table = (PLAN_LINE + "Hà Nội, ngày 01 tháng 11 năm 2026\n"
             + "V/v Triển khai chuyển đổi số năm 2026\n" + TASKS_HEAD
             + "1,T1,Việc một,CDS,CB003,15/12/2026\n")
    replies = await harness.send_file("ke-hoach-12.csv", table.encode(), user="admin")
    assert T.KIND_LABELS["tasks"] + T.SUBJECT.format(subject="Kế hoạch số 12/KH-CDS") \
        in texts(replies)
    await harness.restart()  # the pending file is in the database
    await harness.press(label=T.BUTTON_IMPORT, user="admin")
    async with harness.app.sessionmaker() as session:
        plan = (await session.execute(select(Plan))).scalar_one()
        assert (plan.ref, plan.title) == ("Kế hoạch số 12/KH-CDS",
                                          "Triển khai chuyển đổi số năm 2026")


async def test_reimport_repairs_a_title_that_was_the_number_line(harness: BotHarness) -> None:
    await _admin(harness)
    for name in ("don-vi.csv", "can-bo.csv"):
        await _preview_and_confirm(harness, name)
    await harness.world.plan("Kế hoạch số 286/KH-BTTTT",  # as earlier imports stored it
                             title="KẾ HOẠCH SỐ 286/KH-BTTTT NGÀY 15/10/2026")
    assert _count_line(T.DONE_CREATED, 5, "tasks") in await _preview_and_confirm(
        harness, "nhiem-vu.csv")
    async with harness.app.sessionmaker() as session:
        plan = (await session.execute(select(Plan))).scalar_one()
        assert plan.title == "Triển khai Nghị quyết về chuyển đổi số giai đoạn 2026–2027"
