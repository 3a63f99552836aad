"""Choices on Zalo, where a message carries five buttons: a step with more options is still one
message when the extra ones have a typed equivalent (the roles of a new guide's audience: four
roles, "Xong", "Quay lại" and "Huỷ", the last two said as "Gõ /quaylai để quay lại.", "Gõ /huy
để huỷ."), and a choice with more than five options is one message of numbered options, a typed
number pressing one (the units a new guide is announced to); the check-in's progress, where a
typed number is a percentage, is one message without numbers. A final choice ("Gửi báo cáo",
"Gửi thông báo") is never numbered after the list's items: it stays a button, its name may be
typed, and a number one too high (or a unit's code taken for a number) is refused with the
range, nothing sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import CheckinEntry, CheckinReport, Guide, PendingUpload
from bot.guide_import import PENDING_TTL, import_guide, ingest_limits
from bot.texts import checkin as CT
from bot.texts import common as C
from bot.texts import guidance as GDT
from bot.texts import guide_upload as UT
from bot.texts import zalo as ZT
from testkit.fake_zalo import FakeZalo
from tests.channels.zalo.conftest import ZaloApp, event, open_zalo_app
from tests.channels.zalo.test_routes import _docx_bytes, _file_event, _make_official
from tests.world import World

ADMIN = "adm"
GUIDE_TITLE = "Hướng dẫn tiếp nhận hồ sơ đất đai"
GUIDE_V1 = f"# {GUIDE_TITLE}\n\n## Thời gian\n\nTiếp nhận sáng thứ Ba.\n".encode()
GUIDE_V2 = f"# {GUIDE_TITLE}\n\n## Thời gian\n\nTiếp nhận mọi ngày làm việc.\n".encode()


def _buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    buttons: list[dict[str, str]] = (message["message"].get("attachment") or {}).get(
        "payload", {}).get("buttons", [])
    return buttons


def _press(sent: list[dict[str, Any]], title: str) -> str:
    """The payload of the button titled `title` on the last message that has one."""
    for message in reversed(sent):
        for button in _buttons(message):
            if button["title"] == title:
                return button["payload"]
    raise AssertionError(f"no button {title!r} in {sent}")


async def _say(zalo: ZaloApp, fake: FakeZalo, text: str, msg_id: str) -> list[dict[str, Any]]:
    """The admin's text (or a button's payload); the OA messages troly sent in answer."""
    before = len(fake.sent)
    zalo.clock.advance(timedelta(seconds=1))
    assert await zalo.post_event(event("user_send_text", ADMIN, zalo.clock, msg_id=msg_id,
                                       text=text)) == 200
    await zalo.settle()
    return fake.sent[before:]


async def test_roles_step_is_one_message_and_huy_is_typed(zalo_settings: Settings,
                                                          clock: ManualClock,
                                                          fake_zalo: FakeZalo) -> None:
    async with open_zalo_app(zalo_settings, clock) as zalo:
        await _make_official(zalo, ADMIN, "admin")
        assert await zalo.post_event(_file_event(zalo, fake_zalo, ADMIN, "bao-cao.docx",
                                                 _docx_bytes(), "f1")) == 200
        await zalo.settle()
        await _say(zalo, fake_zalo, _press(fake_zalo.sent, UT.BUTTON_UNITS), "m1")
        [roles] = await _say(zalo, fake_zalo, "DV1", "m2")
    # one message: the question, the typed way to stop, and five buttons (roles, "Xong")
    typed = ZT.TYPED_OPTION.format(command="/huy", action="huỷ")
    back = ZT.TYPED_OPTION.format(command="/quaylai", action="quay lại")
    assert roles["message"]["text"] == "\n".join([UT.ROLES_ASK.format(chosen=UT.ROLES_ALL),
                                                  back, typed])
    assert [b["title"] for b in _buttons(roles)] == [*UT.ROLE_BUTTONS.values(), UT.BUTTON_DONE]
    assert ZT.MORE_OPTIONS not in fake_zalo.sent_texts(ADMIN)

    async with open_zalo_app(zalo_settings, clock) as zalo:  # a restart: the step is stored
        # a toggle asks again, in one message again, the chosen role ticked
        [again] = await _say(zalo, fake_zalo, _press(fake_zalo.sent, UT.ROLE_BUTTONS["head"]),
                             "m3")
        assert [b["title"] for b in _buttons(again)][1] == UT.ROLE_CHOSEN.format(
            label=UT.ROLE_BUTTONS["head"])
        assert again["message"]["text"].endswith(typed)
        # what the text says works: /huy drops the file, as "Huỷ" does elsewhere
        [cancelled] = await _say(zalo, fake_zalo, "/huy", "m4")
        assert cancelled["message"]["text"] == UT.CANCELLED.format(file="bao-cao.docx")
        async with zalo.app.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(PendingUpload)) == 0
            assert await session.scalar(select(func.count()).select_from(Guide)) == 0


def _numbered(labels: list[str]) -> list[str]:
    return [f"{n}. {label}" for n, label in enumerate(labels, start=1)]


async def test_check_in_progress_is_one_message_and_a_typed_number_is_a_percentage(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo) -> None:
    """Eight choices (five levels, "Đã hoàn thành", "Bỏ qua nhiệm vụ này", "Nghỉ cả tuần") do not
    fit five buttons: one message asking for the percentage typed, the other three as buttons and
    nothing numbered; "5" is 5 %, not the fifth choice (100 %), after a read receipt and a
    restart; "Quay lại" from the status asks again the same way."""
    async with open_zalo_app(zalo_settings, clock) as zalo:
        world = World(zalo.app.sessionmaker, now=clock.now)
        official = await world.official("Lê Minh Châu", "DV1", accounts={"zalo": ADMIN})
        [task] = await world.tasks([official], [("NV1", "Tập huấn kỹ năng số", None)])
        sent = await _say(zalo, fake_zalo, "/baocao", "m1")
        progress = sent[-1]
        text = progress["message"]["text"]
        assert text.endswith(CT.ASK_PROGRESS_TYPED)
        assert [b["title"] for b in _buttons(progress)] == [CT.BTN_DONE, CT.BTN_SKIP_TASK,
                                                            CT.BTN_SKIP_WEEK]
        assert "1. " not in text and "100%" not in text  # nothing numbered, no levels
        assert ZT.MORE_OPTIONS not in fake_zalo.sent_texts(ADMIN)
        # the phone shows it: a read receipt changes nothing
        assert await zalo.post_event(event("user_seen_message", ADMIN, clock,
                                           msg_ids=["x1"])) == 200
        await zalo.settle()
    async with open_zalo_app(zalo_settings, clock) as zalo:  # a restart in the middle
        [status] = await _say(zalo, fake_zalo, "5", "m2")
        assert status["message"]["text"] == CT.ASK_STATUS
        async with zalo.app.sessionmaker() as session:
            entry = (await session.execute(select(CheckinEntry).where(
                CheckinEntry.task_id == task))).scalar_one()
        assert entry.progress == 5 and entry.status is None
        # "Quay lại": the progress again, the same one message; "3" is 3 %
        [again] = await _say(zalo, fake_zalo, _press(fake_zalo.sent, C.BUTTON_BACK), "m3")
        assert again["message"]["text"].endswith(CT.ASK_PROGRESS_TYPED)
        assert CT.BTN_DONE in [b["title"] for b in _buttons(again)]
        [status] = await _say(zalo, fake_zalo, "3", "m4")
        assert status["message"]["text"] == CT.ASK_STATUS
        async with zalo.app.sessionmaker() as session:
            entry = (await session.execute(select(CheckinEntry).where(
                CheckinEntry.task_id == task))).scalar_one()
        assert entry.progress == 3


async def test_check_in_quay_lai_to_the_task_before_is_a_button(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo) -> None:
    """The second task's progress: "Quay lại" is a fifth button (with "Giữ như đã nhập", once
    that task has an answer), not said as a typed command; pressed after a restart, it asks the
    first task again, without a way back."""
    async with open_zalo_app(zalo_settings, clock) as zalo:
        world = World(zalo.app.sessionmaker, now=clock.now)
        official = await world.official("Lê Minh Châu", "DV1", accounts={"zalo": ADMIN})
        await world.tasks([official], [(f"NV{n}", f"Nhiệm vụ số {n}", None)
                                       for n in range(1, 4)])
        on_track = CT.STATUS_LABELS["on_track"]
        for n, text in enumerate(["/baocao", "40", on_track, "không"], start=1):
            pressed = _press(fake_zalo.sent, text) if text == on_track else text
            await _say(zalo, fake_zalo, pressed, f"m{n}")
        [second] = await _say(zalo, fake_zalo, "không", "m5")
        assert CT.TASK_HEADER.format(n=2, total=3, title="Nhiệm vụ số 2") in second[
            "message"]["text"]
        assert [b["title"] for b in _buttons(second)] == [
            CT.BTN_DONE, CT.BTN_SKIP_TASK, CT.BTN_SKIP_WEEK, C.BUTTON_BACK]
        for n, text in enumerate(["30", on_track, "không"], start=6):
            pressed = _press(fake_zalo.sent, text) if text == on_track else text
            await _say(zalo, fake_zalo, pressed, f"m{n}")
        [third] = await _say(zalo, fake_zalo, "không", "m9")
        assert CT.TASK_HEADER.format(n=3, total=3, title="Nhiệm vụ số 3") in third[
            "message"]["text"]
        [second] = await _say(zalo, fake_zalo, _press(fake_zalo.sent, C.BUTTON_BACK), "m14")
        assert CT.TASK_HEADER.format(n=2, total=3, title="Nhiệm vụ số 2") in second[
            "message"]["text"]
        assert "/quaylai" not in second["message"]["text"]
        assert [b["title"] for b in _buttons(second)] == [
            CT.BTN_KEEP_DRAFT, CT.BTN_DONE, CT.BTN_SKIP_TASK, CT.BTN_SKIP_WEEK, C.BUTTON_BACK]
    async with open_zalo_app(zalo_settings, clock) as zalo:  # a restart in the middle
        [first] = await _say(zalo, fake_zalo, _press(fake_zalo.sent, C.BUTTON_BACK), "m15")
        assert CT.TASK_HEADER.format(n=1, total=3, title="Nhiệm vụ số 1") in first[
            "message"]["text"]
        assert [b["title"] for b in _buttons(first)] == [
            CT.BTN_KEEP_DRAFT, CT.BTN_DONE, CT.BTN_SKIP_TASK, CT.BTN_SKIP_WEEK]


async def test_check_in_summary_numbers_are_the_tasks_numbers(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo) -> None:
    """Five tasks: the summary's edits are numbered as its tasks are, "1" is "Sửa nhiệm vụ 1",
    "Gửi báo cáo" is a button without a number, after a restart."""
    async with open_zalo_app(zalo_settings, clock) as zalo:
        world = World(zalo.app.sessionmaker, now=clock.now)
        official = await world.official("Lê Minh Châu", "DV1", accounts={"zalo": ADMIN})
        await world.tasks([official], [(f"NV{n}", f"Nhiệm vụ số {n}", None)
                                       for n in range(1, 6)])
        await _say(zalo, fake_zalo, "/baocao", "m0")
        for n in range(1, 6):
            await _say(zalo, fake_zalo, "100", f"p{n}")  # done: the evidence asked next
            sent = await _say(zalo, fake_zalo, "không", f"e{n}")
        summary = sent[-1]["message"]["text"]
        edits = [CT.BTN_EDIT_TASK.format(n=n) for n in range(1, 6)]
        assert "\n".join(_numbered(edits)) in summary
        assert f"6. {CT.BTN_SUBMIT}" not in summary
        assert [b["title"] for b in _buttons(sent[-1])] == [CT.BTN_SUBMIT]
    async with open_zalo_app(zalo_settings, clock) as zalo:  # a restart: the numbers still hold
        sent = await _say(zalo, fake_zalo, "1", "m1")
        assert CT.TASK_HEADER.format(n=1, total=5, title="Nhiệm vụ số 1") in sent[-1][
            "message"]["text"]
        async with zalo.app.sessionmaker() as session:
            report = (await session.execute(select(CheckinReport))).scalar_one()
        assert report.status == "draft"


async def test_check_in_summary_of_many_tasks_numbers_every_task(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo) -> None:
    """Ten tasks (more than the buttons Telegram gets): every task has its number, "9" opens the
    ninth and the report stays a draft; "Gửi báo cáo" has no number."""
    async with open_zalo_app(zalo_settings, clock) as zalo:
        world = World(zalo.app.sessionmaker, now=clock.now)
        official = await world.official("Lê Minh Châu", "DV1", accounts={"zalo": ADMIN})
        await world.tasks([official], [(f"NV{n}", f"Nhiệm vụ số {n}", None)
                                       for n in range(1, 11)])
        await _say(zalo, fake_zalo, "/baocao", "m0")
        for n in range(1, 11):
            await _say(zalo, fake_zalo, "100", f"p{n}")
            sent = await _say(zalo, fake_zalo, "không", f"e{n}")
        summary = sent[-1]["message"]["text"]
        edits = [CT.BTN_EDIT_TASK.format(n=n) for n in range(1, 11)]
        assert "\n".join(_numbered(edits)) in summary
        assert summary.endswith(CT.SUMMARY_TYPED.format(last=10))
        sent = await _say(zalo, fake_zalo, "9", "m1")
        assert CT.TASK_HEADER.format(n=9, total=10, title="") in sent[-1]["message"]["text"]
        async with zalo.app.sessionmaker() as session:
            report = (await session.execute(select(CheckinReport))).scalar_one()
        assert report.status == "draft"


async def _pending_replacement(zalo: ZaloApp, admin: int, clock: ManualClock) -> tuple[int, int]:
    """GUIDE_V1 stored, and the admin's GUIDE_V2 waiting as its replacement (as after "Thay thế"):
    the pending upload's id and the replaced guide's."""
    now = clock.now()
    async with zalo.app.sessionmaker.begin() as session:
        await import_guide(session, file_name="dat-dai.md", content=GUIDE_V1,
                           uploaded_by="Quản trị", now=now, limits=ingest_limits(zalo.app.settings))
        guide = (await session.execute(select(Guide))).scalar_one()
        row = PendingUpload(file_name="dat-dai-v2.md", content=GUIDE_V2, official_id=admin,
                            uploaded_by="Quản trị", target_guide_id=guide.id,
                            created_at=now, expires_at=now + PENDING_TTL)
        session.add(row)
        await session.flush()
        return row.id, guide.id


async def test_a_guide_s_audience_of_many_units_is_one_numbered_message(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo) -> None:
    """The audience step after a replacement confirmed with an older "Thay thế" button: ten
    units, "Tất cả đơn vị", "Gửi thông báo", "Không gửi" as one message of numbered choices."""
    async with open_zalo_app(zalo_settings, clock) as zalo:
        world = World(zalo.app.sessionmaker, now=clock.now)
        names = [f"Phòng số {n}" for n in range(1, 5)]
        for n, name in enumerate(names, start=1):
            await world.unit(f"P{n}", name=name)
        admin = await world.official("Quản trị", "P1", role="admin", accounts={"zalo": ADMIN})
        await world.official("Lê Thị Lan", "P2", accounts={"zalo": "lan"})
        row_id, _ = await _pending_replacement(zalo, admin, clock)
        sent = await _say(zalo, fake_zalo, f"#btn:gup:ok:{row_id}", "m1")
        audience = sent[-1]
        options = [*names, GDT.BUTTON_ALL_UNITS]
        assert [b["title"] for b in _buttons(audience)] == [GDT.BUTTON_SEND,
                                                             GDT.BUTTON_DONT_SEND]
        assert "\n".join(_numbered(options)) + "\n\n" in audience["message"]["text"]
        assert audience["message"]["text"].endswith(GDT.AUDIENCE_TYPED.format(last=5))
        # "2" chooses the second unit: asked again, ticked, still one message
        [ticked] = await _say(zalo, fake_zalo, "2", "m2")
        assert f"2. {GDT.UNIT_CHOSEN.format(name=names[1])}" in ticked["message"]["text"]
    async with open_zalo_app(zalo_settings, clock) as zalo:  # a restart: the numbers still hold
        [done] = await _say(zalo, fake_zalo, _press(fake_zalo.sent, GDT.BUTTON_SEND), "m3")
        assert done["message"]["text"] == GDT.AUDIENCE_SENT.format(
            title=GUIDE_TITLE, count=1, units=names[1])


async def test_a_number_one_too_high_does_not_send_the_check_in(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo) -> None:
    """Five tasks: "6" (one more than the tasks) is refused with the range and the report stays
    a draft, before and after a restart, and "0" too; a number in the list still works after a
    refusal; "gửi báo cáo" typed without diacritics sends it, as the button does."""
    async with open_zalo_app(zalo_settings, clock) as zalo:
        world = World(zalo.app.sessionmaker, now=clock.now)
        official = await world.official("Lê Minh Châu", "DV1", accounts={"zalo": ADMIN})
        await world.tasks([official], [(f"NV{n}", f"Nhiệm vụ số {n}", None)
                                       for n in range(1, 6)])
        await _say(zalo, fake_zalo, "/baocao", "m0")
        for n in range(1, 6):
            await _say(zalo, fake_zalo, "100", f"p{n}")
            await _say(zalo, fake_zalo, "không", f"e{n}")
        refusal = C.NUMBER_NOT_LISTED.format(number=6, last=5) + C.FINAL_BY_BUTTON_OR_NAME.format(
            labels=f"\u201c{CT.BTN_SUBMIT}\u201d")
        [refused] = await _say(zalo, fake_zalo, "6", "m1")
        assert refused["message"]["text"] == refusal
        async with zalo.app.sessionmaker() as session:
            report = (await session.execute(select(CheckinReport))).scalar_one()
        assert report.status == "draft"
    async with open_zalo_app(zalo_settings, clock) as zalo:  # a restart: the menu still holds
        [refused] = await _say(zalo, fake_zalo, "6.", "m2")
        assert refused["message"]["text"] == refusal
        [refused] = await _say(zalo, fake_zalo, "0", "m3")
        assert refused["message"]["text"].startswith(C.NUMBER_NOT_LISTED.format(number=0, last=5))
        async with zalo.app.sessionmaker() as session:
            report = (await session.execute(select(CheckinReport))).scalar_one()
        assert report.status == "draft"
        sent = await _say(zalo, fake_zalo, "5", "m4")  # the list still answers its numbers
        assert CT.TASK_HEADER.format(n=5, total=5, title="Nhiệm vụ số 5") in sent[-1][
            "message"]["text"]
        await _say(zalo, fake_zalo, "100", "m5")
        summary = await _say(zalo, fake_zalo, "không", "m6")
        assert CT.BTN_SUBMIT in [b["title"] for b in _buttons(summary[-1])]
    async with open_zalo_app(zalo_settings, clock) as zalo:  # another restart before sending
        sent = await _say(zalo, fake_zalo, "gui bao cao", "m7")
        async with zalo.app.sessionmaker() as session:
            report = (await session.execute(select(CheckinReport))).scalar_one()
        assert report.status == "submitted", sent


async def test_a_unit_code_typed_in_the_audience_list_does_not_announce(
        zalo_settings: Settings, clock: ManualClock, fake_zalo: FakeZalo) -> None:
    """Ten units coded 10 to 19 and "Tất cả đơn vị" numbered 1 to 11, the prompt saying a number
    is a position, not a unit's code: "12" (unit 12 meant, or a number one too high) is refused
    with the range, nothing announced, before and after a restart; "3" still ticks the third;
    "Gửi thông báo" is a button, and typed by its name it announces."""
    async with open_zalo_app(zalo_settings, clock) as zalo:
        world = World(zalo.app.sessionmaker, now=clock.now)
        names = [f"Phòng số {n}" for n in range(1, 11)]
        for n, name in enumerate(names):
            await world.unit(str(10 + n), name=name)
        admin = await world.official("Quản trị", "10", role="admin", accounts={"zalo": ADMIN})
        await world.official("Lê Thị Lan", "11", accounts={"zalo": "lan"})
        await world.official("Trần Văn Bình", "12", accounts={"zalo": "binh"})
        row_id, guide_id = await _pending_replacement(zalo, admin, clock)
        audience = (await _say(zalo, fake_zalo, f"#btn:gup:ok:{row_id}", "m1"))[-1]
        text = audience["message"]["text"]
        assert "\n".join(_numbered([*names, GDT.BUTTON_ALL_UNITS])) + "\n\n" in text
        assert "12. " not in text and text.endswith(GDT.AUDIENCE_TYPED.format(last=11))
        assert "không phải mã đơn vị" in text
        [ticked] = await _say(zalo, fake_zalo, "2", "m2")
        assert f"2. {GDT.UNIT_CHOSEN.format(name=names[1])}" in ticked["message"]["text"]
        refusal = C.NUMBER_NOT_LISTED.format(number=12, last=11) + \
            C.FINAL_BY_BUTTON_OR_NAME.format(labels=f"\u201c{GDT.BUTTON_SEND}\u201d hoặc "
                                                    f"\u201c{GDT.BUTTON_DONT_SEND}\u201d")
        [refused] = await _say(zalo, fake_zalo, "12", "m3")
        assert refused["message"]["text"] == refusal

    async def announced() -> int | None:
        async with zalo.app.sessionmaker() as session:
            return (await session.get_one(Guide, guide_id)).announced_version

    assert await announced() is None
    async with open_zalo_app(zalo_settings, clock) as zalo:  # a restart: the list still holds
        [refused] = await _say(zalo, fake_zalo, "13", "m4")
        assert refused["message"]["text"].startswith(
            C.NUMBER_NOT_LISTED.format(number=13, last=11))
        assert await announced() is None
        [ticked] = await _say(zalo, fake_zalo, "3", "m5")
        assert f"3. {GDT.UNIT_CHOSEN.format(name=names[2])}" in ticked["message"]["text"]
        [done] = await _say(zalo, fake_zalo, "gửi thông báo", "m6")
        assert done["message"]["text"] == GDT.AUDIENCE_SENT.format(
            title=GUIDE_TITLE, count=2, units=f"{names[1]}, {names[2]}")
        assert await announced() is not None
