"""Every CLI command, run as a real process, as an operator meets it: a file-system failure is one
clear Vietnamese line and exit 1 (no traceback); one-off commands print no log lines unless
TROLY_LOG_LEVEL asks; `troly migrate --demo-guides`; an empty variable means not set."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.cli.failures import describe_failure
from bot.db import migrate
from bot.texts import cli as T
from tests.harness import fits

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _troly(tmp_path: Path, database_url: str, *args: str,
           log_level: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY_")}
    env.update(TROLY_DATABASE_URL=database_url, TROLY_LOAD_DEMO_GUIDES="false")
    if log_level is not None:
        env["TROLY_LOG_LEVEL"] = log_level
    return subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_report_into_a_missing_folder_is_one_line(tmp_path: Path, database_url: str) -> None:
    assert _troly(tmp_path, database_url, "units", "import",
                  str(EXAMPLES / "don-vi.csv")).returncode == 0
    target = tmp_path / "khong-co" / "tien-do.xlsx"
    done = _troly(tmp_path, database_url, "report", "weekly", "--unit", "BTTTT",
                  "--week", "2026-W47", "--xlsx", str(target))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [T.FS_NOT_FOUND.format(path=target)]


def test_a_database_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    for command in (["run"], ["migrate"], ["guides", "list"]):
        done = _troly(tmp_path, f"sqlite+aiosqlite:///{blocker}/sub/troly.db", *command)
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        # the path named is the blocker's, or a folder under it
        assert fits(lines[-1], T.FS_NOT_DIRECTORY.format(path=f"{blocker}{{under}}")), done.stderr
        assert "Traceback" not in done.stderr
        if command != ["run"]:
            assert len(lines) == 1


def test_one_off_commands_are_quiet_unless_asked(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/troly.db"
    quiet = _troly(tmp_path, url, "guides", "list")
    assert quiet.returncode == 0 and quiet.stderr == ""
    verbose = _troly(tmp_path, url, "guides", "list", log_level="INFO")
    assert "INFO alembic" in verbose.stderr


def test_an_unwritable_database_folder_says_what_to_chown(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the tests run as root, for whom every folder is writable: pretend this one is not
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr("bot.db.migrate.os.access", lambda path, mode: Path(path) != folder)
    with pytest.raises(PermissionError) as caught:
        migrate.ensure_sqlite_dir(f"sqlite+aiosqlite:///{folder}/troly.db")
    message = describe_failure(caught.value)
    uid, gid = os.getuid(), os.getgid()
    assert message is not None and "\n" not in message
    assert f"chown -R {uid}:{gid} {folder}" in message and f"uid {uid}" in message


@pytest.mark.parametrize(("code", "start"), [
    (errno.ENOSPC, "Hết dung lượng đĩa khi ghi /data/x.xlsx"),
    (errno.EROFS, "/data/x.xlsx nằm trên ổ chỉ đọc"),
    (errno.EISDIR, "/data/x.xlsx là một thư mục"),
])
def test_other_file_system_errors_are_named(code: int, start: str) -> None:
    message = describe_failure(OSError(code, os.strerror(code), "/data/x.xlsx"))
    assert message is not None and message.startswith(start)


def test_sqlite_errors_wrapped_by_sqlalchemy_are_named() -> None:
    import sqlite3

    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"
    wrapped = OperationalError("INSERT …", {}, full)
    assert describe_failure(wrapped) == T.SQLITE_FULL


def test_a_refused_connection_or_a_bug_is_not_called_a_file_problem() -> None:
    # a refused connection is the database server's problem (tests/bot/test_cli_database_down.py)
    refused = describe_failure(ConnectionRefusedError(errno.ECONNREFUSED, "refused"))
    assert refused is not None and fits(refused, T.DATABASE_UNREACHABLE)
    assert describe_failure(ValueError("bug")) is None


def test_migrate_with_demo_guides_loads_them_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/troly.db"
    for _ in range(2):
        assert _troly(tmp_path, url, "migrate", "--demo-guides").returncode == 0
    listed = _troly(tmp_path, url, "guides", "list", "--json")
    guides = listed.stdout.strip().splitlines()
    assert len(guides) == 6 and "troly (demo)" not in listed.stderr


def test_an_empty_variable_means_not_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bot.config import Settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TROLY_TELEGRAM_TOKEN", "")
    monkeypatch.setenv("TROLY_HTTP_PORT", "")
    settings = Settings()
    assert settings.telegram_token is None and settings.http_port == 8080
