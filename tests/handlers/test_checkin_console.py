"""The check-in on a channel without buttons: numbered options, except the progress, where a
typed number is always a percentage and the other choices are typed by name, and "Gửi báo cáo",
typed by its name (a number one too high is refused with the range)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time

import pytest
from sqlalchemy import select

from bot.clock import ManualClock, local_datetime
from bot.config import Settings
from bot.db.models import PeriodReport
from bot.messages import render_as_text
from bot.texts import checkin as T
from bot.texts import common as C
from bot.texts import period_checkin as PT
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
    summary = "\n".join(render_as_text(m) for m in await console.say("Hoàn thiện tài liệu",
                                                                     channel="console"))
    assert fits(summary, T.SUMMARY_HEADER)
    # "Gửi báo cáo" has no number: typed by its name, never "2" right after "1. Sửa nhiệm vụ 1"
    assert f"1. {T.BTN_EDIT_TASK.format(n=1)}\n\n\u2013 {T.BTN_SUBMIT}" in summary
    assert "2. " not in summary

    def refusal(number: int) -> str:
        return C.NUMBER_NOT_LISTED_ONE.format(number=number) + C.FINAL_BY_NAME.format(
            labels=f"\u201c{T.BTN_SUBMIT}\u201d")

    assert await say("2") == refusal(2)  # one too high: refused, the report stays a draft
    report, _ = await report_of(console, oid)
    assert report is not None and report.status == "draft"
    await console.restart()
    assert await say("3") == refusal(3)
    assert fits(await say(T.BTN_SUBMIT), T.SUBMITTED)  # the label typed
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


async def test_the_month_summary_numbers_its_edits_not_the_sending(console: BotHarness) -> None:
    """The month's summary: "1" is "Sửa mục 1" (it was "Gửi báo cáo", listed first), "4" is
    refused with the range, after a restart; "gửi báo cáo" typed sends it."""
    console.clock.set(local_datetime(date(2026, 12, 14), time(9)))
    oid = await console.make_official("Lê Minh Châu", channel="console", unit_code="CUC")
    await console.world.tasks([oid], [("NV1", "Số hoá hồ sơ", date(2027, 3, 31))], unit="CUC")

    async def say(text: str) -> str:
        return "\n".join(render_as_text(m) for m in await console.say(text, channel="console"))

    await say("/baocaothang")
    await say("Hoàn thành khảo sát")
    await say("không")
    summary = await say("Bổ sung kinh phí")
    edits = "\n".join(f"{n}. {label}" for n, label in enumerate(PT.BTN_EDIT, start=1))
    assert f"{edits}\n\n\u2013 {PT.BTN_SUBMIT}" in summary
    assert PT.ASK_HIGHLIGHTS in await say("1")  # the first part, to correct
    assert await _period_status(console, oid) == "draft"
    await console.restart()
    await say("Hoàn thành khảo sát và tập huấn")
    assert fits(await say("4"), C.NUMBER_NOT_LISTED.format(number=4, last=3) + "{finals}")
    assert await _period_status(console, oid) == "draft"
    assert PT.SUBMITTED.format(period="tháng 12/2026") in await say("gui bao cao")
    assert await _period_status(console, oid) == "submitted"


async def _period_status(console: BotHarness, oid: int) -> str | None:
    async with console.app.sessionmaker() as session:
        report = (await session.execute(select(PeriodReport).where(
            PeriodReport.official_id == oid))).scalar_one_or_none()
    return report.status if report is not None else None


async def test_quay_lai_at_the_second_task_is_listed_by_name(console: BotHarness) -> None:
    """The second task's progress lists "Quay lại" by name with the other choices (a typed
    number stays a percentage); typed, it asks the first task again with what was entered."""
    oid = await console.make_official("Lê Minh Châu", channel="console")
    await console.world.tasks([oid], [("NV1", "Tập huấn", date(2026, 12, 10)),
                                      ("NV2", "Kho dữ liệu", date(2026, 12, 20))])

    async def say(text: str) -> str:
        return "\n".join(render_as_text(m) for m in await console.say(text, channel="console"))

    for text in ["/baocao", "40", "1", "1"]:
        await say(text)
    second = await say("Hoàn thiện")
    assert T.TASK_HEADER.format(n=2, total=2, title="Kho dữ liệu") in second
    assert f"\u2013 {T.BTN_SKIP_WEEK}\n\u2013 {C.BUTTON_BACK}" in second and "1. " not in second
    await console.restart()
    first = await say("quay lại")
    assert T.TASK_HEADER.format(n=1, total=2, title="Tập huấn") in first
    assert T.DRAFT_VALUES.format(progress=40, status=T.STATUS_LABELS["on_track"]) in first
    assert C.BUTTON_BACK not in first  # the first task: no way back
