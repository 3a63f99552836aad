"""`troly units/officials/tasks import`, `officials list`, `invite`, `report weekly` end to end."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import CheckinEntry, CheckinReport
from bot.texts import checkin as CT
from bot.texts import cli as CT_CLI
from bot.texts import documents as D
from bot.texts import imports as IT
from tests.bot.docx_helpers import cell_paragraphs, open_docx
from tests.harness import fits
from tests.world import World

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_import_list_invite_report(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"TROLY_DATABASE_URL": database_url, "TROLY_TELEGRAM_BOT_USERNAME": "troly_bot",
           "TROLY_LOAD_DEMO_GUIDES": "false", "TROLY_LOG_LEVEL": "WARNING"}
    cli = build_cli()

    def invoke(*args: str) -> str:
        result = runner.invoke(cli, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    def done(created: object = "{created}", unchanged: object = "{unchanged}") -> str:
        return IT.DONE_SUMMARY.format(created=created, updated="{updated}", unchanged=unchanged)

    assert fits(invoke("units", "import", str(EXAMPLES / "don-vi.csv")), done(created=5))
    assert fits(invoke("officials", "import", str(EXAMPLES / "can-bo.csv")), done(created=9))
    dry = invoke("tasks", "import", str(EXAMPLES / "nhiem-vu.xlsx"), "--dry-run")
    assert fits(dry, IT.DRY_RUN_SUMMARY) and fits(dry, IT.CREATED_LINE.format(item="NV01{rest}"))
    assert fits(invoke("tasks", "import", str(EXAMPLES / "nhiem-vu.xlsx")), done(created=5))
    assert fits(invoke("tasks", "import", str(EXAMPLES / "nhiem-vu.csv")), done(unchanged=5))
    rows = [json.loads(line) for line in invoke("officials", "list", "--json").splitlines()]
    assert {r["code"] for r in rows} >= {"CB001", "CB009"}
    invitation = json.loads(invoke("invite", "--unit", "CDS", "--name", "Người Mới", "--json"))
    assert invitation["telegram_link"] == f"https://t.me/troly_bot?start={invitation['code']}"
    out = tmp_path / "tuan.xlsx"
    # this week: the tasks were imported just now (a past week shows them as they were then)
    text = invoke("report", "weekly", "--unit", "BTTTT", "--xlsx", str(out))
    assert CT.CATEGORY_LABELS["overdue"] in text
    book = load_workbook(out)
    assert book[CT.XLSX_TASKS_SHEET].max_row == 2 + 5
    # the same week as an administrative document, signed by the Cục's head from the import
    document = tmp_path / "bao-cao.docx"
    assert str(document) in invoke("report", "weekly", "--unit", "CDS", "--docx", str(document))
    doc = open_docx(document.read_bytes())
    assert [p.text for p in cell_paragraphs(doc.tables[0], 0, 0)] == [
        "BỘ THÔNG TIN VÀ TRUYỀN THÔNG", "CỤC CHUYỂN ĐỔI SỐ QUỐC GIA"]
    assert cell_paragraphs(doc.tables[1], 0, 0)[0].text == D.NUMBER.format(
        dots=D.NUMBER_DOTS, type_code="BC", unit_code="CDS")
    assert [p.text for p in cell_paragraphs(doc.tables[2], 0, 1)] == [
        "CỤC TRƯỞNG", D.SIGNER_HINT, "Nguyễn Văn An"]
    codes = {row.cells[1].text for row in doc.tables[-1].rows[1:]}
    assert {"NV01", "NV02", "NV05"} <= codes


def test_bad_file_is_rejected_with_row_numbers(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "don-vi.csv"
    bad.write_text("Mã đơn vị,Tên đơn vị,Đơn vị cấp trên\nA,Đơn vị A,\nB,,A\nC,Đơn vị C,ZZ\n",
                   encoding="utf-8")
    result = CliRunner().invoke(build_cli(), ["units", "import", str(bad)],
                                env={"TROLY_DATABASE_URL": database_url, "TROLY_LOG_LEVEL": "WARNING"})
    assert result.exit_code == 1
    assert IT.ROW_ERROR.format(row=3, reason=IT.UNIT_NAME_MISSING) in result.output
    assert IT.ROW_ERROR.format(row=4, reason=IT.UNIT_PARENT_UNKNOWN.format(code="ZZ")) \
        in result.output
    assert IT.REJECTED.format(count=2) in result.output


async def _poisoned_week(url: str) -> None:
    """A unit, a task and a check-in answer stored with a control character (pasted from Word)."""
    engine = make_engine(url)
    world = World(make_sessionmaker(engine))
    await world.unit("P1")
    lan = await world.official("Lan", "P1")
    task = await world.task("NV1", date(2026, 11, 20), "P1", [lan])
    now = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    async with world.sessionmaker.begin() as s:
        report = CheckinReport(official_id=lan, iso_week="2026-W48", status="submitted",
                               submitted_at=now, updated_at=now, revision=1)
        s.add(report)
        await s.flush()
        s.add(CheckinEntry(report_id=report.id, task_id=task, progress=30, status="at_risk",
                           blockers="Chờ\x01 kinh phí", updated_at=now))
    await engine.dispose()


def test_report_weekly_survives_control_characters_already_stored(
        database_url: str, tmp_path: Path) -> None:
    asyncio.run(_poisoned_week(database_url))
    out = tmp_path / "tuan.xlsx"
    result = CliRunner().invoke(
        build_cli(), ["report", "weekly", "--unit", "P1", "--week", "2026-W48", "--xlsx", str(out)],
        env={"TROLY_DATABASE_URL": database_url, "TROLY_LOG_LEVEL": "WARNING",
             "TROLY_LOAD_DEMO_GUIDES": "false"})
    assert result.exit_code == 0, result.output
    assert "Chờ" in result.output
    [row] = load_workbook(out)["Nhiệm vụ"].iter_rows(min_row=3, values_only=True)
    assert row[11] == "Lan: Chờ kinh phí"


def test_a_bad_week_is_told_in_vietnamese(database_url: str) -> None:
    """`--week 2026-W99` (or "tuần 48") printed Python's "Invalid week: 99"."""
    for week in ("2026-W99", "tuần 48"):
        result = CliRunner().invoke(
            build_cli(), ["report", "weekly", "--unit", "CDS", "--week", week],
            env={"TROLY_DATABASE_URL": database_url, "TROLY_LOG_LEVEL": "WARNING"})
        assert result.exit_code == 2
        said = " ".join(result.output.replace("│", " ").split())
        assert CT_CLI.WEEK_INVALID.format(week=week) in said, said
