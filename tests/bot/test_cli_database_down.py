"""A database that cannot be reached is one clear line from every CLI command and from `troly
run` (exit 1), not hundreds of lines of traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.texts import cli as T
from tests.harness import fits

pytestmark = pytest.mark.slow

#: nothing listens on port 9 (discard) of this machine
REFUSED = "postgresql+asyncpg://troly:secret@127.0.0.1:9/troly"
COMMANDS = [["run"], ["migrate"], ["outbox"], ["guides", "list"], ["officials", "list"],
            ["report", "weekly", "--unit", "X"], ["schedule", "show"], ["ask", "thủ tục"]]


def _troly(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY_")}
    env.update(TROLY_DATABASE_URL=url, TROLY_LOAD_DEMO_GUIDES="false")
    return subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unreachable_database_is_one_line(tmp_path: Path, command: list[str]) -> None:
    done = _troly(tmp_path, REFUSED, *command)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "secret" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert fits(lines[-1], T.DATABASE_UNREACHABLE.format(target="127.0.0.1:9/troly",
                                                          reason="{reason}")), done.stderr
    if command != ["run"]:
        assert len(lines) == 1, done.stderr


def test_an_unknown_database_host_is_one_line(tmp_path: Path) -> None:
    done = _troly(tmp_path, "postgresql+asyncpg://troly@no-such-host.invalid/troly", "outbox")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-such-host.invalid" in lines[0], done.stderr
