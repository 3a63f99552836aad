"""The command line for periods: reports for a month and a plan, consolidating units (CLI and
import column), leave, and `troly reminders preview` naming officials nobody can reach."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.clock import local_date
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import OfficialLeave
from bot.texts import checkin as CT
from bot.texts import cli as T
from bot.texts import documents as D
from bot.texts import imports as IT
from bot.texts import leave as LT
from bot.texts import reminders as R
from tests.bot.docx_helpers import body_texts, cell_paragraphs, open_docx
from tests.harness import fits
from tests.world import World


async def _seed(url: str, *, overdue: date) -> None:
    engine = make_engine(url)
    world = World(make_sessionmaker(engine), plan_ref="Kế hoạch số 286/KH-BTTTT", plan_title=None)
    for code, name in (("CUC", "Cục Chuyển đổi số"), ("SO_A", "Sở A"), ("SO_B", "Sở B")):
        await world.unit(code, name=name)
    an = await world.official("Nguyễn Văn An", "SO_A", code="CB01", accounts={})
    binh = await world.official("Trần Bình", "SO_B", code="CB02",
                                accounts={"telegram": "2002"})  # only Bình
    await world.task("NV1", overdue, "SO_A", [an])
    await world.task("NV2", date(2027, 6, 30), "SO_B", [binh])
    await engine.dispose()


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TROLY_DATABASE_URL", database_url)
    monkeypatch.setenv("TROLY_LOAD_DEMO_GUIDES", "false")
    monkeypatch.setenv("TROLY_LOG_LEVEL", "WARNING")
    return CliRunner()


def _invoke(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(build_cli(), list(args))
    assert result.exit_code == code, result.output
    return result.output


@pytest.mark.slow
def test_fresh_install_preview_names_who_cannot_be_reached(cli: CliRunner,
                                                           database_url: str) -> None:
    today = local_date(datetime.now(UTC))
    asyncio.run(_seed(database_url, overdue=today - timedelta(days=10)))
    out = _invoke(cli, "reminders", "preview")
    assert T.PREVIEW_UNREACHABLE.format(count=1) in out
    assert fits(out, T.PREVIEW_UNREACHABLE_ITEM.format(
        name="Nguyễn Văn An", code="CB01", unit="Sở A", what="{what}",
        command="troly invite --official CB01"))
    assert R.UNDELIVERED_KINDS["overdue"] in out
    assert "Trần Bình" not in out.split(T.PREVIEW_UNREACHABLE.format(count=1))[1]  # has a chat
    rows = json.loads(_invoke(cli, "reminders", "preview", "--json"))
    [person] = [row for row in rows if row["kind"] == "unreachable"]
    assert person["code"] == "CB01" and person["invite"] == "troly invite --official CB01"


def test_plan_report_and_consolidating_units(cli: CliRunner, database_url: str,
                                            tmp_path: Path) -> None:
    asyncio.run(_seed(database_url, overdue=date(2026, 11, 10)))
    assert "KH286" in _invoke(cli, "plans", "list")
    out = _invoke(cli, "plans", "consolidate", "--plan", "KH286", "--unit", "CUC")
    assert T.CONSOLIDATORS.format(plan="Kế hoạch số 286/KH-BTTTT", units="CUC") in out
    [row] = [json.loads(line) for line in _invoke(cli, "plans", "list", "--json").splitlines()]
    assert row["consolidators"] == ["CUC"] and row["tasks"] == 2 and row["handle"] == "KH286"
    xlsx = tmp_path / "kh286.xlsx"
    text = _invoke(cli, "report", "plan", "--plan", "KH286", "--period", "2026-11",
                   "--xlsx", str(xlsx))
    assert text.startswith(CT.PLAN_TITLE.format(plan="Kế hoạch số 286/KH-BTTTT", title="",
                                                period="tháng 11/2026 (15/10–14/11/2026)"))
    assert CT.PLAN_UNITS in text
    assert fits(text, CT.PLAN_UNIT.format(unit="Sở A", tasks=1, avg="{avg}", overdue=1,
                                          reported="{reported}", total="{total}"))
    assert fits(text, CT.UNITS_NOT_REPORTED.format(count=2, items="{items}"))
    assert sorted(r[1] for r in load_workbook(xlsx)[CT.XLSX_TASKS_SHEET].iter_rows(
        min_row=3, values_only=True)) == ["NV1", "NV2"]
    data = json.loads(_invoke(cli, "report", "plan", "--plan", "286/KH-BTTTT", "--period",
                              "quý IV/2026", "--json"))
    assert data["period"]["key"] == "2026-Q4" and data["scope"]["kind"] == "plan"
    assert {t["code"] for t in data["tasks"]} == {"NV1", "NV2"}
    month = json.loads(_invoke(cli, "report", "monthly", "--unit", "SO_A", "--period", "2026-11",
                               "--json"))
    assert month["period"]["label"] == "tháng 11/2026" and month["scope"]["unit_code"] == "SO_A"
    _invoke(cli, "plans", "consolidate", "--plan", "KH286", "--unit", "CUC", "--remove")
    assert json.loads(_invoke(cli, "plans", "list", "--json"))["consolidators"] == []
    assert T.PLAN_NOT_FOUND.format(plan="KH404") in _invoke(cli, "report", "plan", "--plan",
                                                            "KH404", code=1)
    assert T.UNIT_NOT_FOUND.format(code="ZZ") in _invoke(cli, "plans", "consolidate", "--plan",
                                                         "KH286", "--unit", "ZZ", code=1)


def test_import_column_names_the_consolidating_unit(cli: CliRunner, database_url: str,
                                                   tmp_path: Path) -> None:
    asyncio.run(_seed(database_url, overdue=date(2026, 11, 10)))
    table = tmp_path / "kh.csv"
    table.write_text("Mã nhiệm vụ,Nhiệm vụ,Đơn vị chủ trì,Thời hạn,Đơn vị tổng hợp\n"
                     "A1,Việc A,SO_A,31/12/2026,CUC\nA2,Việc B,SO_B,31/12/2026,\n",
                     encoding="utf-8")
    _invoke(cli, "tasks", "import", str(table), "--plan", "Kế hoạch số 57/KH-UBND")
    rows = [json.loads(line) for line in _invoke(cli, "plans", "list", "--json").splitlines()]
    assert {r["handle"]: r["consolidators"] for r in rows} == {"KH286": [], "KH57": ["CUC"]}
    bad = tmp_path / "bad.csv"
    bad.write_text("Mã nhiệm vụ,Nhiệm vụ,Đơn vị chủ trì,Thời hạn,Đơn vị tổng hợp\n"
                   "A1,Việc A,SO_A,31/12/2026,KHONG_CO\n", encoding="utf-8")
    out = _invoke(cli, "tasks", "import", str(bad), "--plan", "Kế hoạch số 58/KH-UBND", code=1)
    assert IT.ROW_ERROR.format(
        row=2, reason=IT.TASK_CONSOLIDATOR_UNKNOWN.format(unit="KHONG_CO")) in out


def test_leave_from_the_command_line(cli: CliRunner, database_url: str) -> None:
    asyncio.run(_seed(database_url, overdue=date(2026, 11, 10)))
    today = local_date(datetime.now(UTC))
    start, end = today + timedelta(days=3), today + timedelta(days=7)
    out = _invoke(cli, "leave", "add", "--official", "CB02", "--from", start.isoformat(),
                  "--to", end.isoformat(), "--note", "Nghỉ phép năm")
    assert f"Trần Bình, {start:%d/%m/%Y} – {end:%d/%m/%Y}" in out
    [row] = [json.loads(line) for line in _invoke(cli, "leave", "list", "--json").splitlines()]
    assert row["official"] == "CB02" and row["from"] == start.isoformat()
    assert row["note"] == "Nghỉ phép năm"
    assert T.LEAVE_CANCELLED.format(id=row["id"]) in _invoke(cli, "leave", "cancel",
                                                             str(row["id"]))
    assert _invoke(cli, "leave", "list").strip() == ""
    assert T.LEAVE_NOT_FOUND.format(id=row["id"]) in _invoke(cli, "leave", "cancel",
                                                             str(row["id"]), code=1)
    assert T.OFFICIAL_NOT_FOUND.format(code="ZZ") in _invoke(
        cli, "leave", "add", "--official", "ZZ", "--from", start.isoformat(), code=1)
    assert LT.END_BEFORE_START in _invoke(cli, "leave", "add", "--official", "CB02", "--from",
                                          end.isoformat(), "--to", start.isoformat(), code=1)

    async def count() -> int:
        engine = make_engine(database_url)
        async with make_sessionmaker(engine)() as s:
            n = len((await s.execute(select(OfficialLeave))).scalars().all())
        await engine.dispose()
        return n

    assert asyncio.run(count()) == 1  # the refused ones wrote nothing


def _document_parts(path: Path) -> list[str]:
    """The parts of an administrative .docx, read back with python-docx (in order)."""
    doc = open_docx(path.read_bytes())
    header, number_line, signature, annex = doc.tables[0], doc.tables[1], doc.tables[2], \
        doc.tables[-1]
    assert [p.text for p in cell_paragraphs(header, 0, 1)] == [
        D.NATIONAL_NAME, D.MOTTO]
    lines = body_texts(doc)
    headings = [D.TITLE, D.SECTION_RESULTS, D.SECTION_OVERDUE, D.SECTION_BLOCKERS,
                D.SECTION_RECOMMENDATIONS, D.ANNEX_TITLE]
    positions = [lines.index(h) for h in headings]
    assert positions == sorted(positions)
    assert cell_paragraphs(signature, 0, 0)[0].text == D.RECIPIENTS_TITLE
    assert [c.text for c in annex.rows[0].cells][:3] == list(D.ANNEX_HEADERS[:3])
    return [*(p.text for p in cell_paragraphs(header, 0, 0)),
            *(p.text for p in cell_paragraphs(number_line, 0, 0)),
            lines[positions[0] + 1], *(row.cells[1].text for row in annex.rows[1:]),
            *(p.text for p in cell_paragraphs(signature, 0, 1))]


def test_monthly_and_plan_reports_as_administrative_documents(
        cli: CliRunner, database_url: str, tmp_path: Path) -> None:
    asyncio.run(_seed(database_url, overdue=date(2026, 11, 10)))
    month = tmp_path / "thang.docx"
    out = _invoke(cli, "report", "monthly", "--unit", "SO_A", "--period", "2026-11",
                  "--docx", str(month))
    assert T.FILE_WRITTEN.format(path=month) in out
    assert _document_parts(month) == [
        "SỞ A", D.NUMBER.format(dots=D.NUMBER_DOTS, type_code="BC", unit_code="SO_A"),
        D.SUBTITLE.format(period="tháng 11/2026 (15/10–14/11/2026)"),
        "NV1", D.SIGNER_DEFAULT_TITLE, D.SIGNER_HINT]
    quarter = tmp_path / "quy.docx"
    _invoke(cli, "report", "quarterly", "--unit", "SO_B", "--period", "quý IV/2026",
            "--docx", str(quarter), "--json")
    assert _document_parts(quarter)[2].startswith(D.SUBTITLE.format(period="quý IV/2026"))
    # a plan: issued by its consolidating unit, or by the unit named with --unit
    _invoke(cli, "plans", "consolidate", "--plan", "KH286", "--unit", "CUC")
    plan = tmp_path / "kh286.docx"
    _invoke(cli, "report", "plan", "--plan", "KH286", "--period", "2026-11", "--docx", str(plan))
    parts = _document_parts(plan)
    assert parts[:2] == ["CỤC CHUYỂN ĐỔI SỐ",
                         D.NUMBER.format(dots=D.NUMBER_DOTS, type_code="BC", unit_code="CUC")]
    assert parts[2] == D.SUBTITLE_PLAN.format(plan="Kế hoạch số 286/KH-BTTTT", title="",
                                              period="tháng 11/2026 (15/10–14/11/2026)")
    assert parts[3:5] == ["NV1", "NV2"]
    _invoke(cli, "report", "plan", "--plan", "KH286", "--period", "2026-11", "--docx", str(plan),
            "--unit", "SO_B")
    assert _document_parts(plan)[:2] == [
        "SỞ B", D.NUMBER.format(dots=D.NUMBER_DOTS, type_code="BC", unit_code="SO_B")]
    assert T.UNIT_NOT_FOUND.format(code="ZZ") in _invoke(cli, "report", "plan", "--plan", "KH286",
                                                         "--docx", str(plan), "--unit", "ZZ",
                                                         code=1)
