"""The monthly summary conversation through the real dispatcher: assembled from the weekly
check-ins, three questions each skippable, restart-safe, /huy, expiry, late after the cut-off, and
the month's report showing it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot.clock import local_datetime
from bot.db.models import ChatAccount, PeriodReport, PeriodReportRevision, Task
from bot.periods import Period
from bot.reports.build import build_unit_report
from bot.texts import checkin as CT
from bot.texts import common as C
from bot.texts import period_checkin as T
from bot.texts import periods as PT
from tests.harness import BotHarness, Press, fits, labels, texts

ON = Press(CT.STATUS_LABELS["on_track"])
RISK = Press(CT.STATUS_LABELS["at_risk"])
DECEMBER = "tháng 12/2026"


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_datetime(day, time(hour, minute))


async def _weekly(harness: BotHarness, answers: list[str]) -> None:
    """One weekly check-in through the conversation (progress, status, blockers, plan)."""
    await harness.say("/baocao")
    for answer in answers:
        await harness.act(answer)
    await harness.press(label=CT.BTN_SUBMIT)


async def _setup(harness: BotHarness) -> tuple[int, int]:
    oid = await harness.make_official("Lê Minh Châu", unit_code="CUC")
    (task,) = await harness.world.tasks([oid], [("NV1", "Số hoá hồ sơ", date(2027, 3, 31))],
                                        unit="CUC")
    # two weekly check-ins in the December period (15/11–14/12)
    harness.clock.set(_at(date(2026, 11, 26), 9))
    await _weekly(harness, ["40", ON, "Chờ kinh phí", "Khảo sát"])
    harness.clock.set(_at(date(2026, 12, 10), 9))
    await _weekly(harness, ["60", RISK, "Thiếu máy quét", "Số hoá"])
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
    await harness.world.tasks([oid], [("NV1", "Số hoá hồ sơ", date(2027, 3, 31))], unit="CUC")
    await _weekly(harness, ["40", ON, "không", "Khảo sát"])
    intro = texts(await harness.say("/baocaothang"))
    assert fits(intro, T.INTRO.format(period=DECEMBER + "{dates}", cutoff="{cutoff}",
                                      weeks="{weeks}"))
    assert "0/0" not in intro
    assert f"({T.WEEKS_NONE_DUE})" in intro
    assert T.TASK_LINE.format(code="NV1", title="Số hoá hồ sơ", progress=40,
                              status=ON.label) in intro


async def test_month_summary_from_the_prompt_with_a_restart(harness: BotHarness) -> None:
    oid, task = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))  # the day the December period closes
    intro = texts(await harness.press("rem_period:2026-12"))
    assert fits(intro, T.INTRO.format(period=f"{DECEMBER} (15/11–14/12/2026)",
                                      cutoff="16:00 14/12/2026", weeks="{weeks}"))
    assert fits(intro, T.WEEKS_DONE.format(done=2, total="{total}"))
    # from the weekly check-ins
    assert T.TASK_LINE.format(code="NV1", title="Số hoá hồ sơ", progress=60,
                              status=RISK.label) in intro
    assert T.BLOCKER_LINE.format(code="NV1", text="Chờ kinh phí") in intro
    assert T.BLOCKER_LINE.format(code="NV1", text="Thiếu máy quét") in intro
    assert T.ASK_HIGHLIGHTS in intro
    await harness.say("Số hoá 12.000 hồ sơ hộ tịch")
    report = await _report(harness, oid)
    assert report is not None and report.status == "draft"
    assert report.highlights == "Số hoá 12.000 hồ sơ hộ tịch"  # kept before confirming
    await harness.restart()  # a new process; /huy ends the conversation, the draft stays
    assert fits(texts(await harness.say("/huy")), T.CANCELLED)
    reopened = await harness.say("/baocaothang")
    assert T.CURRENT_VALUE.format(text="Số hoá 12.000 hồ sơ hộ tịch") in texts(reopened)
    second = await harness.press(label=T.BTN_KEEP)
    assert T.ASK_DIFFICULTIES in texts(second) and T.BTN_FROM_WEEKS in labels(second)
    await harness.restart()
    # the blockers the weeks already raised
    third = await harness.press(label=T.BTN_FROM_WEEKS)
    assert T.ASK_RECOMMENDATIONS in texts(third)
    summary = texts(await harness.press(label=T.BTN_SKIP_FIELD))
    assert T.SUMMARY_HIGHLIGHTS.format(text="Số hoá 12.000 hồ sơ hộ tịch") in summary
    assert T.SUMMARY_DIFFICULTIES.format(
        text="[NV1] Chờ kinh phí\n[NV1] Thiếu máy quét") in summary
    assert T.SUMMARY_RECOMMENDATIONS.format(text=T.SUMMARY_EMPTY) in summary
    await harness.restart()
    done = texts(await harness.press(label=T.BTN_SUBMIT))
    assert T.SUBMITTED.format(period=DECEMBER) in done and "sau hạn" not in done
    report = await _report(harness, oid)
    assert report is not None and report.status == "submitted" and not report.late
    assert report.recommendations is None
    assert fits(texts(await harness.say("/baocaothang")),
                T.ALREADY_SUBMITTED.format(period=DECEMBER, at="{at}"))
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
    assert fits(texts(intro), T.INTRO.format(period=DECEMBER + "{dates}", cutoff="{cutoff}",
                                      weeks="{weeks}"))
    assert T.BTN_OFF in labels(intro)
    await harness.say("Hoàn thành khảo sát")
    await harness.say("không")
    summary = await harness.say("Bổ sung kinh phí")
    assert T.SUMMARY_DIFFICULTIES.format(text=T.SUMMARY_EMPTY) in texts(summary)
    done = texts(await harness.press(label=T.BTN_SUBMIT))
    assert T.SUBMITTED_LATE.format(period=DECEMBER, cutoff="16:00 14/12/2026") in done
    report = await _report(harness, oid)
    assert report is not None and report.late
    # editing again records a second revision
    await harness.say("/baocaothang sửa")
    await harness.press(label=T.BTN_KEEP)
    await harness.press(label=T.BTN_SKIP_FIELD)  # left empty the first time: no "keep" offered
    await harness.press(label=T.BTN_KEEP)
    assert fits(texts(await harness.press(label=T.BTN_SUBMIT)),
                T.REVISED_LATE.format(period=DECEMBER, revision=1, cutoff="{cutoff}"))
    async with harness.app.sessionmaker() as session:
        revisions = (await session.execute(select(PeriodReportRevision.revision))).scalars().all()
    assert sorted(revisions) == [1, 2]


async def test_no_report_this_period_and_expiry(harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))
    await harness.say("/baocaothang tháng 12")
    await harness.press(label=T.BTN_OFF)
    skipped = texts(await harness.press(label=T.BTN_TRIP))
    assert T.SKIPPED.format(period=DECEMBER, reason=T.REASON_TRIP) in skipped
    report = await _report(harness, oid)
    assert report is not None and report.status == "skipped"
    # a quarter, typed, expires after idling; what was typed stays a draft
    await harness.say("/baocaothang quý IV/2026")
    await harness.say("Kết quả quý")
    harness.clock.advance(timedelta(minutes=harness.settings.conversation_idle_minutes + 1))
    assert fits(texts(await harness.say("không")), T.EXPIRED)
    async with harness.app.sessionmaker() as session:
        quarter = (await session.execute(select(PeriodReport).where(
            PeriodReport.period_key == "2026-Q4"))).scalar_one()
    assert quarter.status == "draft" and quarter.highlights == "Kết quả quý"


async def test_no_report_pressed_by_mistake_is_undone_with_quay_lai(
        harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))
    await harness.say("/baocaothang tháng 12")
    assert T.ASK_OFF_REASON in texts(await harness.press(label=T.BTN_OFF))
    await harness.restart()  # the way back survives a restart in the middle of the step
    back = await harness.press(label=C.BUTTON_BACK)
    assert T.ASK_HIGHLIGHTS in texts(back) and T.BTN_OFF in labels(back)
    report = await _report(harness, oid)
    assert report is None or report.status == "draft"  # nothing skipped


async def test_refusals(harness: BotHarness) -> None:
    await harness.make_official("Không Nhiệm Vụ", user="u9")
    assert T.NO_TASKS_AT_ALL in texts(await harness.say("/baocaothang", user="u9"))
    await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))
    assert PT.BAD_PERIOD.format(text="tháng 13") in texts(await harness.say("/baocaothang tháng 13"))
    assert T.NOT_A_SUMMARY_PERIOD in texts(await harness.say("/baocaothang tuần 50"))
    assert fits(texts(await harness.say("/baocaothang 2027-05")), T.FUTURE_PERIOD)
    assert T.STALE_PROMPT in texts(await harness.press("rem_period:abc"))
    assert T.NOTHING_TO_EDIT.format(period=DECEMBER) in texts(
        await harness.say("/baocaothang sửa"))


async def test_a_question_at_a_summary_step_is_answered_not_stored(harness: BotHarness) -> None:
    """A question typed while "Kết quả nổi bật" waits is answered; the step is asked again."""
    oid, _ = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))
    await harness.say("/baocaothang")
    replies = texts(await harness.say("Kết quả nổi bật ghi những gì?"))
    assert C.QUESTION_NOT_STORED in replies
    assert T.ASK_HIGHLIGHTS in replies  # the same step, asked again
    report = await _report(harness, oid)
    assert report is not None and report.highlights is None
    await harness.restart()  # the conversation is still at the first question
    replies = texts(await harness.say("/ xem lại"))  # no command: not an answer either
    assert C.QUESTION_NOT_STORED in replies and T.ASK_HIGHLIGHTS in replies
    assert T.ASK_DIFFICULTIES in texts(await harness.say("Số hoá 12.000 hồ sơ"))
    await harness.restart()
    assert T.ASK_DIFFICULTIES in texts(await harness.say("Có cần ghi cả vướng mắc tuần không?"))
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
    await harness.press(label=T.BTN_SKIP_FIELD)
    await harness.press(label=T.BTN_SUBMIT)
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
    assert T.ASK_DIFFICULTIES in texts(second)
    assert await _stored(harness, oid) == sent  # not applied before confirming
    stopped = texts(await harness.say("/huy"))
    assert T.CANCELLED_EDIT.format(period=DECEMBER) in stopped and "đã được lưu" not in stopped
    assert await _stored(harness, oid) == sent
    # an edit with restarts in between, confirmed: all changes applied with a new revision
    reopened = await harness.say("/baocaothang sửa")
    # the sent answer, not the dropped one
    assert T.CURRENT_VALUE.format(text="Hoàn thành khảo sát") in texts(reopened)
    assert T.CURRENT_VALUE.format(text="Thiếu máy quét") in texts(
        await harness.say("Số hoá 12.000 hồ sơ"))
    await harness.restart()
    await harness.press(label=T.BTN_SKIP_FIELD)
    await harness.restart()
    summary = texts(await harness.say("Bổ sung kinh phí"))
    assert T.SUMMARY_HIGHLIGHTS.format(text="Số hoá 12.000 hồ sơ") in summary
    assert T.SUMMARY_DIFFICULTIES.format(text=T.SUMMARY_EMPTY) in summary
    assert T.SUMMARY_RECOMMENDATIONS.format(text="Bổ sung kinh phí") in summary
    assert await _stored(harness, oid) == sent
    await harness.restart()
    assert T.REVISED.format(period=DECEMBER, revision=1) in texts(
        await harness.press(label=T.BTN_SUBMIT))
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
    assert T.EXPIRED_EDIT.format(period=DECEMBER) in expired
    assert await _stored(harness, oid) == sent


async def test_a_summary_left_open_in_the_other_app_does_not_change_the_sent_one(
        harness: BotHarness) -> None:
    """The December summary opened on the web and left there, then sent from Telegram: what the
    web chat takes after (a restart between) is an edit, applied only when confirmed (before, it
    was written into the sent summary at once, and /huy said it was kept as an unsent draft)."""
    oid, _ = await _setup(harness)
    async with harness.app.sessionmaker.begin() as session:  # the official's second app
        session.add(ChatAccount(channel="telegram", external_id="tg", chat_id="tg",
                                official_id=oid, status="active", created_at=harness.clock.now()))
    harness.clock.set(_at(date(2026, 12, 14), 9))
    await harness.say("/baocaothang")  # on the web (u1), left at the first question
    await harness.say("/baocaothang", user="tg", channel="telegram")
    for step in ["Hoàn thành khảo sát", "Thiếu máy quét", "không"]:
        await harness.say(step, user="tg", channel="telegram")
    await harness.say("gửi báo cáo", user="tg", channel="telegram")
    sent = await _stored(harness, oid)
    assert sent == ("submitted", 1, "Hoàn thành khảo sát", "Thiếu máy quét", None)
    await harness.restart()
    reply = texts(await harness.say("Số hoá 12.000 hồ sơ"))
    assert fits(reply, T.SENT_ELSEWHERE.format(period=DECEMBER, at="{at}"))
    assert await _stored(harness, oid) == sent
    assert T.CANCELLED_EDIT.format(period=DECEMBER) in texts(await harness.say("/huy"))
    assert await _stored(harness, oid) == sent


async def test_a_summary_answer_of_invisible_characters_only_is_no_answer(
        harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    harness.clock.set(_at(date(2026, 12, 14), 9))
    await harness.say("/baocaothang")
    for blank in ("\u200b\u2060", "   "):  # both were stored as "" and the next asked
        reply = texts(await harness.say(blank))
        assert T.EMPTY_ANSWER in reply and T.ASK_HIGHLIGHTS in reply
    report = await _report(harness, oid)
    assert report is not None and report.highlights is None
