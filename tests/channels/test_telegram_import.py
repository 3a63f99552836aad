"""A table sent as a Telegram document, end to end through the real aiogram client and FakeBotAPI:
the admin sees the preview, presses "Nhập" (an inline button), and the units are imported."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Unit
from bot.texts import admin_import as T
from testkit.fake_telegram import FakeBotAPI
from tests.channels.telegram_support import (
    button_data,
    callback_data,
    exchange,
    running_telegram,
    shown,
)
from tests.harness import BotHarness

ADMIN, OTHER = 4301, 4302
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


async def test_admin_imports_units_from_a_telegram_document(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    await harness.make_official("Quản trị", role="admin", user=str(ADMIN), channel="telegram")
    await harness.make_official("Quản trị hai", role="admin", user=str(OTHER), channel="telegram")
    await harness.close()
    async with running_telegram(settings, clock, fake) as run:
        [preview] = await exchange(fake, fake.document_update(
            ADMIN, "don-vi.csv", (EXAMPLES / "don-vi.csv").read_bytes(), mime_type="text/csv"))
        assert T.PREVIEW_HEADER.format(file="don-vi.csv", kind=T.KIND_LABELS["units"],
                                       subject="") in shown(preview)
        assert callback_data(preview) == [button_data(preview, T.BUTTON_IMPORT),
                                          button_data(preview, T.BUTTON_CANCEL)]
        ok = button_data(preview, T.BUTTON_IMPORT)
        # another admin pressing the same data imports nothing
        [refused] = await exchange(fake, fake.callback_update(OTHER, ok))
        assert T.CHOICE_GONE in shown(refused)
        [done] = await exchange(fake, fake.callback_update(ADMIN, ok))
        assert T.DONE_CREATED.format(count=5, item=T.ITEM_LABELS["units"]) in shown(done)
        async with run.app.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Unit)) == 6
