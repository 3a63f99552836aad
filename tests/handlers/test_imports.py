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
from bot.messages import OutgoingMessage
from bot.texts import admin_import as T
from tests.harness import BotHarness, payloads, texts

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
PLAN_LINE = "KẾ HOẠCH SỐ 12/KH-CDS NGÀY 01/11/2026\n"
TASKS_HEAD = "STT,Mã nhiệm vụ,Nhiệm vụ,Đơn vị chủ trì,Cán bộ phụ trách,Thời hạn\n"


async def _admin(h: BotHarness, user: str = "admin", name: str = "Quản Trị") -> None:
    await h.make_official(name, role="admin", user=user, unit_code="VP")


async def _count(h: BotHarness, model: type) -> int:
    async with h.app.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


def _button(replies: list[OutgoingMessage], label: str) -> str:
    return next(b.payload for m in replies for b in m.buttons if b.label == label)


async def _preview_and_confirm(h: BotHarness, name: str, *, restart: bool = False) -> str:
    replies = await h.send_file(name, (EXAMPLES / name).read_bytes(), user="admin")
    assert "Chưa có gì được ghi" in texts(replies)
    ok = _button(replies, T.BUTTON_IMPORT)
    if restart:
        await h.restart()
    return texts(await h.press(ok, user="admin"))


async def test_example_files_previewed_then_imported_across_a_restart(harness: BotHarness) -> None:
    await _admin(harness)
    replies = await harness.send_file("don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(),
                                      user="admin")
    preview = texts(replies)
    assert "Xem trước tệp don-vi.csv — danh sách đơn vị" in preview
    assert "Thêm mới 4 đơn vị" in preview and "+ CDS: Cục Chuyển đổi số quốc gia" in preview
    assert "Có trong hệ thống nhưng không có trong tệp (1, giữ nguyên, không xoá): VP" not in preview
    assert [b.label for m in replies for b in m.buttons] == [T.BUTTON_IMPORT, T.BUTTON_CANCEL]
    assert await _count(harness, Unit) == 1  # the admin's own unit (VP), nothing imported yet
    ok = _button(replies, T.BUTTON_IMPORT)
    await harness.restart()  # the pending file is in the database
    done = texts(await harness.press(ok, user="admin"))
    assert "Đã nhập tệp don-vi.csv" in done and "Đã thêm 4 đơn vị" in done
    assert "Thay đổi 1" not in done and "Đã cập nhật 1 đơn vị" in done  # VP got its name and parent
    assert await _count(harness, Unit) == 5
    assert await _count(harness, PendingImport) == 0
    # pressing again: the file was imported, nothing happens twice
    assert T.CHOICE_GONE in texts(await harness.press(ok, user="admin"))

    assert "Đã thêm 9 cán bộ" in await _preview_and_confirm(harness, "can-bo.csv", restart=True)
    done = await _preview_and_confirm(harness, "nhiem-vu.xlsx")
    assert "bảng nhiệm vụ của Kế hoạch số 286/KH-BTTTT" in done and "Đã thêm 5 nhiệm vụ" in done
    assert await _count(harness, Task) == 5
    async with harness.app.sessionmaker() as session:
        chau = (await session.execute(select(Official).where(Official.code == "CB003"))).scalar_one()
        assigned = await session.scalar(select(func.count()).select_from(TaskAssignee).where(
            TaskAssignee.official_id == chau.id))
        assert assigned == 2  # NV01, NV02
    # the same table as .csv: nothing to do, no buttons
    replies = await harness.send_file("nhiem-vu.csv", (EXAMPLES / "nhiem-vu.csv").read_bytes(),
                                      user="admin")
    assert "Không đổi: 5 nhiệm vụ" in texts(replies) and T.NOTHING_TO_IMPORT in texts(replies)
    assert payloads(replies) == []


async def test_only_the_sender_may_confirm(harness: BotHarness) -> None:
    await _admin(harness)
    await _admin(harness, user="admin2", name="Quản Trị Hai")
    await harness.make_official("Cán Bộ", user="canbo", unit_code="VP")
    replies = await harness.send_file("don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(),
                                      user="admin")
    ok, cancel = _button(replies, T.BUTTON_IMPORT), _button(replies, T.BUTTON_CANCEL)
    await harness.restart()
    # another admin, an official, a stranger, a forged id: the same answer, nothing written
    for user in ("admin2", "canbo", "stranger"):
        assert T.CHOICE_GONE in texts(await harness.press(ok, user=user))
        assert T.CHOICE_GONE in texts(await harness.press(cancel, user=user))
    for forged in ("imp:ok:999999", "imp:ok:abc", "imp:ok:-1", "imp:yes:1", "imp:ok:"):
        assert T.CHOICE_GONE in texts(await harness.press(forged, user="admin"))
    assert await _count(harness, Unit) == 1 and await _count(harness, PendingImport) == 1
    # the sender still can, once; "Huỷ" drops the file
    assert "Đã huỷ" in texts(await harness.press(cancel, user="admin"))
    assert T.CHOICE_GONE in texts(await harness.press(ok, user="admin"))
    assert await _count(harness, Unit) == 1 and await _count(harness, PendingImport) == 0


async def test_a_preview_expires(harness: BotHarness) -> None:
    await _admin(harness)
    replies = await harness.send_file("don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(),
                                      user="admin")
    harness.clock.advance(PENDING_IMPORT_TTL + timedelta(minutes=1))
    assert T.CHOICE_GONE in texts(await harness.press(_button(replies, T.BUTTON_IMPORT),
                                                      user="admin"))
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
    assert "bảng nhiệm vụ của Kế hoạch số 12/KH-CDS" in preview
    assert "Thêm mới 2 nhiệm vụ" in preview and "+ T1: Việc một" in preview
    assert "Dòng bị từ chối (3, không nhập):" in preview
    assert "Dòng 4: ngày 31/2/2027 không tồn tại" in preview.replace("31/02", "31/2")
    assert "Dòng 5: không có đơn vị chủ trì \u201cKHONGCO\u201d" in preview
    assert "Dòng 6: ô Nhiệm vụ là công thức" in preview
    done = texts(await harness.press(_button(replies, T.BUTTON_IMPORT), user="admin"))
    assert "Đã thêm 2 nhiệm vụ" in done and "Dòng bị từ chối (3, không nhập):" in done
    async with harness.app.sessionmaker() as session:
        codes = set((await session.execute(select(Task.code))).scalars())
        assert codes == {"T1", "T5"}
        assert (await session.execute(select(Plan.ref))).scalar_one() == "Kế hoạch số 12/KH-CDS"


async def test_a_file_of_only_bad_rows_offers_nothing(harness: BotHarness) -> None:
    await _admin(harness)
    await _preview_and_confirm(harness, "don-vi.csv")
    table = PLAN_LINE + TASKS_HEAD + "1,T1,Việc,KHONGCO,,15/12/2026\n"
    replies = await harness.send_file("x.csv", table.encode(), user="admin")
    assert "Dòng 3: không có đơn vị chủ trì" in texts(replies)
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
        "hong.xlsx": (b"PK\x03\x04 not really a workbook", "không đọc được tệp Excel hong.xlsx"),
        "rac.csv": (bytes(range(256)) * 40, "không đọc được bảng mã của tệp rac.csv"),
        "nul.csv": (b"\x00\x01abc,\x00def\n" * 50, "không nhận ra bảng trong tệp"),
        "rong.csv": (b"", "không nhận ra bảng trong tệp"),
        "cu.xls": (b"\xd0\xcf\x11\xe0", "định dạng Excel cũ"),
        "lon.xlsx": (None, "lớn hơn 20 MB"),
        "khong-ke-hoach.csv": ((TASKS_HEAD + "1,T1,Việc,VP,,15/12/2026\n").encode(),
                               "chưa biết bảng nhiệm vụ thuộc kế hoạch nào"),
        "nhieu-dong.csv": (("Mã đơn vị,Tên đơn vị\n" + "X,Y\n" * 20_100).encode(),
                           "có hơn 20000 dòng"),
    }
    for name, (content, reason) in cases.items():
        replies = await harness.send_file(name, content, user="admin")
        assert reason in texts(replies), (name, texts(replies))
        assert payloads(replies) == []
    # a formula without its value: that row is rejected, the other offered
    replies = await harness.send_file("cong-thuc.xlsx", _xlsx_with_formula(), user="admin")
    assert "Dòng 3: ô Tên đơn vị là công thức" in texts(replies)
    assert "Thêm mới 1 đơn vị" in texts(replies)
    assert await _count(harness, Unit) == 1 and await _count(harness, Plan) == 0
    assert await _count(harness, PendingImport) == 1


async def test_control_characters_are_cleaned_not_stored(harness: BotHarness) -> None:
    await _admin(harness)
    table = "Mã đơn vị,Tên đơn vị\nA1,Đơn\x00 vị\x07 một\x1b\n".encode()
    replies = await harness.send_file("dk.csv", table, user="admin")
    assert "+ A1: Đơn vị một" in texts(replies)
    await harness.press(_button(replies, T.BUTTON_IMPORT), user="admin")
    async with harness.app.sessionmaker() as session:
        unit = (await session.execute(select(Unit).where(Unit.code == "A1"))).scalar_one()
        assert unit.name == "Đơn vị một"


async def test_a_preview_gone_stale_is_shown_again(harness: BotHarness) -> None:
    await _admin(harness)
    replies = await harness.send_file("don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(),
                                      user="admin")
    # meanwhile someone imports part of it from the command line
    async with harness.app.sessionmaker.begin() as session:
        await import_units(session, "a.csv", "Mã đơn vị,Tên đơn vị\nBTTTT,Bộ TTTT\n".encode(),
                           harness.clock.now())
    again = await harness.press(_button(replies, T.BUTTON_IMPORT), user="admin")
    assert "đã thay đổi kể từ lúc xem trước" in texts(again)
    assert "Thêm mới 3 đơn vị" in texts(again) and "~ BTTTT: Tên đơn vị" in texts(again)
    assert await _count(harness, Unit) == 2  # nothing of the file written yet
    done = texts(await harness.press(_button(again, T.BUTTON_IMPORT), user="admin"))
    assert "Đã thêm 3 đơn vị" in done
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
    assert "Đã thêm hướng dẫn" in texts(await harness.send_file("a.md", guide, user="admin"))


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
    assert "bảng nhiệm vụ của Kế hoạch số 12/KH-CDS" in texts(replies)
    await harness.restart()  # the pending file is in the database
    await harness.press(_button(replies, T.BUTTON_IMPORT), user="admin")
    async with harness.app.sessionmaker() as session:
        plan = (await session.execute(select(Plan))).scalar_one()
        assert (plan.ref, plan.title) == ("Kế hoạch số 12/KH-CDS",
                                          "Triển khai chuyển đổi số năm 2026")


async def test_reimport_repairs_a_title_that_was_the_number_line(harness: BotHarness) -> None:
    await _admin(harness)
    for name in ("don-vi.csv", "can-bo.csv"):
        await _preview_and_confirm(harness, name)
    async with harness.app.sessionmaker.begin() as session:  # as earlier imports stored it
        session.add(Plan(ref="Kế hoạch số 286/KH-BTTTT", created_at=harness.clock.now(),
                         title="KẾ HOẠCH SỐ 286/KH-BTTTT NGÀY 15/10/2026"))
    assert "Đã thêm 5 nhiệm vụ" in await _preview_and_confirm(harness, "nhiem-vu.csv")
    async with harness.app.sessionmaker() as session:
        plan = (await session.execute(select(Plan))).scalar_one()
        assert plan.title == "Triển khai Nghị quyết về chuyển đổi số giai đoạn 2026–2027"
