"""Dialog tests of the weekly check-in through the real dispatcher."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest

from bot.db.models import CheckinRevision
from tests.handlers.checkin_helpers import add_tasks, report_of, task_row
from tests.harness import BotHarness, payloads, texts

D1 = date(2026, 11, 30)  # a week from the test clock's Monday
D2 = date(2026, 12, 31)


async def _setup(harness: BotHarness) -> tuple[int, list[int]]:
    oid = await harness.make_official("Lê Minh Châu")
    ids = await add_tasks(harness, [oid], [("NV2", "Xây dựng kho dữ liệu", D2),
                                           ("NV1", "Tập huấn kỹ năng số", D1)])
    return oid, ids


async def _act(harness: BotHarness, step: str, **kw: str) -> str:
    replies = await (harness.press(step, **kw) if step.startswith("ci:") else harness.say(step, **kw))
    return texts(replies)


async def test_full_checkin_writes_answers_and_updates_tasks(harness: BotHarness) -> None:
    oid, (nv2, nv1) = await _setup(harness)
    first = await harness.say("/baocao")
    assert "Nhiệm vụ 1/2: Tập huấn kỹ năng số" in texts(first)  # nearest deadline first
    assert "ci:p:50" in payloads(first) and "ci:keep" not in payloads(first)  # no last week yet
    assert "Ô" not in texts(first)
    # the intro reads the week and its cut-off as people write them
    assert "Báo cáo tiến độ tuần 48/2026 (2 nhiệm vụ). Hạn chốt: 16:00 Thứ Sáu " in texts(first)
    await harness.say("70 %")
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "draft"
    assert entries[nv1].progress == 70  # persisted before the report is confirmed
    await harness.press("ci:s:risk")
    await harness.say("Chưa có kinh phí")
    second = await harness.say("Trình dự thảo")
    assert "Nhiệm vụ 2/2: Xây dựng kho dữ liệu" in texts(second)
    await harness.press("ci:done")
    summary = await harness.say("https://example.gov.vn/qd-123")
    text = texts(summary)
    assert "70% — Có nguy cơ chậm" in text and "Vướng mắc: Chưa có kinh phí" in text
    assert "minh chứng: https://example.gov.vn/qd-123" in text
    assert payloads(summary)[:2] == ["ci:ok", "ci:edit:0"]
    done = await harness.press("ci:ok")
    assert "Đã gửi báo cáo tuần 48/2026" in texts(done)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and not report.late
    assert report.submitted_at == harness.clock.now()
    assert entries[nv1].status == "at_risk" and entries[nv1].next_plan == "Trình dự thảo"
    assert (await task_row(harness, nv1)).progress == 70
    finished = await task_row(harness, nv2)
    assert finished.status == "done" and finished.evidence == "https://example.gov.vn/qd-123"
    again = await harness.say("/baocao")
    assert "đã gửi báo cáo tuần 48/2026" in texts(again) and "/suabaocao" in texts(again)


STEPS = ["/baocao", "50", "ci:s:on", "không", "Hoàn thiện", "ci:skip", "Chờ ý kiến Vụ Pháp chế",
         "ci:ok"]


async def test_restart_between_every_step_resumes_there(harness: BotHarness) -> None:
    oid, (nv2, nv1) = await _setup(harness)
    for step in STEPS:
        await harness.restart()
        reply = await _act(harness, step)
        assert "sự cố" not in reply, (step, reply)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted"
    assert entries[nv1].progress == 50 and entries[nv1].blockers is None
    assert entries[nv1].next_plan == "Hoàn thiện"
    assert entries[nv2].status == "skipped" and entries[nv2].skip_reason == "Chờ ý kiến Vụ Pháp chế"
    assert (await task_row(harness, nv2)).progress == 0  # a skipped task keeps its progress


async def test_restart_at_evidence_week_reason_and_summary_edit(harness: BotHarness) -> None:
    oid, (nv2, nv1) = await _setup(harness)
    for step in ["/baocao", "ci:done", "Biên bản nghiệm thu", "ci:week", "Nghỉ ốm"]:
        await harness.restart()
        assert "sự cố" not in await _act(harness, step)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "skipped" and report.skip_reason == "Nghỉ ốm"
    assert entries[nv1].evidence == "Biên bản nghiệm thu"
    for step in ["/suabaocao", "20", "ci:s:on", "không", "không", "10", "ci:s:late", "không",
                 "không", "ci:edit:1"]:
        await harness.restart()
        assert "sự cố" not in await _act(harness, step)
    await harness.restart()
    assert "Tóm tắt" in await _act(harness, "ci:keep")  # back to the summary after the edit
    await harness.restart()
    assert "Đã cập nhật báo cáo" in await _act(harness, "ci:ok")
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and entries[nv2].progress == 10


@pytest.mark.parametrize("bad", ["abc", "150%", "-5", "101", "7o"])
async def test_impossible_progress_is_asked_again(harness: BotHarness, bad: str) -> None:
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    reply = await harness.say(bad)
    assert "chưa hiểu" in texts(reply) and "ci:p:50" in payloads(reply)
    ok = await harness.say("bảy mươi")  # Vietnamese number words work too
    assert "Tình trạng" in texts(ok)
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 70


async def test_wrong_answers_at_other_steps_reask(harness: BotHarness) -> None:
    await _setup(harness)
    await harness.say("/baocao")
    await harness.say("40")
    reply = await harness.say("xyz")
    assert "chọn một trong các tình trạng" in texts(reply) and "ci:s:on" in payloads(reply)
    assert "Có khó khăn" in texts(await harness.say("chậm tiến độ"))
    stale = await harness.press("ci:w:leave")  # a button of another step
    assert "chọn một lựa chọn" in texts(stale)


async def test_cancel_keeps_draft_and_says_so(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    await harness.say("25")
    reply = await harness.say("/huy")
    assert "vẫn được lưu" in texts(reply) and "1 nhiệm vụ" in texts(reply)
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "draft" and entries[nv1].progress == 25
    assert "không có thao tác" in texts(await harness.say("/huy"))
    # resuming shows what was already typed and offers to keep it
    resumed = await harness.say("/baocao")
    assert "ci:keep" not in payloads(resumed)  # status not given yet: nothing complete to keep
    await harness.say("25")
    await harness.press("ci:s:on")
    await harness.say("/huy")
    again = await harness.say("/baocao")
    assert "Đã nhập: 25%, Đúng tiến độ" in texts(again) and "ci:keep" in payloads(again)


async def test_expiry_after_idle_time_says_what_was_kept(harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    await harness.say("/baocao")
    await harness.say("60")
    harness.clock.advance(timedelta(minutes=harness.settings.conversation_idle_minutes + 1))
    reply = await harness.say("ci:s:on")
    assert "hết thời gian chờ" in texts(reply) and "(1 nhiệm vụ)" in texts(reply)
    report, _ = await report_of(harness, oid)
    assert report is not None and report.status == "draft"


async def test_last_week_values_are_offered_and_kept(harness: BotHarness) -> None:
    oid, (nv2, nv1) = await _setup(harness)
    for step in ["/baocao", "40", "ci:s:late", "Thiếu nhân lực", "Bổ sung người", "30", "ci:s:on",
                 "không", "không", "ci:ok"]:
        await _act(harness, step)
    harness.clock.advance(timedelta(days=7))
    reply = await harness.say("/baocao")
    assert "Tuần trước: 40%, Chậm tiến độ" in texts(reply) and "ci:keep" in payloads(reply)
    await harness.press("ci:keep")  # whole task as last week
    await harness.say("35")
    await harness.press("ci:s:on")
    blockers = await harness.say("không")
    assert "ci:keep" not in payloads(blockers)  # last week had no plan for NV2
    summary = await harness.say("Nghiệm thu")
    assert "Tóm tắt báo cáo tuần 49/2026" in texts(summary)
    await harness.press("ci:ok")
    _, entries = await report_of(harness, oid, "2026-W49")
    assert entries[nv1].progress == 40 and entries[nv1].status == "late"
    assert entries[nv1].blockers == "Thiếu nhân lực" and entries[nv1].next_plan == "Bổ sung người"
    assert entries[nv2].progress == 35


async def test_keep_single_field_from_last_week(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "40", "ci:s:late", "Thiếu nhân lực", "Bổ sung", "ci:skip", "Chờ",
                 "ci:ok"]:
        await _act(harness, step)
    harness.clock.advance(timedelta(days=7))
    await harness.say("/baocao")
    await harness.say("60")
    await harness.press("ci:s:on")
    await harness.press("ci:keep")  # the blockers step offers last week's text as a button
    _, entries = await report_of(harness, oid, "2026-W49")
    assert entries[nv1].blockers == "Thiếu nhân lực" and entries[nv1].progress == 60


async def test_skip_whole_week(harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    await harness.say("/baocao")
    await harness.press("ci:week")
    reply = await harness.press("ci:w:trip")
    assert "nghỉ báo cáo (Đi công tác)" in texts(reply)
    report, _ = await report_of(harness, oid)
    assert report is not None and report.status == "skipped" and report.skip_reason == "Đi công tác"
    assert "đã báo nghỉ" in texts(await harness.say("/baocao"))


async def test_edit_after_cutoff_is_a_late_revision(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "50", "ci:s:on", "không", "không", "ci:skip", "Chờ", "ci:ok"]:
        await _act(harness, step)
    # Friday 16:30 local: after the default cut-off (Friday 16:00)
    harness.clock.advance(timedelta(days=4, hours=8, minutes=30))
    reply = await harness.say("/suabaocao")
    assert "quá hạn chốt" in texts(reply)
    await harness.say("80")
    await harness.press("ci:s:on")
    await harness.say("không")
    await harness.say("không")
    await harness.press("ci:keep")  # NV2: keep this week's answer (skipped)
    done = await harness.press("ci:ok")
    assert "sửa sau hạn chốt" in texts(done) and "lần sửa 1" in texts(done)
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
    for step in ["/baocao", "50", "ci:s:on", "không", "không", "ci:skip", "Chờ", "ci:ok"]:
        await _act(harness, step)
    await harness.say("/suabaocao")
    stopped = texts(await harness.say("/huy"))
    assert "Đã dừng sửa báo cáo" in stopped and "nhiệm vụ)" not in stopped


async def test_first_submission_after_cutoff_is_late(harness: BotHarness) -> None:
    oid, _ = await _setup(harness)
    harness.clock.advance(timedelta(days=4, hours=9))  # Friday 17:00 local
    for step in ["/baocao", "ci:skip", "Chờ", "ci:skip", "Chờ"]:
        await _act(harness, step)
    reply = await harness.press("ci:ok")
    assert "nộp sau hạn chốt" in texts(reply)
    report, _ = await report_of(harness, oid)
    assert report is not None and report.late


async def test_suabaocao_without_report(harness: BotHarness) -> None:
    await _setup(harness)
    assert "chưa gửi báo cáo" in texts(await harness.say("/suabaocao"))


async def test_two_messages_at_the_same_moment_do_not_corrupt(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    await harness.say("/baocao")
    first, second = await asyncio.gather(harness.say("30"), harness.say("60"))
    combined = texts(first) + texts(second)
    assert "sự cố" not in combined
    # one answered the progress step, the other met the status step and was re-asked
    assert "chọn một trong các tình trạng" in combined
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress in (30, 60) and entries[nv1].status is None
    reply = await harness.press("ci:s:on")
    assert "Có khó khăn" in texts(reply)


async def test_start_checkin_for_given_tasks_only(harness: BotHarness) -> None:
    from handlers.checkin import CHECKIN_FLOW, start_checkin

    assert CHECKIN_FLOW == "ci"
    oid, (nv2, _) = await _setup(harness)

    async def open_for_nv2(ctx, arg: str) -> None:  # type: ignore[no-untyped-def]
        await start_checkin(ctx, task_ids=[int(arg)])

    harness.app.router.button("rmtest", open_for_nv2)
    reply = await harness.press(f"rmtest:{nv2}")
    assert "(1 nhiệm vụ)" in texts(reply) and "Xây dựng kho dữ liệu" in texts(reply)


async def test_guests_cannot_report(harness: BotHarness) -> None:
    reply = await harness.say("/baocao", user="stranger")
    assert "dành cho cán bộ đã đăng ký" in texts(reply)


async def test_no_open_tasks(harness: BotHarness) -> None:
    await harness.make_official("Không Việc")
    assert "không có nhiệm vụ nào" in texts(await harness.say("/baocao"))


async def test_a_question_at_a_free_text_step_is_answered_not_stored(harness: BotHarness) -> None:
    """Blockers and next week's plan: a question ('…?' or '/…') is not stored as the answer."""
    oid, (nv2, nv1) = await _setup(harness)
    await harness.say("/baocao")
    await harness.say("40")
    await harness.press("ci:s:on")
    replies = texts(await harness.say("Vướng mắc là gì?"))
    assert "không được ghi làm câu trả lời" in replies and "Có khó khăn" in replies
    await harness.restart()
    await harness.say("Chưa có kinh phí")
    replies = texts(await harness.say("/ kế hoạch"))
    assert "không được ghi làm câu trả lời" in replies and "Kế hoạch tuần tới" in replies
    await harness.restart()
    await harness.say("Kế hoạch tuần sau ghi thế nào？")
    _, entries = await report_of(harness, oid)
    assert entries[nv1].blockers == "Chưa có kinh phí" and entries[nv1].next_plan is None
    assert "Nhiệm vụ 2/2" in texts(await harness.say("Trình dự thảo"))
    _, entries = await report_of(harness, oid)
    assert entries[nv1].next_plan == "Trình dự thảo"


async def test_stopping_an_edit_leaves_the_sent_report_as_it_was(harness: BotHarness) -> None:
    """/suabaocao keeps its changes in the conversation: /huy or expiry applies none of them;
    confirming applies them all (a restart in between keeps them)."""
    oid, (nv2, nv1) = await _setup(harness)
    for step in ["/baocao", "50", "ci:s:on", "không", "không", "ci:skip", "Chờ", "ci:ok"]:
        await _act(harness, step)
    before = texts(await harness.say("/tiendo"))
    await harness.say("/suabaocao")
    await harness.say("80")
    await harness.press("ci:s:risk")
    await harness.say("Thiếu kinh phí")
    report, entries = await report_of(harness, oid)
    assert report is not None and report.revision == 1
    assert entries[nv1].progress == 50 and entries[nv1].blockers is None  # nothing applied yet
    stopped = texts(await harness.say("/huy"))
    assert "không được áp dụng" in stopped
    report, entries = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and report.revision == 1
    assert entries[nv1].progress == 50 and entries[nv1].status == "on_track"
    assert (await task_row(harness, nv1)).progress == 50
    assert texts(await harness.say("/tiendo")) == before
    # an edit confirmed after a restart: every change at once
    await harness.say("/suabaocao")
    await harness.say("80")
    await harness.restart()
    await harness.press("ci:s:risk")
    await harness.say("Thiếu kinh phí")
    await harness.restart()
    await harness.say("không")
    summary = texts(await harness.press("ci:keep"))  # NV2: keep this week's answer
    assert "80% — Có nguy cơ chậm" in summary and "Thiếu kinh phí" in summary
    _, entries = await report_of(harness, oid)
    assert entries[nv1].progress == 50
    await harness.press("ci:ok")
    report, entries = await report_of(harness, oid)
    assert report is not None and report.revision == 2
    assert entries[nv1].progress == 80 and entries[nv1].status == "at_risk"
    assert entries[nv1].blockers == "Thiếu kinh phí" and entries[nv2].status == "skipped"
    assert (await task_row(harness, nv1)).progress == 80


async def test_an_expired_edit_leaves_the_sent_report_as_it_was(harness: BotHarness) -> None:
    oid, (_, nv1) = await _setup(harness)
    for step in ["/baocao", "50", "ci:s:on", "không", "không", "ci:skip", "Chờ", "ci:ok"]:
        await _act(harness, step)
    await harness.say("/suabaocao")
    await harness.say("90")
    harness.clock.advance(timedelta(days=2))
    assert "không được áp dụng" in texts(await harness.say("xin chào"))
    report, entries = await report_of(harness, oid)
    assert report is not None and report.revision == 1 and entries[nv1].progress == 50
