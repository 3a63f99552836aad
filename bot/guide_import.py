"""Importing a guide file: parse (knowledge.ingest), then store atomically (bot.db.guide_store)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db import guide_store
from bot.texts import guides as T
from knowledge.ingest import parse_file
from knowledge.types import MB, IngestError, IngestLimits, IngestProblem


def ingest_limits(settings: Settings) -> IngestLimits:
    """The bounds every guide file is checked against (TROLY_MAX_UPLOAD_MB, TROLY_MAX_GUIDE_*)."""
    return IngestLimits(max_bytes=settings.max_upload_mb * MB,
                        max_unpacked_bytes=settings.max_guide_unpacked_mb * MB,
                        max_passages=settings.max_guide_passages,
                        max_pdf_pages=settings.max_pdf_pages)


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
) -> guide_store.AddResult:
    """Parse and store one guide file; raises IngestError and stores nothing on a bad file."""
    # parsing a large PDF/DOCX takes a while: keep the event loop answering meanwhile
    parsed = await asyncio.to_thread(
        parse_file, Path(file_name).name, content, title=title, limits=limits
    )
    return await guide_store.add_guide(
        session, parsed, file_name=Path(file_name).name, content=content,
        uploaded_by=uploaded_by, now=now, source_ref=source_ref,
    )


def describe_problem(error: IngestError) -> str:
    """The Vietnamese sentence explaining why a file was refused (with the bound it exceeded)."""
    reason = T.INGEST_PROBLEMS.get(error.problem, error.problem.value)
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
