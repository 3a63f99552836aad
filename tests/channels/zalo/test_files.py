"""Files to Zalo users: attachments Zalo accepts are uploaded; the rest (the digest spreadsheet, big
PDFs) become a signed link to a small page served by troly, which offers the download."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from bot.app import App, build_app, install_zalo
from bot.channels.zalo.wiring import ZaloParts
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import ChatAccount, OutboxMessage
from bot.events import ChatRef
from bot.messages import Attachment, OutgoingMessage, to_payload
from bot.texts import web as WT
from bot.texts import zalo as ZT
from scheduler.delivery import OutboxDispatcher
from scheduler.digest import XLSX_MIME, build_digest
from scheduler.planner import send_guards
from testkit.fake_zalo import FakeZalo, configure
from tests.channels.zalo.conftest import ZaloApp
from tests.harness import fields
from tests.world import World

PUBLIC = "https://troly.example.gov.vn"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LINK_RE = re.compile(re.escape(PUBLIC) + r"(/tep/[0-9a-f]{32}\?e=\d+&s=[0-9a-f]{32})")


async def _app(settings: Settings, clock: ManualClock) -> tuple[App, ZaloParts, TestClient[Any, Any]]:
    captured: list[ZaloParts] = []

    def setup(app: App) -> None:
        parts = install_zalo(app)
        assert parts is not None
        captured.append(parts)

    app = build_app(settings, clock=clock, channels={}, extra_setup=[setup])
    await app.prepare(migrate=False, load_demo=False)
    client = TestClient(TestServer(app.web_app, host="127.0.0.1"))
    await client.start_server()
    return app, captured[0], client


@pytest.fixture
async def linked(settings: Settings, fake_zalo: FakeZalo,
                 clock: ManualClock) -> AsyncIterator[ZaloApp]:
    """The app with Zalo and a public URL (files Zalo cannot carry become links)."""
    app, parts, client = await _app(configure(settings, fake_zalo, public_url=PUBLIC + "/"),
                                    clock)
    try:
        yield ZaloApp(app=app, parts=parts, client=client, clock=clock)
    finally:
        await client.close()
        await app.stop()


def _links(fake: FakeZalo, user: str) -> list[str]:
    return [m.group(1) for t in fake.sent_texts(user) for m in LINK_RE.finditer(t)]


async def test_accepted_types_are_uploaded_the_rest_become_links(linked: ZaloApp,
                                                                 fake_zalo: FakeZalo) -> None:
    xlsx = b"PK\x03\x04 spreadsheet" * 100
    big_pdf = b"%PDF-1.7 " + b"x" * (5 * 1024 * 1024)
    message = OutgoingMessage("Tổng hợp tuần", (), (
        Attachment("tien-do.png", b"\x89PNG small chart", "image/png"),
        Attachment("bao-cao.docx", b"docx bytes", DOCX_MIME),
        Attachment("tong-hop-2026W48.xlsx", xlsx, XLSX_MIME),
        Attachment("van-ban-lon.pdf", big_pdf, "application/pdf"),
    ))
    await linked.parts.channel.send(ChatRef("zalo", "z-lan"), message)
    uploads = [(r.path, r.file_name) for r in fake_zalo.requests if "/upload/" in r.path]
    assert uploads == [("/v2.0/oa/upload/image", "tien-do.png"),
                       ("/v2.0/oa/upload/file", "bao-cao.docx")]
    texts = fake_zalo.sent_texts("z-lan")
    assert texts[0] == "Tổng hợp tuần"
    link_texts = [t for t in texts if PUBLIC in t]
    assert len(link_texts) == 2
    first, second = (fields(t, ZT.FILE_LINK) or {} for t in link_texts)
    assert first.get("file") == "tong-hop-2026W48.xlsx" and second.get("file") == "van-ban-lon.pdf"
    assert first.get("until") == "08:00 30/11/2026"  # TROLY_ZALO_FILE_LINK_DAYS (7) from now
    page_path, _ = _links(fake_zalo, "z-lan")

    page = await linked.client.get(page_path)
    body = await page.text()
    assert page.status == 200 and page.content_type == "text/html"
    assert "tong-hop-2026W48.xlsx" in body and WT.FILE_PAGE_BUTTON in body
    assert page.headers["Cache-Control"] == "private, no-store"
    [href] = re.findall(r'href="([^"]+)"', body)
    download = await linked.client.get(href.replace("&amp;", "&"))
    assert download.status == 200 and await download.read() == xlsx
    assert "tong-hop-2026W48.xlsx" in download.headers["Content-Disposition"]


async def test_page_refuses_forged_and_expired_links(linked: ZaloApp, fake_zalo: FakeZalo) -> None:
    await linked.parts.channel.send(ChatRef("zalo", "z-lan"), OutgoingMessage("", (), (
        Attachment("tong-hop.xlsx", b"xlsx", XLSX_MIME),)))
    [path] = _links(fake_zalo, "z-lan")
    forged = path[:-4] + ("0000" if not path.endswith("0000") else "1111")
    assert (await linked.client.get(forged)).status == 403
    other = re.sub(r"/tep/[0-9a-f]{32}", "/tep/" + "a" * 32, path)
    assert (await linked.client.get(other)).status == 404
    assert (await linked.client.get(path)).status == 200
    linked.clock.advance(timedelta(days=7, seconds=1))
    expired = await linked.client.get(path)
    assert expired.status == 410 and await expired.text() == WT.FILE_PAGE_EXPIRED


async def test_without_a_public_url_the_user_is_told_what_was_left_out(
        zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    await zalo_app.parts.channel.send(ChatRef("zalo", "z-lan"), OutgoingMessage("", (), (
        Attachment("tong-hop.xlsx", b"xlsx", XLSX_MIME),)))
    assert fake_zalo.sent_texts("z-lan") == [ZT.ATTACHMENT_NOT_SENT.format(file="tong-hop.xlsx")]


async def test_digest_reaches_a_zalo_only_head_with_chart_and_spreadsheet_link(
        linked: ZaloApp, fake_zalo: FakeZalo) -> None:
    """The outbox delivers a real digest to a head who has only Zalo (inside the window)."""
    world = World(linked.app.sessionmaker)
    unit = await world.unit("P1")
    hoa = await world.official("Hoa", "P1", role="head", head=True, accounts={"zalo": "z-hoa"})
    now = linked.clock.now()
    async with linked.app.sessionmaker.begin() as s:
        await s.execute(update(ChatAccount).values(last_inbound_at=now - timedelta(hours=3)))
        digest = await build_digest(s, unit, "2026-W48", "week", now)
        s.add(OutboxMessage(idem_key="digest:P1:2026-W48:week:zalo", kind="digest",
                            recipient_id=hoa,
                            channel="zalo", address="z-hoa", payload=to_payload(digest),
                            due_at=now, not_before=now, status="pending", attempts=0,
                            max_attempts=3, created_at=now, updated_at=now))
    stats = await OutboxDispatcher(linked.app.sessionmaker, linked.clock, linked.app.channels,
                                   worker_id="w", guards=send_guards()).drain()
    assert stats.outcomes["sent"] == 1
    images = [r.file_name for r in fake_zalo.requests if r.path == "/v2.0/oa/upload/image"]
    assert images == ["tien-do-2026W48.png"]
    [path] = _links(fake_zalo, "z-hoa")
    assert any("tong-hop-2026W48.xlsx" in t for t in fake_zalo.sent_texts("z-hoa"))
    page = await linked.client.get(path)
    assert page.status == 200 and "tong-hop-2026W48.xlsx" in await page.text()
    [href] = re.findall(r'href="([^"]+)"', await page.text())
    content = await (await linked.client.get(href.replace("&amp;", "&"))).read()
    assert content.startswith(b"PK")  # the real workbook
    assert urlsplit(PUBLIC + path).netloc == "troly.example.gov.vn"


async def test_report_asked_on_zalo_comes_as_a_link(linked: ZaloApp, fake_zalo: FakeZalo) -> None:
    """/xuatbaocao answered in the conversation (not the outbox): the XLSX still becomes a link,
    and storing it does not wait on the reply's own transaction."""
    from tests.channels.zalo.conftest import event
    world = World(linked.app.sessionmaker)
    await world.unit("P1")
    await world.official("Hoa", "P1", role="head", head=True, accounts={"zalo": "z-hoa"})
    assert await linked.post_event(event("user_send_text", "z-hoa", linked.clock,
                                         msg_id="m1", text="/xuatbaocao")) == 200
    await linked.settle()
    [path] = _links(fake_zalo, "z-hoa")
    page = await linked.client.get(path)
    assert page.status == 200 and ".xlsx" in await page.text()
    [href] = re.findall(r'href="([^"]+)"', await page.text())
    content = await (await linked.client.get(href.replace("&amp;", "&"))).read()
    assert content.startswith(b"PK")
