"""bot/kb_loop.py, where every caller (the chat's /chuatraloi, `troly unanswered`, the bench)
stores an admin's answer or pointed question: a guide that answers nothing today takes neither,
whoever calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import kb_loop
from bot.clock import local_date
from bot.db import guide_store, queue_store
from bot.db.models import (
    Guide,
    GuideChunk,
    OutboxMessage,
    QAEntry,
    SectionPhrasing,
    UnansweredQuestion,
)
from bot.guide_import import import_guide, ingest_limits
from bot.texts import guidance as G
from tests.harness import BotHarness, fits

GUIDE = """# Hướng dẫn tiếp nhận hồ sơ đất đai

## Thời gian tiếp nhận

Bộ phận một cửa tiếp nhận hồ sơ đất đai vào sáng thứ Ba và thứ Năm hằng tuần.

## Lệ phí

Lệ phí cấp giấy chứng nhận nộp tại bộ phận một cửa.
"""
SLUG = "huong-dan-tiep-nhan-ho-so-dat-dai"


async def _expired_guide_and_group(h: BotHarness) -> tuple[int, int, int]:
    """A guide past its last day (yesterday; the planner has not withdrawn it yet) that troly
    offered for a question still open: (guide id, group key, a section's chunk id)."""
    now = h.clock.now()
    async with h.app.sessionmaker.begin() as session:
        await import_guide(session, file_name="dat-dai.md", content=GUIDE.encode("utf-8"),
                           uploaded_by="Quản trị", now=now, limits=ingest_limits(h.settings))
        guide = (await session.execute(select(Guide).where(Guide.slug == SLUG))).scalar_one()
        guide.effective_until = local_date(now) - timedelta(days=1)
        await guide_store.log_unanswered(
            session, text="phí làm sổ đỏ bao nhiêu", channel="telegram", chat_id="c1",
            official_id=None, best_guide_slug=SLUG, best_score=1.0, now=now)
        (group,) = await queue_store.queue(session)
        (_, chunk_id), *_ = await guide_store.section_starts(session, guide)
        return guide.id, group.key, chunk_id


async def _counts(h: BotHarness) -> tuple[int, int, int]:
    """Q&A entries, pointed questions, questions closed."""
    async with h.app.sessionmaker() as session:
        entries = (await session.execute(select(func.count(QAEntry.id)))).scalar_one()
        pointed = (await session.execute(select(func.count(SectionPhrasing.id)))).scalar_one()
        closed = (await session.execute(select(func.count(UnansweredQuestion.id))
                                        .where(UnansweredQuestion.resolved))).scalar_one()
        return entries, pointed, closed


async def test_a_guide_no_longer_in_force_takes_no_answer_and_no_pointed_question(
        harness: BotHarness) -> None:
    """The check lives here, not in each caller: a caller that forgot it stored the entry in a
    guide no question searches, the askers told they were answered."""
    h = harness
    guide_id, key, chunk_id = await _expired_guide_and_group(h)
    now = h.clock.now()
    async with h.app.sessionmaker.begin() as session:
        guide = await session.get_one(Guide, guide_id)
        group = await queue_store.group_of(session, key)
        assert group is not None
        with pytest.raises(kb_loop.NotAnswering) as answered:
            await kb_loop.answer_group(session, group, "Lệ phí theo quy định.", guide,
                                       by="test", now=now)
        with pytest.raises(kb_loop.NotAnswering) as linked:
            await kb_loop.link_group(session, group, chunk_id, by="test", now=now)
    expired = G.EXPIRED.format(day="{day}")
    assert fits(", ".join(answered.value.marks), expired), answered.value.marks
    assert fits(", ".join(linked.value.marks), expired), linked.value.marks
    assert await _counts(h) == (0, 0, 0)  # nothing stored, the question still open


async def test_a_withdrawn_guide_says_so_beside_its_dates(harness: BotHarness) -> None:
    """The status is told next to the dates (marks() reads the dates only: with them past, the
    withdrawal went unsaid). No caller reaches it today (link_group takes active guides, an
    answer makes its guide active), so the check is asked directly."""
    h = harness
    guide_id, _, _ = await _expired_guide_and_group(h)
    now = h.clock.now()
    expired = G.EXPIRED.format(day="{day}")
    async with h.app.sessionmaker.begin() as session:
        guide = await session.get_one(Guide, guide_id)
        with pytest.raises(kb_loop.NotAnswering) as active:
            await kb_loop._refuse_unless_answering(session, guide, now)
        await guide_store.withdraw_guide(session, guide, now)
        with pytest.raises(kb_loop.NotAnswering) as withdrawn:
            await kb_loop._refuse_unless_answering(session, guide, now)
        guide.effective_until = None
        with pytest.raises(kb_loop.NotAnswering) as undated:
            await kb_loop._refuse_unless_answering(session, guide, now)
    assert fits(active.value.why, expired), active.value.marks
    assert fits(withdrawn.value.why, G.WITHDRAWN + ", " + expired), withdrawn.value.marks
    assert undated.value.marks == [G.WITHDRAWN]


async def test_a_guide_in_force_takes_both(harness: BotHarness) -> None:
    h = harness
    guide_id, key, chunk_id = await _expired_guide_and_group(h)
    async with h.app.sessionmaker.begin() as session:
        guide = await session.get_one(Guide, guide_id)
        guide.effective_until = None
        group = await queue_store.group_of(session, key)
        assert group is not None
        linked = await kb_loop.link_group(session, group, chunk_id, by="test", now=h.clock.now())
        assert linked is not None and linked.closed == 1
    assert await _counts(h) == (0, 1, 1)


async def test_answers_waiting_to_go_out_are_cancelled_with_their_guide(
        harness: BotHarness) -> None:
    """An answer written into a guide (or a question pointed at its section) at night waits for
    the morning; the guide withdrawn meanwhile (or expired), the askers must not be sent guidance
    no longer served. An answer from another guide still goes."""
    h = harness
    guide_id, key, chunk_id = await _expired_guide_and_group(h)
    now = h.clock.now()
    async with h.app.sessionmaker.begin() as session:
        guide = await session.get_one(Guide, guide_id)
        guide.effective_until = None
        for text, chat in (("giờ tiếp nhận hồ sơ đất", "c2"), ("hỏi về thủ tục khác", "c3")):
            await guide_store.log_unanswered(
                session, text=text, channel="telegram", chat_id=chat, official_id=None,
                best_guide_slug=SLUG, best_score=1.0, now=now)
        groups = {g.questions[0].chat_id: g for g in await queue_store.queue(session)}
        answered, linked, other = groups["c1"], groups["c2"], groups["c3"]
        assert answered.key == key
        assert await kb_loop.link_group(session, linked, chunk_id, by="test", now=now)
        assert await kb_loop.answer_group(session, answered, "Lệ phí 50.000 đồng.", guide,
                                          by="test", now=now)
        faq = await kb_loop.faq_for(session, None, now)
        assert await kb_loop.answer_group(session, other, "Xem cổng dịch vụ công.", faq,
                                          by="test", now=now)
    async with h.app.sessionmaker.begin() as session:
        await guide_store.withdraw_guide(session, await session.get_one(Guide, guide_id), now)
    async with h.app.sessionmaker() as session:
        rows = await session.execute(select(OutboxMessage.address, OutboxMessage.status).where(
            OutboxMessage.kind == kb_loop.ANSWER_KIND))
        statuses = {row[0]: row[1] for row in rows}
    assert statuses == {"c1": "cancelled", "c2": "cancelled", "c3": "pending"}


async def test_a_withdrawn_faq_guide_does_not_bring_its_old_answers_back(
        harness: BotHarness) -> None:
    """An admin withdrew the FAQ guide (its answers outdated); the next answer makes it active
    again (a unit has one FAQ guide), and with it, before, every answer withdrawn."""
    h = harness
    now = h.clock.now()
    async with h.app.sessionmaker.begin() as session:
        for text, chat in (("lệ phí làm sổ đỏ bao nhiêu", "c1"), ("giờ mở cửa một cửa", "c2")):
            await guide_store.log_unanswered(
                session, text=text, channel="telegram", chat_id=chat, official_id=None,
                best_guide_slug=None, best_score=0.0, now=now)
        groups = {g.questions[0].chat_id: g for g in await queue_store.queue(session)}
        faq = await kb_loop.faq_for(session, None, now)
        await kb_loop.answer_group(session, groups["c1"], "Lệ phí 100.000 đồng (cũ).", faq,
                                   by="test", now=now)
    async with h.app.sessionmaker.begin() as session:
        await guide_store.withdraw_guide(session, await session.get_one(Guide, faq.id), now)
    async with h.app.sessionmaker.begin() as session:
        group = await queue_store.group_of(session, groups["c2"].key)
        assert group is not None
        again = await kb_loop.faq_for(session, None, now)
        assert again.id == faq.id
        await kb_loop.answer_group(session, group, "Mở cửa từ 7 giờ 30.", again, by="test",
                                   now=now)
    async with h.app.sessionmaker() as session:
        guide = await session.get_one(Guide, faq.id)
        chunks = (await session.execute(select(GuideChunk.text).where(
            GuideChunk.version_id == guide.current_version_id))).scalars().all()
        written = [w.answer for w in await queue_store.written_answers(session)]
        history = await queue_store.answer_changes(session)
    assert guide.status == "active"
    assert chunks == ["Mở cửa từ 7 giờ 30."]
    assert written == ["Mở cửa từ 7 giờ 30."]
    assert [(c.action, c.old_answer) for c in history] == [
        (queue_store.REMOVED, "Lệ phí 100.000 đồng (cũ).")]
