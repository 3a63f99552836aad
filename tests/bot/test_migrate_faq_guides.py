"""Migration 0023: each unit's duplicate FAQ guides ("Hỏi – đáp"), made by the case-sensitive
look-up on PostgreSQL, merged into the oldest, with every entry, its history, the questions
pointed at its sections, and the search index's input the same but for the guide."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import changes, guide_store, queue_store
from bot.db.base import make_engine, make_sessionmaker
from bot.db.migrate import alembic_config
from bot.db.models import (
    AnswerFeedback,
    Guide,
    GuideChunk,
    GuideVersion,
    QAEntry,
    QAEntryChange,
    SectionPhrasing,
    UnansweredQuestion,
    Unit,
)
from knowledge.index import KnowledgeIndex

BEFORE = "0022_web_rate_limits"
AT = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
HEADING = "Hỏi – đáp"
#: what the migration may touch, compared whole where it must not change anything
TABLES = ("guides", "guide_versions", "guide_chunks", "qa_entries", "qa_entry_changes",
          "section_phrasings", "unanswered_questions", "answer_feedback", "pending_uploads")


async def _old_faq_guide(session: AsyncSession, unit: Unit, now: datetime) -> Guide:
    """What the old look-up did on PostgreSQL for every answer: a new FAQ guide of the unit."""
    guide = Guide(slug=await guide_store.unique_slug(session, f"hoi-dap-{unit.code}"),
                  title=f"Hỏi – đáp: {unit.name}", status="active", created_at=now,
                  updated_at=now, owner_unit_id=unit.id)
    session.add(guide)
    await session.flush()
    return guide


async def _unit(session: AsyncSession, code: str) -> Unit:
    unit = Unit(code=code, name=f"Đơn vị {code}", created_at=AT)
    session.add(unit)
    await session.flush()
    return unit


async def _entry(session: AsyncSession, guide: Guide, question: str, answer: str,
                 now: datetime) -> int:
    return await queue_store.add_qa_entry(session, guide, heading=HEADING, question=question,
                                          answer=answer, by="Quản trị", now=now)


async def _document(session: AsyncSession, unit: Unit, slug: str, now: datetime) -> int:
    """An uploaded document's guide the unit owns whose slug reads like an FAQ one."""
    guide = Guide(slug=slug, title="Hỏi đáp về chuyển đổi số", status="active", created_at=now,
                  updated_at=now, owner_unit_id=unit.id)
    session.add(guide)
    await session.flush()
    version = GuideVersion(guide_id=guide.id, version=1, file_name="hoi-dap.docx", sha256="x",
                           content=b"docx", uploaded_by="Quản trị", uploaded_at=now)
    session.add(version)
    await session.flush()
    session.add(GuideChunk(version_id=version.id, ordinal=0, heading_path=["Hỏi đáp", "Mục 1"],
                           text="Nội dung tài liệu."))
    await session.flush()
    guide.current_version_id = version.id
    return guide.id


async def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        found = {table: [tuple(r) for r in (await conn.execute(
            text(f"SELECT * FROM {table} ORDER BY 1")))] for table in TABLES}
    await engine.dispose()
    return found


async def _rows_of(url: str, guide_ids: list[int]) -> list[list[tuple[Any, ...]]]:
    """The rows of these guides: theirs, their versions, chunks and entries."""
    ids = ", ".join(map(str, guide_ids))
    versions = f"SELECT id FROM guide_versions WHERE guide_id IN ({ids})"
    engine = make_engine(url)
    async with engine.connect() as conn:
        found = [[tuple(r) for r in await conn.execute(text(statement + " ORDER BY 1"))]
                 for statement in (f"SELECT * FROM guides WHERE id IN ({ids})",
                                   f"SELECT * FROM guide_versions WHERE guide_id IN ({ids})",
                                   f"SELECT * FROM guide_chunks WHERE version_id IN ({versions})",
                                   f"SELECT * FROM qa_entries WHERE guide_id IN ({ids})")]
    await engine.dispose()
    return found


async def _migrate_again(url: str) -> None:
    """As an installation made before 0023: at 0022, then `upgrade head`."""
    config = alembic_config(url)
    await asyncio.to_thread(command.downgrade, config, BEFORE)
    await asyncio.to_thread(command.upgrade, config, "head")


async def _index_input(session: AsyncSession) -> list[tuple[str, tuple[str, ...], str]]:
    """What the search index is built from (bot/knowledge_service.py): (guide, path, text)."""
    passages = queue_store.with_phrasings(await guide_store.active_passages(session),
                                          await queue_store.phrasings(session))
    return sorted((p.guide_id, p.heading_path, p.text) for p in passages)


async def test_duplicates_are_merged_into_the_oldest(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        dv1, dv2 = await _unit(session, "DV1"), await _unit(session, "DV2")
        first = await _old_faq_guide(session, dv1, AT)
        await _entry(session, first, "Lịch trực Tết thế nào?", "Theo thông báo của văn phòng.", AT)
        later = AT + timedelta(days=1)
        second = await _old_faq_guide(session, dv1, later)
        gold = await _entry(session, second, "Giá vàng hôm nay?", "Troly không theo dõi giá vàng.",
                            later)
        gone = await _entry(session, second, "Câu hỏi bị gỡ?", "Sẽ gỡ.", later)
        third = await _old_faq_guide(session, dv1, later + timedelta(days=1))
        await _entry(session, third, "Họp giao ban thứ mấy?", "Sáng thứ Hai hằng tuần.",
                     later + timedelta(days=1))
        # a document: not an FAQ guide
        faqs_document = await _document(session, dv1, "hoi-dap-dv1-4", later)
        alone = await _old_faq_guide(session, dv2, AT)  # one FAQ guide: left as it is
        await _entry(session, alone, "Ai duyệt báo cáo?", "Lãnh đạo đơn vị.", AT)
        slugs = [first.slug, second.slug, third.slug]
        assert slugs == ["hoi-dap-dv1", "hoi-dap-dv1-2", "hoi-dap-dv1-3"]
        # the duplicates' entries have a history, a pointed question, feedback, a queued question
        entries = {e.heading_path[-1]: e.id for e in (await session.execute(
            select(QAEntry).where(QAEntry.guide_id == second.id))).scalars()}
        await queue_store.edit_qa_entry(session, entries["Giá vàng hôm nay?"],
                                        "Troly không theo dõi giá vàng; xem ngân hàng.",
                                        by="Quản trị", now=later)
        await queue_store.remove_qa_entry(session, entries["Câu hỏi bị gỡ?"], by="Quản trị",
                                          now=later)
        current = (await session.execute(select(GuideChunk.id).join(
            Guide, Guide.current_version_id == GuideChunk.version_id)
            .where(Guide.id == second.id))).scalar_one()
        await queue_store.link_section(session, current, ["vàng bao nhiêu một chỉ"],
                                       by="Quản trị", now=later)
        await queue_store.record_feedback(session, chunk_id=gold, question="giá vàng",
                                          helpful=False, channel="web", chat_id="w1",
                                          official_id=None, now=later)
        await queue_store.log_wrong(session, question="giá vàng", channel="web", chat_id="w1",
                                    official_id=None, guide_slug=second.slug, shown_chunk_id=gone,
                                    shown_passage="Hỏi – đáp › Câu hỏi bị gỡ?", best_score=0.5,
                                    now=later)
    async with sessions() as session:
        index_before = await _index_input(session)
        generation = await changes.generation(session, changes.KNOWLEDGE)
        counts = {model.__name__: len((await session.execute(select(model.id))).scalars().all())
                  for model in (QAEntry, QAEntryChange, SectionPhrasing, AnswerFeedback,
                                GuideChunk)}
    untouched = [alone.id, faqs_document]
    untouched_rows = await _rows_of(database_url, untouched)
    await engine.dispose()

    await _migrate_again(database_url)

    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        faqs = (await session.execute(select(Guide).where(Guide.owner_unit_id == dv1.id)
                                      .order_by(Guide.id))).scalars().all()
        assert [(g.id, g.slug) for g in faqs] == [(first.id, "hoi-dap-dv1"),
                                                  (faqs[1].id, "hoi-dap-dv1-4")]
        keeper = faqs[0]
        sections = [(tuple(c.heading_path), c.text)
                    for c in await guide_store.guide_sections(session, keeper)]
        assert sections == [
            ((HEADING, "Lịch trực Tết thế nào?"), "Theo thông báo của văn phòng."),
            ((HEADING, "Giá vàng hôm nay?"), "Troly không theo dõi giá vàng; xem ngân hàng."),
            ((HEADING, "Họp giao ban thứ mấy?"), "Sáng thứ Hai hằng tuần.")]
        version = await session.get(GuideVersion, keeper.current_version_id)
        assert version is not None and version.file_name == "hoi-dap-dv1.qa.md"
        assert version.content is not None and "Họp giao ban thứ mấy?" in version.content.decode()
        # every version kept, the duplicates' numbered after the keeper's
        numbers = (await session.execute(select(GuideVersion.version).where(
            GuideVersion.guide_id == keeper.id).order_by(GuideVersion.version))).scalars().all()
        assert numbers == list(range(1, 8))  # 1 + 4 (add, add, edit, remove) + 1 + the merged
        # nothing lost: entries, their history, pointed questions, feedback, old chunks
        after = {model.__name__: len((await session.execute(select(model.id))).scalars().all())
                 for model in (QAEntry, QAEntryChange, SectionPhrasing, AnswerFeedback,
                               GuideChunk)}
        assert after == {**counts, "GuideChunk": counts["GuideChunk"] + 3}
        for model in (QAEntry, QAEntryChange, SectionPhrasing):
            assert set((await session.execute(select(model.guide_id).where(
                model.guide_id.in_([second.id, third.id])))).scalars()) == set()
        assert {q.best_guide_slug for q in (await session.execute(
            select(UnansweredQuestion))).scalars()} == {"hoi-dap-dv1"}
        assert await session.get(GuideChunk, gold) is not None  # feedback still reads
        # the index is built from the same passages, now of the one guide; every process
        # rebuilds it (the generation moved)
        index_after = await _index_input(session)
        assert index_after == sorted(
            ("hoi-dap-dv1" if slug in slugs else slug, path, body)
            for slug, path, body in index_before)
        assert await changes.generation(session, changes.KNOWLEDGE) > generation
        index = KnowledgeIndex.build(await guide_store.active_passages(session))
        hit = index.search("họp giao ban thứ mấy").hits[0]
        assert (hit.passage.guide_id, hit.passage.heading_path[-1]) == (
            "hoi-dap-dv1", "Họp giao ban thứ mấy?")
    # the next answer goes to it, and keeps every section
    async with sessions.begin() as session:
        unit = await session.get(Unit, dv1.id)
        assert unit is not None
        faq = await queue_store.faq_guide(session, unit, title="x", now=AT + timedelta(days=5))
        assert faq.id == first.id
        await _entry(session, faq, "Nghỉ phép báo ai?", "Báo trưởng phòng.", AT + timedelta(days=5))
        assert len(await guide_store.guide_sections(session, faq)) == 4
        # a moved entry is edited where its section now is (not added again)
        await queue_store.edit_qa_entry(session, entries["Giá vàng hôm nay?"], "Không theo dõi.",
                                        by="Quản trị", now=AT + timedelta(days=5))
        assert [c.text for c in await guide_store.guide_sections(session, faq)] == [
            "Theo thông báo của văn phòng.", "Không theo dõi.", "Sáng thứ Hai hằng tuần.",
            "Báo trưởng phòng."]
    await engine.dispose()
    # the unit without duplicates, and the document, untouched
    assert await _rows_of(database_url, untouched) == untouched_rows


async def test_a_database_without_duplicates_is_unchanged(database_url: str) -> None:
    """One FAQ guide per unit, a general one, a document with an FAQ-like slug: nothing moves."""
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        dv1, dv2 = await _unit(session, "DV1"), await _unit(session, "DV2")
        for unit in (dv1, dv2):
            guide = await _old_faq_guide(session, unit, AT)
            await _entry(session, guide, f"Câu hỏi của {unit.code}?", "Trả lời.", AT)
        general = Guide(slug="hoi-dap", title="Hỏi – đáp", status="active", created_at=AT,
                        updated_at=AT)
        session.add(general)
        await session.flush()
        await _entry(session, general, "Câu hỏi chung?", "Trả lời chung.", AT)
        await _document(session, dv1, "hoi-dap-dv1-2", AT)
    await engine.dispose()
    before = await _snapshot(database_url)
    await _migrate_again(database_url)
    assert await _snapshot(database_url) == before


async def test_a_group_with_a_withdrawn_guide_is_left_as_it_is(database_url: str) -> None:
    """An admin withdrew one of the duplicates: merging would serve its answers again (or hide
    the others'), so the unit's guides stay as they are (logged for an admin)."""
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        unit = await _unit(session, "DV1")
        for n in range(2):
            guide = await _old_faq_guide(session, unit, AT)
            await _entry(session, guide, f"Câu hỏi {n}?", "Trả lời.", AT)
        guide.status = "withdrawn"
    await engine.dispose()
    before = await _snapshot(database_url)
    await _migrate_again(database_url)
    assert await _snapshot(database_url) == before


async def test_the_app_takes_the_faq_guide_the_migration_keeps(database_url: str) -> None:
    """The look-up reads FAQ guides as migration 0023 does: an older uploaded document of the
    unit whose slug reads like one ("hoi-dap-dv1-quy-che", or "hoi-dap-dv1" itself) is never
    where answers go; the FAQ guide made beside it is, every time."""
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        unit = await _unit(session, "DV1")
        documents = {await _document(session, unit, slug, AT)
                     for slug in ("hoi-dap-dv1-quy-che", "hoi-dap-dv1")}
        faq = await queue_store.faq_guide(session, unit, title="Hỏi – đáp: Đơn vị DV1", now=AT)
        assert faq.id not in documents and faq.slug == "hoi-dap-dv1-2"
        await _entry(session, faq, "Họp giao ban thứ mấy?", "Sáng thứ Hai.", AT)
        again = await queue_store.faq_guide(session, unit, title="x", now=AT)
        assert again.id == faq.id
    await engine.dispose()
