"""Importing a guide file: parse (knowledge.ingest), decide what it replaces, store atomically.

An upload never silently replaces a different guide. It replaces a guide only when the caller
names it (`replace`: the same id), or when its title reads the same as an existing guide's and
the admin confirmed (`confirm_same_title`); without the confirmation the caller gets
NeedsConfirmation and nothing is stored. Any other upload is a new guide (its id gets a number if
the title's id is taken).
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db import guide_store, queue_store
from bot.db.models import PendingUpload
from bot.texts import guides as T
from knowledge.ingest import parse_file
from knowledge.ingest_docx import EMBEDDED_WEB_PAGE, WEB_PAGE
from knowledge.types import MB, IngestError, IngestLimits, IngestProblem, ParsedGuide, Section
from knowledge.validity import read_validity


def ingest_limits(settings: Settings) -> IngestLimits:
    """The bounds every guide file is checked against (TROLY_MAX_UPLOAD_MB, TROLY_MAX_GUIDE_*)."""
    return IngestLimits(max_bytes=settings.max_upload_mb * MB,
                        max_unpacked_bytes=settings.max_guide_unpacked_mb * MB,
                        max_passages=settings.max_guide_passages,
                        max_pdf_pages=settings.max_pdf_pages)

#: how long a chat upload waits for the admin to confirm a replacement
PENDING_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class NeedsConfirmation:
    """The upload's title is an existing guide's: replace it only if the admin says so."""

    existing: guide_store.GuideInfo
    title: str


class GuideToReplaceNotFound(LookupError):
    """`replace` names no guide."""


async def import_guide(
    session: AsyncSession,
    *,
    file_name: str,
    content: bytes,
    uploaded_by: str | None,
    now: datetime,
    limits: IngestLimits,
    title: str | None = None,
    source_ref: str | None = None,
    replace: str | None = None,
    confirm_same_title: bool = False,
    validity: guide_store.ValidityOptions | None = None,
    parsed: ParsedGuide | None = None,
) -> guide_store.AddResult | NeedsConfirmation:
    """Parse and store one guide file; raises IngestError and stores nothing on a bad file.

    `parsed`: the file as already read (the chat upload read it for its summary); it is then
    not parsed again."""
    if parsed is None:
        parsed = await parse_guide(file_name, content, limits, title=title)
    if replace is not None:
        target = await guide_store.find_guide(session, replace)
        if target is None:
            raise GuideToReplaceNotFound(replace)
    else:
        target = await guide_store.find_by_title(session, parsed.title)
        if (target is not None and not confirm_same_title
                and not await guide_store.unchanged_file(session, target, content)):
            return NeedsConfirmation(await guide_store.guide_info(session, target), parsed.title)
    parsed = await queue_store.with_qa_entries(session, target, parsed)  # admins' answers stay
    return await guide_store.add_guide(
        session, parsed, file_name=Path(file_name).name, content=content,
        uploaded_by=uploaded_by, now=now, source_ref=source_ref, target=target,
        validity=validity,
    )


@dataclass(frozen=True)
class UploadPreview:
    """What a file would become, shown to the admin before anything is stored (chat upload)."""

    title: str
    sections: int
    passages: int
    source_ref: str | None
    #: validity the document states ('có hiệu lực từ ngày …', 'thay thế Hướng dẫn số …')
    effective_from: date | None
    effective_until: date | None
    replaces_id: int | None
    #: the guide of the same title: storing makes the file its new version
    same_title: guide_store.GuideInfo | None
    #: the same title and exactly its current file: storing would change nothing
    unchanged: bool
    #: the guide the file was read as (kept with the waiting file: "Lưu" stores it as read)
    parsed: ParsedGuide


async def parse_guide(file_name: str, content: bytes, limits: IngestLimits, *,
                      title: str | None = None) -> ParsedGuide:
    """Read a guide file; raises IngestError. A large PDF or .docx takes seconds (a 900-page
    PDF about 30 s): it is read in a thread, the event loop keeps answering meanwhile."""
    return await asyncio.to_thread(parse_file, Path(file_name).name, content, title=title,
                                   limits=limits)


#: the layout of encode_parsed's JSON; a blob of another layout is not read (parsed again)
PARSED_FORMAT = 1


def encode_parsed(parsed: ParsedGuide) -> bytes:
    """A parsed guide as compressed JSON, to keep beside a waiting file (pending_uploads)."""
    data = {"format": PARSED_FORMAT, "title": parsed.title, "source": parsed.source_ref,
            "sections": [[list(s.heading_path), s.text] for s in parsed.sections],
            "pages_without_text": list(parsed.pages_without_text)}
    return zlib.compress(json.dumps(data, ensure_ascii=False).encode(), level=6)


def decode_parsed(blob: bytes | None) -> ParsedGuide | None:
    """Back from encode_parsed; None when there is nothing to read or it was written in another
    layout (the caller parses the file again)."""
    if not blob:
        return None
    try:
        data = json.loads(zlib.decompress(blob))
        if not isinstance(data, dict) or data.get("format") != PARSED_FORMAT:
            return None
        sections = tuple(Section(tuple(str(h) for h in path), str(text))
                         for path, text in data["sections"])
        source = data.get("source")
        # kept since scanned pages are named (a blob written before has none)
        blank = tuple(int(page) for page in data.get("pages_without_text") or ())
        return ParsedGuide(str(data["title"]), sections,
                           str(source) if source is not None else None, blank)
    except (zlib.error, ValueError, KeyError, TypeError):
        return None


async def preview_guide(session: AsyncSession, *, file_name: str, content: bytes,
                        limits: IngestLimits, parsed: ParsedGuide | None = None) -> UploadPreview:
    """Parse a file (unless `parsed` is given) and say what storing it would do; raises
    IngestError, stores nothing."""
    if parsed is None:
        parsed = await parse_guide(file_name, content, limits)
    read = read_validity("\n".join([parsed.title, *(s.text for s in parsed.sections)]))
    target = await guide_store.find_by_title(session, parsed.title)
    replaced = (await guide_store.find_by_document_number(
        session, read.replaces, exclude=target.id if target is not None else None)
        if read.replaces else None)
    return UploadPreview(
        title=parsed.title, sections=len({s.heading_path for s in parsed.sections}),
        passages=len(parsed.sections), source_ref=parsed.source_ref,
        effective_from=read.effective_from, effective_until=read.effective_until,
        replaces_id=replaced.id if replaced is not None else None,
        same_title=await guide_store.guide_info(session, target) if target is not None else None,
        unchanged=target is not None and await guide_store.unchanged_file(session, target, content),
        parsed=parsed)


async def collect_expired_uploads(session: AsyncSession, now: datetime) -> int:
    """Forget chat uploads nobody confirmed in time; returns how many."""
    result = await session.execute(delete(PendingUpload).where(PendingUpload.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


#: kinds of files admins send that troly does not read (T.UNSUPPORTED_KINDS says what to do)
UNSUPPORTED_SUFFIXES: dict[str, str] = {
    **dict.fromkeys((".doc", ".dot"), "word_legacy"),
    **dict.fromkeys((".odt", ".ott", ".rtf", ".wps", ".pages", ".xps", ".oxps", ".html", ".htm"),
                    "document"),
    **dict.fromkeys((".ppt", ".pptx", ".odp", ".key"), "slides"),
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".heic", ".heif", ".gif", ".webp", ".bmp", ".tif",
                     ".tiff"), "image"),
    **dict.fromkeys((".zip", ".rar", ".7z", ".gz", ".tar"), "archive"),
}


def _unsupported_reason(error: IngestError) -> str | None:
    """What to do with a file of a type troly does not read, when its kind is known."""
    suffix = Path(error.file_name).suffix.casefold()
    kinds = {"legacy Word": "word_legacy", WEB_PAGE: "word_web", EMBEDDED_WEB_PAGE: "word_web"}
    kind = next((k for detail, k in kinds.items() if detail in error.detail),
                UNSUPPORTED_SUFFIXES.get(suffix))
    return T.UNSUPPORTED_KINDS[kind].format(suffix=suffix) if kind is not None else None


#: page ranges named one by one; the rest are counted ('và 40 trang khác')
PAGE_RANGES_NAMED = 12


def page_ranges(pages: Sequence[int]) -> str:
    """'3, 7–9, 12': pages (1-based) with runs joined; after PAGE_RANGES_NAMED runs, the pages
    left are counted."""
    runs: list[tuple[int, int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], page)
        else:
            runs.append((page, page))
    named = ", ".join(str(a) if a == b else f"{a}\u2013{b}" for a, b in runs[:PAGE_RANGES_NAMED])
    left = sum(b - a + 1 for a, b in runs[PAGE_RANGES_NAMED:])
    return named + (T.PAGES_MORE.format(count=left) if left else "")


def describe_pages_without_text(pages: Sequence[int]) -> str:
    """The warning about a PDF's scanned pages (ParsedGuide.pages_without_text)."""
    return T.PAGES_WITHOUT_TEXT.format(pages=page_ranges(pages))


def describe_problem(error: IngestError) -> str:
    """The Vietnamese sentence explaining why a file was refused (with the bound it exceeded)."""
    reason = T.INGEST_PROBLEMS.get(error.problem, error.problem.value)
    if error.problem is IngestProblem.NO_TEXT_LAYER and error.pages:  # some pages have text
        reason = T.MOSTLY_SCANNED.format(pages=page_ranges(error.pages))
    elif error.problem is IngestProblem.NO_TEXT_LAYER \
            and Path(error.file_name).suffix.casefold() == ".docx":
        reason = T.WORD_PICTURES_ONLY
    elif error.problem is IngestProblem.BAD_ENCODING and "old Vietnamese font" in error.detail:
        reason = T.OLD_VIETNAMESE_FONT
    if error.problem is IngestProblem.UNSUPPORTED_TYPE:
        reason = _unsupported_reason(error) or reason
    if error.limit is not None:
        sized = error.problem in (IngestProblem.TOO_LARGE, IngestProblem.UNPACKED_TOO_LARGE)
        reason = reason.format(limit=max(1, error.limit // MB) if sized else error.limit)
    return T.INGEST_FAILED.format(file=error.file_name, reason=reason)


def describe_result(result: guide_store.AddResult) -> str:
    """The Vietnamese confirmation after a guide was added or replaced."""
    info = result.guide
    if result.unchanged:
        return T.UNCHANGED.format(title=info.title, version=info.version)
    ref = T.REF_LINE.format(source_ref=info.source_ref) if info.source_ref else ""
    if result.replaced_version is not None:
        return T.REPLACED.format(title=info.title, version=info.version, old=result.replaced_version,
                                 sections=info.headings, passages=info.passages, ref=ref)
    return T.ADDED.format(title=info.title, version=info.version, sections=info.headings,
                          passages=info.passages, ref=ref)


def describe_confirmation(pending: NeedsConfirmation, file_name: str) -> str:
    """The question asked before an upload replaces the guide with the same title."""
    info = pending.existing
    state = T.STATE_WITHDRAWN if info.status != "active" else ""
    return T.SAME_TITLE.format(title=info.title, version=info.version, old_file=info.file_name,
                               file=Path(file_name).name, state=state)
