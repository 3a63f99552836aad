"""Last week's check-in filed late on Monday: /baocao and 'Báo cáo ngay' within the grace window
after the week (Schedule.late_checkin_until, default Monday 12:00 local)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.db.models import Official
from bot.reports.weekly import build_weekly_summary
from bot.texts import checkin as T
from rules.cutoffs import monday_of
from rules.policy import Schedule
from tests.handlers.checkin_helpers import report_of
from tests.harness import BotHarness, Press, labels, texts

MON_0800 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday of 2026-W48, 08:00 local
LAST_WEEK = Press(T.BTN_LATE_WEEK.format(number=47, start="16/11", end="22/11"))
THIS_WEEK = Press(T.BTN_THIS_WEEK.format(number=48, start="23/11", end="29/11"))
ON = Press(T.STATUS_LABELS["on_track"])
SUBMIT = Press(T.BTN_SUBMIT)


async def _setup(harness: BotHarness) -> int:
    """An official registered (with a task) in the week before the clock's Monday."""
    harness.clock.set(MON_0800 - timedelta(days=5))  # Wednesday of 2026-W47
    oid = await harness.make_official("Lê Minh Châu")
    await harness.world.tasks([oid], [("NV1", "Tập huấn kỹ năng số", date(2026, 12, 31))])
    harness.clock.set(MON_0800)
    return oid


async def _answer(harness: BotHarness) -> str:
    for step in ("50", ON, "không", "Hoàn thiện"):
        await harness.act(step)
    return texts(await harness.act(SUBMIT))


def test_the_grace_window_is_policy() -> None:
    monday = monday_of("2026-W47")
    assert Schedule().late_checkin_end(monday) == datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
    later = Schedule().with_overrides({"late_checkin_until": "tue 17:00"})
    assert later.late_checkin_end(monday) == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    # a bad setting is ignored, as every setting
    broken = Schedule().with_overrides({"late_checkin_until": "someday"})
    assert broken.late_checkin_end(monday) == Schedule().late_checkin_end(monday)


async def test_monday_morning_asks_which_week_and_files_last_week_late(
        harness: BotHarness) -> None:
    oid = await _setup(harness)
    asked = await harness.say("/baocao")
    assert T.ASK_WHICH_WEEK.format(week="47/2026", until="12:00 Thứ Hai 23/11/2026") in texts(asked)
    assert labels(asked) == [LAST_WEEK.label, THIS_WEEK.label]
    await harness.restart()  # in the middle of the choice
    opened = texts(await harness.act(LAST_WEEK))
    assert T.INTRO_LATE.format(week="47/2026", count=1, cutoff="16:00 20/11/2026") in opened
    assert T.SUBMITTED_LATE.format(week="47/2026", cutoff="16:00 20/11/2026") in await _answer(harness)
    report, entries = await report_of(harness, oid, "2026-W47")
    assert report is not None and report.status == "submitted" and report.late
    assert [e.progress for e in entries.values()] == [50]
    assert (await report_of(harness, oid))[0] is None  # nothing written into this week
    # the head's next view of last week shows it, as sent late
    async with harness.app.sessionmaker() as session:
        official = await session.get(Official, oid)
        assert official is not None and official.unit_id is not None
        summary = await build_weekly_summary(session, official.unit_id, "2026-W47",
                                             harness.clock.now())
    assert [(o.name, o.reported, o.late) for o in summary.officials] == [("Lê Minh Châu", True, True)]
    # last week is sent: no question any more
    again = texts(await harness.say("/baocao"))
    assert T.ASK_WHICH_WEEK.split("{")[0] not in again and "tuần 48/2026" in again


async def test_this_week_chosen(harness: BotHarness) -> None:
    oid = await _setup(harness)
    await harness.say("/baocao")
    assert "tuần 48/2026" in texts(await harness.act(THIS_WEEK))
    await _answer(harness)
    report, _ = await report_of(harness, oid)
    assert report is not None and report.status == "submitted" and not report.late
    assert (await report_of(harness, oid, "2026-W47"))[0] is None


async def test_after_the_window_it_is_this_week_and_an_old_choice_is_refused(
        harness: BotHarness) -> None:
    await _setup(harness)
    asked = await harness.say("/baocao")
    await harness.say("/huy")
    harness.clock.set(MON_0800 + timedelta(hours=4, minutes=1))  # 12:01 local
    direct = texts(await harness.say("/baocao"))
    assert T.ASK_WHICH_WEEK.split("{")[0] not in direct and "tuần 48/2026" in direct
    await harness.say("/huy")
    late = texts(await harness.press(label=LAST_WEEK.label, among=asked))
    assert T.LATE_WEEK_CLOSED.format(week="47/2026", until="12:00 23/11/2026") in late


async def test_a_week_already_sent_asks_nothing(harness: BotHarness) -> None:
    oid = await _setup(harness)
    harness.clock.set(MON_0800 - timedelta(days=3))  # Friday of 2026-W47, on time
    await harness.say("/baocao")
    await _answer(harness)
    harness.clock.set(MON_0800)
    direct = texts(await harness.say("/baocao"))
    assert T.ASK_WHICH_WEEK.split("{")[0] not in direct and "tuần 48/2026" in direct
    report, _ = await report_of(harness, oid, "2026-W47")
    assert report is not None and not report.late


async def test_last_weeks_reminder_button_goes_straight_to_last_week(harness: BotHarness) -> None:
    oid = await _setup(harness)
    opened = texts(await harness.press("rem_checkin:2026-W47"))
    assert T.INTRO_LATE.format(week="47/2026", count=1, cutoff="16:00 20/11/2026") in opened
    await _answer(harness)
    report, _ = await report_of(harness, oid, "2026-W47")
    assert report is not None and report.late
    # a button sent before the week was carried: asks like /baocao (last week is sent now: no)
    assert "tuần 48/2026" in texts(await harness.press("rem_checkin"))


async def test_an_old_reminder_button_asks_which_week(harness: BotHarness) -> None:
    await _setup(harness)
    assert labels(await harness.press("rem_checkin")) == [LAST_WEEK.label, THIS_WEEK.label]
    harness.clock.set(MON_0800 + timedelta(hours=5))  # after the window: this week, as before
    assert "tuần 48/2026" in texts(await harness.press("rem_checkin:2026-W47"))
