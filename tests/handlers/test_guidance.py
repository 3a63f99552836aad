"""Pushing guidance and validity, through the real dispatcher: the admin's audience step after an
upload, the announcement through the outbox (once), "Đã nắm" across a restart, who acknowledged,
one reminder after 3 working days; guides not yet or no longer in force are not answered, a
guide past its end date is withdrawn by the planner and its audience told; a replacing guide is
preferred and the old one says so; the citizens' version of sections marked '[chia sẻ]'."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock, local_date, local_datetime, to_local
from bot.config import Settings
from bot.db import guidance_store, guide_store
from bot.db.models import Guide, GuideChunk, OutboxMessage, Unit
from bot.guide_import import import_guide, ingest_limits
from bot.messages import OutgoingMessage, from_payload
from bot.texts import guidance as T
from bot.texts import guide_upload as UT
from bot.texts import guides as GT
from scheduler.delivery import OutboxDispatcher
from scheduler.planner import send_guards
from scheduler.planning import plan
from tests.fakes import FakeChannel
from tests.harness import BotHarness, fits, labels, texts
from tests.knowledge.conftest import build_docx

FRAUD = """# Hướng dẫn phòng chống lừa đảo qua điện thoại

Căn cứ: Hướng dẫn số 21/HD-CAX

## Nhận diện cuộc gọi lừa đảo

Kẻ gian giả danh công an, tòa án gọi điện yêu cầu chuyển tiền để "xác minh tài khoản".

## Cách xử lý khi nghi ngờ

Cán bộ thôn hướng dẫn người dân cúp máy, không chuyển tiền, báo ngay công an xã.

## Thông điệp cho người cao tuổi [chia sẻ]

- Công an không bao giờ gọi điện yêu cầu chuyển tiền.
- Ai gọi điện đòi chuyển tiền, hãy cúp máy và báo con cháu hoặc công an xã.

## Trách nhiệm của cán bộ

Trưởng thôn đọc thông điệp trên loa truyền thanh mỗi sáng thứ Hai.
"""

QUESTION = "khi nghi ngờ cuộc gọi lừa đảo chuyển tiền thì xử lý thế nào"


async def _units(h: BotHarness) -> dict[str, int]:
    """SO (with sub-unit PHONG) and KHAC; an admin, SO's head, Lan in PHONG, Minh in KHAC."""
    now = h.clock.now()
    async with h.app.sessionmaker.begin() as session:
        so = Unit(code="SO", name="Sở Nội vụ", created_at=now)
        khac = Unit(code="KHAC", name="Đơn vị khác", created_at=now)
        session.add_all([so, khac])
        await session.flush()
        phong = Unit(code="PHONG", name="Phòng Cải cách", parent_id=so.id, created_at=now)
        session.add(phong)
        await session.flush()
        ids = {"SO": so.id, "KHAC": khac.id, "PHONG": phong.id}
    people = {
        "admin": await h.make_official("Quản trị", role="admin", user="admin", unit_code="KHAC"),
        "head": await h.make_official("Trần Văn Hùng", role="head", user="head", unit_code="SO"),
        "lan": await h.make_official("Lê Thị Lan", user="lan", unit_code="PHONG"),
        "minh": await h.make_official("Phạm Minh", user="minh", unit_code="KHAC"),
    }
    return {**ids, **{f"o:{k}": v for k, v in people.items()}}


async def _upload_to(h: BotHarness, name: str, content: str, codes: str) -> list[OutgoingMessage]:
    """An admin sends a guide file, names the units that must apply it, stores and announces it."""
    await h.send_file(name, content.encode(), user="admin")
    await h.press(label=UT.BUTTON_UNITS, user="admin")
    await h.say(codes, user="admin")
    await h.press(label=UT.BUTTON_DONE, user="admin")
    replies = await h.press(label=UT.BUTTON_SAVE_AND_SEND, user="admin")
    await h.app.dispatcher.drain()
    return replies


async def _plan(h: BotHarness) -> None:
    async with h.app.sessionmaker.begin() as session:
        await plan(session, h.clock.now(), channels=("web",))


async def _rows(h: BotHarness, kind: str) -> list[OutboxMessage]:
    async with h.app.sessionmaker() as session:
        return list((await session.execute(select(OutboxMessage).where(
            OutboxMessage.kind == kind).order_by(OutboxMessage.recipient_id))).scalars())


def _button(payload: dict[str, Any], label: str) -> str:
    return next(str(p) for lbl, p in payload["buttons"] if lbl == label)


async def _guide(h: BotHarness, title: str) -> Guide:
    async with h.app.sessionmaker() as session:
        return (await session.execute(select(Guide).where(Guide.title == title))).scalar_one()


async def test_announcement_and_acknowledgement_with_a_restart(harness: BotHarness) -> None:
    ids = await _units(harness)
    replies = await harness.send_file("lua-dao.md", FRAUD.encode(), user="admin")
    assert fits(texts(replies), UT.SUMMARY_FILE)  # nothing stored, nobody told yet
    await harness.press(label=UT.BUTTON_UNITS, user="admin")
    await harness.say("SO", user="admin")
    replies = await harness.press(label=UT.BUTTON_DONE, user="admin")
    assert UT.SUMMARY_AUDIENCE.format(audience="Sở Nội vụ (SO)") in texts(replies)
    await harness.restart()  # the choices live in the database
    # Lan never had the admin's buttons: the same payload pressed by her is refused
    assert UT.STALE_BUTTON in texts(await harness.press("gnew:save", user="lan"))
    replies = await harness.press(label=UT.BUTTON_SAVE_AND_SEND, user="admin")
    guide = await _guide(harness, "Hướng dẫn phòng chống lừa đảo qua điện thoại")
    # SO's head and Lan of its sub-unit, not Minh
    assert UT.SENT.format(count=2, units="Sở Nội vụ (SO)") in texts(replies)
    # pressed twice: the conversation is over, announced once
    assert UT.STALE_BUTTON in texts(await harness.press(label=UT.BUTTON_SAVE_AND_SEND,
                                                        user="admin"))

    await _plan(harness)
    await _plan(harness)  # exactly once, however often the planner runs
    rows = await _rows(harness, "guide")
    assert [r.recipient_id for r in rows] == sorted([ids["o:head"], ids["o:lan"]])
    body = rows[0].payload["text"]
    assert T.ANNOUNCE_NEW.format(title="Hướng dẫn phòng chống lừa đảo qua điện thoại") in body
    assert T.ANNOUNCE_SOURCE.format(source="Hướng dẫn số 21/HD-CAX") in body
    summary = [line for line in body.splitlines() if line.startswith(T.ANNOUNCE_LINE.format(line=""))]
    assert len(summary) == 3 and summary[0].startswith(
        T.ANNOUNCE_LINE.format(line="Nhận diện cuộc gọi lừa đảo: Kẻ gian"))
    offered = [label for label, _ in rows[0].payload["buttons"]]
    assert offered == [T.BUTTON_READ, T.BUTTON_ACK, T.BUTTON_SHARE]
    # reading (and sharing) is navigation: pressing 'Đọc' first must leave 'Đã đọc' usable
    assert [b.reusable for b in from_payload(rows[0].payload).buttons] == [True, False, True]
    ack = _button(rows[0].payload, T.BUTTON_ACK)

    await harness.restart()
    read = await harness.press(_button(rows[0].payload, T.BUTTON_READ), user="lan")
    assert "Cách xử lý khi nghi ngờ" in labels(read)
    assert T.ACK_THANKS.format(title=guide.title) in texts(await harness.press(ack, user="lan"))
    assert T.ACK_ALREADY.format(title=guide.title) in texts(await harness.press(ack, user="lan"))
    assert T.ACK_GONE in texts(await harness.press(ack, user="minh"))  # not for him

    status = texts(await harness.say(f"/huongdan {guide.id}", user="head"))
    assert fits(status, T.ACK_HEADER.format(version="{version}", day="{day}", done=1, total=2))
    assert T.ACK_DONE.format(names="Lê Thị Lan") in status
    assert T.ACK_PENDING.format(names="Trần Văn Hùng") in status
    admin_view = texts(await harness.say(f"/huongdan {guide.id}", user="admin"))
    assert T.ACK_UNIT_LINE.format(unit="Phòng Cải cách", done=1, total=1) in admin_view
    assert T.ACK_UNIT_LINE.format(unit="Sở Nội vụ", done=0, total=1) in admin_view
    assert T.BUTTON_ACK not in texts(await harness.say(f"/huongdan {guide.id}", user="lan"))
    progress = texts(await harness.say("/tiendo", user="head"))
    assert T.PROGRESS_GUIDE_LINE.format(
        title=guide.title, day="23/11/2026", done=1, total=2,
        pending=T.PROGRESS_GUIDE_PENDING.format(names="Trần Văn Hùng")) in progress

    # one reminder, 3 working days later, to who has not read it: Mon 23/11 → Fri 27/11 08:00
    # (Tue 24/11 is a public holiday, Ngày Văn hóa Việt Nam, so Thursday is only the second day)
    harness.clock.set(local_datetime(date(2026, 11, 26), datetime.min.time()) + timedelta(hours=8))
    await _plan(harness)
    assert await _rows(harness, "guide_remind") == []
    harness.clock.set(local_datetime(date(2026, 11, 27), datetime.min.time()) + timedelta(hours=8))
    await _plan(harness)
    await _plan(harness)
    reminders = await _rows(harness, "guide_remind")
    assert [r.recipient_id for r in reminders] == [ids["o:head"]]
    assert fits(reminders[0].payload["text"], T.ANNOUNCE_REMIND)


async def test_announcement_waits_for_the_morning(harness: BotHarness) -> None:
    ids = await _units(harness)
    harness.clock.set(local_datetime(date(2026, 11, 23), datetime.min.time()) + timedelta(hours=22))
    await _upload_to(harness, "lua-dao.md", FRAUD, "PHONG")
    await _plan(harness)
    [row] = await _rows(harness, "guide")
    assert row.recipient_id == ids["o:lan"]
    assert to_local(row.not_before).hour == 7 and to_local(row.not_before).day == 24


async def _add(h: BotHarness, content: str, **validity: Any) -> int:
    async with h.app.sessionmaker.begin() as session:
        result = await import_guide(
            session, file_name="g.md", content=content.encode(), uploaded_by="test",
            now=h.clock.now(), limits=ingest_limits(h.settings),
            validity=guide_store.ValidityOptions(**validity) if validity else None)
        assert isinstance(result, guide_store.AddResult)
        guide_id = result.guide.id
    await h.app.knowledge.reload(h.app.sessionmaker)
    return guide_id


async def test_a_guide_expiring_is_withdrawn_not_answered_and_its_audience_told(
        harness: BotHarness) -> None:
    ids = await _units(harness)
    guide_id = await _add(harness, FRAUD, effective_until=date(2026, 11, 30))
    async with harness.app.sessionmaker.begin() as session:
        guide = await session.get_one(Guide, guide_id)
        guide.audience = guidance_store.Audience(units=(ids["PHONG"],)).to_json()
        await guidance_store.announce(session, guide, harness.clock.now())
    assert "cúp máy" in texts(await harness.say(QUESTION, user="lan"))

    # Tue 01/12 00:05: the planner withdraws it; at 08:00 its audience is told
    harness.clock.set(local_datetime(date(2026, 12, 1), datetime.min.time()) + timedelta(minutes=5))
    # past its last day, before the planner or the index caught up: the answer check refuses it
    assert "cúp máy" not in texts(await harness.say(QUESTION, user="lan"))
    await _plan(harness)
    assert (await _guide(harness, "Hướng dẫn phòng chống lừa đảo qua điện thoại")).status \
        == "withdrawn"
    assert await _rows(harness, "guide_expired") == []
    # not answered, even before this process rebuilt its index
    answer = texts(await harness.say(QUESTION, user="lan"))
    assert "cúp máy" not in answer
    assert await harness.app.knowledge_watcher.tick()  # type: ignore[union-attr]
    assert "cúp máy" not in texts(await harness.say(QUESTION, user="lan"))
    harness.clock.set(local_datetime(date(2026, 12, 1), datetime.min.time()) + timedelta(hours=8))
    await _plan(harness)
    await _plan(harness)
    [told] = await _rows(harness, "guide_expired")
    assert told.recipient_id == ids["o:lan"]
    assert T.EXPIRED_NOTICE.format(title="Hướng dẫn phòng chống lừa đảo qua điện thoại",
                                   day="01/12/2026", replacement="") in told.payload["text"]
    listing = texts(await harness.say("/huongdan", user="lan"))
    assert "(Hướng dẫn số 21/HD-CAX)" + T.MARK.format(
        marks=T.EXPIRED.format(day="01/12/2026")) in listing
    guide = await _guide(harness, "Hướng dẫn phòng chống lừa đảo qua điện thoại")
    opened = texts(await harness.press(label=guide.title, user="lan"))
    assert T.EXPIRED.format(day="01/12/2026") in opened and "Cách xử lý" not in opened


async def test_a_guide_not_yet_in_force_is_not_answered_until_its_day(harness: BotHarness) -> None:
    await harness.make_official("Lan", user="lan")
    text = FRAUD + "\n## Hiệu lực\n\nHướng dẫn này có hiệu lực kể từ ngày 01/12/2026.\n"
    guide_id = await _add(harness, text)
    async with harness.app.sessionmaker() as session:
        assert (await session.get_one(Guide, guide_id)).effective_from == date(2026, 12, 1)
    assert "cúp máy" not in texts(await harness.say(QUESTION, user="lan"))
    listing = texts(await harness.say("/huongdan", user="lan"))
    assert T.NOT_YET.format(day="01/12/2026") in listing
    harness.clock.set(local_datetime(date(2026, 12, 1), datetime.min.time()) + timedelta(hours=8))
    # the index built yesterday lacks it; the watcher rebuilds on a new local day
    assert "cúp máy" not in texts(await harness.say(QUESTION, user="lan"))
    assert await harness.app.knowledge_watcher.tick()  # type: ignore[union-attr]
    assert "cúp máy" in texts(await harness.say(QUESTION, user="lan"))


async def test_the_replacing_guide_is_preferred_and_the_old_one_says_so(
        harness: BotHarness) -> None:
    await harness.make_official("Lan", user="lan")
    old = FRAUD.replace("báo ngay công an xã", "gọi số 113")
    await _add(harness, old)
    new = (FRAUD.replace("# Hướng dẫn phòng chống lừa đảo qua điện thoại",
                         "# Hướng dẫn phòng chống lừa đảo qua điện thoại (sửa đổi)")
           .replace("Căn cứ: Hướng dẫn số 21/HD-CAX", "Căn cứ: Hướng dẫn số 30/HD-CAX")
           + "\n## Hiệu lực\n\nHướng dẫn này thay thế Hướng dẫn số 21/HD-CAX.\n")
    new_id = await _add(harness, new)
    async with harness.app.sessionmaker() as session:
        newer = await session.get_one(Guide, new_id)
        assert newer.replaces_id is not None  # read from "thay thế Hướng dẫn số 21/HD-CAX"
        old_chunk = (await session.execute(
            select(GuideChunk.id).join(Guide, Guide.current_version_id == GuideChunk.version_id)
            .where(Guide.id == newer.replaces_id).order_by(GuideChunk.ordinal))).scalars().first()
    answer = texts(await harness.say(QUESTION, user="lan"))
    assert "báo ngay công an xã" in answer and "113" not in answer
    assert "(sửa đổi)" in answer
    opened = texts(await harness.press(f"sec:{old_chunk}", user="lan"))
    assert T.REPLACED_BY.format(
        title="Hướng dẫn phòng chống lừa đảo qua điện thoại (sửa đổi)") in opened
    listing = texts(await harness.say("/huongdan", user="lan"))
    assert fits(listing, T.REPLACED_BY)


async def test_marked_sections_make_a_message_for_citizens(harness: BotHarness) -> None:
    await harness.make_official("Lan", user="lan")
    guide_id = await _add(harness, FRAUD)
    async with harness.app.sessionmaker() as session:
        headings = [tuple(c.heading_path) for c in (await session.execute(
            select(GuideChunk).where(GuideChunk.share.is_(True)))).scalars()]
    assert headings == [("Thông điệp cho người cao tuổi",)]  # the marker is not shown
    intro, message = await harness.press(f"gshare:{guide_id}", user="lan")
    assert intro.text == T.SHARE_INTRO
    assert "Công an không bao giờ gọi điện yêu cầu chuyển tiền." in message.text
    assert T.SHARE_SOURCE.format(title="Hướng dẫn phòng chống lừa đảo qua điện thoại",
                                 ref=" (Hướng dẫn số 21/HD-CAX)") in message.text
    assert "Trưởng thôn" not in message.text and "[chia sẻ]" not in message.text
    same = await harness.say(f"/chiase {guide_id}", user="lan")
    assert same[1].text == message.text


@pytest.mark.parametrize("how", ["replaced", "expired"])
async def test_a_citizens_notice_is_not_shared_from_a_guide_no_longer_in_force(
        harness: BotHarness, how: str) -> None:
    """Withdrawn guidance still served (adversary, 2026-12-03): a replaced guide, or one past its
    last day before the planner withdrew it, gave its old citizens' notice (an old hotline) to
    /chiase and its 'Chia sẻ' button, with no word that it no longer applies."""
    await harness.make_official("Lan", user="lan")
    old = FRAUD.replace("hãy cúp máy và báo con cháu hoặc công an xã", "hãy gọi số 113")
    old_id = await _add(harness, old)
    title = "Hướng dẫn phòng chống lừa đảo qua điện thoại"
    slug = (await _guide(harness, title)).slug
    assert T.BUTTON_SHARE in labels(await harness.press(f"guide:{slug}", user="lan"))
    assert "113" in texts(await harness.say(f"/chiase {old_id}", user="lan"))
    today = local_date(harness.clock.now())
    if how == "replaced":
        await _add(harness, FRAUD.replace(f"# {title}", f"# {title} (sửa đổi)")
                   .replace("Hướng dẫn số 21/HD-CAX", "Hướng dẫn số 30/HD-CAX")
                   + "\n## Hiệu lực\n\nHướng dẫn này thay thế Hướng dẫn số 21/HD-CAX.\n")
        mark = T.REPLACED_BY.format(title=f"{title} (sửa đổi)")
    else:
        async with harness.app.sessionmaker.begin() as session:
            (await session.get_one(Guide, old_id)).effective_until = today - timedelta(days=1)
        mark = T.EXPIRED.format(day=today.strftime("%d/%m/%Y"))
    for replies in (await harness.press(f"gshare:{old_id}", user="lan"),
                    await harness.say(f"/chiase {old_id}", user="lan"),
                    await harness.say(f"/chiase {slug}", user="lan")):
        body = texts(replies)
        assert "113" not in body and T.SHARE_INTRO not in body
        assert T.SHARE_NOT_IN_FORCE.format(title=title, marks=mark) in body
    assert T.BUTTON_SHARE not in labels(await harness.press(f"guide:{slug}", user="lan"))


async def test_a_word_heading_marks_its_section_and_subsections_for_sharing(
        harness: BotHarness) -> None:
    await harness.make_official("Quản trị", role="admin", user="admin")
    content = build_docx([
        ("title", "Hướng dẫn tuyên truyền phòng chống lừa đảo"),
        ("p", "Căn cứ: Kế hoạch số 15/KH-UBND"),
        ("h1", "1. Nhiệm vụ của cán bộ"),
        ("p", "Cán bộ văn hóa xã phát thanh mỗi tuần một lần."),
        ("h1", "2. Lời nhắn gửi người dân (chia sẻ)"),
        ("p", "Không bấm vào đường link lạ gửi qua tin nhắn."),
        ("h2", "2.1. Với người cao tuổi"),
        ("p", "Nghe điện thoại lạ đòi tiền, hãy hỏi con cháu trước."),
    ])
    await harness.upload_guide("tuyen-truyen.docx", content, user="admin")
    guide = await _guide(harness, "Hướng dẫn tuyên truyền phòng chống lừa đảo")
    opened = await harness.press(f"guide:{guide.slug}", user="admin")
    assert T.BUTTON_SHARE in labels(opened)
    offered = labels(opened)
    assert "2. Lời nhắn gửi người dân" in offered and not any("(chia sẻ)" in x for x in offered)
    _, message = await harness.press(label=T.BUTTON_SHARE, user="admin")
    assert "Không bấm vào đường link lạ" in message.text
    assert "hãy hỏi con cháu trước" in message.text
    assert "phát thanh" not in message.text
    assert message.text.endswith(T.SHARE_SOURCE.format(
        title="Hướng dẫn tuyên truyền phòng chống lừa đảo", ref=" (Kế hoạch số 15/KH-UBND)"))


async def test_the_bundled_online_services_guide_has_a_fraud_notice_for_citizens(
        kb_harness: BotHarness) -> None:
    await kb_harness.make_official("Lan", user="lan")
    slug = "huong-dan-cung-cap-dich-vu-cong-truc-tuyen-toan-trinh"
    replies = await kb_harness.say(f"/chiase {slug}", user="lan")
    intro, message = replies
    assert intro.text == T.SHARE_INTRO
    assert "Không đọc, không gửi mã OTP" in message.text
    assert "báo ngay Công an xã" in message.text
    assert "[chia sẻ]" not in message.text and "bộ phận một cửa:" not in message.text
    assert T.SHARE_SOURCE.format(title="Hướng dẫn cung cấp dịch vụ công trực tuyến toàn trình",
                                 ref="") in message.text
    assert len(message.text) < 1700
    await kb_harness.press(f"guide:{slug}", user="lan")
    assert (await kb_harness.press(label=T.BUTTON_SHARE, user="lan"))[1].text == message.text


@pytest.mark.slow
async def test_a_guide_withdrawn_by_an_admin_is_announced_to_its_audience_once(
        harness: BotHarness) -> None:
    ids = await _units(harness)
    await _upload_to(harness, "lua-dao.md", FRAUD, "PHONG")
    guide = await _guide(harness, "Hướng dẫn phòng chống lừa đảo qua điện thoại")
    await _plan(harness)
    assert await _rows(harness, "guide_withdrawn") == []

    harness.clock.advance(timedelta(hours=2))
    replies = texts(await harness.say(f"/thuhoi {guide.slug}", user="admin"))
    assert GT.WITHDRAWN.format(title=guide.title) + GT.WITHDRAWN_AUDIENCE_TOLD in replies
    await harness.restart()
    await _plan(harness)
    await _plan(harness)  # exactly once, however often the planner runs
    [told] = await _rows(harness, "guide_withdrawn")
    assert told.recipient_id == ids["o:lan"]  # the audience (PHONG), not Minh of another unit
    assert told.payload["text"] == T.WITHDRAWN_NOTICE.format(
        title=guide.title, day="23/11/2026", replacement="")
    assert to_local(told.not_before) == to_local(harness.clock.now())  # at once, in the day
    assert "cúp máy" not in texts(await harness.say(QUESTION, user="lan"))
    # withdrawn again (pressed twice, another admin): said so, and nobody is told a second time
    harness.clock.advance(timedelta(minutes=30))
    again = texts(await harness.say(f"/thuhoi {guide.slug}", user="admin"))
    assert GT.ALREADY_WITHDRAWN.format(title=guide.title, day="23/11/2026") in again
    await _plan(harness)
    assert len(await _rows(harness, "guide_withdrawn")) == 1
    # a week later the planner plans nothing more for it
    harness.clock.advance(timedelta(days=8))
    await _plan(harness)
    assert len(await _rows(harness, "guide_withdrawn")) == 1


async def test_withdrawing_a_guide_never_announced_tells_no_one(harness: BotHarness) -> None:
    await _units(harness)
    await harness.upload_guide("lua-dao.md", FRAUD.encode(), user="admin")
    guide = await _guide(harness, "Hướng dẫn phòng chống lừa đảo qua điện thoại")
    replies = texts(await harness.say(f"/thuhoi {guide.slug}", user="admin"))
    assert GT.WITHDRAWN.format(title=guide.title) in replies
    assert GT.WITHDRAWN_AUDIENCE_TOLD not in replies
    await _plan(harness)
    assert await _rows(harness, "guide_withdrawn") == []


async def _telegram_harness(settings: Settings, clock: ManualClock) -> tuple[BotHarness, FakeChannel]:
    channel = FakeChannel(name="telegram")
    return await BotHarness(settings, clock, {"telegram": channel}).start(), channel


async def _plan_all(h: BotHarness) -> None:
    async with h.app.sessionmaker.begin() as session:
        await plan(session, h.clock.now(), channels=("web", "telegram"))


async def _deliver(h: BotHarness) -> None:
    await OutboxDispatcher(h.app.sessionmaker, h.clock, h.app.channels, worker_id="t", guards=send_guards()).drain()


async def _waiting(h: BotHarness) -> list[OutboxMessage]:
    async with h.app.sessionmaker() as session:
        return list((await session.execute(select(OutboxMessage).where(
            OutboxMessage.kind.in_(("guide", "guide_remind")),
            OutboxMessage.status == "pending"))).scalars())


async def test_a_withdrawn_guide_s_waiting_announcement_and_reminder_are_never_sent(
        settings: Settings, clock: ManualClock) -> None:
    h, telegram = await _telegram_harness(settings, clock)
    try:
        await _units(h)
        hoa = await h.make_official("Đỗ Thị Hoa", user="hoa", channel="telegram",
                                    unit_code="PHONG")
        await _upload_to(h, "lua-dao.md", FRAUD, "PHONG")
        guide = await _guide(h, "Hướng dẫn phòng chống lừa đảo qua điện thoại")
        await _plan_all(h)
        await _deliver(h)
        assert [fits(t, T.ANNOUNCE_NEW) for t in telegram.texts()] == [True]

        # Fri 27/11 08:00: the reminder is planned; Nam joined the unit, his announcement too;
        # the sender has not sent them yet when the admin withdraws the guide
        clock.set(local_datetime(date(2026, 11, 27), datetime.min.time()) + timedelta(hours=8))
        nam = await h.make_official("Vũ Văn Nam", user="nam", channel="telegram",
                                    unit_code="PHONG")
        await _plan_all(h)
        waiting = {(r.kind, r.recipient_id) for r in await _waiting(h)}
        assert {("guide_remind", hoa), ("guide", nam)} <= waiting
        clock.advance(timedelta(minutes=1))
        assert GT.WITHDRAWN.format(title=guide.title) in texts(
            await h.say(f"/thuhoi {guide.slug}", user="admin"))
        assert await _waiting(h) == []

        await _plan_all(h)
        await _deliver(h)
        clock.advance(timedelta(hours=2))
        await _plan_all(h)
        await _deliver(h)
        after = telegram.sent[1:]
        assert sorted(chat.chat_id for chat, _ in after) == ["hoa", "nam"]
        assert {m.text for _, m in after} == {T.WITHDRAWN_NOTICE.format(
            title=guide.title, day="27/11/2026", replacement="")}
    finally:
        await h.close()


async def test_a_guide_expiring_overnight_does_not_send_its_held_announcement(
        settings: Settings, clock: ManualClock) -> None:
    h, telegram = await _telegram_harness(settings, clock)
    try:
        ids = await _units(h)
        await h.make_official("Đỗ Thị Hoa", user="hoa", channel="telegram", unit_code="PHONG")
        guide_id = await _add(h, FRAUD, effective_until=date(2026, 11, 23))
        clock.set(local_datetime(date(2026, 11, 23), datetime.min.time()) + timedelta(hours=22))
        async with h.app.sessionmaker.begin() as session:
            guide = await session.get_one(Guide, guide_id)
            guide.audience = guidance_store.Audience(units=(ids["PHONG"],)).to_json()
            await guidance_store.announce(session, guide, clock.now())
        await _plan_all(h)
        assert {r.kind for r in await _waiting(h)} == {"guide"}  # held until 07:00
        await _deliver(h)
        assert telegram.sent == []

        clock.set(local_datetime(date(2026, 11, 24), datetime.min.time()) + timedelta(minutes=5))
        await _plan_all(h)  # withdraws it, past its last day
        assert await _waiting(h) == []
        clock.set(local_datetime(date(2026, 11, 24), datetime.min.time()) + timedelta(hours=8))
        await _plan_all(h)
        await _deliver(h)
        assert [fits(t, T.ANNOUNCE_NEW) for t in telegram.texts()] == [False]
        assert T.EXPIRED_NOTICE.format(title="Hướng dẫn phòng chống lừa đảo qua điện thoại",
                                       day="24/11/2026", replacement="") in telegram.texts()[0]
    finally:
        await h.close()


async def test_a_new_version_replaces_the_old_version_s_waiting_announcement(
        settings: Settings, clock: ManualClock) -> None:
    h, telegram = await _telegram_harness(settings, clock)
    try:
        await _units(h)
        await h.make_official("Đỗ Thị Hoa", user="hoa", channel="telegram", unit_code="PHONG")
        clock.set(local_datetime(date(2026, 11, 23), datetime.min.time()) + timedelta(hours=22))
        await _upload_to(h, "lua-dao.md", FRAUD, "PHONG")
        guide = await _guide(h, "Hướng dẫn phòng chống lừa đảo qua điện thoại")
        await _plan_all(h)
        assert len(await _waiting(h)) == 2  # v1 to Lan and Hoa, held until 07:00

        clock.advance(timedelta(minutes=30))
        changed = FRAUD.replace("mỗi sáng thứ Hai", "mỗi sáng thứ Hai và thứ Năm")
        summary = await h.send_file("lua-dao-2.md", changed.encode(), user="admin")
        assert fits(texts(summary), UT.SUMMARY_NEW_VERSION)
        # the audience is kept: the new version goes to it when stored
        assert UT.SUMMARY_AUDIENCE.format(audience=UT.AUDIENCE_AS_BEFORE.format(
            audience="Phòng Cải cách (PHONG)")) in texts(summary)
        assert len(await _waiting(h)) == 2  # nothing changes before "Lưu"
        await h.press(label=UT.BUTTON_SAVE_AND_SEND, user="admin")
        assert await _waiting(h) == []  # v1's announcement is not sent
        await _plan_all(h)
        clock.set(local_datetime(date(2026, 11, 24), datetime.min.time()) + timedelta(hours=7))
        await _deliver(h)
        [sent] = telegram.sent
        assert T.ANNOUNCE_UPDATED.format(title=guide.title, version=2) in sent[1].text
        assert [b.payload for b in sent[1].buttons][1] == f"gack:{guide.id}:2"
    finally:
        await h.close()


async def test_chiase_with_an_unknown_code_names_it(kb_harness: BotHarness) -> None:
    """A typed code that matches no guide is said so, not answered like a stale button."""
    await kb_harness.make_official("Lan", user="lan")
    (reply,) = await kb_harness.say("/chiase khong-co-huong-dan-nay", user="lan")
    assert reply.text == GT.GUIDE_NOT_FOUND.format(key="khong-co-huong-dan-nay")
