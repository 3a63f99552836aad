"""/nghiphep through the real dispatcher: dates as people type them, confirmation across a
restart, a head recording leave for an official, withdrawing it, and what leave changes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.db.models import Official, OfficialLeave
from bot.texts import common as C
from bot.texts import leave as T
from tests.harness import BotHarness, fits, labels, texts

MON_21, FRI_25 = "Thứ Hai 21/12/2026", "Thứ Sáu 25/12/2026"


async def _leaves(harness: BotHarness) -> list[tuple[int, date, date, str | None, bool]]:
    async with harness.app.sessionmaker() as session:
        rows = (await session.execute(select(OfficialLeave).order_by(OfficialLeave.id))).scalars()
        return [(r.official_id, r.start_day, r.end_day, r.note, r.cancelled_at is not None)
                for r in rows]


async def test_leave_confirmed_after_a_restart(harness: BotHarness) -> None:
    head = await harness.make_official("Trưởng Phòng", role="head", unit_code="P1")
    await harness.make_official("Phó Phòng", role="deputy", user="u2", unit_code="P1")
    ask = await harness.say("/nghiphep 21/12 - 25/12 nghỉ phép năm")
    text = texts(ask)
    assert fits(text, T.CONFIRM.format(who=T.WHO_SELF, start=MON_21, end=FRI_25, days=5,
                                       whom="{whom}"))
    assert T.CONFIRM_HEAD.format(unit="Đơn vị P1", deputies="Phó Phòng") in text
    assert labels(ask) == [T.BTN_CONFIRM, C.BUTTON_BACK]
    assert await _leaves(harness) == []  # nothing before the confirmation
    await harness.restart()
    done = texts(await harness.press(label=T.BTN_CONFIRM))
    assert T.RECORDED.format(start=MON_21, end=FRI_25) in done
    assert await _leaves(harness) == [(head, date(2026, 12, 21), date(2026, 12, 25),
                                       "nghỉ phép năm", False)]
    listed = texts(await harness.say("/nghiphep"))
    assert T.CURRENT_HEADER in listed
    assert T.CURRENT_ITEM.format(start=MON_21, end=FRI_25,
                                 note=T.NOTE.format(note="nghỉ phép năm")) in listed
    assert T.ASK_DATES in listed
    assert T.STOPPED in texts(await harness.say("/huy"))
    assert T.CANCELLED_LEAVE.format(start=MON_21, end=FRI_25) in texts(
        await harness.say("/nghiphep huy"))
    assert (await _leaves(harness))[0][4] is True
    assert T.NOTHING_TO_CANCEL in texts(await harness.say("/nghiphep huy"))


async def test_dates_asked_and_typed_again(harness: BotHarness) -> None:
    me = await harness.make_official("Lê Minh Châu")
    assert T.ASK_DATES in texts(await harness.say("/nghiphep"))
    assert T.DATES_UNREADABLE.format(text="thứ hai tuần sau") in texts(
        await harness.say("thứ hai tuần sau"))
    assert T.END_BEFORE_START in texts(await harness.say("25/12 - 21/12"))
    confirm = texts(await harness.say("24-26/11"))  # the test clock is Monday 23/11/2026
    assert fits(confirm, T.CONFIRM.format(who=T.WHO_SELF, start="Thứ Ba 24/11/2026",
                                          end="Thứ Năm 26/11/2026", days=3, whom="{whom}"))
    await harness.restart()
    # "Quay lại" (as in every conversation, not a button of its own): the dates asked again
    again = texts(await harness.press(label=C.BUTTON_BACK))
    assert T.ASK_DATES in again
    assert C.NO_WAY_BACK_HERE in texts(await harness.say("/quaylai"))  # the first step
    await harness.say("mai")
    assert fits(texts(await harness.press(label=T.BTN_CONFIRM)), T.RECORDED)
    assert await _leaves(harness) == [(me, date(2026, 11, 24), date(2026, 11, 24), None, False)]


async def test_quay_lai_typed_at_the_confirmation_and_an_older_again_button(
        harness: BotHarness) -> None:
    """Dates typed with the command: the confirmation is the first question asked, and
    /quaylai there asks for the dates (it said there was no step before, while the message
    offered "Nhập lại ngày"); a "Nhập lại ngày" under a message sent before still works."""
    await harness.make_official("Lê Minh Châu")
    await harness.say("/nghiphep 21/12 - 25/12")
    await harness.restart()
    back = texts(await harness.say("/quaylai"))
    assert T.ASK_DATES in back and C.NO_WAY_BACK_HERE not in back
    await harness.say("22/12 - 23/12")
    assert T.ASK_DATES in texts(await harness.press("lv:again"))
    assert await _leaves(harness) == []


async def test_head_records_leave_for_an_official_of_their_unit(harness: BotHarness) -> None:
    await harness.make_official("Trưởng Phòng", role="head", unit_code="P1")
    lan = await harness.make_official("Bùi Thị Lan", user="lan", unit_code="P1")
    await harness.make_official("Người Ngoài", user="x", unit_code="KHAC")
    async with harness.app.sessionmaker.begin() as session:
        for official in (await session.execute(select(Official))).scalars():
            official.code = {"Bùi Thị Lan": "CB01", "Người Ngoài": "CB99"}.get(official.name)
    confirm = texts(await harness.say("/nghiphep CB01 1/12 - 2/12"))
    assert fits(confirm, T.CONFIRM.format(who="Bùi Thị Lan", start="Thứ Ba 01/12/2026",
                                          end="{end}", days="{days}", whom="{whom}"))
    assert fits(texts(await harness.press(label=T.BTN_CONFIRM)),
                T.RECORDED_FOR.format(name="Bùi Thị Lan", start="{start}", end="{end}"))
    assert [r[0] for r in await _leaves(harness)] == [lan]
    assert T.OFFICIAL_NOT_YOURS.format(code="CB99") in texts(
        await harness.say("/nghiphep CB99 1/12 - 2/12"))
    # an official cannot record leave for someone else: the code is read as dates
    assert fits(texts(await harness.say("/nghiphep CB99 1/12", user="lan")), T.DATES_UNREADABLE)


async def test_leave_dates_written_out_as_in_a_document(harness: BotHarness) -> None:
    """"từ ngày 21 tháng 12 đến ngày 25 tháng 12" (as a leave request is written) is read."""
    oid = await harness.make_official("Lê Minh Châu")
    ask = texts(await harness.say("/nghiphep từ ngày 21 tháng 12 đến ngày 25 tháng 12 đi học"))
    assert fits(ask, T.CONFIRM.format(who=T.WHO_SELF, start=MON_21, end=FRI_25, days=5,
                                      whom="{whom}"))
    await harness.press(label=T.BTN_CONFIRM)
    assert await _leaves(harness) == [(oid, date(2026, 12, 21), date(2026, 12, 25), "đi học",
                                       False)]


async def test_a_yes_typed_at_the_confirmation_records_the_leave(harness: BotHarness) -> None:
    """"Xác nhận" (the button's own label), "có", "ok" typed instead of pressed: recorded, after a
    restart too (each was read as new dates: "Chưa hiểu ngày nghỉ “có”")."""
    me = await harness.make_official("Lê Minh Châu")
    for yes, (first, last) in (("Xác nhận", ("1/12", "2/12")), ("Có.", ("7/12", "8/12")),
                               ("ok", ("14/12", "14/12"))):
        await harness.say(f"/nghiphep {first} - {last}")
        await harness.restart()
        reply = texts(await harness.say(yes))
        assert fits(reply, T.RECORDED) and "Chưa hiểu" not in reply
    assert [(r[1], r[2]) for r in await _leaves(harness)] == [
        (date(2026, 12, 1), date(2026, 12, 2)), (date(2026, 12, 7), date(2026, 12, 8)),
        (date(2026, 12, 14), date(2026, 12, 14))]
    assert {r[0] for r in await _leaves(harness)} == {me}
