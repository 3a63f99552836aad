"""/xuatbaocao on Telegram through the real aiogram client and FakeBotAPI: the caption as a
message, the .docx or .xlsx as a document (sendDocument) that opens back."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date

import pytest
from openpyxl import load_workbook

from bot.clock import ManualClock
from bot.config import Settings
from bot.texts import checkin as CT
from bot.texts import common as C
from bot.texts import documents as D
from testkit.fake_telegram import FakeBotAPI
from tests.bot.docx_helpers import body_texts, cell_paragraphs, open_docx
from tests.channels.telegram_support import TelegramRun, running_telegram, say
from tests.harness import BotHarness, fields

HEAD, OFFICIAL = 4301, 4302


@pytest.fixture
async def tg(harness: BotHarness, settings: Settings, clock: ManualClock,
             fake: FakeBotAPI) -> AsyncIterator[TelegramRun]:
    """A head and an official of one unit bound on Telegram, a task of the official."""
    await harness.make_official("Trưởng Phòng", role="head", user=str(HEAD), channel="telegram")
    official = await harness.make_official("Lan", user=str(OFFICIAL), channel="telegram")
    await harness.world.tasks([official], [("NV1", "Số hoá hồ sơ", date(2026, 12, 31))])
    async with running_telegram(settings, clock, fake) as run:
        yield run


async def test_export_arrives_as_a_telegram_document(tg: TelegramRun) -> None:
    fake = tg.fake
    texts = await say(fake, fake.text_update(HEAD, "/xuatbaocao thang docx"))
    assert len(texts) == 1
    caption = fields(texts[0], CT.EXPORT_DOCX_CAPTION) or {}
    assert caption.get("period", "").startswith("tháng 12/2026"), texts
    [document] = fake.documents
    assert document["file_name"] == "bao-cao-DV1-2026-12.docx"
    doc = open_docx(document["content"])
    assert cell_paragraphs(doc.tables[0], 0, 1)[1].text == D.MOTTO
    assert D.SUBTITLE.format(period="tháng 12/2026 (15/11–14/12/2026)") in body_texts(doc)
    assert [row.cells[1].text for row in doc.tables[-1].rows[1:]] == ["NV1"]

    await say(fake, fake.text_update(HEAD, "/xuatbaocao tuần"))
    sheet = fake.documents[-1]
    assert sheet["file_name"] == "tien-do-DV1-2026-W48.xlsx"
    book = load_workbook(io.BytesIO(sheet["content"]))
    assert "tuần 48/2026" in str(book[CT.XLSX_TASKS_SHEET]["A1"].value)
    # an official gets no file
    refused = await say(fake, fake.text_update(OFFICIAL, "/xuatbaocao thang docx"))
    assert len(fake.documents) == 2 and C.NOT_ALLOWED in refused[0]
