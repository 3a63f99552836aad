"""The knowledge feedback loop in the database: answer feedback, the unanswered queue grouped by
similar question, and what admins do with a group — answer it (a Q&A entry in a guide), point it
to a section (a phrasing searched with that section), or ignore it. Synonyms edited in chat or CLI.

Every change that alters what the search finds bumps the 'knowledge' generation in the same
transaction, so every process rebuilds its index (bot/knowledge_service.py).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import changes
from bot.db.guide_store import MAX_SLUG_CHARS, slugify, unique_slug
from bot.db.models import (
    AnswerFeedback,
    Guide,
    GuideChunk,
    GuideVersion,
    QAEntry,
    QAEntryChange,
    SectionPhrasing,
    Synonym,
    UnansweredQuestion,
    Unit,
)
from bot.db.people_store import subunit_ids
from bot.ids import MAX_ID
from knowledge.clustering import cluster
from knowledge.types import ParsedGuide, Passage, Section

#: the file name ending of the Q&A guides troly writes (an FAQ guide has only these)
FAQ_FILE_SUFFIX = ".qa.md"

#: unresolved questions read to build the queue (the newest; grouping 500 takes ~0.3 s)
QUEUE_WINDOW = 500
#: longest synonym term and expansion (the column holds 128)
TERM_CHARS = 128
#: a Q&A entry's question as a heading
QUESTION_HEADING_CHARS = 300


# ---------------------------------------------------------------- feedback


async def record_feedback(session: AsyncSession, *, chunk_id: int, question: str, helpful: bool,
                          channel: str, chat_id: str, official_id: int | None,
                          now: datetime) -> None:
    """Remember "Hữu ích" / "Chưa đúng" under an answer."""
    session.add(AnswerFeedback(chunk_id=chunk_id, question=question[:2000], helpful=helpful,
                               channel=channel, chat_id=chat_id, official_id=official_id, at=now))


async def log_wrong(session: AsyncSession, *, question: str, channel: str, chat_id: str,
                    official_id: int | None, guide_slug: str, shown_chunk_id: int,
                    shown_passage: str, best_score: float | None, now: datetime) -> int:
    """Queue a question whose answer the asker said was wrong; returns its id."""
    row = UnansweredQuestion(text=question[:2000], channel=channel, chat_id=chat_id,
                             official_id=official_id, best_guide_slug=guide_slug,
                             best_score=best_score, asked_at=now, kind="wrong",
                             shown_chunk_id=shown_chunk_id, shown_passage=shown_passage[:500])
    session.add(row)
    await session.flush()
    return row.id


async def set_comment(session: AsyncSession, question_id: int, comment: str) -> bool:
    """Add what the asker said was wrong; False when the question is gone."""
    row = await session.get(UnansweredQuestion, question_id)
    if row is None:
        return False
    row.comment = comment[:2000]
    return True


async def feedback_counts(session: AsyncSession) -> tuple[int, int]:
    """(helpful, not helpful) presses so far."""
    rows = (await session.execute(
        select(AnswerFeedback.helpful, func.count()).group_by(AnswerFeedback.helpful))).all()
    counts = {bool(helpful): int(n) for helpful, n in rows}
    return counts.get(True, 0), counts.get(False, 0)


# ---------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueGroup:
    """Similar unresolved questions, newest first; `key` (its oldest question's id) names it."""

    key: int
    questions: tuple[UnansweredQuestion, ...]

    @property
    def count(self) -> int:
        """How many times it was asked."""
        return len(self.questions)

    @property
    def text(self) -> str:
        """The question as last asked."""
        return self.questions[0].text

    @property
    def last_asked(self) -> datetime:
        """When it was last asked."""
        return self.questions[0].asked_at

    @property
    def ids(self) -> list[int]:
        """The ids of its questions."""
        return [q.id for q in self.questions]

    @property
    def guides(self) -> list[str]:
        """Slugs of the guides troly offered for it (closest first seen), without repeats."""
        return list(dict.fromkeys(q.best_guide_slug for q in self.questions if q.best_guide_slug))

    @property
    def shown(self) -> list[str]:
        """The passages the askers said were wrong ("guide › section")."""
        return list(dict.fromkeys(q.shown_passage for q in self.questions if q.shown_passage))

    @property
    def comments(self) -> list[str]:
        """What the askers said was wrong."""
        return [q.comment for q in self.questions if q.comment]


async def queue(session: AsyncSession, *, unit_id: int | None = None) -> list[QueueGroup]:
    """Unresolved questions grouped by similar question, most recently asked group first.

    `unit_id`: only groups where troly offered a guide owned by that unit or a unit below it
    (None: everything, for admins).
    """
    rows = list((await session.execute(
        select(UnansweredQuestion).where(UnansweredQuestion.resolved.is_(False))
        .order_by(UnansweredQuestion.asked_at.desc(), UnansweredQuestion.id.desc())
        .limit(QUEUE_WINDOW))).scalars())
    rows.reverse()  # oldest first: a group's leader (and key) is its first question
    grouped = await asyncio.to_thread(cluster, [r.text for r in rows])  # CPU: off the loop
    groups = [QueueGroup(key=rows[g[0]].id, questions=tuple(rows[i] for i in reversed(g)))
              for g in grouped]
    if unit_id is not None:
        owned = await owned_slugs(session, unit_id)
        groups = [g for g in groups if owned.intersection(g.guides)]
    groups.sort(key=lambda g: (g.last_asked, g.key), reverse=True)
    return groups


async def group_of(session: AsyncSession, key: int, *,
                   unit_id: int | None = None) -> QueueGroup | None:
    """The unresolved group whose key (or any member) is `key`, as visible to `unit_id`."""
    for group in await queue(session, unit_id=unit_id):
        if group.key == key or key in group.ids:
            return group
    return None


async def owned_slugs(session: AsyncSession, unit_id: int) -> set[str]:
    """Slugs of the guides owned by the unit or a unit below it."""
    units = await subunit_ids(session, unit_id)
    return set((await session.execute(
        select(Guide.slug).where(Guide.owner_unit_id.in_(units)))).scalars())


async def resolve(session: AsyncSession, ids: Sequence[int], *, resolution: str, note: str | None,
                  by: str | None, now: datetime) -> int:
    """Close these questions (those still open); how many were closed."""
    result = await session.execute(
        update(UnansweredQuestion)
        .where(UnansweredQuestion.id.in_(list(ids)), UnansweredQuestion.resolved.is_(False))
        .values(resolved=True, resolution=resolution, resolution_note=(note or None),
                resolved_at=now, resolved_by=by)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def askers(group: QueueGroup) -> list[UnansweredQuestion]:
    """One question per chat that asked (its latest), for telling each asker once."""
    seen: dict[tuple[str, str], UnansweredQuestion] = {}
    for q in group.questions:
        seen.setdefault((q.channel, q.chat_id), q)
    return list(seen.values())


# ---------------------------------------------------------------- answering: Q&A entries


async def faq_guide(session: AsyncSession, unit: Unit | None, *, title: str,
                    now: datetime) -> Guide:
    """The per-unit FAQ guide (created empty, without a version, on first use)."""
    # as the slug is stored (lower case): PostgreSQL's LIKE below is case-sensitive, so a unit
    # code's capitals found no FAQ guide there and every answer made a new one ("hoi-dap-dv1-2")
    slug_base = slugify(f"hoi-dap-{unit.code}" if unit is not None else "hoi-dap")
    query = select(Guide).where(Guide.owner_unit_id == unit.id) if unit is not None \
        else select(Guide).where(Guide.owner_unit_id.is_(None))
    # the oldest: a PostgreSQL database may hold duplicates the old look-up made. Read as
    # migration 0023 reads them, which keeps that one: the slug itself or it with unique_slug's
    # '-N', and only generated Q&A files (a unit's uploaded "hoi-dap-dv1-quy-che" or
    # "hoi-dap-dv1" document is not its FAQ guide: answers must not go into it)
    for guide in (await session.execute(
            query.where(Guide.slug.startswith(slug_base, autoescape=True))
            .order_by(Guide.id))).scalars().all():
        if _is_faq_slug(guide.slug, slug_base) and await _only_generated(session, guide):
            return guide
    guide = Guide(slug=await unique_slug(session, slug_base), title=title, status="active",
                  created_at=now, updated_at=now, owner_unit_id=unit.id if unit else None)
    session.add(guide)
    await session.flush()
    return guide


def _is_faq_slug(slug: str, base: str) -> bool:
    """The FAQ slug `base`, or it with the '-N' (N ≥ 2) guide_store.unique_slug adds."""
    if slug == base:
        return True
    head, _, number = slug.rpartition("-")
    return head == base[: MAX_SLUG_CHARS - 6] and number.isdigit() and int(number) >= 2


async def _only_generated(session: AsyncSession, guide: Guide) -> bool:
    """No version, or only the Q&A files troly writes (never an uploaded document)."""
    names = (await session.execute(select(GuideVersion.file_name)
                                   .where(GuideVersion.guide_id == guide.id))).scalars()
    return all(name.endswith(FAQ_FILE_SUFFIX) for name in names)


async def merged_faq_guide(session: AsyncSession, slug: str) -> Guide | None:
    """The FAQ guide a duplicate FAQ guide called `slug` was merged into (migration 0023), if
    one was: the duplicate is gone, and its versions, whose Q&A file troly named after it
    ('hoi-dap-dv1-2.qa.md'), belong to the guide that kept its answers. A button sent before
    the merge ('guide:hoi-dap-dv1-2') still opens them there."""
    if not slug or slug.isdigit() or len(slug) > MAX_SLUG_CHARS:
        return None
    return (await session.execute(
        select(Guide).join(GuideVersion, GuideVersion.guide_id == Guide.id)
        .where(GuideVersion.file_name == f"{slug}{FAQ_FILE_SUFFIX}", Guide.slug != slug)
        .order_by(Guide.id).limit(1))).scalars().first()


async def current_qa_chunk(session: AsyncSession, chunk_id: int) -> int | None:
    """For a chunk of an older version of an active FAQ guide (every answer written makes a
    new version; migration 0023 moved a merged duplicate's versions to the guide that kept
    them), the first chunk of the same question's section in the guide's current version; None
    when the chunk is not such a one or its question is no longer there (removed)."""
    if not 0 < chunk_id <= MAX_ID:
        return None
    row = (await session.execute(
        select(GuideChunk.heading_path, Guide.current_version_id)
        .join(GuideVersion, GuideVersion.id == GuideChunk.version_id)
        .join(Guide, Guide.id == GuideVersion.guide_id)
        .where(GuideChunk.id == chunk_id, Guide.status == "active",
               GuideVersion.id != Guide.current_version_id,
               GuideVersion.file_name.endswith(FAQ_FILE_SUFFIX, autoescape=True)))).first()
    if row is None or row.current_version_id is None:
        return None
    for found, path in (await session.execute(
            select(GuideChunk.id, GuideChunk.heading_path)
            .where(GuideChunk.version_id == row.current_version_id)
            .order_by(GuideChunk.ordinal))).all():
        if list(path) == list(row.heading_path):
            return int(found)
    return None


def _markdown(title: str, chunks: Sequence[tuple[Sequence[str], str]]) -> bytes:
    lines = [f"# {title}", ""]
    for path, text in chunks:
        lines += [f"## {' › '.join(path)}", "", text, ""]
    return "\n".join(lines).encode("utf-8")


async def _current(session: AsyncSession,
                   guide: Guide) -> tuple[GuideVersion | None, list[GuideChunk]]:
    """The guide's current version and its chunks in order."""
    previous = await session.get(GuideVersion, guide.current_version_id) \
        if guide.current_version_id is not None else None
    old = list((await session.execute(
        select(GuideChunk).where(GuideChunk.version_id == previous.id)
        .order_by(GuideChunk.ordinal))).scalars()) if previous is not None else []
    return previous, old


def _fields(chunk: GuideChunk) -> dict[str, Any]:
    """A chunk's columns but its id, version and place, to copy it into a new version."""
    skip = ("id", "version_id", "ordinal")
    return {c.name: getattr(chunk, c.name) for c in GuideChunk.__table__.columns
            if c.name not in skip}


async def _new_version(session: AsyncSession, guide: Guide, previous: GuideVersion | None,
                       chunks: Sequence[dict[str, Any]], *, by: str | None,
                       now: datetime) -> list[GuideChunk]:
    """A new current version of `guide` holding `chunks` (column values, in order); an FAQ
    guide's file is regenerated from them, a document's guide keeps its file. Bumps the
    knowledge generation so every process stops serving the old chunks."""
    number = (await session.execute(
        select(func.coalesce(func.max(GuideVersion.version), 0))
        .where(GuideVersion.guide_id == guide.id))).scalar_one() + 1
    generated = previous is None or previous.file_name.endswith(FAQ_FILE_SUFFIX)
    if generated:  # an FAQ guide: its file is the Q&A itself
        content: bytes | None = _markdown(guide.title,
                                          [(c["heading_path"], c["text"]) for c in chunks])
        file_name = f"{guide.slug}{FAQ_FILE_SUFFIX}"
    else:  # a document's guide keeps its file; the entries live in its versions' chunks
        assert previous is not None
        content, file_name = previous.content, previous.file_name
    version = GuideVersion(guide_id=guide.id, version=number, file_name=file_name,
                           sha256=previous.sha256 if previous is not None and not generated
                           else hashlib.sha256(content or b"").hexdigest(),
                           content=content, uploaded_by=by, uploaded_at=now)
    session.add(version)
    await session.flush()
    rows = [GuideChunk(version_id=version.id, ordinal=i, **fields)
            for i, fields in enumerate(chunks)]
    session.add_all(rows)
    guide.current_version_id = version.id
    guide.updated_at = now
    await changes.bump(session, changes.KNOWLEDGE, now)
    await session.flush()
    return rows


async def add_qa_entry(session: AsyncSession, guide: Guide, *, heading: str, question: str,
                       answer: str, by: str | None, now: datetime) -> int:
    """A new version of `guide` with one more Q&A section ('<heading> › <question>': answer);
    returns the new chunk's id. The guide's other sections are kept as they are, unless it was
    withdrawn (an FAQ guide an admin withdrew: this answer makes it active again, alone): its
    earlier answers were withdrawn with it, and are recorded so (qa_entry_changes)."""
    previous, old = await _current(session, guide)
    if guide.status != "active":
        old = []
        for stale in (await session.execute(
                select(QAEntry).where(QAEntry.guide_id == guide.id))).scalars().all():
            _record(session, stale, None, by=by, by_id=None, now=now)
            await session.delete(stale)
    path = [heading, " ".join(question.split())[:QUESTION_HEADING_CHARS]]
    chunks = [_fields(c) for c in old] + [{"heading_path": path, "text": answer}]
    rows = await _new_version(session, guide, previous, chunks, by=by, now=now)
    session.add(QAEntry(guide_id=guide.id, heading_path=path, answer=answer, created_at=now,
                        created_by=by))
    guide.status = "active"
    await session.flush()
    return rows[-1].id


@dataclass(frozen=True)
class AnswerChange:
    """One edit or withdrawal of a Q&A entry: who, when, the text before and after (None:
    withdrawn)."""

    id: int
    entry_id: int
    guide_id: int
    guide_title: str
    question: str
    action: str  # EDITED | REMOVED
    old_answer: str
    new_answer: str | None
    changed_at: datetime
    changed_by: str | None


@dataclass(frozen=True)
class WrittenAnswer:
    """A Q&A entry as listed to those who may change it, with its edits (oldest first)."""

    id: int
    guide_id: int
    guide_title: str
    question: str
    answer: str
    created_at: datetime
    created_by: str | None
    edits: tuple[AnswerChange, ...] = ()


#: QAEntryChange.action
EDITED = "edited"
REMOVED = "removed"


def _written(entry: QAEntry, guide: Guide,
             edits: Sequence[AnswerChange] = ()) -> WrittenAnswer:
    return WrittenAnswer(entry.id, guide.id, guide.title, entry.heading_path[-1], entry.answer,
                         entry.created_at, entry.created_by, tuple(edits))


def _change(row: QAEntryChange, guide_title: str) -> AnswerChange:
    return AnswerChange(row.id, row.entry_id, row.guide_id, guide_title, row.question, row.action,
                        row.old_answer, row.new_answer, row.changed_at, row.changed_by)


async def _edits(session: AsyncSession, entries: Sequence[tuple[QAEntry, Guide]]
                 ) -> dict[int, list[AnswerChange]]:
    """The edits of each entry, oldest first. SQLite may give a new entry the id of one withdrawn
    before it (the largest id, deleted): only the records after the id's last withdrawal are the
    live entry's."""
    titles = {entry.id: guide.title for entry, guide in entries}
    out: dict[int, list[AnswerChange]] = {entry_id: [] for entry_id in titles}
    if not titles:
        return out
    rows = (await session.execute(
        select(QAEntryChange).where(QAEntryChange.entry_id.in_(titles))
        .order_by(QAEntryChange.id))).scalars()
    for row in rows:
        if row.action == REMOVED:
            out[row.entry_id] = []
        else:
            out[row.entry_id].append(_change(row, titles[row.entry_id]))
    return out


async def _owned_guides(session: AsyncSession, unit_id: int) -> ColumnElement[bool]:
    """A condition: the guide is owned by `unit_id` or a unit below it (the rule for answering)."""
    return Guide.owner_unit_id.in_(await subunit_ids(session, unit_id))


async def count_written_answers(session: AsyncSession, *, unit_id: int | None = None) -> int:
    """How many Q&A entries `written_answers` pages through."""
    query = select(func.count()).select_from(QAEntry).join(Guide, Guide.id == QAEntry.guide_id)
    if unit_id is not None:
        query = query.where(await _owned_guides(session, unit_id))
    return int((await session.execute(query)).scalar_one())


async def written_answers(session: AsyncSession, *, unit_id: int | None = None, offset: int = 0,
                          limit: int | None = None) -> list[WrittenAnswer]:
    """The Q&A entries, newest first, from `offset` (`limit`: at most that many, None: all);
    `unit_id`: only those in guides owned by that unit or a unit below it (the rule for
    answering; None: everything, for admins)."""
    query = select(QAEntry, Guide).join(Guide, Guide.id == QAEntry.guide_id)
    if unit_id is not None:
        query = query.where(await _owned_guides(session, unit_id))
    rows = [(entry, guide) for entry, guide in (await session.execute(
        query.order_by(QAEntry.created_at.desc(), QAEntry.id.desc())
        .offset(offset).limit(limit))).all()]
    edits = await _edits(session, rows)
    return [_written(entry, guide, edits[entry.id]) for entry, guide in rows]


async def written_answer(session: AsyncSession, entry_id: int, *,
                         unit_id: int | None = None) -> WrittenAnswer | None:
    """One Q&A entry as visible to `unit_id` (None: everything); None when gone or not theirs."""
    row = (await session.execute(
        select(QAEntry, Guide).join(Guide, Guide.id == QAEntry.guide_id)
        .where(QAEntry.id == entry_id))).first()
    if row is None:
        return None
    entry, guide = row
    if unit_id is not None and guide.owner_unit_id not in await subunit_ids(session, unit_id):
        return None
    return _written(entry, guide, (await _edits(session, [(entry, guide)]))[entry.id])


async def _changes_where(session: AsyncSession, *, unit_id: int | None,
                         entry_id: int | None) -> list[ColumnElement[bool]]:
    """The scope of `written_answers` and, with `entry_id`, that live entry's records (after the
    id's last withdrawal, as `_edits` reads them)."""
    where = [await _owned_guides(session, unit_id)] if unit_id is not None else []
    if entry_id is not None:
        withdrawn = (await session.execute(
            select(func.max(QAEntryChange.id)).where(QAEntryChange.entry_id == entry_id,
                                                     QAEntryChange.action == REMOVED))).scalar()
        where += [QAEntryChange.entry_id == entry_id, QAEntryChange.id > (withdrawn or 0)]
    return where


async def count_answer_changes(session: AsyncSession, *, unit_id: int | None = None,
                               entry_id: int | None = None) -> int:
    """How many records `answer_changes` pages through."""
    query = select(func.count()).select_from(QAEntryChange) \
        .join(Guide, Guide.id == QAEntryChange.guide_id) \
        .where(*await _changes_where(session, unit_id=unit_id, entry_id=entry_id))
    return int((await session.execute(query)).scalar_one())


async def answer_changes(session: AsyncSession, *, unit_id: int | None = None,
                         entry_id: int | None = None, offset: int = 0,
                         limit: int | None = None) -> list[AnswerChange]:
    """The recorded edits and withdrawals of Q&A entries, newest first, in the scope of
    `written_answers`; `entry_id`: only the edits of that (live) entry."""
    query = select(QAEntryChange, Guide.title).join(Guide, Guide.id == QAEntryChange.guide_id) \
        .where(*await _changes_where(session, unit_id=unit_id, entry_id=entry_id))
    rows = (await session.execute(
        query.order_by(QAEntryChange.changed_at.desc(), QAEntryChange.id.desc())
        .offset(offset).limit(limit))).all()
    return [_change(row, title) for row, title in rows]


def _record(session: AsyncSession, entry: QAEntry, new_answer: str | None, *, by: str | None,
            by_id: int | None, now: datetime) -> None:
    """The audit record of an edit (new_answer) or a withdrawal (None)."""
    session.add(QAEntryChange(
        entry_id=entry.id, guide_id=entry.guide_id, question=entry.heading_path[-1],
        action=EDITED if new_answer is not None else REMOVED, old_answer=entry.answer,
        new_answer=new_answer, changed_at=now, changed_by=by, changed_by_id=by_id))


def _entry_chunk(chunks: Sequence[GuideChunk], entry: QAEntry) -> int | None:
    """Where the entry's section is among the chunks: the one with its heading and text, else
    the first with its heading (two entries may share a question; only this one is touched)."""
    path = list(entry.heading_path)
    same = [i for i, c in enumerate(chunks) if list(c.heading_path) == path]
    return next((i for i in same if chunks[i].text == entry.answer), same[0] if same else None)


async def edit_qa_entry(session: AsyncSession, entry_id: int, answer: str, *, by: str | None,
                        now: datetime, by_id: int | None = None) -> int | None:
    """Replace an entry's answer: the entry (what a re-import of the guide re-applies) and its
    section in a new version of the guide, recorded (who: `by`, the official `by_id`); the
    section's chunk id, None when the entry is gone."""
    entry = await session.get(QAEntry, entry_id)
    # the guide's row locked: two changes of one guide make their versions one after the other
    guide = await session.get(Guide, entry.guide_id, with_for_update=True) \
        if entry is not None else None
    if entry is None or guide is None:
        return None
    previous, old = await _current(session, guide)
    chunks = [_fields(c) for c in old]
    at = _entry_chunk(old, entry)
    if at is None:  # the section was not in the current file: bring it back, as a re-import would
        chunks.append({"heading_path": list(entry.heading_path), "text": answer})
        at = len(chunks) - 1
    else:
        chunks[at]["text"] = answer
    _record(session, entry, answer, by=by, by_id=by_id, now=now)
    entry.answer = answer
    rows = await _new_version(session, guide, previous, chunks, by=by, now=now)
    return rows[at].id


async def remove_qa_entry(session: AsyncSession, entry_id: int, *, by: str | None,
                          now: datetime, by_id: int | None = None) -> bool:
    """Withdraw an entry: deleted (a re-import of the guide no longer adds it), recorded with its
    last text, and its section left out of a new version of the guide; False when it was already
    gone."""
    entry = await session.get(QAEntry, entry_id)
    # the guide's row locked: two changes of one guide make their versions one after the other
    guide = await session.get(Guide, entry.guide_id, with_for_update=True) \
        if entry is not None else None
    if entry is None or guide is None:
        return False
    previous, old = await _current(session, guide)
    at = _entry_chunk(old, entry)
    _record(session, entry, None, by=by, by_id=by_id, now=now)
    await session.delete(entry)
    if at is not None:
        await _new_version(session, guide, previous,
                           [_fields(c) for i, c in enumerate(old) if i != at], by=by, now=now)
    else:
        await changes.bump(session, changes.KNOWLEDGE, now)
    await session.flush()
    return True


async def with_qa_entries(session: AsyncSession, guide: Guide | None,
                          parsed: ParsedGuide) -> ParsedGuide:
    """A new file of `guide` plus the admins' Q&A entries it does not hold itself (same heading)."""
    if guide is None:
        return parsed
    have = {tuple(s.heading_path) for s in parsed.sections}
    rows = (await session.execute(select(QAEntry).where(QAEntry.guide_id == guide.id)
                                  .order_by(QAEntry.id))).scalars()
    extra = [Section(tuple(r.heading_path), r.answer) for r in rows
             if tuple(r.heading_path) not in have]
    if not extra:
        return parsed
    return ParsedGuide(title=parsed.title, sections=(*parsed.sections, *extra),
                       source_ref=parsed.source_ref)


# ---------------------------------------------------------------- pointing to a section


async def link_section(session: AsyncSession, chunk_id: int, phrasings: Sequence[str], *,
                       by: str | None, now: datetime) -> GuideChunk | None:
    """Make the questions other wordings of the section holding `chunk_id` (None: it is gone)."""
    row = (await session.execute(
        select(GuideChunk, Guide.id).join(Guide, Guide.current_version_id == GuideChunk.version_id)
        .where(GuideChunk.id == chunk_id, Guide.status == "active"))).first()
    if row is None:
        return None
    chunk, guide_id = row
    for text in dict.fromkeys(" ".join(p.split()) for p in phrasings if p.strip()):
        session.add(SectionPhrasing(guide_id=guide_id, heading_path=list(chunk.heading_path),
                                    text=text[:2000], created_at=now, created_by=by))
    await changes.bump(session, changes.KNOWLEDGE, now)
    return chunk


async def phrasings(session: AsyncSession) -> dict[tuple[str, tuple[str, ...]], list[str]]:
    """(guide slug, heading path) → the questions pointed at that section."""
    rows = await session.execute(
        select(Guide.slug, SectionPhrasing.heading_path, SectionPhrasing.text)
        .join(Guide, Guide.id == SectionPhrasing.guide_id).order_by(SectionPhrasing.id))
    found: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for slug, path, text in rows:
        found.setdefault((slug, tuple(path)), []).append(text)
    return found


def with_phrasings(passages: list[Passage],
                   extra: dict[tuple[str, tuple[str, ...]], list[str]]) -> list[Passage]:
    """The passages, the first of each pointed-at section carrying its questions as a paragraph
    (searched, never shown: answers are shown from the database)."""
    if not extra:
        return passages
    out: list[Passage] = []
    done: set[tuple[str, tuple[str, ...]]] = set()
    for p in passages:
        key = (p.guide_id, p.heading_path)
        if key in extra and key not in done:
            done.add(key)
            p = Passage(id=p.id, guide_id=p.guide_id, guide_title=p.guide_title,
                        heading_path=p.heading_path,
                        text=p.text + "\n\n" + "\n".join(extra[key]), source_ref=p.source_ref)
        out.append(p)
    return out


# ---------------------------------------------------------------- synonyms


def clean_term(text: str) -> str:
    """A synonym term as stored: spacing collapsed, at most the column's length."""
    return " ".join(text.split())[:TERM_CHARS]


async def add_synonyms(session: AsyncSession, term: str, expansions: Sequence[str], *,
                       by: str | None, now: datetime) -> list[str]:
    """Link `term` with each expansion (added to any it has); returns its expansions now."""
    key = clean_term(term)
    row = await session.get(Synonym, key)
    current = list(row.expansions) if row is not None else []
    before = list(current)
    for e in expansions:
        e = clean_term(e)
        if e and e.casefold() != key.casefold() and e not in current:
            current.append(e)
    if current == before:  # nothing new (or nothing usable)
        return current
    if row is None:
        row = Synonym(term=key, expansions=current, updated_at=now, updated_by=by)
        session.add(row)
    else:
        row.expansions, row.updated_at, row.updated_by = current, now, by
    await changes.bump(session, changes.KNOWLEDGE, now)
    return current


async def remove_synonym(session: AsyncSession, term: str, expansion: str | None, *,
                         by: str | None, now: datetime) -> bool:
    """Remove a term (or one of its expansions); False when there was nothing to remove."""
    key = clean_term(term)
    row = await session.get(Synonym, key)
    if row is None:
        return False
    if expansion is None:
        await session.execute(delete(Synonym).where(Synonym.term == key))
    else:
        kept = [e for e in row.expansions if e != clean_term(expansion)]
        if len(kept) == len(row.expansions):
            return False
        if kept:
            row.expansions, row.updated_at, row.updated_by = kept, now, by
        else:
            await session.execute(delete(Synonym).where(Synonym.term == key))
    await changes.bump(session, changes.KNOWLEDGE, now)
    return True


async def list_synonyms(session: AsyncSession) -> list[tuple[str, list[str]]]:
    """Every stored synonym, by term."""
    rows = (await session.execute(select(Synonym).order_by(Synonym.term))).scalars()
    return [(row.term, list(row.expansions)) for row in rows]


async def import_synonyms(session: AsyncSession, data: dict[str, list[str]], *, by: str | None,
                          now: datetime) -> int:
    """Add a JSON file's synonyms (term → synonyms); how many terms changed."""
    changed = 0
    for term, expansions in data.items():
        before = await session.get(Synonym, clean_term(term))
        old = list(before.expansions) if before is not None else None
        if old != await add_synonyms(session, term, expansions, by=by, now=now):
            changed += 1
    return changed
