"""`troly units/officials/tasks import`, `officials list`, `invite`, `report weekly` end to end."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli import build_cli

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

    assert "thêm mới 5" in invoke("units", "import", str(EXAMPLES / "don-vi.csv"))
    assert "thêm mới 9" in invoke("officials", "import", str(EXAMPLES / "can-bo.csv"))
    dry = invoke("tasks", "import", str(EXAMPLES / "nhiem-vu.xlsx"), "--dry-run")
    assert "Chạy thử" in dry and "+ NV01" in dry
    assert "thêm mới 5" in invoke("tasks", "import", str(EXAMPLES / "nhiem-vu.xlsx"))
    assert "không đổi 5" in invoke("tasks", "import", str(EXAMPLES / "nhiem-vu.csv"))
    rows = [json.loads(line) for line in invoke("officials", "list", "--json").splitlines()]
    assert {r["code"] for r in rows} >= {"CB001", "CB009"}
    invitation = json.loads(invoke("invite", "--unit", "CDS", "--name", "Người Mới", "--json"))
    assert invitation["telegram_link"] == f"https://t.me/troly_bot?start={invitation['code']}"
    out = tmp_path / "tuan.xlsx"
    text = invoke("report", "weekly", "--unit", "BTTTT", "--week", "2026-W47", "--xlsx", str(out))
    assert "Quá hạn chưa hoàn thành" in text
    book = load_workbook(out)
    assert book["Nhiệm vụ"].max_row == 2 + 5


def test_bad_file_is_rejected_with_row_numbers(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "don-vi.csv"
    bad.write_text("Mã đơn vị,Tên đơn vị,Đơn vị cấp trên\nA,Đơn vị A,\nB,,A\nC,Đơn vị C,ZZ\n",
                   encoding="utf-8")
    result = CliRunner().invoke(build_cli(), ["units", "import", str(bad)],
                                env={"TROLY_DATABASE_URL": database_url, "TROLY_LOG_LEVEL": "WARNING"})
    assert result.exit_code == 1
    assert "Dòng 3: thiếu Tên đơn vị" in result.output
    assert "Dòng 4: không có đơn vị cấp trên mã ZZ" in result.output
    assert "chưa có dữ liệu nào được ghi" in result.output
