"""A table sent as a Zalo file reaches the chat import (downloaded from Zalo's CDN, then previewed)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.db.models import PendingImport, Unit
from bot.texts import admin_import as AI
from testkit.fake_zalo import FakeZalo
from tests.channels.zalo.conftest import ZaloApp
from tests.channels.zalo.test_routes import _file_event, _make_official

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


async def test_admin_sends_a_units_table_on_zalo(zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    await _make_official(zalo_app, "adm", "admin")
    payload = _file_event(zalo_app, fake_zalo, "adm", "don-vi.csv",
                          (EXAMPLES / "don-vi.csv").read_bytes(), "t1")
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    [reply] = fake_zalo.sent_texts("adm")
    assert AI.PREVIEW_HEADER.format(file="don-vi.csv", kind=AI.KIND_LABELS["units"],
                                    subject="") in reply
    assert AI.PREVIEW_CREATED.format(count=5, item=AI.ITEM_LABELS["units"]) in reply
    async with zalo_app.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(PendingImport)) == 1
        assert await session.scalar(select(func.count()).select_from(Unit)) == 1
