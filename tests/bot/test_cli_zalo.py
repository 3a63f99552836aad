"""`troly zalo menu [--set]` against the fake OA (real client over HTTP, tokens from the database)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from typer.testing import CliRunner

import handlers
from bot.channels.zalo.menu import MENU, menu_body, unknown_commands
from bot.cli import build_cli
from bot.router import Router
from bot.texts import zalo as T
from testkit.fake_zalo import OA_SECRET_KEY, FakeZalo


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    """A started fake OA."""
    server = FakeZalo()
    await server.start()
    yield server
    await server.close()


class ZaloCli:
    """`troly zalo …` with Zalo configured against the fake, run off the event loop."""

    def __init__(self, database_url: str, fake: FakeZalo) -> None:
        access, refresh = fake.issue_tokens()
        self.env = {"TROLY_DATABASE_URL": database_url, "TROLY_LOAD_DEMO_GUIDES": "false",
                    "TROLY_LOG_LEVEL": "WARNING", "TROLY_ZALO_APP_ID": fake.app_id,
                    "TROLY_ZALO_APP_SECRET": fake.app_secret,
                    "TROLY_ZALO_OA_SECRET_KEY": OA_SECRET_KEY,
                    "TROLY_ZALO_ACCESS_TOKEN": access, "TROLY_ZALO_REFRESH_TOKEN": refresh,
                    "TROLY_ZALO_API_URL": fake.url, "TROLY_ZALO_OAUTH_URL": fake.url}
        self.runner = CliRunner()
        self.cli = build_cli()

    async def __call__(self, *args: str, code: int = 0, **env: str) -> str:
        # the CLI runs its own event loop (asyncio.run): a thread keeps the fake's loop serving
        result = await asyncio.to_thread(self.runner.invoke, self.cli, ["zalo", *args],
                                         env={**self.env, **env})
        assert result.exit_code == code, result.output
        return result.output


@pytest.fixture
def zcli(database_url: str, fake: FakeZalo) -> ZaloCli:
    """The CLI pointed at the migrated test database and the fake OA."""
    return ZaloCli(database_url, fake)


async def test_menu_shows_the_items_without_calling_zalo(zcli: ZaloCli, fake: FakeZalo) -> None:
    out = await zcli("menu")
    for title, command in (("Hỏi hướng dẫn", "/hoi"), ("Nhiệm vụ của tôi", "/nhiemvu"),
                           ("Báo cáo tuần", "/baocao"), ("Trợ giúp", "/trogiup")):
        assert T.CLI_MENU_ITEM.format(title=title, command=command) in out
    assert f"{fake.url}/v2.0/oa/menu" in out
    assert fake.requests == []


async def test_menu_set_installs_it_on_the_oa(zcli: ZaloCli, fake: FakeZalo) -> None:
    out = await zcli("menu", "--set")
    assert T.CLI_MENU_SET.format(count=4) in out
    assert fake.menu == [{"type": "text", "title": item.title, "payload": item.command}
                         for item in MENU]
    call = [r for r in fake.requests if r.path == "/v2.0/oa/menu"][0]
    assert call.headers["access_token"] in fake.valid_access


async def test_menu_set_refreshes_an_expired_token_once(zcli: ZaloCli, fake: FakeZalo) -> None:
    fake.expire_access_tokens()
    await zcli("menu", "--set")
    assert fake.menu is not None and fake.refresh_calls == 1
    assert len([r for r in fake.requests if r.path == "/v2.0/oa/menu"]) == 2


async def test_menu_body_key_is_configurable(zcli: ZaloCli, fake: FakeZalo) -> None:
    fake.menu_key = "data"  # an OA that wants the other shape
    out = await zcli("menu", "--set", code=1)
    assert "-201" in out and "oa.zalo.me" in out and fake.menu is None
    await zcli("menu", "--set", TROLY_ZALO_MENU_BODY_KEY="data")
    assert fake.menu is not None and len(fake.menu) == 4
    printed = json.loads((await zcli("menu", "--json", TROLY_ZALO_MENU_BODY_KEY="data"))
                         .splitlines()[0])
    assert printed["body"] == menu_body("data")


async def test_menu_set_failures_exit_1(zcli: ZaloCli, fake: FakeZalo) -> None:
    fake.fail_next(http_status=502)
    out = await zcli("menu", "--set", code=1)
    assert T.CLI_MENU_REFUSED.split("(")[0] in out
    out = await zcli("menu", "--set", code=1, TROLY_ZALO_OA_SECRET_KEY="")
    assert T.CLI_NOT_CONFIGURED in out
    assert fake.menu is None


def test_every_menu_item_is_a_command_troly_knows() -> None:
    router = Router()
    handlers.register(router)
    assert unknown_commands(router) == []
    assert [i.title for i in MENU] == [T.MENU_ASK, T.MENU_TASKS, T.MENU_WEEKLY_REPORT, T.MENU_HELP]
