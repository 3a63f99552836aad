"""Files from the web chat: POST /api/upload feeds the same file handling as Telegram and Zalo
(an admin's table is previewed, then imported with the "Nhập" button)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.db.models import Unit
from bot.texts import admin_import as T
from tests.harness import BotHarness, fits, web_login

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
async def client(harness: BotHarness) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    async with TestClient(TestServer(harness.app.web_app)) as c:
        yield c


def _headers(name: str, token: str | None = None) -> dict[str, str]:
    headers = {"X-File-Name": quote(name), "Content-Type": "application/octet-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


async def _units(harness: BotHarness) -> int:
    async with harness.app.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(Unit))).scalar_one())


async def test_admin_uploads_a_table_and_confirms(client: TestClient[web.Request, web.Application], harness: BotHarness) -> None:
    token = await web_login(harness, "s-adm", "Quản Trị", role="admin")
    resp = await client.post("/api/upload", params={"session": "s-adm"},
                             data=(EXAMPLES / "don-vi.csv").read_bytes(),
                             headers=_headers("đơn vị.csv", token))
    assert resp.status == 200
    [reply] = (await resp.json())["replies"]
    assert T.PREVIEW_HEADER.format(file="đơn vị.csv", kind=T.KIND_LABELS["units"],
                                   subject="") in reply["text"]
    ok = next(b["payload"] for b in reply["buttons"] if b["label"] == T.BUTTON_IMPORT)
    assert await _units(harness) == 1
    done = await client.post("/api/chat", json={"session": "s-adm", "button": ok},
                             headers={"Authorization": f"Bearer {token}"})
    assert fits((await done.json())["replies"][0]["text"], T.DONE_CREATED)
    assert await _units(harness) == 6  # DV1 (the admin's) and the five of the file


async def test_guests_and_bad_uploads(client: TestClient[web.Request, web.Application], harness: BotHarness) -> None:
    body = (EXAMPLES / "don-vi.csv").read_bytes()
    guest = await client.post("/api/upload", params={"session": "s-g"}, data=body,
                              headers=_headers("a.csv"))
    assert T.ONLY_ADMINS_IMPORT in (await guest.json())["replies"][0]["text"]
    for params, headers, status in (
            ({"session": "bad id!"}, _headers("a.csv"), 400),
            ({"session": "s-g", "after": "-1"}, _headers("a.csv"), 400),
            ({"session": "s-g"}, {"Content-Type": "application/octet-stream"}, 400),
            ({"session": "s-g"}, _headers("../"), 400),
            ({"session": "s-g"}, {"X-File-Name": "%FF.csv"}, 400),
    ):
        resp = await client.post("/api/upload", params=params, data=body, headers=headers)
        assert resp.status == status and (await resp.json())["error"]
    big = b"x" * (harness.settings.max_upload_mb * 1024 * 1024 + 1)
    resp = await client.post("/api/upload", params={"session": "s-g"}, data=big,
                             headers=_headers("a.csv"))
    assert resp.status == 413
    # a path in the name keeps only its last part
    token = await web_login(harness, "s-adm", "Quản Trị", role="admin")
    resp = await client.post("/api/upload", params={"session": "s-adm"}, data=body,
                             headers=_headers("C:\\Users\\x\\don-vi.csv", token))
    assert fits((await resp.json())["replies"][0]["text"],
                T.PREVIEW_HEADER.format(file="don-vi.csv", kind="{kind}", subject="{subject}"))
    assert await _units(harness) == 1
