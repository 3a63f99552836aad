"""`troly run`'s event loop (TROLY_EVENT_LOOP): uvloop where installed unless asked otherwise, a
clear refusal when uvloop is demanded but missing, and `troly run` answering on uvloop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import typer
import uvloop
from typer.testing import CliRunner

from bot.app import App
from bot.cli import build_cli
from bot.cli import core as cli_core
from bot.cli.core import choose_event_loop
from bot.texts import cli as T
from testkit.fake_telegram import FakeBotAPI
from tests.processes import until, within

SECRET = "loop-secret_1"


@pytest.fixture
def no_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    """`import uvloop` fails, as on a platform without its wheels (Windows, PyPy)."""
    monkeypatch.setitem(sys.modules, "uvloop", None)


def test_auto_picks_uvloop_when_it_is_installed() -> None:
    assert choose_event_loop("auto") == ("uvloop", uvloop.new_event_loop)


def test_asyncio_opts_out() -> None:
    assert choose_event_loop("asyncio") == ("asyncio", None)


@pytest.mark.usefixtures("no_uvloop")
def test_auto_falls_back_to_asyncio_without_uvloop() -> None:
    assert choose_event_loop("auto") == ("asyncio", None)


@pytest.mark.usefixtures("no_uvloop")
def test_demanding_a_missing_uvloop_is_refused_in_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as raised:
        choose_event_loop("uvloop")
    assert raised.value.exit_code == 2
    assert capsys.readouterr().err.strip() == T.UVLOOP_MISSING


@pytest.fixture
def sigterm_kept() -> Iterator[None]:
    """`troly run` replaces the SIGTERM handler: give this process its own back afterwards."""
    before = signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, before)


@pytest.mark.usefixtures("sigterm_kept")
@pytest.mark.parametrize(("setting", "loop_class"), [
    ("asyncio", asyncio.BaseEventLoop), ("uvloop", uvloop.Loop), ("auto", uvloop.Loop)])
def test_troly_run_serves_on_the_loop_the_setting_names(
        setting: str, loop_class: type, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran_on: list[asyncio.AbstractEventLoop] = []

    async def fake_run_forever(app: App, **_kwargs: Any) -> None:
        ran_on.append(asyncio.get_running_loop())
        await app.stop()

    monkeypatch.setattr(cli_core, "run_forever", fake_run_forever)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/troly.db")
    monkeypatch.setenv("TROLY_EVENT_LOOP", setting)
    result = CliRunner().invoke(build_cli(), ["run"])
    assert result.exit_code == 0, result.output
    [loop] = ran_on
    assert isinstance(loop, loop_class)
    assert isinstance(loop, uvloop.Loop) == (setting != "asyncio")
    assert f"event loop: {'asyncio' if setting == 'asyncio' else 'uvloop'}" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
async def test_troly_run_on_uvloop_answers_a_telegram_question(
        database_url: str, tmp_path: Path) -> None:
    """The real process on uvloop: webhook in, the reply out to the (fake) Bot API, clean stop."""
    async with FakeBotAPI() as telegram:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TROLY_")}
        env.update(TROLY_DATABASE_URL=database_url, TROLY_HTTP_HOST="127.0.0.1",
                   TROLY_HTTP_PORT=str(port), TROLY_LOAD_DEMO_GUIDES="false",
                   TROLY_SCHEDULER_ENABLED="false", TROLY_EVENT_LOOP="uvloop",
                   TROLY_TELEGRAM_TOKEN=telegram.token, TROLY_TELEGRAM_API_URL=telegram.base_url,
                   TROLY_TELEGRAM_WEBHOOK_URL="https://loop.invalid/telegram/webhook",
                   TROLY_TELEGRAM_WEBHOOK_SECRET=SECRET)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from bot.cli import main; main()", "run",
            cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            await until(lambda: telegram.webhook is not None, "troly run to set its webhook")
            async with aiohttp.ClientSession() as session, session.post(
                    f"http://127.0.0.1:{port}/telegram/webhook",
                    json=telegram.text_update(4242, "thủ tục báo cáo tiến độ"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                assert response.status == 200
            await until(lambda: telegram.sent_per_chat["4242"] > 0, "the answer")
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            _, err = await within(proc.communicate(), "troly run to stop on SIGTERM")
    log = err.decode()
    assert "event loop: uvloop" in log
    assert proc.returncode == 0, log[-3000:]
    assert "Traceback" not in log
    assert telegram.texts("4242")  # an answer (no guides loaded: the "no guides yet" reply)
