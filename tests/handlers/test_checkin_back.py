""""Quay lại" at a task's progress in the weekly check-in: the task before's progress, with what
was entered for it shown and kept ("Giữ như đã nhập"), on a first check-in and on an edit of a
sent report (/suabaocao: changes stay in the conversation until confirmed), a restart between
every step; none on the first task, nor on a task corrected from the summary."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.db.models import ConversationState
from bot.texts import checkin as T
from bot.texts import common as C
from tests.handlers.checkin_helpers import report_of
from tests.harness import BotHarness, Press, button, labels, texts

ON = Press(T.STATUS_LABELS["on_track"])
RISK = Press(T.STATUS_LABELS["at_risk"])
SKIP = Press(T.BTN_SKIP_TASK)
DONE = Press(T.BTN_DONE)
SUBMIT = Press(T.BTN_SUBMIT)
KEEP_DRAFT = Press(T.BTN_KEEP_DRAFT)
BACK = Press(C.BUTTON_BACK)
TITLES = ("Tập huấn kỹ năng số", "Xây dựng kho dữ liệu", "Số hoá hồ sơ lưu trữ")


def header(n: int) -> str:
    return T.TASK_HEADER.format(n=n, total=3, title=TITLES[n - 1])


async def _setup(h: BotHarness) -> tuple[int, list[int]]:
    """Three tasks, asked in this order (the nearest deadline first)."""
    oid = await h.make_official("Lê Minh Châu")
    ids = await h.world.tasks([oid], [(f"NV{n}", title, date(2026, 12, 10 * n))
                                      for n, title in enumerate(TITLES, start=1)])
    return oid, ids


async def _asked(h: BotHarness) -> tuple[str, int]:
    """The step the conversation is at, and the task's index."""
    async with h.app.sessionmaker() as session:
        row = (await session.execute(select(ConversationState))).scalar_one()
        return str(row.step), int(row.data["i"])


async def test_quay_lai_at_a_task_goes_back_to_the_task_before(harness: BotHarness) -> None:
    h = harness
    oid, (nv1, nv2, nv3) = await _setup(h)

    async def step(action: str | Press) -> str:
        await h.restart()  # the position lives in the database, saved with the answer
        return texts(await h.act(action))

    first = await h.say("/baocao")
    assert header(1) in texts(first) and C.BUTTON_BACK not in labels(first)
    for action in ["50", ON, "không"]:
        await step(action)
    second = await h.say("Hoàn thiện tài liệu")
    assert header(2) in texts(second)
    # under the task's question, after its own choices (Telegram, web: a row of its own)
    assert labels(second)[-2:] == [T.BTN_SKIP_WEEK, C.BUTTON_BACK]
    await step(SKIP)
    await h.restart()
    third = await h.say("Chờ ý kiến Vụ Pháp chế")
    assert header(3) in texts(third)
    # at the third task: back to the second, as entered (skipped), kept unless answered again
    await h.restart()
    back = button(third, C.BUTTON_BACK)
    again = await h.press(back)
    assert header(2) in texts(again) and header(3) not in texts(again)
    assert T.DRAFT_SKIPPED.format(reason="Chờ ý kiến Vụ Pháp chế") in texts(again)
    assert T.BTN_KEEP_DRAFT in labels(again) and C.BUTTON_BACK in labels(again)
    assert await _asked(h) == ("progress", 1)
    # pressed twice (the third task's button): said to be old, not a task further back
    twice = texts(await h.press(back))
    assert C.OLD_BACK_BUTTON in twice and header(2) in twice
    assert await _asked(h) == ("progress", 1)
    # further back: the first task, its answers shown; no way back from there
    assert T.DRAFT_VALUES.format(progress=50, status=ON.label) in (task1 := await step(BACK))
    assert header(1) in task1
    no_way = await step("/quaylai")
    assert C.NO_WAY_BACK_HERE in no_way and header(1) in no_way
    # kept as entered: on to the second task, answered again this time
    assert header(2) in await step(KEEP_DRAFT)
    assert T.ASK_STATUS in await step("30")
    await step(RISK)
    await step("Chưa có kinh phí")
    assert header(3) in await step("Trình dự thảo")  # on to the task it came back from
    assert await _asked(h) == ("progress", 2)
    await step(DONE)
    summary = await step("không")
    assert T.SUMMARY_PROGRESS.format(progress=30, status=RISK.label) in summary
    await step(SUBMIT)
    report, entries = await report_of(h, oid)
    assert report is not None and report.status == "submitted"
    assert entries[nv1].progress == 50 and entries[nv1].next_plan == "Hoàn thiện tài liệu"
    assert entries[nv2].status == "at_risk" and entries[nv2].progress == 30
    assert entries[nv2].skip_reason is None and entries[nv2].blockers == "Chưa có kinh phí"
    assert entries[nv3].status == "done"



async def _sent(h: BotHarness) -> None:
    """A first check-in, sent: 50 % on track for the first task, the others skipped."""
    for action in ["/baocao", "50", ON, "không", "không", SKIP, "Chờ", SKIP, "Chờ", SUBMIT]:
        await h.act(action)


async def test_quay_lai_in_an_edit_keeps_the_changes_until_confirmed(harness: BotHarness) -> None:
    """/suabaocao: back at the second task, the first task's unconfirmed change is shown (not
    the sent value) and answered again; the sent report is untouched until confirmed."""
    h = harness
    oid, (nv1, nv2, _) = await _setup(h)
    await _sent(h)
    for action in ["/suabaocao", "80", ON, "không"]:
        await h.act(action)
    await h.restart()
    second = await h.say("Nghiệm thu")
    assert header(2) in texts(second) and C.BUTTON_BACK in labels(second)
    await h.restart()
    first = texts(await h.act(BACK))
    assert header(1) in first
    assert T.DRAFT_VALUES.format(progress=80, status=ON.label) in first  # the edit's, unsent
    _, entries = await report_of(h, oid)
    assert entries[nv1].progress == 50 and entries[nv1].next_plan is None  # nothing applied
    await h.restart()
    await h.say("90")
    await h.restart()
    # the plan typed before going back is offered to keep
    await h.act(RISK)
    blockers = await h.say("không")
    await h.restart()
    assert header(2) in texts(await h.press(label=f"{T.BTN_SAME_AS_DRAFT}: Nghiệm thu",
                                            among=blockers))
    await h.restart()
    assert header(3) in texts(await h.act(KEEP_DRAFT))
    summary = texts(await h.act(KEEP_DRAFT))
    assert T.SUMMARY_PROGRESS.format(progress=90, status=RISK.label) in summary
    report, entries = await report_of(h, oid)
    assert report is not None and report.revision == 1 and entries[nv1].progress == 50
    await h.act(SUBMIT)
    report, entries = await report_of(h, oid)
    assert report is not None and report.revision == 2
    assert entries[nv1].progress == 90 and entries[nv1].status == "at_risk"
    assert entries[nv1].next_plan == "Nghiệm thu" and entries[nv2].status == "skipped"


async def test_a_task_corrected_from_the_summary_has_no_way_back(harness: BotHarness) -> None:
    """After the summary, "Sửa nhiệm vụ 2" asks that task alone, then the summary again: its
    progress offers no "Quay lại" to the first task ("Giữ như đã nhập" is the way back)."""
    h = harness
    await _setup(h)
    for action in ["/baocao", "50", ON, "không", "không", SKIP, "Chờ", SKIP, "Chờ"]:
        await h.act(action)
    corrected = await h.act(Press(T.BTN_EDIT_TASK.format(n=2)))
    assert header(2) in texts(corrected) and C.BUTTON_BACK not in labels(corrected)
    await h.restart()
    no_way = texts(await h.say("/quaylai"))
    assert C.NO_WAY_BACK_HERE in no_way and header(2) in no_way
    assert await _asked(h) == ("progress", 1)
    assert T.SUMMARY_HEADER.format(week="48/2026") in texts(await h.act(KEEP_DRAFT))
