"""Dialog tests of the weekly check-in through the real dispatcher."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.db.models import CheckinRevision
from bot.texts import checkin as T
from bot.texts import common as C
from tests.handlers.checkin_helpers import report_of, task_row
from tests.harness import BotHarness, Press, fits, labels, texts

D1 = date(2026, 11, 30)  # a week from the test clock's Monday
D2 = date(2026, 12, 31)

ON = Press(T.STATUS_LABELS["on_track"])
RISK = Press(T.STATUS_LABELS["at_risk"])
LATE = Press(T.STATUS_LABELS["late"])
SUBMIT = Press(T.BTN_SUBMIT)
DONE = Press(T.BTN_DONE)
SKIP = Press(T.BTN_SKIP_TASK)
WEEK = Press(T.BTN_SKIP_WEEK)
TRIP = Press(T.BTN_TRIP)
KEEP_DRAFT = Press(T.BTN_KEEP_DRAFT)


async def _setup(harness: BotHarness) -> tuple[int, list[int]]:
    oid = await harness.make_official("Lê Minh Châu")
    ids = await harness.world.tasks([oid], [("NV2", "Xây dựng kho dữ liệu", D2),
                                            ("NV1", "Tập huấn kỹ năng số", D1)])
    return oid, ids


async def _act(harness: BotHarness, step: str | Press) -> str:
    return texts(await harness.act(step))


async def test_full_checkin_writes_answers_and_updates_tasks(harness: BotHarness) -> None:
    oid, (nv2, nv1) = await _setup(harness)
    first = await harness.say("/baocao")
    # nearest deadline first
    assert T.TASK_HEADER.format(n=1, total=2, title="Tập huấn kỹ năng số") in texts(first)
    assert "50%" in labels(first)
    assert not {T.BTN_KEEP, T.BTN_KEEP_DRAFT} & set(labels(first))  # no last week yet
    assert "Ô" not in texts(first)
    # the intro reads the week and its cut-off as people write them
    assert T.INTRO.format(week="48/2026", count=2, cutoff="16:00 Thứ Sáu {day}").split(
        "{day}")[0] in texts(first)
    await harness.say("70 %")
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "draft"
    assert entries[nv1].progress == 70  # persisted before the report is confirmed
    await harness.act(RISK)
    await harness.say("Chưa có kinh phí")
    second = await harness.say("Trình dự thảo")
    assert T.TASK_HEADER.format(n=2, total=2, title="Xây dựng kho dữ liệu") in texts(second)
    await harness.act(DONE)
    summary = await harness.say("https://example.gov.vn/qd-123")
    text = texts(summary)
    assert T.SUMMARY_PROGRESS.format(progress=70, status=RISK.label) in text
    assert T.SUMMARY_BLOCKERS.format(text="Chưa có kinh phí") in text
    assert T.SUMMARY_EVIDENCE.format(text="https://example.gov.vn/qd-123") in text
    assert labels(summary)[:2] == [T.BTN_SUBMIT, T.BTN_EDIT_TASK.format(n=1)]
    done = await harness.act(SUBMIT)
    assert T.SUBMITTED.format(week="48/2026") in texts(done)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and not report.late
    assert report.submitted_at == harness.clock.now()
    assert entries[nv1].status == "at_risk" and entries[nv1].next_plan == "Trình dự thảo"
    assert (await task_row(harness, nv1)).progress == 70
    finished = await task_row(harness, nv2)
    assert finished.status == "done" and finished.evidence == "https://example.gov.vn/qd-123"
    again = await harness.say("/baocao")
    assert fits(texts(again), T.ALREADY_SUBMITTED.format(week="48/2026", at="{at}"))


STEPS = ["/baocao", "50", ON, "không", "Hoàn thiện", SKIP, "Chờ ý kiến Vụ Pháp chế",
         SUBMIT]


async def test_restart_between_every_step_resumes_there(harness: BotHarness) -> None:
    oid, (nv2, nv1) = await _setup(harness)
    for step in STEPS:
        await harness.restart()
        reply = await _act(harness, step)
        assert C.GENERIC_ERROR not in reply, (step, reply)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted"
    assert entries[nv1].progress == 50 and entries[nv1].blockers is None
    assert entries[nv1].next_plan == "Hoàn thiện"
    assert entries[nv2].status == "skipped" and entries[nv2].skip_reason == "Chờ ý kiến Vụ Pháp chế"
    assert (await task_row(harness, nv2)).progress == 0  # a skipped task keeps its progress


async def test_a_typed_single_digit_is_a_percentage_after_a_restart(harness: BotHarness) -> None:
    """Telegram shows the levels as buttons: "5" typed is 5 %, not the fifth level (100 %)."""
    oid, (_, nv1) = await _setup(harness)  # NV1 is asked first (the earlier deadline)
    first = await _act(harness, "/baocao")
    assert T.ASK_PROGRESS in first
    await harness.restart()
    assert T.ASK_STATUS in await _act(harness, "5")
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 5 and entries[nv1].status is None


@pytest.mark.slow
async def test_restart_at_evidence_week_reason_and_summary_edit(harness: BotHarness) -> None:
    oid, (nv2, nv1) = await _setup(harness)
    for step in ["/baocao", DONE, "Biên bản nghiệm thu", WEEK, "Nghỉ ốm"]:
        await harness.restart()
        assert C.GENERIC_ERROR not in await _act(harness, step)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "skipped" and report.skip_reason == "Nghỉ ốm"
    assert entries[nv1].evidence == "Biên bản nghiệm thu"
    for step in ["/suabaocao", "20", ON, "không", "không", "10", LATE, "không",
                 "không", Press(T.BTN_EDIT_TASK.format(n=2))]:
        await harness.restart()
        assert C.GENERIC_ERROR not in await _act(harness, step)
    await harness.restart()
    # back to the summary after the edit
    assert fits(await _act(harness, KEEP_DRAFT), T.SUMMARY_HEADER)
    await harness.restart()
    assert fits(await _act(harness, SUBMIT), T.REVISED)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and entries[nv2].progress == 10


@pytest.mark.parametrize("bad", ["abc", "150%", "-5", "101", "7o"])
async def test_impossible_progress_is_asked_again(harness: BotHarness, bad: str) -> None:
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    reply = await harness.say(bad)
    assert T.BAD_PROGRESS.format(answer=bad) in texts(reply) and "50%" in labels(reply)
    ok = await harness.say("bảy mươi")  # Vietnamese number words work too
    assert T.ASK_STATUS in texts(ok)
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 70


async def test_wrong_answers_at_other_steps_reask(harness: BotHarness) -> None:
    await _setup(harness)
    await harness.say("/baocao")
    await harness.say("40")
    reply = await harness.say("xyz")
    assert T.BAD_STATUS in texts(reply) and ON.label in labels(reply)
    assert T.ASK_BLOCKERS in texts(await harness.say("chậm tiến độ"))
    stale = await harness.press("ci:w:leave")  # a button of another step
    assert T.CHOOSE_ABOVE in texts(stale)


async def test_cancel_keeps_draft_and_says_so(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    await harness.say("25")
    reply = await harness.say("/huy")
    assert T.CANCELLED.format(count=1) in texts(reply)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "draft" and entries[nv1].progress == 25
    assert C.NOTHING_TO_CANCEL in texts(await harness.say("/huy"))
    # resuming shows what was already typed and offers to keep it
    resumed = await harness.say("/baocao")
    # status not given yet: nothing complete to keep
    assert T.BTN_KEEP_DRAFT not in labels(resumed)
    await harness.say("25")
    await harness.act(ON)
    await harness.say("/huy")
    again = await harness.say("/baocao")
    assert T.DRAFT_VALUES.format(progress=25, status=ON.label) in texts(again)
    assert T.BTN_KEEP_DRAFT in labels(again)


async def test_expiry_after_idle_time_says_what_was_kept(harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    await harness.say("/baocao")
    await harness.say("60")
    harness.clock.advance(timedelta(minutes=harness.settings.conversation_idle_minutes + 1))
    reply = await harness.say("ci:s:on")
    assert T.EXPIRED.format(week="48/2026", count=1) in texts(reply)
    report, _ = await report_of(harness, oid)
    assert report is not None and report.status == "draft"


async def test_last_week_values_are_offered_and_kept(harness: BotHarness) -> None:
    oid, (nv2, nv1) = await _setup(harness)
    for step in ["/baocao", "40", LATE, "Thiếu nhân lực", "Bổ sung người", "30", ON,
                 "không", "không", SUBMIT]:
        await _act(harness, step)
    harness.clock.advance(timedelta(days=7))
    reply = await harness.say("/baocao")
    assert T.LAST_WEEK.format(progress=40, status=LATE.label) in texts(reply)
    await harness.press(label=T.BTN_KEEP)  # whole task as last week
    await harness.say("35")
    await harness.act(ON)
    blockers = await harness.say("không")
    # last week had no plan for NV2
    assert not any(label.startswith(T.BTN_SAME_AS_LAST) for label in labels(blockers))
    summary = await harness.say("Nghiệm thu")
    assert T.SUMMARY_HEADER.format(week="49/2026") in texts(summary)
    await harness.act(SUBMIT)
    _, entries = await report_of(harness, oid, "2026-W49")
    assert entries[nv1].progress == 40 and entries[nv1].status == "late"
    assert entries[nv1].blockers == "Thiếu nhân lực" and entries[nv1].next_plan == "Bổ sung người"
    assert entries[nv2].progress == 35


async def test_keep_single_field_from_last_week(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "40", LATE, "Thiếu nhân lực", "Bổ sung", SKIP, "Chờ",
                 SUBMIT]:
        await _act(harness, step)
    harness.clock.advance(timedelta(days=7))
    await harness.say("/baocao")
    await harness.say("60")
    await harness.act(ON)
    # the blockers step offers last week's text as a button
    await harness.press(label=f"{T.BTN_SAME_AS_LAST}: Thiếu nhân lực")
    _, entries = await report_of(harness, oid, "2026-W49")
    assert entries[nv1].blockers == "Thiếu nhân lực" and entries[nv1].progress == 60


async def test_skip_whole_week(harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    await harness.say("/baocao")
    await harness.act(WEEK)
    reply = await harness.act(TRIP)
    assert T.WEEK_SKIPPED.format(week="48/2026", reason=T.REASON_TRIP) in texts(reply)
    report, _ = await report_of(harness, oid)
    assert report is not None and report.status == "skipped"
    assert report.skip_reason == T.REASON_TRIP  # the reason's wording is what is stored
    assert T.ALREADY_SKIPPED.format(week="48/2026", reason=T.REASON_TRIP) in texts(
        await harness.say("/baocao"))


async def test_edit_after_cutoff_is_a_late_revision(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "50", ON, "không", "không", SKIP, "Chờ", SUBMIT]:
        await _act(harness, step)
    # Friday 16:30 local: after the default cut-off (Friday 16:00)
    harness.clock.advance(timedelta(days=4, hours=8, minutes=30))
    reply = await harness.say("/suabaocao")
    assert fits(texts(reply), T.EDIT_LATE_NOTICE)
    await harness.say("80")
    await harness.act(ON)
    await harness.say("không")
    await harness.say("không")
    await harness.act(KEEP_DRAFT)  # NV2: keep this week's answer (skipped)
    done = await harness.act(SUBMIT)
    assert fits(texts(done), T.REVISED_LATE.format(week="48/2026", revision=1, cutoff="{cutoff}"))
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and not report.late
    assert report.revision == 2 and entries[nv1].progress == 80
    async with harness.app.sessionmaker() as session:
        from sqlalchemy import select

        revisions = list((await session.execute(select(CheckinRevision).where(
            CheckinRevision.report_id == report.id).order_by(CheckinRevision.revision))).scalars())
    assert [r.late for r in revisions] == [False, True]
    assert any(e["progress"] == 50 for e in revisions[0].data["entries"])


async def test_stopping_an_edit_does_not_count_tasks_as_just_answered(harness: BotHarness) -> None:
    """Every task was answered before /suabaocao: "(2 nhiệm vụ) vừa nhập" was not true."""
    await _setup(harness)
    for step in ["/baocao", "50", ON, "không", "không", SKIP, "Chờ", SUBMIT]:
        await _act(harness, step)
    await harness.say("/suabaocao")
    stopped = texts(await harness.say("/huy"))
    assert T.CANCELLED_EDIT in stopped and "nhiệm vụ)" not in stopped


async def test_first_submission_after_cutoff_is_late(harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    harness.clock.advance(timedelta(days=4, hours=9))  # Friday 17:00 local
    for step in ["/baocao", SKIP, "Chờ", SKIP, "Chờ"]:
        await _act(harness, step)
    reply = await harness.act(SUBMIT)
    assert fits(texts(reply), T.SUBMITTED_LATE)
    report, _ = await report_of(harness, oid)
    assert report is not None and report.late


async def test_suabaocao_without_report(harness: BotHarness) -> None:
    await _setup(harness)
    assert T.NOTHING_TO_EDIT.format(week="48/2026") in texts(await harness.say("/suabaocao"))


async def test_two_messages_at_the_same_moment_do_not_corrupt(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    first, second = await asyncio.gather(harness.say("30"), harness.say("60"))
    combined = texts(first) + texts(second)
    assert C.GENERIC_ERROR not in combined
    # one answered the progress step, the other met the status step and was re-asked
    assert T.BAD_STATUS in combined
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress in (30, 60) and entries[nv1].status is None
    reply = await harness.act(ON)
    assert T.ASK_BLOCKERS in texts(reply)


async def test_start_checkin_for_given_tasks_only(harness: BotHarness) -> None:
    from handlers.checkin import CHECKIN_FLOW, start_checkin

    assert CHECKIN_FLOW == "ci"
    oid, (nv2, _) = await _setup(harness)

    async def open_for_nv2(ctx, arg: str) -> None:  # type: ignore[no-untyped-def]
        await start_checkin(ctx, task_ids=[int(arg)])

    harness.app.router.button("rmtest", open_for_nv2)
    reply = await harness.press(f"rmtest:{nv2}")
    assert fits(texts(reply), T.INTRO.format(week="48/2026", count=1, cutoff="{cutoff}"))
    assert "Xây dựng kho dữ liệu" in texts(reply)


async def test_guests_cannot_report(harness: BotHarness) -> None:
    reply = await harness.say("/baocao", user="stranger")
    assert C.NEEDS_REGISTRATION in texts(reply)


async def test_no_open_tasks(harness: BotHarness) -> None:
    await harness.make_official("Không Việc")
    assert T.NO_OPEN_TASKS.format(week="48/2026") in texts(await harness.say("/baocao"))


async def test_a_question_at_a_free_text_step_is_answered_not_stored(harness: BotHarness) -> None:
    """Blockers and next week's plan: a question ('…?' or '/…') is not stored as the answer."""
    oid, (nv2, nv1) = await _setup(harness)
    await harness.say("/baocao")
    await harness.say("40")
    await harness.act(ON)
    replies = texts(await harness.say("Vướng mắc là gì?"))
    assert C.QUESTION_NOT_STORED in replies and T.ASK_BLOCKERS in replies
    await harness.restart()
    await harness.say("Chưa có kinh phí")
    replies = texts(await harness.say("/ kế hoạch"))
    assert C.QUESTION_NOT_STORED in replies and T.ASK_NEXT in replies
    await harness.restart()
    await harness.say("Kế hoạch tuần sau ghi thế nào？")
    _, entries = await report_of(harness, oid)
    assert entries[nv1].blockers == "Chưa có kinh phí" and entries[nv1].next_plan is None
    assert fits(texts(await harness.say("Trình dự thảo")),
                T.TASK_HEADER.format(n=2, total=2, title="{title}"))
    _, entries = await report_of(harness, oid)
    assert entries[nv1].next_plan == "Trình dự thảo"


async def test_stopping_an_edit_leaves_the_sent_report_as_it_was(harness: BotHarness) -> None:
    """/suabaocao keeps its changes in the conversation: /huy or expiry applies none of them;
    confirming applies them all (a restart in between keeps them)."""
    oid, (nv2, nv1) = await _setup(harness)
    for step in ["/baocao", "50", ON, "không", "không", SKIP, "Chờ", SUBMIT]:
        await _act(harness, step)
    before = texts(await harness.say("/tiendo"))
    await harness.say("/suabaocao")
    await harness.say("80")
    await harness.act(RISK)
    await harness.say("Thiếu kinh phí")
    report, entries = await report_of(harness, oid)
    assert report is not None and report.revision == 1
    assert entries[nv1].progress == 50 and entries[nv1].blockers is None  # nothing applied yet
    stopped = texts(await harness.say("/huy"))
    assert T.CANCELLED_EDIT in stopped
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and report.revision == 1
    assert entries[nv1].progress == 50 and entries[nv1].status == "on_track"
    assert (await task_row(harness, nv1)).progress == 50
    assert texts(await harness.say("/tiendo")) == before
    # an edit confirmed after a restart: every change at once
    await harness.say("/suabaocao")
    await harness.say("80")
    await harness.restart()
    await harness.act(RISK)
    await harness.say("Thiếu kinh phí")
    await harness.restart()
    await harness.say("không")
    summary = texts(await harness.act(KEEP_DRAFT))  # NV2: keep this week's answer
    assert T.SUMMARY_PROGRESS.format(progress=80, status=RISK.label) in summary
    assert "Thiếu kinh phí" in summary
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 50
    await harness.act(SUBMIT)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.revision == 2
    assert entries[nv1].progress == 80 and entries[nv1].status == "at_risk"
    assert entries[nv1].blockers == "Thiếu kinh phí" and entries[nv2].status == "skipped"
    assert (await task_row(harness, nv1)).progress == 80


async def test_an_expired_edit_leaves_the_sent_report_as_it_was(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "50", ON, "không", "không", SKIP, "Chờ", SUBMIT]:
        await _act(harness, step)
    await harness.say("/suabaocao")
    await harness.say("90")
    harness.clock.advance(timedelta(days=2))
    assert T.EXPIRED_EDIT.format(week="48/2026") in texts(await harness.say("xin chào"))
    report, entries = await report_of(harness, oid)
    assert report is not None and report.revision == 1 and entries[nv1].progress == 50


BACK = Press(C.BUTTON_BACK)


async def test_a_button_pressed_by_mistake_is_undone_with_quay_lai(harness: BotHarness) -> None:
    """"Bỏ qua việc này", "Nghỉ cả tuần" and "Hoàn thành" lead to a step whose other way out was
    /huy: "Quay lại" asks the task's progress again (a restart in the middle changes nothing)."""
    oid, (nv2, nv1) = await _setup(harness)
    first_task = T.TASK_HEADER.format(n=1, total=2, title="Tập huấn kỹ năng số")

    async def step(action: str | Press) -> str:
        reply = await _act(harness, action)
        await harness.restart()
        return reply

    await step("/baocao")
    assert T.ASK_SKIP_REASON in await step(SKIP)
    assert first_task in await step(BACK)
    assert T.ASK_WEEK_REASON in await step(WEEK)
    assert first_task in await step(BACK)
    report, _ = await report_of(harness, oid)
    assert report is not None and report.status == "draft"  # the week was not skipped
    assert T.ASK_EVIDENCE in await step(DONE)
    back = await step("/quaylai")  # typed, as on Zalo where the button may be said instead
    assert first_task in back and T.DRAFT_VALUES.format(
        progress=100, status=T.STATUS_LABELS["done"]) in back
    assert T.ASK_STATUS in await step("50")
    assert first_task in await step(BACK)  # the status step goes back to the progress too
    await step("60")
    await step(ON)
    assert T.ASK_STATUS in await step(BACK)  # blockers → status
    await step(ON)
    await step("không")
    assert T.ASK_BLOCKERS in await step(BACK)  # next week's plan → blockers
    await step("không")
    second = await step("Hoàn thiện")
    assert T.TASK_HEADER.format(n=2, total=2, title="Xây dựng kho dữ liệu") in second
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 60 and entries[nv1].status == "on_track"
    assert entries[nv1].evidence is None and entries[nv1].next_plan == "Hoàn thiện"
    # the second task's progress goes back to the first task's (tests/handlers/
    # test_checkin_back.py); the first task's has no way back: said, and asked again
    assert first_task in await step("/quaylai")
    no_way = await _act(harness, "/quaylai")
    assert C.NO_WAY_BACK_HERE in no_way and first_task in no_way


async def test_a_skipped_task_reopened_shows_the_skip_not_a_percentage(harness: BotHarness) -> None:
    """Found on a phone: a task skipped this week, opened again (Giữ như đã nhập, /baocao after
    /huy), said "Đã nhập: None%, Bỏ qua tuần này"."""
    await _setup(harness)
    for step in ["/baocao", "40", ON, "không", "không", SKIP, "Chờ văn bản của Bộ"]:
        await _act(harness, step)
    await harness.say("/huy")
    await harness.say("/baocao")
    reopened = await _act(harness, KEEP_DRAFT)  # the first task as entered: on to the second
    assert T.TASK_HEADER.format(n=2, total=2, title="Xây dựng kho dữ liệu") in reopened
    assert "None" not in reopened
    assert T.DRAFT_SKIPPED.format(reason="Chờ văn bản của Bộ") in reopened


async def test_a_free_text_answer_kept_from_this_week_is_not_called_last_weeks(
        harness: BotHarness) -> None:
    """Found on a phone: after "Quay lại" to the blockers step, the text just typed was offered
    as "Như tuần trước: …" (as last week's) although there was no last week."""
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "40", RISK, "Chờ phê duyệt"]:
        await _act(harness, step)
    back = await harness.act(BACK)
    assert T.ASK_BLOCKERS in texts(back)
    assert f"{T.BTN_SAME_AS_DRAFT}: Chờ phê duyệt" in labels(back)
    assert not any(label.startswith(T.BTN_SAME_AS_LAST) for label in labels(back))
    assert T.ASK_NEXT in texts(await harness.press(label=f"{T.BTN_SAME_AS_DRAFT}: Chờ phê duyệt"))
    _, entries = await report_of(harness, oid)
    assert entries[nv1].blockers == "Chờ phê duyệt"


@pytest.mark.parametrize("typed", ["khoảng 40%", "khoang 40 phan tram", "tầm 40", "đạt 40%",
                                   "được 40%", "hiện đạt khoảng 40 %", "~40%"])
async def test_progress_typed_with_a_word_before_the_number(harness: BotHarness,
                                                            typed: str) -> None:
    """Found on a phone: "khoảng 40 phần trăm" ("about 40 percent") was not understood."""
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    assert T.ASK_STATUS in texts(await harness.say(typed))
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 40


@pytest.mark.parametrize("typed", ["Huỷ", "hủy", "Hủy bỏ.", "huy bo"])
async def test_huy_typed_alone_stops_the_checkin_and_is_not_stored(harness: BotHarness,
                                                                  typed: str) -> None:
    """Found on a phone: "Huỷ" typed (the prompt says /huy; a phone keyboard hides "/") at the
    blockers step was stored as the blockers, over what had been typed before."""
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "40", RISK, "Chờ phê duyệt", BACK]:
        await _act(harness, step)
    reply = await _act(harness, typed)
    assert T.CANCELLED.format(count=1) in reply
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "draft"
    assert entries[nv1].blockers == "Chờ phê duyệt"
    # outside a conversation the word is not a command: nothing to cancel is said as for /huy
    assert C.NOTHING_TO_CANCEL in await _act(harness, typed)


async def test_huy_without_tone_mark_is_still_an_answer(harness: BotHarness) -> None:
    """"Huy" is also a given name: only the word with its tone mark (or "huỷ bỏ") stops."""
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "40", RISK]:
        await _act(harness, step)
    assert T.ASK_NEXT in await _act(harness, "Huy")
    _, entries = await report_of(harness, oid)
    assert entries[nv1].blockers == "Huy"


async def test_start_in_the_middle_of_the_checkin_asks_the_step_again(
        harness: BotHarness) -> None:
    """Found in the web chat: the page sends /start when it is opened again (a reload, the phone
    reopening the tab); the greeting came alone, the check-in's question was gone from the screen,
    and the next message ("thu tuc bao cao tuan") was "not understood" as a percentage."""
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    await harness.restart()
    again = await _act(harness, "/start")
    assert C.WELCOME_OFFICIAL.format(name="Lê Minh Châu") in again
    assert T.TASK_HEADER.format(n=1, total=2, title="Tập huấn kỹ năng số") in again
    assert T.ASK_PROGRESS in again
    assert T.ASK_STATUS in await _act(harness, "40")
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 40


@pytest.mark.parametrize("typed", ["Quay lại", "quay lai", "trở lại."])
async def test_quay_lai_typed_alone_goes_back_and_is_not_stored(harness: BotHarness,
                                                                typed: str) -> None:
    """Found over Zalo: "quay lại" typed (the button's label, without the slash) at the
    next-week step was stored as the plan; at the progress step it was "không hiểu"."""
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "40", RISK, "Chờ phê duyệt"]:
        await _act(harness, step)
    back = await _act(harness, typed)
    assert T.ASK_BLOCKERS in back
    _, entries = await report_of(harness, oid)
    assert entries[nv1].next_plan is None and entries[nv1].blockers == "Chờ phê duyệt"


async def _sent_from_telegram_while_open_on_the_web(harness: BotHarness) -> tuple[int, int]:
    """An official with two apps: the check-in opened on the web and left there, the same week's
    report then sent from Telegram, and the process restarted."""
    oid = await harness.world.official("Lê Minh Châu", "DV1",
                                       accounts={"telegram": "tg", "web": "w"})
    [nv1] = await harness.world.tasks([oid], [("NV1", "Tập huấn kỹ năng số", D1)])
    await harness.say("/baocao", user="w")
    for step in ["/baocao", "40", ON, "Chưa có kinh phí", "không", SUBMIT]:
        await harness.act(step, user="tg", channel="telegram")
    await harness.restart()
    return oid, nv1


async def test_a_check_in_left_open_in_the_other_app_does_not_change_the_sent_report(
        harness: BotHarness) -> None:
    """Its answers are an edit of the sent report from then on: /huy leaves the report as sent
    (before, "90" was written into the sent report at once, with no revision, and /huy said it
    was kept as an unsent draft)."""
    oid, nv1 = await _sent_from_telegram_while_open_on_the_web(harness)
    reply = texts(await harness.say("90", user="w"))
    assert fits(reply, T.SENT_ELSEWHERE.format(week="48/2026", at="{at}"))
    assert T.ASK_STATUS in reply
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and report.revision == 1
    assert entries[nv1].progress == 40
    assert T.CANCELLED_EDIT in texts(await harness.say("/huy", user="w"))
    report, entries = await report_of(harness, oid)
    assert report is not None and report.revision == 1
    assert entries[nv1].progress == 40 and entries[nv1].blockers == "Chưa có kinh phí"
    assert (await task_row(harness, nv1)).progress == 40


async def test_a_check_in_left_open_in_the_other_app_confirms_as_a_revision(
        harness: BotHarness) -> None:
    oid, nv1 = await _sent_from_telegram_while_open_on_the_web(harness)
    for step in ["90", ON, "không", "Nghiệm thu"]:
        await harness.act(step, user="w")
    done = texts(await harness.act(SUBMIT, user="w"))
    assert T.REVISED.format(week="48/2026", revision=1) in done
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and report.revision == 2
    assert entries[nv1].progress == 90 and entries[nv1].next_plan == "Nghiệm thu"
    assert (await task_row(harness, nv1)).progress == 90


async def test_a_check_in_left_open_after_the_week_was_skipped_in_the_other_app(
        harness: BotHarness) -> None:
    oid = await harness.world.official("Lê Minh Châu", "DV1",
                                       accounts={"telegram": "tg", "web": "w"})
    [nv1] = await harness.world.tasks([oid], [("NV1", "Tập huấn kỹ năng số", D1)])
    await harness.say("/baocao", user="w")
    for step in ["/baocao", WEEK, TRIP]:
        await harness.act(step, user="tg", channel="telegram")
    reply = texts(await harness.say("90", user="w"))
    assert T.SKIPPED_ELSEWHERE.format(week="48/2026", reason=T.REASON_TRIP) in reply
    assert T.CANCELLED_EDIT in texts(await harness.say("/huy", user="w"))
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "skipped" and nv1 not in entries


async def test_a_decimal_just_under_100_does_not_close_the_task(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    reply = texts(await harness.say("99,6"))
    assert T.ASK_STATUS in reply and T.ASK_EVIDENCE not in reply
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 99 and entries[nv1].status is None


async def test_an_answer_of_invisible_characters_only_is_no_answer(harness: BotHarness) -> None:
    """A zero-width space (or a BOM, a word joiner) pasted alone was stored as the blockers and
    showed as an empty "Vướng mắc: " to the head; it is asked again like an empty answer."""
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "50", ON]:
        await harness.act(step)
    for invisible in ("\u200b", " \ufeff\u2060 "):
        reply = texts(await harness.say(invisible))
        assert T.EMPTY_ANSWER in reply and T.ASK_BLOCKERS in reply
    _, entries = await report_of(harness, oid)
    assert entries[nv1].blockers is None
    assert T.ASK_NEXT in texts(await harness.say("Thiếu kinh phí\u200b"))  # text with one: kept
    _, entries = await report_of(harness, oid)
    assert entries[nv1].blockers == "Thiếu kinh phí\u200b"


async def test_a_question_at_the_progress_or_status_step_is_answered(harness: BotHarness) -> None:
    """A question typed where a percentage or a status is awaited is answered and the step asked
    again (it got "Xin lỗi, tôi chưa hiểu “…”. Tiến độ là một số…"); what reads as the answer
    (a percentage, a status) is still taken as one."""
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    replies = texts(await harness.say("Hạn chốt báo cáo là khi nào?"))
    assert C.QUESTION_NOT_STORED in replies and T.ASK_PROGRESS in replies
    assert "chưa hiểu" not in replies
    await harness.restart()
    assert T.ASK_STATUS in texts(await harness.say("60%"))
    replies = texts(await harness.say("Thế nào là có nguy cơ chậm?"))
    assert C.QUESTION_NOT_STORED in replies and T.ASK_STATUS in replies
    assert T.BAD_STATUS not in replies
    assert T.ASK_BLOCKERS in texts(await harness.act(ON))
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 60 and entries[nv1].status == "on_track"
