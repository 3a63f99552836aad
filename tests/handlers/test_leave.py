"""/nghiphep through the real dispatcher: dates as people type them, confirmation across a
restart, a head recording leave for an official, withdrawing it, and what leave changes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.db.models import Official, OfficialLeave
from tests.harness import BotHarness, payloads, texts


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
    assert "Xác nhận anh/chị nghỉ từ Thứ Hai 21/12/2026 đến Thứ Sáu 25/12/2026 (5 ngày)" in text
    assert "Các bản tổng hợp của Đơn vị P1 sẽ gửi cho Phó Phòng" in text
    assert payloads(ask) == ["lv:ok", "lv:again"]
    assert await _leaves(harness) == []  # nothing before the confirmation
    await harness.restart()
    done = texts(await harness.press("lv:ok"))
    assert "Đã ghi nhận nghỉ phép từ Thứ Hai 21/12/2026 đến Thứ Sáu 25/12/2026" in done
    assert await _leaves(harness) == [(head, date(2026, 12, 21), date(2026, 12, 25),
                                       "nghỉ phép năm", False)]
    listed = texts(await harness.say("/nghiphep"))
    assert "Nghỉ phép đã ghi nhận:" in listed and "21/12/2026 – Thứ Sáu 25/12/2026" in listed
    assert "nghỉ từ ngày nào" in listed
    assert "Đã dừng" in texts(await harness.say("/huy"))
    assert "Đã huỷ kỳ nghỉ" in texts(await harness.say("/nghiphep huy"))
    assert (await _leaves(harness))[0][4] is True
    assert "Không có kỳ nghỉ" in texts(await harness.say("/nghiphep huy"))


async def test_dates_asked_and_typed_again(harness: BotHarness) -> None:
    me = await harness.make_official("Lê Minh Châu")
    assert "nghỉ từ ngày nào" in texts(await harness.say("/nghiphep"))
    assert "Chưa hiểu ngày nghỉ" in texts(await harness.say("thứ hai tuần sau"))
    assert "phải sau ngày bắt đầu" in texts(await harness.say("25/12 - 21/12"))
    confirm = texts(await harness.say("24-26/11"))  # the test clock is Monday 23/11/2026
    assert "từ Thứ Ba 24/11/2026 đến Thứ Năm 26/11/2026 (3 ngày)" in confirm
    again = texts(await harness.press("lv:again"))
    assert "nghỉ từ ngày nào" in again
    await harness.say("mai")
    assert "Đã ghi nhận" in texts(await harness.press("lv:ok"))
    assert await _leaves(harness) == [(me, date(2026, 11, 24), date(2026, 11, 24), None, False)]


async def test_head_records_leave_for_an_official_of_their_unit(harness: BotHarness) -> None:
    await harness.make_official("Trưởng Phòng", role="head", unit_code="P1")
    lan = await harness.make_official("Bùi Thị Lan", user="lan", unit_code="P1")
    await harness.make_official("Người Ngoài", user="x", unit_code="KHAC")
    async with harness.app.sessionmaker.begin() as session:
        for official in (await session.execute(select(Official))).scalars():
            official.code = {"Bùi Thị Lan": "CB01", "Người Ngoài": "CB99"}.get(official.name)
    confirm = texts(await harness.say("/nghiphep CB01 1/12 - 2/12"))
    assert "Xác nhận Bùi Thị Lan nghỉ từ Thứ Ba 01/12/2026" in confirm
    assert "Đã ghi nhận Bùi Thị Lan nghỉ phép" in texts(await harness.press("lv:ok"))
    assert [r[0] for r in await _leaves(harness)] == [lan]
    assert "Không tìm thấy cán bộ mã \u201cCB99\u201d" in texts(
        await harness.say("/nghiphep CB99 1/12 - 2/12"))
    # an official cannot record leave for someone else: the code is read as dates
    assert "Chưa hiểu ngày nghỉ" in texts(await harness.say("/nghiphep CB99 1/12", user="lan"))
