"""Buttons sent before migration 0023 merged a unit's duplicate FAQ guides: a guide, a section,
a page and the unanswered queue's guide and section choices, pressed afterwards, open what the
kept guide holds of them (or say the guide is gone and offer the guides again), on SQLite and
PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db import queue_store
from bot.db.models import SectionPhrasing, Unit
from bot.texts import ask as A
from bot.texts import feedback as F
from bot.texts import guides as G
from tests.bot.test_migrate_faq_guides import _entry, _migrate_again, _old_faq_guide
from tests.harness import BotHarness, button, payloads, texts

HOP = "Họp giao ban thứ mấy?"


async def test_buttons_of_a_merged_duplicate_open_the_kept_guide(
        settings: Settings, clock: ManualClock, database_url: str) -> None:
    h = await BotHarness(settings, clock).start()
    try:
        await h.make_official("Trần Quản Trị", role="admin", user="a1")
        await h.make_official("Lê Minh Châu", user="u1")
        now = clock.now()
        async with h.app.sessionmaker.begin() as session:
            unit = (await session.execute(select(Unit))).scalar_one()
            kept = await _old_faq_guide(session, unit, now)
            await _entry(session, kept, "Lịch trực Tết thế nào?", "Theo thông báo văn phòng.", now)
            duplicate = await _old_faq_guide(session, unit, now)
            await _entry(session, duplicate, HOP, "Sáng thứ Hai hằng tuần.", now)
            dup_id, dup_slug = duplicate.id, duplicate.slug
        await h.restart()  # the index with both guides
        # what the chats were shown before the merge
        listed = await h.say("/huongdan", user="u1")
        assert f"guide:{dup_slug}" in payloads(listed)
        sections = await h.press(f"guide:{dup_slug}", user="u1")
        old_section = button(sections, HOP[:60])
        await h.say("giá xăng hôm nay bao nhiêu", user="u1")  # queued for the admins
        await h.say("/chuatraloi", user="a1")
        guides = await h.press(label=F.BUTTON_LINK, user="a1")
        old_guide_choice = f"uqg:1:{dup_id}"
        assert old_guide_choice in payloads(guides)
        old_sections = await h.press(old_guide_choice, user="a1")
        old_link = button(old_sections, HOP[:60])
        await h.close()

        await _migrate_again(database_url)
        await h.start()

        opened = texts(await h.press(f"guide:{dup_slug}", user="u1"))
        assert opened != G.GUIDE_GONE and "Các mục (2)" in opened, opened
        read = texts(await h.press(old_section, user="u1"))
        assert "Sáng thứ Hai hằng tuần." in read and read != A.PASSAGE_GONE, read
        again = await h.press(old_guide_choice, user="a1")
        assert texts(again).startswith(F.LINK_GUIDE_GONE), texts(again)
        assert f"uqg:1:{kept.id}" in payloads(again) and old_guide_choice not in payloads(again)
        linked = texts(await h.press(old_link, user="a1"))
        assert linked != F.LINK_GONE and HOP in linked, linked
        async with h.app.sessionmaker() as session:
            (phrasing,) = (await session.execute(select(SectionPhrasing))).scalars().all()
            assert phrasing.guide_id == kept.id
            assert await queue_store.merged_faq_guide(session, "hoi-dap-dv1") is None
    finally:
        await h.close()
