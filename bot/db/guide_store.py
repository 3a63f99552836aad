"""Guides in the database: add/replace atomically with versions, withdraw, list, load passages."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.button_kinds import OpenSection
from bot.db import changes
from bot.db.models import (
    Guide,
    GuideChunk,
    GuideVersion,
    OutboxMessage,
    Synonym,
    UnansweredQuestion,
)
from bot.ids import MAX_ID, parse_id
from bot.outbox import UNSENT
from knowledge.types import ParsedGuide, Passage
from knowledge.validity import document_numbers, in_force, read_validity, strip_share_marker


@dataclass(frozen=True)
class GuideInfo:
    """A guide as listed to admins."""

    id: int
    slug: str
    title: str
    source_ref: str | None
    status: str
    version: int
    file_name: str
    passages: int  # searchable chunks
    headings: int  # distinct sections (heading paths)
    uploaded_by: str | None
    uploaded_at: datetime
    effective_from: date | None = None
    effective_until: date | None = None
    replaces_id: int | None = None
    withdrawn_reason: str | None = None


@dataclass(frozen=True)
class ValidityOptions:
    """Validity given by the admin (CLI flags); None: read from the document, else kept."""

    effective_from: date | None = None
    effective_until: date | None = None
    replaces: Guide | None = None
    #: extra fields of the guide to set (e.g. the audience), after the version is stored
    extra: dict[str, object] = field(default_factory=dict)
    #: the guide supersedes none: the admin's choice wins over the document's 'thay thế …' and
    #: over the link its previous version had
    no_replaces: bool = False


@dataclass(frozen=True)
class AddResult:
    """What adding a guide did."""

    guide: GuideInfo
    replaced_version: int | None  # the version it replaced, None for a new guide
    unchanged: bool  # same file as the current version: nothing new was stored


#: longest slug; longer ones keep their start and end in a hash, so two long titles that differ
#: only near the end still get different slugs (the column holds 255)
MAX_SLUG_CHARS = 200


def slugify(title: str) -> str:
    """ASCII slug of a Vietnamese title ('Hướng dẫn báo cáo' → 'huong-dan-bao-cao')."""
    folded = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > MAX_SLUG_CHARS:
        digest = hashlib.sha256(slug.encode("ascii")).hexdigest()[:8]
        slug = slug[: MAX_SLUG_CHARS - 9].rstrip("-") + "-" + digest
    return slug or "huong-dan"


async def add_guide(
    session: AsyncSession,
    parsed: ParsedGuide,
    *,
    file_name: str,
    content: bytes,
    uploaded_by: str | None,
    now: datetime,
    source_ref: str | None = None,
    target: Guide | None = None,
    validity: ValidityOptions | None = None,
) -> AddResult:
    """Add a new guide, or a new version of `target` (its old versions are kept).

    A new guide never takes over another: its slug gets a number when the title's slug is taken.
    Which guide an upload replaces is the caller's decision (bot/guide_import.py).
    """
    title = _fit(parsed.title)
    digest = hashlib.sha256(content).hexdigest()
    guide = target
    previous: GuideVersion | None = None
    if guide is None:
        guide = Guide(slug=await unique_slug(session, title), title=title, created_at=now,
                      updated_at=now)
        session.add(guide)
        await session.flush()
    elif guide.current_version_id is not None:
        previous = await session.get(GuideVersion, guide.current_version_id)
        if previous is not None and previous.sha256 == digest and guide.status == "active":
            return AddResult(await _info(session, guide), None, unchanged=True)
    next_number = (await session.execute(
        select(func.coalesce(func.max(GuideVersion.version), 0)).where(GuideVersion.guide_id == guide.id)
    )).scalar_one() + 1
    version = GuideVersion(guide_id=guide.id, version=next_number, file_name=file_name,
                           sha256=digest, content=content, uploaded_by=uploaded_by, uploaded_at=now)
    session.add(version)
    await session.flush()
    for i, section in enumerate(parsed.sections):
        path, share = _strip_markers(section.heading_path)
        session.add(GuideChunk(version_id=version.id, ordinal=i, heading_path=path,
                               text=section.text, share=share))
    guide.title = title
    ref = source_ref or parsed.source_ref
    guide.source_ref = _fit(ref) if ref else guide.source_ref
    await _apply_validity(session, guide, parsed, validity or ValidityOptions())
    guide.status = "active"
    guide.withdrawn_reason = None
    guide.withdrawn_at = None
    guide.current_version_id = version.id
    guide.updated_at = now
    if previous is not None:  # the old text's announcement and reminder no longer apply
        await cancel_read_requests(session, guide.id, now, reason="replaced")
    await changes.bump(session, changes.KNOWLEDGE, now)  # every process rebuilds its index
    await session.flush()
    return AddResult(await _info(session, guide), previous.version if previous else None, False)


def _strip_markers(path: tuple[str, ...]) -> tuple[list[str], bool]:
    """The heading path without '[chia sẻ]' markers, and whether any heading had one."""
    stripped = [strip_share_marker(h) for h in path]
    return [h for h, _ in stripped], any(marked for _, marked in stripped)


async def _apply_validity(session: AsyncSession, guide: Guide, parsed: ParsedGuide,
                          given: ValidityOptions) -> None:
    """Dates and replacement: the admin's choices win (a guide, or none), then what the
    previous version had (replacement), the document's own words, else kept."""
    read = read_validity("\n".join([parsed.title, *(s.text for s in parsed.sections)]))
    guide.effective_from = given.effective_from or read.effective_from or guide.effective_from
    guide.effective_until = given.effective_until or read.effective_until or guide.effective_until
    if given.replaces is not None:
        guide.replaces_id = given.replaces.id if given.replaces.id != guide.id else None
    elif given.no_replaces:
        guide.replaces_id = None
    elif read.replaces and guide.replaces_id is None:
        found = await find_by_document_number(session, read.replaces, exclude=guide.id)
        guide.replaces_id = found.id if found is not None else None
    for name, value in given.extra.items():
        setattr(guide, name, value)


async def find_by_document_number(session: AsyncSession, numbers: Iterable[str], *,
                                  exclude: int | None = None) -> Guide | None:
    """The guide whose source reference cites one of these document numbers ('12/HD-UBND')."""
    wanted = {n.casefold() for n in numbers}
    for guide in (await session.execute(
            select(Guide).where(Guide.source_ref.is_not(None)).order_by(Guide.id))).scalars():
        if guide.id != exclude and wanted & {n.casefold()
                                             for n in document_numbers(guide.source_ref or "")}:
            return guide
    return None


async def unique_slug(session: AsyncSession, title: str) -> str:
    """The title's slug, or with '-2', '-3'… when a guide already has it."""
    base = slugify(title)
    taken = set((await session.execute(
        select(Guide.slug).where(Guide.slug.startswith(base, autoescape=True)))).scalars())
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base[: MAX_SLUG_CHARS - 6]}-{number}"
    return slug


def same_title(a: str, b: str) -> bool:
    """Titles compared as people read them: case, spacing and Unicode form aside."""
    def key(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).casefold().split())
    return key(a) == key(b)


async def find_by_title(session: AsyncSession, title: str) -> Guide | None:
    """The guide (active or withdrawn) whose title reads the same, if any."""
    for guide in (await session.execute(select(Guide).order_by(Guide.id))).scalars():
        if same_title(guide.title, _fit(title)):
            return guide
    return None


async def unchanged_file(session: AsyncSession, guide: Guide, content: bytes) -> bool:
    """True when `content` is exactly the guide's current, active version."""
    if guide.current_version_id is None or guide.status != "active":
        return False
    version = await session.get(GuideVersion, guide.current_version_id)
    return version is not None and version.sha256 == hashlib.sha256(content).hexdigest()


#: the title and source columns hold 500 characters; a longer heading is a paragraph, not a title
TEXT_FIELD_CHARS = 500


def _fit(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_FIELD_CHARS else text[: TEXT_FIELD_CHARS - 1].rstrip() + "…"


async def _info(session: AsyncSession, guide: Guide) -> GuideInfo:
    version = await session.get(GuideVersion, guide.current_version_id)
    assert version is not None
    paths = (await session.execute(
        select(GuideChunk.heading_path).where(GuideChunk.version_id == version.id)
    )).scalars().all()
    return GuideInfo(id=guide.id, slug=guide.slug, title=guide.title, source_ref=guide.source_ref,
                     status=guide.status, version=version.version, file_name=version.file_name,
                     passages=len(paths), headings=len({tuple(p) for p in paths}),
                     uploaded_by=version.uploaded_by, uploaded_at=version.uploaded_at,
                     effective_from=guide.effective_from, effective_until=guide.effective_until,
                     replaces_id=guide.replaces_id, withdrawn_reason=guide.withdrawn_reason)


async def list_guides(session: AsyncSession, *, include_withdrawn: bool = True) -> list[GuideInfo]:
    """All guides, newest first."""
    query = select(Guide).where(Guide.current_version_id.is_not(None)).order_by(Guide.title)
    if not include_withdrawn:
        query = query.where(Guide.status == "active")
    guides = (await session.execute(query)).scalars().all()
    return [await _info(session, g) for g in guides]


async def find_guide(session: AsyncSession, key: str) -> Guide | None:
    """A guide by numeric id or slug."""
    if key.isdigit():  # an id (range-checked: PostgreSQL refuses an oversized one)
        guide_id = parse_id(key)
        return await session.get(Guide, guide_id) if guide_id is not None else None
    return (await session.execute(select(Guide).where(Guide.slug == key))).scalar_one_or_none()


async def guide_info(session: AsyncSession, guide: Guide) -> GuideInfo:
    """Listing details of one guide."""
    return await _info(session, guide)


async def guide_sections(session: AsyncSession, guide: Guide) -> list[GuideChunk]:
    """The current version's chunks in order."""
    rows = await session.execute(
        select(GuideChunk).where(GuideChunk.version_id == guide.current_version_id)
        .order_by(GuideChunk.ordinal)
    )
    return list(rows.scalars())


@dataclass(frozen=True)
class SectionText:
    """One section of a guide's current version: its chunks in order, with the guide's facts."""

    guide_slug: str
    guide_title: str
    source_ref: str | None
    heading_path: tuple[str, ...]
    chunks: tuple[tuple[int, str], ...]  # (chunk id, text)
    guide_id: int = 0


async def section_of_chunk(session: AsyncSession, chunk_id: int) -> SectionText | None:
    """The whole section holding a chunk, if the chunk belongs to an active guide's current version."""
    if not 0 < chunk_id <= MAX_ID:  # a forged payload must not reach the query
        return None
    row = (await session.execute(
        select(GuideChunk.version_id, GuideChunk.heading_path, Guide.slug, Guide.title,
               Guide.source_ref, Guide.id)
        .join(Guide, Guide.current_version_id == GuideChunk.version_id)
        .where(GuideChunk.id == chunk_id, Guide.status == "active"))).first()
    if row is None:
        return None
    version_id, path, slug, title, source_ref, guide_id = row
    siblings = await session.execute(
        select(GuideChunk.id, GuideChunk.heading_path, GuideChunk.text)
        .where(GuideChunk.version_id == version_id).order_by(GuideChunk.ordinal))
    chunks = tuple((cid, text) for cid, other, text in siblings if list(other) == list(path))
    return SectionText(slug, title, source_ref, tuple(path), chunks, guide_id)


async def section_starts(session: AsyncSession, guide: Guide) -> list[tuple[tuple[str, ...], int]]:
    """A guide's sections in reading order: (heading path, id of its first chunk)."""
    starts: dict[tuple[str, ...], int] = {}
    for chunk in await guide_sections(session, guide):
        starts.setdefault(tuple(chunk.heading_path), chunk.id)
    return list(starts.items())


async def current_chunk_ids(session: AsyncSession, chunk_ids: Iterable[int],
                            today: date | None = None) -> set[int]:
    """Those of `chunk_ids` that still belong to an active guide's current version; with `today`,
    only those of guides in force that local day (not before, not after, not replaced)."""
    wanted = [c for c in chunk_ids if 0 < c <= MAX_ID]
    if not wanted:
        return set()
    rows = (await session.execute(
        select(GuideChunk.id, Guide.id).join(Guide, Guide.current_version_id == GuideChunk.version_id)
        .where(GuideChunk.id.in_(wanted), Guide.status == "active"))).all()
    if today is None:
        return {chunk_id for chunk_id, _ in rows}
    live = await in_force_guide_ids(session, today)
    return {chunk_id for chunk_id, guide_id in rows if guide_id in live}


async def current_chunk_guides(session: AsyncSession) -> dict[int, int]:
    """Every chunk of an active guide's current version → its guide's id (ids only, one query)."""
    rows = await session.execute(
        select(GuideChunk.id, Guide.id).join(Guide, Guide.current_version_id == GuideChunk.version_id)
        .where(Guide.status == "active"))
    return {chunk_id: guide_id for chunk_id, guide_id in rows.all()}  # noqa: C416 (typed)


@dataclass(frozen=True)
class GuideState:
    """A guide's validity facts, for deciding whether it is in force on a day."""

    id: int
    slug: str
    title: str
    status: str
    effective_from: date | None
    effective_until: date | None
    replaces_id: int | None


async def guide_states(session: AsyncSession) -> dict[int, GuideState]:
    """Every guide's validity facts (one query; the guides table is small)."""
    rows = await session.execute(select(
        Guide.id, Guide.slug, Guide.title, Guide.status, Guide.effective_from,
        Guide.effective_until, Guide.replaces_id))
    return {row[0]: GuideState(*row) for row in rows.all()}


def in_force_ids(states: Mapping[int, GuideState], today: date) -> set[int]:
    """Guides that answer on `today`: active, within their dates, not replaced by one in force."""
    dated = {g.id for g in states.values()
             if g.status == "active" and in_force(today, g.effective_from, g.effective_until)}
    replaced = {states[g].replaces_id for g in dated if states[g].replaces_id is not None}
    return dated - replaced


async def in_force_guide_ids(session: AsyncSession, today: date) -> set[int]:
    """Ids of the guides in force on the local date `today`."""
    return in_force_ids(await guide_states(session), today)


def replaced_by(states: Mapping[int, GuideState], guide_id: int,
                today: date) -> GuideState | None:
    """The active guide that replaces `guide_id` and is in force on `today`, if any."""
    return next((g for g in sorted(states.values(), key=lambda g: g.id)
                 if g.replaces_id == guide_id and g.status == "active"
                 and in_force(today, g.effective_from, g.effective_until)), None)


async def withdraw_guide(session: AsyncSession, guide: Guide, now: datetime,
                         reason: str = "admin") -> bool:
    """Withdraw a guide: it is never used for answers again (until re-added). False, and nothing
    changed, when it was no longer active: one UPDATE on the row's status decides, so two admins,
    or /thuhoi and the expiry job, withdrawing at once withdraw it once (a second withdrawal time
    would tell its audience again, and the expiry's reason would be overwritten). `guide` is
    reloaded either way."""
    await session.flush()  # the guide's own pending changes first, so the refresh keeps none
    withdrawn = await session.execute(
        update(Guide).where(Guide.id == guide.id, Guide.status == "active")
        .values(status="withdrawn", withdrawn_reason=reason, withdrawn_at=now, updated_at=now)
        .execution_options(synchronize_session=False))
    await session.refresh(guide)
    if withdrawn.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await cancel_read_requests(session, guide.id, now, reason="withdrawn")
    await cancel_waiting_answers(session, guide.id, now)
    await changes.bump(session, changes.KNOWLEDGE, now)  # every process drops it from its index
    return True


#: outbox kinds that ask a guide's audience to read it: the announcement ("Đọc / Đã nắm /
#: Chia sẻ") and the acknowledgement reminder (= guidance_store.KIND_ANNOUNCE / KIND_REMIND)
READ_REQUEST_KINDS = ("guide", "guide_remind")


async def cancel_read_requests(session: AsyncSession, guide_id: int, now: datetime, *,
                               reason: str) -> int:
    """Cancel the guide's announcements and reminders not yet sent (or not yet fetched from a
    web mailbox), in the caller's transaction; expiry and withdrawal notices are kept."""
    return await outbox.cancel(
        session, OutboxMessage.subject_type == "guide", OutboxMessage.subject_id == str(guide_id),
        OutboxMessage.kind.in_(READ_REQUEST_KINDS), now=now, reason=f"guide_{reason}",
        statuses=UNSENT)


#: outbox kind of an admin's answer to earlier askers (bot/kb_loop.py queues them)
ANSWER_KIND = "kb_answer"


async def cancel_waiting_answers(session: AsyncSession, guide_id: int, now: datetime) -> int:
    """Cancel the admins' answers to earlier askers not yet sent (held through quiet hours) whose
    section ('Đọc mục này') is in the guide, in the caller's transaction: a withdrawn or expired
    guide's text is not sent the next morning. How many."""
    waiting: dict[int, list[int]] = {}
    for row_id, payload in await outbox.unsent_of_kind(session, ANSWER_KIND):
        for _label, data in payload.get("buttons", []):
            section = OpenSection.unpack(str(data))
            if section is not None:
                waiting.setdefault(section.chunk_id, []).append(row_id)
    if not waiting:
        return 0
    of_guide = (await session.execute(
        select(GuideChunk.id).join(GuideVersion, GuideVersion.id == GuideChunk.version_id)
        .where(GuideChunk.id.in_(list(waiting)), GuideVersion.guide_id == guide_id))).scalars()
    rows = [row_id for chunk_id in of_guide for row_id in waiting[chunk_id]]
    if not rows:
        return 0
    return await outbox.cancel(session, OutboxMessage.id.in_(rows), now=now,
                               reason="guide_withdrawn", statuses=UNSENT)


async def withdraw_expired(session: AsyncSession, now: datetime, today: date) -> list[Guide]:
    """Withdraw every active guide whose last day in force is before `today`; returns them."""
    expired = list((await session.execute(
        select(Guide).where(Guide.status == "active", Guide.effective_until.is_not(None),
                            Guide.effective_until < today).order_by(Guide.id))).scalars())
    return [guide for guide in expired if await withdraw_guide(session, guide, now, reason="expired")]


async def count_active_guides(session: AsyncSession) -> int:
    """How many guides can answer questions."""
    return (await session.execute(
        select(func.count()).select_from(Guide).where(Guide.status == "active")
    )).scalar_one()


async def active_passages(session: AsyncSession, today: date | None = None) -> list[Passage]:
    """Every chunk of every active guide's current version, as index passages; with `today`,
    only the guides in force that local day (a guide not yet or no longer in force, or replaced
    by one in force, is left out before the search ever sees it)."""
    query = (
        select(Guide.id, Guide.slug, Guide.title, Guide.source_ref, GuideChunk.id,
               GuideChunk.heading_path, GuideChunk.text)
        .join(GuideChunk, GuideChunk.version_id == Guide.current_version_id)
        .where(Guide.status == "active")
        .order_by(Guide.id, GuideChunk.ordinal)
    )
    live = await in_force_guide_ids(session, today) if today is not None else None
    return [
        Passage(id=str(chunk_id), guide_id=slug, guide_title=title, heading_path=tuple(path),
                text=body, source_ref=source_ref)
        for guide_id, slug, title, source_ref, chunk_id, path, body in await session.execute(query)
        if live is None or guide_id in live
    ]


async def synonyms(session: AsyncSession) -> dict[str, list[str]]:
    """The admin-editable synonym list."""
    rows = (await session.execute(select(Synonym))).scalars()
    return {row.term: list(row.expansions) for row in rows}


async def log_unanswered(
    session: AsyncSession, *, text: str, channel: str, chat_id: str, official_id: int | None,
    best_guide_slug: str | None, best_score: float | None, now: datetime,
    shown_passage: str | None = None,
) -> None:
    """Remember a question the guides did not answer (and what troly offered, if it was refused)."""
    session.add(UnansweredQuestion(text=text, channel=channel, chat_id=chat_id,
                                   official_id=official_id, best_guide_slug=best_guide_slug,
                                   best_score=best_score, asked_at=now,
                                   shown_passage=shown_passage))


async def list_unanswered(session: AsyncSession, limit: int = 200) -> list[UnansweredQuestion]:
    """Unresolved unanswered questions, newest first."""
    rows = await session.execute(
        select(UnansweredQuestion).where(UnansweredQuestion.resolved.is_(False))
        .order_by(UnansweredQuestion.asked_at.desc(), UnansweredQuestion.id.desc()).limit(limit)
    )
    return list(rows.scalars())
