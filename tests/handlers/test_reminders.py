"""Reminder buttons (done + evidence, progress, snooze, report now, digest acknowledge) and the
admins' outbox / preview commands, through the real dispatcher."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from bot.clock import ManualClock, to_local
from bot.config import Settings
from bot.db.models import ChatAccount, OutboxMessage
from bot.events import ChatRef, MessagesSeen, Sender
from bot.messages import from_payload
from bot.outbox import OutboxStatus
from bot.texts import checkin as CT
from bot.texts import common as C
from bot.texts import reminders as R
from scheduler.planning import plan
from tests.handlers.checkin_helpers import task_row
from tests.harness import BotHarness, fits, labels, texts

DEADLINE = date(2026, 12, 11)


def _preview(name: str, channel: str, *reasons: str, via: str | None = None,
             free: str = "") -> str:
    """A /xemnhac line for Friday's check-in prompt: who, and the route (reasons' keys)."""
    route = "; ".join(R.PREVIEW_ROUTE_REASONS[r].format(free=free) for r in reasons)
    shown = (R.PREVIEW_ROUTE_SAME.format(channel=channel, route=route) if via is None
             else R.PREVIEW_ROUTE_MOVED.format(channel=channel, via=via, route=route))
    return R.PREVIEW_ITEM.format(when="27/11 08:00", kind=R.UNDELIVERED_KINDS["checkin"], name=name,
                                 channel=shown, text="{text}")


async def _rows(harness: BotHarness) -> list[OutboxMessage]:
    async with harness.app.sessionmaker() as s:
        return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def _setup(harness: BotHarness) -> tuple[int, int]:
    lan = await harness.make_official("Lan", user="lan")
    [task] = await harness.world.tasks([lan], [("NV1", "Số hoá hồ sơ", DEADLINE)])
    return lan, task


async def _plan(harness: BotHarness) -> None:
    async with harness.app.sessionmaker.begin() as s:
        await plan(s, harness.clock.now(), channels=("web",))


async def test_done_marks_task_cancels_reminders_and_takes_evidence(harness: BotHarness) -> None:
    lan, task = await _setup(harness)
    harness.clock.set(harness.clock.now() + timedelta(days=10, minutes=-5))  # Thu 3 Dec 07:55
    harness.clock.advance(timedelta(days=1))  # Fri 4 Dec 07:55: T-7 planned for 08:00
    await _plan(harness)
    [reminder] = [r for r in await _rows(harness) if r.kind == "deadline"]
    assert reminder.status == "pending"
    # "Đã xong" on the reminder as it will be sent
    replies = await harness.press(label=R.BUTTON_DONE, among=[from_payload(reminder.payload)],
                                  user="lan")
    assert R.DONE_OK.format(code="NV1") in texts(replies)
    assert R.DONE_ASK_EVIDENCE in texts(replies)
    assert R.BUTTON_SKIP in labels(replies)
    replies = await harness.say("Quyết định 123/QĐ-UBND", user="lan")
    assert R.DONE_EVIDENCE_SAVED.format(code="NV1") in texts(replies)
    row = await task_row(harness, task)
    assert row.status == "done" and row.evidence == "Quyết định 123/QĐ-UBND"
    assert [r.status for r in await _rows(harness) if r.kind == "deadline"] == ["cancelled"]
    again = await harness.press(label=R.BUTTON_DONE, among=[from_payload(reminder.payload)],
                                user="lan")
    assert R.TASK_ALREADY_CLOSED.format(code="NV1") in texts(again)


async def test_done_withdraws_a_web_reminder_not_fetched_yet(harness: BotHarness) -> None:
    lan, task = await _setup(harness)
    harness.clock.set(harness.clock.now() + timedelta(days=11, minutes=-5))  # Fri 4 Dec 07:55
    await _plan(harness)
    [reminder] = [r for r in await _rows(harness) if r.kind == "deadline"]
    async with harness.app.sessionmaker.begin() as s:  # the sender put it in the web mailbox
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == reminder.id)
                        .values(status=OutboxStatus.AWAITING_FETCH))
    await harness.press(label=R.BUTTON_DONE, among=[from_payload(reminder.payload)], user="lan")
    [after] = [r for r in await _rows(harness) if r.id == reminder.id]
    assert after.status == OutboxStatus.CANCELLED


async def test_done_can_skip_evidence(harness: BotHarness) -> None:
    _, task = await _setup(harness)
    await harness.press(f"rem_done:{task}", user="lan")
    replies = await harness.press(label=R.BUTTON_SKIP, user="lan")
    assert R.DONE_EVIDENCE_SKIPPED in texts(replies)
    assert (await task_row(harness, task)).evidence is None


async def test_done_by_someone_else_is_refused(harness: BotHarness) -> None:
    _, task = await _setup(harness)
    await harness.make_official("Minh", user="minh")
    replies = await harness.press(f"rem_done:{task}", user="minh")
    assert R.TASK_NOT_YOURS in texts(replies)
    assert (await task_row(harness, task)).status == "open"


async def test_progress_button_opens_the_check_in_for_that_task(harness: BotHarness) -> None:
    _, task = await _setup(harness)
    await harness.world.tasks([1], [("NV2", "Việc khác", DEADLINE)])
    replies = await harness.press(f"rem_prog:{task}", user="lan")
    body = texts(replies)
    assert "Số hoá hồ sơ" in body and "Việc khác" not in body


async def test_report_now_opens_the_weekly_check_in(harness: BotHarness) -> None:
    await _setup(harness)
    replies = await harness.press("rem_checkin", user="lan")
    assert "Số hoá hồ sơ" in texts(replies)


async def test_snooze_to_next_working_morning_skips_the_holiday(harness: BotHarness) -> None:
    lan, task = await _setup(harness)
    harness.clock.advance(timedelta(hours=2))  # Monday 23 Nov 10:00; Tue 24 Nov is a holiday
    replies = await harness.press(f"rem_snz:{task}", user="lan")
    assert R.SNOOZED.format(when="08:00 Thứ Tư 25/11/2026") in texts(replies)
    [row] = [r for r in await _rows(harness) if r.kind == "snooze"]
    assert to_local(row.not_before).strftime("%Y-%m-%d %H:%M") == "2026-11-25 08:00"
    assert row.idem_key == f"snooze:{task}:{lan}:2026-11-25:web"
    await harness.press(f"rem_snz:{task}", user="lan")  # twice: still one row
    assert len([r for r in await _rows(harness) if r.kind == "snooze"]) == 1


async def test_snooze_on_the_eve_of_a_reminder_day_adds_no_extra_message(harness: BotHarness) -> None:
    _, task = await _setup(harness)
    harness.clock.set(harness.clock.now() + timedelta(days=10, hours=2))  # Thu 3 Dec 10:00
    await harness.press(f"rem_snz:{task}", user="lan")  # next morning is T-7 (Fri 4 Dec)
    assert [r for r in await _rows(harness) if r.kind == "snooze"] == []


async def test_digest_acknowledge_is_recorded_once(harness: BotHarness) -> None:
    head = await harness.make_official("Trưởng phòng", role="head", user="head")
    now = harness.clock.now()
    async with harness.app.sessionmaker.begin() as s:  # the digest as the planner wrote it
        s.add(OutboxMessage(
            idem_key=f"digest:1:2026-W48:week:{head}:web", kind="digest", subject_type="unit",
            subject_id="1", recipient_id=head, channel="web", address="head",
            payload={"text": "…"}, due_at=now, not_before=now, late=False, status="sent",
            attempts=1, max_attempts=8, created_at=now, sent_at=now, updated_at=now))
    first = await harness.press("rem_ack:1:2026-W48:week", user="head")
    second = await harness.press("rem_ack:01:2026-W48:week", user="head")
    assert R.ACK_OK in texts(first) and R.ACK_ALREADY in texts(second)
    other_week = await harness.press("rem_ack:1:2026-W47:week", user="head")
    assert R.DIGEST_NOT_YOURS in texts(other_week)


async def test_admin_views_outbox_and_preview(harness: BotHarness) -> None:
    await _setup(harness)
    await harness.make_official("Quản trị", role="admin", user="admin")
    refused = await harness.say("/hangdoi", user="lan")
    assert not fits(texts(refused), R.OUTBOX_HEADER)
    preview = await harness.say("/xemnhac", user="admin")
    body = texts(preview)
    # the next 7 days hold Friday's check-in prompt (the T-7 reminder is on 4 Dec, later)
    # kinds in Vietnamese (the outbox's own names, checkin/deadline…, are for the CLI's table)
    assert fits(body, R.PREVIEW_HEADER)
    assert fits(body, R.PREVIEW_ITEM.format(when="27/11 08:00", kind=R.UNDELIVERED_KINDS["checkin"],
                                            name="Lan", channel="web", text="{text}"))
    assert R.UNDELIVERED_KINDS["deadline"] not in body and "checkin" not in body
    assert await _rows(harness) == []  # the preview stored nothing
    await _plan(harness)
    harness.clock.set(harness.clock.now() + timedelta(days=11))  # Fri 4 Dec 08:00
    await _plan(harness)
    listing = await harness.say("/hangdoi", user="admin")
    assert fits(texts(listing), R.OUTBOX_HEADER) and "pending" in texts(listing)


async def test_preview_in_chat_shows_the_route_of_zalo_messages(
        settings: Settings, clock: ManualClock) -> None:
    """As `troly reminders preview`: which channel a Zalo reminder would take, and why."""
    harness = await BotHarness(settings.model_copy(update={"reminder_channels": ["zalo", "web"]}),
                               clock).start()
    try:
        lan = await harness.make_official("Lan", user="z-lan", channel="zalo")
        minh = await harness.make_official("Minh", user="z-minh", channel="zalo")
        await harness.world.tasks([lan, minh], [("NV1", "Số hoá hồ sơ", DEADLINE)])
        await harness.make_official("Quản trị", role="admin", user="admin")
        now = clock.now()
        async with harness.app.sessionmaker.begin() as s:
            # Lan also reads the web chat; both last wrote to the OA an hour ago, so on Friday
            # the free 48 hours are over and the unit does not pay for messages
            s.add(ChatAccount(channel="web", external_id="w-lan", chat_id="w-lan",
                              official_id=lan, status="active", created_at=now))
            await s.execute(update(ChatAccount).where(ChatAccount.channel == "zalo")
                            .values(last_inbound_at=now - timedelta(hours=1)))
        body = texts(await harness.say("/xemnhac", user="admin"))
        free = R.SPAN_HOURS.format(hours=48)
        assert fits(body, _preview("Lan", "zalo", "paid_not_allowed", "rerouted", via="web",
                                   free=free))
        assert fits(body, _preview("Minh", "zalo", "paid_not_allowed", "unreachable",
                                   via=R.PREVIEW_ROUTE_NOWHERE, free=free))
        async with harness.app.sessionmaker.begin() as s:  # Minh writes on Thursday
            await s.execute(update(ChatAccount).where(ChatAccount.chat_id == "z-minh")
                            .values(last_inbound_at=now + timedelta(days=3)))
        body = texts(await harness.say("/xemnhac", user="admin"))
        assert fits(body, _preview("Minh", "zalo", "window"))
        assert await _rows(harness) == []  # the preview stored nothing
    finally:
        await harness.close()


async def test_outbox_shows_which_zalo_digests_were_seen(harness: BotHarness) -> None:
    head = await harness.make_official("Trưởng phòng", role="head", user="z-head", channel="zalo")
    await harness.make_official("Quản trị", role="admin", user="admin")
    now = harness.clock.now()
    async with harness.app.sessionmaker.begin() as s:  # two digests sent to the head's Zalo
        for week, message_id in (("2026-W47", "zm47"), ("2026-W48", "zm48")):
            s.add(OutboxMessage(
                idem_key=f"digest:1:{week}:week:{head}:zalo", kind="digest", subject_type="unit",
                subject_id="1", recipient_id=head, channel="zalo", address="z-head",
                payload={"text": "…"}, due_at=now, not_before=now, late=False, status="sent",
                attempts=1, max_attempts=8, created_at=now, sent_at=now, updated_at=now,
                provider_message_id=message_id))
    harness.clock.advance(timedelta(hours=2))
    seen_at = harness.clock.now()  # the phone showed the W48 digest (user_seen_message)
    receipt = MessagesSeen(chat=ChatRef("zalo", "z-head"), sender=Sender("z-head"), at=seen_at,
                           dedupe_key="seen:1", message_ids=("zm48",))
    assert await harness.app.dispatcher.feed(receipt) == []  # no answer to a receipt
    lines = texts(await harness.say("/hangdoi", user="admin")).splitlines()
    seen = R.OUTBOX_SEEN.format(when=to_local(seen_at).strftime("%d/%m %H:%M"))
    [w48] = [line for line in lines if line.startswith("#2 ")]
    [w47] = [line for line in lines if line.startswith("#1 ")]
    assert seen in w48 and R.OUTBOX_SEEN.format(when="") not in w47


async def test_preview_in_chat_words_the_zalo_free_window_as_it_is_set(
        settings: Settings, clock: ManualClock) -> None:
    """TROLY_ZALO_FREE_WINDOW_HOURS=72: the route says 'quá 3 ngày', not a fixed '48 giờ'."""
    harness = await BotHarness(settings.model_copy(update={
        "reminder_channels": ["zalo", "web"], "zalo_free_window_hours": 72.0}), clock).start()
    try:
        lan = await harness.make_official("Lan", user="z-lan", channel="zalo")
        await harness.world.tasks([lan], [("NV1", "Số hoá hồ sơ", DEADLINE)])
        await harness.make_official("Quản trị", role="admin", user="admin")
        async with harness.app.sessionmaker.begin() as s:  # Friday 08:00 is 97 hours later
            await s.execute(update(ChatAccount).where(ChatAccount.channel == "zalo")
                            .values(last_inbound_at=clock.now() - timedelta(hours=1)))
        body = texts(await harness.say("/xemnhac", user="admin"))
        assert fits(body, _preview("Lan", "zalo", "paid_not_allowed", "unreachable",
                                   via=R.PREVIEW_ROUTE_NOWHERE, free=R.SPAN_DAYS.format(days=3)))
        assert R.SPAN_HOURS.format(hours=48) not in body
    finally:
        await harness.close()


async def test_done_evidence_is_never_cut_nor_a_question_or_no(harness: BotHarness) -> None:
    """After "Đã xong": a text over the limit is refused and asked again (it was cut at 2,000
    characters silently), a question is answered and not stored, "không" stores nothing (it was
    stored as the evidence), as the check-in's own evidence step does."""
    _, task = await _setup(harness)
    await harness.press(f"rem_done:{task}", user="lan")
    long = "Quyết định " + "x" * 2000
    replies = texts(await harness.say(long, user="lan"))
    assert CT.ANSWER_TOO_LONG.format(limit=2000) in replies and R.DONE_ASK_EVIDENCE in replies
    assert (await task_row(harness, task)).evidence is None
    replies = texts(await harness.say("Minh chứng gửi ở đâu?", user="lan"))
    assert C.QUESTION_NOT_STORED in replies and R.DONE_ASK_EVIDENCE in replies
    assert R.DONE_EVIDENCE_SKIPPED in texts(await harness.say("không", user="lan"))
    row = await task_row(harness, task)
    assert row.status == "done" and row.evidence is None
