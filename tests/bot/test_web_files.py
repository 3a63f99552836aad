"""Files on the web chat: the /xuatbaocao spreadsheet and a digest's chart and spreadsheet arrive as
download links ("files": [{"name", "url"}]) that are signed, expiring and readable only with that
session's login; the signing secret is generated once and shared through the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import OutboxMessage, StoredFile
from bot.messages import Attachment, OutgoingMessage, to_payload
from bot.texts import documents as D
from bot.texts import web as W
from scheduler.delivery import OutboxDispatcher
from scheduler.planner import send_guards
from scheduler.ticks import Ticks
from tests.bot.docx_helpers import body_texts, open_docx
from tests.harness import BotHarness, web_login

Client = TestClient[web.Request, web.Application]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
async def served(harness: BotHarness) -> AsyncIterator[tuple[BotHarness, Client]]:
    async with TestClient(TestServer(harness.app.web_app)) as client:
        yield harness, client


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _export(client: Client, token: str, session: str = "head-1") -> dict[str, Any]:
    response = await client.post("/api/chat", json={"session": session, "text": "/xuatbaocao"},
                                 headers=_bearer(token))
    assert response.status == 200
    [reply] = (await response.json())["replies"]
    return dict(reply)


async def test_the_export_comes_as_a_link_only_its_session_can_download(
        served: tuple[BotHarness, Client]) -> None:
    harness, client = served
    token = await web_login(harness, "head-1", role="head")
    reply = await _export(client, token)
    [file] = reply["files"]
    assert file["name"].endswith(".xlsx") and file["url"].startswith("/files/")

    download = await client.get(file["url"], headers=_bearer(token))
    assert download.status == 200
    assert download.headers["Content-Type"].startswith(XLSX)
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    assert (await download.read()).startswith(b"PK")  # an .xlsx is a zip

    assert (await client.get(file["url"])).status == 403  # the link alone is not enough
    other = await web_login(harness, "other-1", name="Người khác")
    assert (await client.get(file["url"], headers=_bearer(other))).status == 403
    forged = file["url"][:-4] + ("0000" if not file["url"].endswith("0000") else "1111")
    assert (await client.get(forged, headers=_bearer(token))).status == 403
    unknown = "/files/" + "0" * 32 + "/x.xlsx?" + file["url"].split("?", 1)[1]
    assert (await client.get(unknown, headers=_bearer(token))).status == 404
    harness.clock.advance(timedelta(hours=harness.settings.file_link_hours, seconds=1))
    expired = await client.get(file["url"], headers=_bearer(token))
    assert expired.status == 410 and W.FILE_LINK_EXPIRED in await expired.text()


async def test_a_digest_in_the_mailbox_keeps_its_files_as_links_across_a_restart(
        served: tuple[BotHarness, Client], clock: ManualClock) -> None:
    harness, client = served
    token = await web_login(harness, "head-2", role="head")
    now = clock.now()
    message = OutgoingMessage("Tổng hợp tuần", attachments=(
        Attachment("tien-do.png", b"\x89PNG chart", "image/png"),
        Attachment("tong-hop.xlsx", b"PK sheet", XLSX)))
    async with harness.app.sessionmaker.begin() as s:
        s.add(OutboxMessage(idem_key="digest:1:2026-W48:web", kind="digest", channel="web",
                            address="head-2", payload=to_payload(message), due_at=now,
                            not_before=now, status="pending", attempts=0, max_attempts=8,
                            created_at=now, updated_at=now))
    dispatcher = OutboxDispatcher(harness.app.sessionmaker, clock, harness.app.channels,
                                  worker_id="w1", guards=send_guards())
    assert (await dispatcher.drain()).outcomes == {"awaiting_fetch": 1}
    async with harness.app.sessionmaker() as s:
        stored = (await s.execute(select(OutboxMessage.payload))).scalar_one()
    assert "attachments" not in stored or not stored["attachments"]  # content moved to files

    await harness.restart()  # another process (or the same after a restart) serves the fetch
    async with TestClient(TestServer(harness.app.web_app)) as again:
        body = await (await again.get("/api/messages", params={"session": "head-2"},
                                      headers=_bearer(token))).json()
        [reply] = body["replies"]
        assert reply["text"] == "Tổng hợp tuần"
        assert [f["name"] for f in reply["files"]] == ["tien-do.png", "tong-hop.xlsx"]
        chart = await again.get(reply["files"][0]["url"], headers=_bearer(token))
        assert chart.status == 200 and await chart.read() == b"\x89PNG chart"
        assert chart.headers["Content-Type"].startswith("image/png")


async def test_the_signing_secret_is_made_once_or_taken_from_settings(
        settings: Settings, clock: ManualClock) -> None:
    first = await BotHarness(settings, clock).start()
    try:
        token = await web_login(first, "head-3", role="head")
        async with TestClient(TestServer(first.app.web_app)) as client:
            url = (await _export(client, token, "head-3"))["files"][0]["url"]
        second = await BotHarness(settings, clock).start()  # a second process, same database
        try:
            async with TestClient(TestServer(second.app.web_app)) as client:
                assert (await client.get(url, headers=_bearer(token))).status == 200
        finally:
            await second.close()
        configured = settings.model_copy(update={"file_link_secret": SecretStr("x" * 40)})
        third = await BotHarness(configured, clock).start()
        try:
            async with TestClient(TestServer(third.app.web_app)) as client:
                assert (await client.get(url, headers=_bearer(token))).status == 403
        finally:
            await third.close()
    finally:
        await first.close()


async def test_expired_files_are_collected(served: tuple[BotHarness, Client]) -> None:
    harness, client = served
    token = await web_login(harness, "head-4", role="head")
    await _export(client, token, "head-4")
    harness.clock.advance(timedelta(days=8))
    ticks = Ticks(harness.app.sessionmaker, harness.clock, harness.app.channels, owner="m")
    await ticks.maintenance_tick()
    async with harness.app.sessionmaker() as s:
        assert (await s.execute(select(StoredFile))).scalars().all() == []


async def test_the_administrative_document_comes_as_a_link_too(
        served: tuple[BotHarness, Client]) -> None:
    harness, client = served
    token = await web_login(harness, "head-3", role="head")
    response = await client.post("/api/chat", json={"session": "head-3",
                                                    "text": "/xuatbaocao thang docx"},
                                 headers=_bearer(token))
    [reply] = (await response.json())["replies"]
    [file] = reply["files"]
    assert file["name"] == "bao-cao-DV1-2026-12.docx"
    download = await client.get(file["url"], headers=_bearer(token))
    assert download.status == 200 and download.headers["Content-Type"].startswith(DOCX)
    doc = open_docx(await download.read())
    assert D.TITLE in body_texts(doc) and doc.tables[-1].rows[0].cells[0].text == "STT"
