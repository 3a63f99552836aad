"""The check-in on a channel without buttons: numbered options, except the progress, where a
typed number is always a percentage and the other choices are typed by name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.messages import render_as_text
from bot.texts import checkin as T
from tests.fakes import FakeChannel
from tests.handlers.checkin_helpers import report_of
from tests.harness import BotHarness, fits, texts


@pytest.fixture
async def console(settings: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    """The app with a console channel that cannot show buttons."""
    channel = FakeChannel(name="console", capabilities=frozenset())
    h = await BotHarness(settings, clock, {"console": channel}).start()
    yield h
    await h.close()


async def test_numbered_options_drive_the_whole_checkin(console: BotHarness) -> None:
    oid = await console.make_official("Lê Minh Châu", channel="console")
    (task_id,) = await console.world.tasks([oid], [("NV1", "Tập huấn", date(2026, 12, 31))])

    async def say(text: str) -> str:
        return texts(await console.say(text, channel="console"))

    # what the console prints: the other choices listed by name, nothing numbered
    first = "\n".join(render_as_text(m) for m in await console.say("/baocao", channel="console"))
    assert T.ASK_PROGRESS_TYPED_OR_CHOICE in first
    assert f"\u2013 {T.BTN_DONE}" in first and "1. " not in first
    await console.restart()
    assert T.ASK_STATUS in await say("3")  # 3 %, not the third choice
    _, entries = await report_of(console, oid)
    assert entries[task_id].progress == 3
    assert T.ASK_BLOCKERS in await say("2")  # option 2 = Có nguy cơ chậm
    assert T.ASK_NEXT in await say("1")  # option 1 = Không có vướng mắc
    summary = await say("Hoàn thiện tài liệu")
    assert fits(summary, T.SUMMARY_HEADER)
    assert fits(await say("2"), T.SUBMITTED)  # option 2 = Gửi báo cáo (1: Sửa nhiệm vụ 1)
    report, entries = await report_of(console, oid)
    assert report is not None and report.status == "submitted"
    assert entries[task_id].status == "at_risk" and entries[task_id].blockers is None


async def test_typed_percentages_beyond_the_menu_are_progress(console: BotHarness) -> None:
    oid = await console.make_official("Lê Minh Châu", channel="console")
    (task_id,) = await console.world.tasks([oid], [("NV1", "Tập huấn", date(2026, 12, 31))])
    await console.say("/baocao", channel="console")
    reply = await console.say("70", channel="console")  # not an option number: a percentage
    assert T.ASK_STATUS in texts(reply)
    _, entries = await report_of(console, oid)
    assert entries[task_id].progress == 70


async def test_progress_choices_are_typed_by_name(console: BotHarness) -> None:
    oid = await console.make_official("Lê Minh Châu", channel="console")
    (task_id,) = await console.world.tasks([oid], [("NV1", "Tập huấn", date(2026, 12, 31))])
    await console.say("/baocao", channel="console")
    reply = await console.say("đã hoàn thành", channel="console")  # typed, any case
    assert T.ASK_EVIDENCE in texts(reply)
    _, entries = await report_of(console, oid)
    assert entries[task_id].progress == 100 and entries[task_id].status == "done"
