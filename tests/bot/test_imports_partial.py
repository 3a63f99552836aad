"""Partial imports (chat): bad rows are left out and listed, the rest goes ahead; what depends on a
rejected row is rejected with it; formulas, over-long cells and a huge sheet are refused."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import Official, Unit
from bot.imports.common import ImportFailed
from bot.imports.detect import detect_kind
from bot.imports.officials import import_officials
from bot.imports.tabular import MAX_UNPACKED_BYTES
from bot.imports.units import import_units
from bot.texts import imports as IT
from tests.bot.test_imports import EXAMPLES, NOW


@pytest.fixture
async def session(database_url: str) -> AsyncSession:  # type: ignore[misc]
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as s:
        yield s
    await engine.dispose()


async def test_units_under_a_rejected_parent_are_rejected_too(session: AsyncSession) -> None:
    body = ("Mã đơn vị,Tên đơn vị,Đơn vị cấp trên,Hạn chốt báo cáo\n"
            "A,Bộ A,,\n"
            "B,Cục B,A,thứ tám 99:00\n"   # row 3: bad cut-off
            "C,Phòng C,B,\n"              # row 4: its parent was rejected
            "D,Phòng D,A,\n"
            "E,Vòng E,F,\nF,Vòng F,E,\n")  # rows 6, 7: a loop
    result = await import_units(session, "u.csv", body.encode(), NOW, partial=True)
    assert [c.split(":")[0] for c in result.created] == ["A", "D"]
    assert sorted({e.row for e in result.rejected}) == [3, 4, 6, 7]
    assert any(IT.UNIT_PARENT_UNKNOWN.format(code="B") in e.reason
               for e in result.rejected if e.row == 4)
    assert {u.code for u in (await session.execute(select(Unit))).scalars()} == {"A", "D"}
    # the command line keeps all or nothing
    with pytest.raises(ImportFailed):
        await import_units(session, "u.csv", body.encode(), NOW)


async def test_over_long_cells_are_row_errors(session: AsyncSession) -> None:
    await import_units(session, "don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(), NOW)
    body = ("Mã cán bộ,Họ và tên,Mã đơn vị,Điện thoại\n"
            f"X1,{'Nguyễn ' * 50},CDS,\nX2,Trần B,CDS,{'9' * 40}\nX3,Lê C,CDS,0901\n"
            f"{'X' * 70},Phạm D,CDS,\n")
    result = await import_officials(session, "c.csv", body.encode(), NOW, partial=True)
    reasons = {e.row: e.reason for e in result.rejected}
    assert reasons == {2: IT.CELL_TOO_LONG.format(column="Họ và tên", limit=255),
                       3: IT.CELL_TOO_LONG.format(column="Điện thoại", limit=32),
                       5: IT.OFFICIAL_CODE_TOO_LONG}
    assert [o.code for o in (await session.execute(select(Official))).scalars()] == ["X3"]


def test_the_header_row_decides_the_kind() -> None:
    assert detect_kind("a.csv", (EXAMPLES / "don-vi.csv").read_bytes()) == "units"
    assert detect_kind("a.csv", (EXAMPLES / "can-bo.csv").read_bytes()) == "officials"
    assert detect_kind("a.xlsx", (EXAMPLES / "nhiem-vu.xlsx").read_bytes()) == "tasks"
    # an officials file naming its unit column "Đơn vị" is still officials, not units
    assert detect_kind("a.csv", "Mã,Họ và tên,Đơn vị\nCB1,An,CDS\n".encode()) == "officials"
    with pytest.raises(ImportFailed, match="không nhận ra bảng"):
        detect_kind("a.csv", "Cột một,Cột hai\n1,2\n".encode())


def test_a_zip_bomb_workbook_is_refused_before_parsing() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Mã đơn vị", "Tên đơn vị"])
    sheet.append(["A", "x" * 1000])
    buffer = io.BytesIO()
    book.save(buffer)
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, \
            zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/padding.bin", b"\0" * (MAX_UNPACKED_BYTES + 1))
    with pytest.raises(ImportFailed, match="khi giải nén lớn hơn"):
        detect_kind("bom.xlsx", bomb.getvalue())


async def test_a_new_head_is_refused_while_the_old_heads_row_is_rejected(
        session: AsyncSession) -> None:
    """Review of 8e95abf: the stored head counted as 'in the file' even when their row was
    rejected; a partial import then made the new head while the old one, left out, stayed head:
    two active heads. Only the rows imported count."""
    from tests.bot.test_imports import OFFICIALS_HEAD, UNITS_HEAD

    await import_units(session, "u.csv", (UNITS_HEAD + "A,Phòng A,,\n").encode(), NOW)
    await import_officials(session, "cb.csv", (
        OFFICIALS_HEAD + "H1,Trần Văn Hùng,,A,Trưởng đơn vị,,,\n").encode(), NOW)
    await session.commit()
    body = (OFFICIALS_HEAD + "H2,Lê Văn Mới,,A,Trưởng đơn vị,,,\n"
            "H1,Trần Văn Hùng,,AX,Cán bộ,,,\n")  # row 3: a unit code typo
    result = await import_officials(session, "cb.csv", body.encode(), NOW, partial=True)
    assert {e.row: e.reason for e in result.rejected} == {
        2: IT.UNIT_HAS_STORED_HEAD.format(code="A", name="Trần Văn Hùng", other="H1"),
        3: IT.OFFICIAL_UNIT_UNKNOWN.format(unit="AX")}
    await session.commit()
    heads = [o.code for o in (await session.execute(select(Official).where(
        Official.role == "head", Official.status == "active"))).scalars()]
    assert heads == ["H1"]
    # the typo mended, both rows go ahead: the new head leads
    fixed = body.replace(",AX,", ",A,")
    result = await import_officials(session, "cb.csv", fixed.encode(), NOW, partial=True)
    assert result.rejected == []
    await session.commit()
    heads = [o.code for o in (await session.execute(select(Official).where(
        Official.role == "head", Official.status == "active"))).scalars()]
    assert heads == ["H2"]
