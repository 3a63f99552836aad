"""The monthly summary conversation through the real dispatcher: assembled from the weekly
check-ins, three questions each skippable, restart-safe, /huy, expiry, late after the cut-off, and
the month's report showing it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot.clock import local_datetime
from bot.db.models import PeriodReport, PeriodReportRevision, Task
from bot.periods import Period
from bot.reports.build import build_unit_report
from tests.handlers.checkin_helpers import add_tasks
from tests.harness import BotHarness, payloads, texts


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_datetime(day, time(hour, minute))


async def _weekly(harness: BotHarness, answers: list[str]) -> None:
    """One weekly check-in through the conversation (progress, status, blockers, plan)."""
    await harness.say("/baocao")
    for answer in answers:
        await (harness.press(answer) if answer.startswith("ci:") else harness.say(answer))
    await harness.press("ci:ok")


async def _setup(harness: BotHarness) -> tuple[int, int]:
    oid = await harness.make_official("Lê Minh Châu", unit_code="CUC")
    (task,) = await add_tasks(harness, [oid], [("NV1", "Số hoá hồ sơ", date(2027, 3, 31))],
                              unit_code="CUC")
    # two weekly check-ins in the December period (15/11–14/12)
    harness.clock.set(_at(date(2026, 11, 26), 9))
    await _weekly(harness, ["40", "ci:s:on", "Chờ kinh phí", "Khảo sát"])
    harness.clock.set(_at(date(2026, 12, 10), 9))
    await _weekly(harness, ["60", "ci:s:risk", "Thiếu máy quét", "Số hoá"])
    return oid, task


async def _report(harness: BotHarness, oid: int) -> PeriodReport | None:
    async with harness.app.sessionmaker() as session:
        return (await session.execute(select(PeriodReport).where(
            PeriodReport.official_id == oid))).scalar_one_or_none()


async def test_a_newcomer_s_month_intro_does_not_count_zero_of_zero_weeks(
        harness: BotHarness) -> None:
    """Imported after the period's past weekly cut-offs, with this week's not yet come, an
    official has no week to count: no "đã báo cáo 0/0 tuần"."""
    harness.clock.set(_at(date(2026, 12, 2), 9))  # Wednesday; 20/11 and 27/11 were before
    oid = await harness.make_official("Lê Minh Châu", unit_code="CUC")
    await add_tasks(harness, [oid], [("NV1", "Số hoá hồ sơ", date(2027, 3, 31))], unit_code="CUC")
    await _weekly(harness, ["40", "ci:s:on", "không", "Khảo sát"])
    intro = texts(await harness.say("/baocaothang"))
    assert "Báo cáo tháng 12/2026" in intro and "0/0" not in intro
    assert "(chưa có tuần nào qua hạn chốt)" in intro
    assert "[NV1] Số hoá hồ sơ: 40% — Đúng tiến độ" in intro


async def test_month_summary_from_the_prompt_with_a_restart(harness: BotHarness) -> None:
    oid, task = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))  # the day the December period closes
    intro = texts(await harness.press("rem_period:2026-12"))
    assert "Báo cáo tháng 12/2026 (15/11–14/12/2026)" in intro
    assert "Hạn chốt: 16:00 14/12/2026" in intro and "đã báo cáo 2/" in intro
    assert "[NV1] Số hoá hồ sơ: 60% — Có nguy cơ chậm" in intro  # from the weekly check-ins
    assert "[NV1] Chờ kinh phí" in intro and "[NV1] Thiếu máy quét" in intro
    assert "1/3. Kết quả nổi bật" in intro
    await harness.say("Số hoá 12.000 hồ sơ hộ tịch")
    report = await _report(harness, oid)
    assert report is not None and report.status == "draft"
    assert report.highlights == "Số hoá 12.000 hồ sơ hộ tịch"  # kept before confirming
    await harness.restart()  # a new process; /huy ends the conversation, the draft stays
    assert "vẫn được lưu" in texts(await harness.say("/huy"))
    reopened = await harness.say("/baocaothang")
    assert "Đã nhập: Số hoá 12.000 hồ sơ hộ tịch" in texts(reopened)
    second = await harness.press("pc:keep")
    assert "2/3. Khó khăn" in texts(second) and "pc:weeks" in payloads(second)
    await harness.restart()
    third = await harness.press("pc:weeks")  # the blockers the weeks already raised
    assert "3/3. Kiến nghị" in texts(third)
    summary = texts(await harness.press("pc:skip"))
    assert "1. Kết quả nổi bật: Số hoá 12.000 hồ sơ hộ tịch" in summary
    assert "2. Khó khăn, vướng mắc: [NV1] Chờ kinh phí\n[NV1] Thiếu máy quét" in summary
    assert "3. Kiến nghị, đề xuất: (bỏ qua)" in summary
    await harness.restart()
    done = texts(await harness.press("pc:ok"))
    assert "Đã gửi báo cáo tháng 12/2026" in done and "sau hạn" not in done
    report = await _report(harness, oid)
    assert report is not None and report.status == "submitted" and not report.late
    assert report.recommendations is None
    assert "đã gửi báo cáo tháng 12/2026" in texts(await harness.say("/baocaothang"))
    # the month's report: tasks from the weeks, the blockers raised, the summary
    async with harness.app.sessionmaker() as session:
        unit_id = (await session.get(Task, task)).lead_unit_id  # type: ignore[union-attr]
        assert unit_id is not None
        month = await build_unit_report(session, unit_id, Period("month", 2026, 12),
                                        harness.clock.now())
    [row] = month.tasks
    assert row.progress == 60 and row.status == "at_risk"
    assert [b.text for b in row.blockers] == ["Chờ kinh phí", "Thiếu máy quét"]
    assert [(o.name, o.reported, o.weeks_reported) for o in month.officials] == [
        ("Lê Minh Châu", True, 2)]
    assert [n.highlights for n in month.notes] == ["Số hoá 12.000 hồ sơ hộ tịch"]


async def test_skip_the_period_and_late_submission(harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 15), 10))  # the day after the cut-off
    intro = await harness.say("/baocaothang")  # the period that just closed
    assert "Báo cáo tháng 12/2026" in texts(intro) and "pc:off" in payloads(intro)
    await harness.say("Hoàn thành khảo sát")
    await harness.say("không")
    summary = await harness.say("Bổ sung kinh phí")
    assert "2. Khó khăn, vướng mắc: (bỏ qua)" in texts(summary)
    done = texts(await harness.press("pc:ok"))
    assert "nộp sau hạn chốt (16:00 14/12/2026)" in done
    report = await _report(harness, oid)
    assert report is not None and report.late
    # editing again records a second revision
    await harness.say("/baocaothang sửa")
    await harness.press("pc:keep")
    await harness.press("pc:keep")
    await harness.press("pc:keep")
    assert "lần sửa 1" in texts(await harness.press("pc:ok"))
    async with harness.app.sessionmaker() as session:
        revisions = (await session.execute(select(PeriodReportRevision.revision))).scalars().all()
    assert sorted(revisions) == [1, 2]


async def test_no_report_this_period_and_expiry(harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))
    await harness.say("/baocaothang tháng 12")
    await harness.press("pc:off")
    skipped = texts(await harness.press("pc:r:trip"))
    assert "không báo cáo tháng 12/2026 (Đi công tác)" in skipped
    report = await _report(harness, oid)
    assert report is not None and report.status == "skipped"
    # a quarter, typed, expires after idling; what was typed stays a draft
    await harness.say("/baocaothang quý IV/2026")
    await harness.say("Kết quả quý")
    harness.clock.advance(timedelta(minutes=harness.settings.conversation_idle_minutes + 1))
    assert "hết thời gian chờ" in texts(await harness.say("không"))
    async with harness.app.sessionmaker() as session:
        quarter = (await session.execute(select(PeriodReport).where(
            PeriodReport.period_key == "2026-Q4"))).scalar_one()
    assert quarter.status == "draft" and quarter.highlights == "Kết quả quý"


async def test_refusals(harness: BotHarness) -> None:
    await harness.make_official("Không Nhiệm Vụ", user="u9")
    assert "chưa được giao nhiệm vụ" in texts(await harness.say("/baocaothang", user="u9"))
    await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))
    assert "không hợp lệ" in texts(await harness.say("/baocaothang tháng 13"))
    assert "Báo cáo tuần: gõ /baocao" in texts(await harness.say("/baocaothang tuần 50"))
    assert "chưa bắt đầu" in texts(await harness.say("/baocaothang 2027-05"))
    assert "không còn hiệu lực" in texts(await harness.press("rem_period:abc"))
    assert "chưa gửi báo cáo" in texts(await harness.say("/baocaothang sửa"))


async def test_a_question_at_a_summary_step_is_answered_not_stored(harness: BotHarness) -> None:
    """A question typed while "Kết quả nổi bật" waits is answered; the step is asked again."""
    oid, _ = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))
    await harness.say("/baocaothang")
    replies = texts(await harness.say("Kết quả nổi bật ghi những gì?"))
    assert "không được ghi làm câu trả lời" in replies
    assert "1/3. Kết quả nổi bật" in replies  # the same step, asked again
    report = await _report(harness, oid)
    assert report is not None and report.highlights is None
    await harness.restart()  # the conversation is still at the first question
    replies = texts(await harness.say("/ xem lại"))  # no command: not an answer either
    assert "không được ghi làm câu trả lời" in replies and "1/3. Kết quả nổi bật" in replies
    assert "2/3. Khó khăn" in texts(await harness.say("Số hoá 12.000 hồ sơ"))
    await harness.restart()
    assert "2/3. Khó khăn" in texts(await harness.say("Có cần ghi cả vướng mắc tuần không?"))
    report = await _report(harness, oid)
    assert report is not None and report.highlights == "Số hoá 12.000 hồ sơ"
    assert report.difficulties is None


async def _submitted_month(harness: BotHarness) -> int:
    """A confirmed December summary: highlights, difficulties, no recommendations."""
    oid, _ = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))
    await harness.say("/baocaothang")
    await harness.say("Hoàn thành khảo sát")
    await harness.say("Thiếu máy quét")
    await harness.press("pc:skip")
    await harness.press("pc:ok")
    return oid


async def _stored(harness: BotHarness, oid: int) -> tuple[object, ...]:
    report = await _report(harness, oid)
    assert report is not None
    return (report.status, report.revision, report.highlights, report.difficulties,
            report.recommendations)


async def test_stopping_an_edit_leaves_the_sent_summary_as_it_was(harness: BotHarness) -> None:
    oid = await _submitted_month(harness)
    sent = await _stored(harness, oid)
    assert sent == ("submitted", 1, "Hoàn thành khảo sát", "Thiếu máy quét", None)
    await harness.say("/baocaothang sửa")
    second = await harness.say("Số hoá 12.000 hồ sơ")
    assert "2/3. Khó khăn" in texts(second)
    assert await _stored(harness, oid) == sent  # not applied before confirming
    stopped = texts(await harness.say("/huy"))
    assert "không được áp dụng" in stopped and "đã được lưu" not in stopped
    assert await _stored(harness, oid) == sent
    # an edit with restarts in between, confirmed: all changes applied with a new revision
    reopened = await harness.say("/baocaothang sửa")
    assert "Đã nhập: Hoàn thành khảo sát" in texts(reopened)  # the sent answer, not the dropped one
    assert "Đã nhập: Thiếu máy quét" in texts(await harness.say("Số hoá 12.000 hồ sơ"))
    await harness.restart()
    await harness.press("pc:skip")
    await harness.restart()
    summary = texts(await harness.say("Bổ sung kinh phí"))
    assert "1. Kết quả nổi bật: Số hoá 12.000 hồ sơ" in summary
    assert "2. Khó khăn, vướng mắc: (bỏ qua)" in summary
    assert "3. Kiến nghị, đề xuất: Bổ sung kinh phí" in summary
    assert await _stored(harness, oid) == sent
    await harness.restart()
    assert "lần sửa 1" in texts(await harness.press("pc:ok"))
    assert await _stored(harness, oid) == ("submitted", 2, "Số hoá 12.000 hồ sơ", None,
                                           "Bổ sung kinh phí")
    async with harness.app.sessionmaker() as session:
        snapshot = (await session.execute(select(PeriodReportRevision.data).where(
            PeriodReportRevision.revision == 2))).scalar_one()
    assert snapshot["highlights"] == "Số hoá 12.000 hồ sơ" and snapshot["difficulties"] is None


async def test_an_expired_edit_leaves_the_sent_summary_as_it_was(harness: BotHarness) -> None:
    oid = await _submitted_month(harness)
    sent = await _stored(harness, oid)
    await harness.say("/baocaothang sửa")
    await harness.say("Số hoá 12.000 hồ sơ")
    await harness.say("không")
    harness.clock.advance(timedelta(minutes=harness.settings.conversation_idle_minutes + 1))
    expired = texts(await harness.say("Bổ sung kinh phí"))
    assert "hết thời gian chờ" in expired and "không được áp dụng" in expired
    assert await _stored(harness, oid) == sent
