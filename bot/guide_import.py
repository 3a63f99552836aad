"""Importing a guide file: parse (knowledge.ingest), then store atomically (bot.db.guide_store)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import guide_store
from bot.texts import guides as T
from knowledge.ingest import parse_file
from knowledge.types import IngestError, IngestProblem


async def import_guide(
    session: AsyncSession,
    *,
    file_name: str,
    content: bytes,
    uploaded_by: str | None,
    now: datetime,
    max_bytes: int,
    title: str | None = None,
    source_ref: str | None = None,
) -> guide_store.AddResult:
    """Parse and store one guide file; raises IngestError and stores nothing on a bad file."""
    # parsing a large PDF/DOCX takes a while: keep the event loop answering meanwhile
    parsed = await asyncio.to_thread(
        parse_file, Path(file_name).name, content, max_bytes=max_bytes, title=title
    )
    return await guide_store.add_guide(
        session, parsed, file_name=Path(file_name).name, content=content,
        uploaded_by=uploaded_by, now=now, source_ref=source_ref,
    )


def describe_problem(error: IngestError, max_mb: int) -> str:
    """The Vietnamese sentence explaining why a file was refused."""
    reason = T.INGEST_PROBLEMS.get(error.problem, error.problem.value)
    if error.problem is IngestProblem.TOO_LARGE:
        reason = reason.format(limit=max_mb)
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
