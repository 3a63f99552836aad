"""`troly chat`: the same dispatcher in a terminal, with numbered options."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.texts import ask as A
from tests.harness import fits


def test_chat_answers_questions_and_numbered_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/troly.db")
    monkeypatch.setenv("TROLY_LOG_LEVEL", "WARNING")
    result = CliRunner().invoke(build_cli(), ["chat"],
                                input="/huongdan\n1\nto cong nghe so cong dong gom nhung ai\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert A.GUIDE_LIST_HEADER.format(count=6) in out
    assert "\n1. " in out  # buttons rendered as numbered options
    assert fits(out, A.GUIDE_SECTIONS_HEADER)  # typing "1" picked the first guide
    assert A.ANSWER_SOURCE.format(title="Hướng dẫn triển khai chuyển đổi số cấp xã") in out
