"""A button whose payload names a 200-character guide id, over Telegram through real aiogram and
the fake Bot API (which refuses callback_data over 64 bytes): in a reply, in a proactive message
sent from the outbox, and pressed again after a restart."""

from __future__ import annotations

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.guide_store import slugify
from bot.db.models import OutboxMessage
from bot.guide_import import import_guide
from bot.messages import MAX_PAYLOAD_BYTES, Button, OutgoingMessage, to_payload
from handlers.sections import LABEL_CHARS, clip
from knowledge.types import IngestLimits
from scheduler.delivery import OutboxDispatcher
from scheduler.planner import send_guards
from testkit.fake_telegram import FakeBotAPI
from tests.channels.telegram_support import button_data, exchange, running_telegram, say, shown
from tests.harness import BotHarness

USER = 4301
TITLE = "Hướng dẫn " + "thực hiện nhiệm vụ chuyển đổi số của cấp xã phường " * 6
GUIDE = (f"# {TITLE}\n\n## Phạm vi áp dụng\n\n"
         "Hướng dẫn này áp dụng cho mọi xã, phường trong tỉnh.\n").encode()
#: its button in the /huongdan listing
LABEL = clip(TITLE.strip(), LABEL_CHARS)


async def _add_long_guide(harness: BotHarness) -> str:
    async with harness.app.sessionmaker.begin() as session:
        await import_guide(session, file_name="dai.md", content=GUIDE, uploaded_by="test",
                           now=harness.clock.now(), limits=IngestLimits())
    slug = slugify(TITLE)
    assert len(slug) == 200
    return slug


async def test_long_payload_in_a_reply_works_and_survives_a_restart(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    await _add_long_guide(harness)
    async with running_telegram(settings, clock, fake) as _run:
        (listing,) = await exchange(fake, fake.text_update(USER, "/huongdan"))
        data = button_data(listing, LABEL)
        assert len(data.encode()) <= MAX_PAYLOAD_BYTES  # the fake refuses anything longer
        opened = await say(fake, fake.callback_update(USER, data))
        assert TITLE.strip() in opened[-1]
    async with running_telegram(settings, clock, fake) as _run:  # a new process
        opened = await say(fake, fake.callback_update(USER, data))
        assert TITLE.strip() in opened[-1]


async def test_long_payload_in_a_proactive_message_from_the_outbox(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    slug = await _add_long_guide(harness)
    message = OutgoingMessage("Hướng dẫn mới", (Button("Xem hướng dẫn", f"guide:{slug}"),))
    now = clock.now()
    async with harness.app.sessionmaker.begin() as session:
        session.add(OutboxMessage(
            idem_key="announce:1", kind="announce", channel="telegram", address=str(USER),
            payload=to_payload(message), due_at=now, not_before=now, status="pending",
            attempts=0, max_attempts=8, late=False, created_at=now, updated_at=now))
    async with running_telegram(settings, clock, fake) as run:
        sender = OutboxDispatcher(run.app.sessionmaker, clock, run.app.channels, worker_id="t", guards=send_guards())
        await sender.drain(["telegram"])
        (sent,) = [p for p in fake.sent if shown(p) == "Hướng dẫn mới"]
        data = button_data(sent, "Xem hướng dẫn")
        assert len(data.encode()) <= MAX_PAYLOAD_BYTES
    async with running_telegram(settings, clock, fake) as _run:
        opened = await say(fake, fake.callback_update(USER, data))
        assert TITLE.strip() in opened[-1]
