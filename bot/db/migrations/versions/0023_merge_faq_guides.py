"""merge FAQ guides: each unit's duplicate "Hỏi – đáp" guides become its oldest one

Until b5947c4 the FAQ guide look-up (bot/db/queue_store.faq_guide) compared the unit code in
capitals ('hoi-dap-DV1') with the stored, lower-case slugs; PostgreSQL's LIKE is case-sensitive,
so there every answered question made a new FAQ guide ('hoi-dap-dv1', 'hoi-dap-dv1-2', …). The
look-up now finds the oldest; this migration merges the others into it, once:

- a unit's FAQ guides are the guides it owns whose slug is the FAQ slug of its code
  ('hoi-dap-<code>', or that with the '-N' unique_slug adds) and whose every version is a
  generated Q&A file ('….qa.md'); the general FAQ ('hoi-dap', no unit) likewise;
- the oldest (smallest id) keeps its id, slug and title; a new version of it holds its current
  sections, then each duplicate's, in id order (nothing dropped, same texts, same 'share' marks),
  and its file is regenerated from them as queue_store does;
- the duplicates' older versions (and their chunks: answer feedback and shown chunk ids point at
  them) move to it, numbered after its own; their Q&A entries, the entries' edit history, the
  questions pointed at their sections, a pending upload aimed at them and the unanswered
  questions naming their slug point at it; the emptied duplicates are deleted;
- the knowledge triggers (0017) bump the knowledge generation in the same transaction, so every
  running process rebuilds its search index without the duplicates.

A group with anything this does not know how to merge safely is left as it is, with a warning
naming its guides: a member not active (an admin withdrew it: merging would serve or hide
answers), with dates in force, an audience, a replaced guide, acknowledgements, or replaced by
another guide. Databases without duplicates (SQLite ones always: its LIKE ignores ASCII case)
are not changed.

Downgrade does nothing: the duplicates were a bug, and which rows they held is not kept.

Revision ID: 0023_merge_faq_guides
Revises: 0022_web_rate_limits
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0023_merge_faq_guides"
down_revision: str | Sequence[str] | None = "0022_web_rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("alembic.runtime.migration")

#: bot/db/guide_store.py as of this revision (a migration does not follow later changes)
MAX_SLUG_CHARS = 200
FAQ_FILE_SUFFIX = ".qa.md"

units = sa.table("units", sa.column("id", sa.Integer), sa.column("code", sa.String))
guides = sa.table(
    "guides", sa.column("id", sa.Integer), sa.column("slug", sa.String),
    sa.column("title", sa.String), sa.column("status", sa.String),
    sa.column("current_version_id", sa.Integer), sa.column("owner_unit_id", sa.Integer),
    sa.column("effective_from", sa.Date), sa.column("effective_until", sa.Date),
    sa.column("replaces_id", sa.Integer), sa.column("audience", sa.JSON),
    sa.column("updated_at", bot.db.base.UTCDateTime))
versions = sa.table(
    "guide_versions", sa.column("id", sa.Integer), sa.column("guide_id", sa.Integer),
    sa.column("version", sa.Integer), sa.column("file_name", sa.String),
    sa.column("sha256", sa.String), sa.column("content", sa.LargeBinary),
    sa.column("uploaded_by", sa.String), sa.column("uploaded_at", bot.db.base.UTCDateTime))
chunks = sa.table(
    "guide_chunks", sa.column("id", sa.Integer), sa.column("version_id", sa.Integer),
    sa.column("ordinal", sa.Integer), sa.column("heading_path", sa.JSON),
    sa.column("text", sa.Text), sa.column("share", sa.Boolean))
acks = sa.table("guide_acks", sa.column("guide_id", sa.Integer))
#: tables whose rows belong to a guide by its id, and the column
MOVED_BY_ID = (("qa_entries", "guide_id"), ("qa_entry_changes", "guide_id"),
               ("section_phrasings", "guide_id"), ("pending_uploads", "target_guide_id"))


def slugify(title: str) -> str:
    """bot/db/guide_store.slugify as of this revision."""
    folded = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > MAX_SLUG_CHARS:
        digest = hashlib.sha256(slug.encode("ascii")).hexdigest()[:8]
        slug = slug[: MAX_SLUG_CHARS - 9].rstrip("-") + "-" + digest
    return slug or "huong-dan"


def is_faq_slug(slug: str, base: str) -> bool:
    """The FAQ slug `base`, or it with the '-N' (N ≥ 2) guide_store.unique_slug adds."""
    if slug == base:
        return True
    head, _, number = slug.rpartition("-")
    return head == base[: MAX_SLUG_CHARS - 6] and number.isdigit() and int(number) >= 2


def markdown(title: str, sections: Sequence[tuple[Sequence[str], str]]) -> bytes:
    """bot/db/queue_store._markdown as of this revision: the generated file of an FAQ guide."""
    lines = [f"# {title}", ""]
    for path, text in sections:
        lines += [f"## {' › '.join(path)}", "", text, ""]
    return "\n".join(lines).encode("utf-8")


def faq_groups(bind: sa.Connection) -> list[list[Any]]:
    """Each unit's FAQ guides (rows of `guides`, oldest first), for the units with two or more."""
    bases: dict[int | None, str] = {None: slugify("hoi-dap")}
    for unit_id, code in bind.execute(sa.select(units.c.id, units.c.code)):
        bases[unit_id] = slugify(f"hoi-dap-{code}")
    files: dict[int, list[str]] = {}
    for guide_id, file_name in bind.execute(sa.select(versions.c.guide_id, versions.c.file_name)):
        files.setdefault(guide_id, []).append(file_name)
    groups: dict[int | None, list[Any]] = {}
    for row in bind.execute(sa.select(guides).order_by(guides.c.id)):
        base = bases.get(row.owner_unit_id)
        if base is None or not is_faq_slug(row.slug, base):
            continue
        if not all(name.endswith(FAQ_FILE_SUFFIX) for name in files.get(row.id, [])):
            continue  # a document's guide that happens to have that slug
        groups.setdefault(row.owner_unit_id, []).append(row)
    return [group for group in groups.values() if len(group) > 1]


def why_not(bind: sa.Connection, group: Sequence[Any]) -> str | None:
    """Why the group is left as it is; None when it merges."""
    ids = [row.id for row in group]
    for row in group:
        if row.status != "active":
            return f"guide {row.id} is {row.status}"
        if (row.effective_from, row.effective_until, row.replaces_id,
                row.audience) != (None, None, None, None):
            return f"guide {row.id} has dates, an audience or a replaced guide"
    if bind.execute(sa.select(sa.func.count()).select_from(acks)
                    .where(acks.c.guide_id.in_(ids))).scalar_one():
        return "acknowledgements"
    if bind.execute(sa.select(sa.func.count()).select_from(guides)
                    .where(guides.c.replaces_id.in_(ids))).scalar_one():
        return "replaced by another guide"
    return None


def current_sections(bind: sa.Connection, version_id: int | None) -> list[Any]:
    if version_id is None:
        return []
    return list(bind.execute(
        sa.select(chunks.c.heading_path, chunks.c.text, chunks.c.share)
        .where(chunks.c.version_id == version_id).order_by(chunks.c.ordinal)))


def merge(bind: sa.Connection, group: Sequence[Any], now: datetime) -> None:
    """The group's duplicates merged into its first (oldest) guide."""
    keeper, duplicates = group[0], group[1:]
    dup_ids = [row.id for row in duplicates]
    sections = current_sections(bind, keeper.current_version_id)
    added = [s for row in duplicates for s in current_sections(bind, row.current_version_id)]
    # the duplicates' versions, numbered after the keeper's own, oldest duplicate first
    number = bind.execute(sa.select(sa.func.coalesce(sa.func.max(versions.c.version), 0))
                          .where(versions.c.guide_id == keeper.id)).scalar_one()
    for version_id in bind.execute(
            sa.select(versions.c.id).where(versions.c.guide_id.in_(dup_ids))
            .order_by(versions.c.guide_id, versions.c.version)).scalars().all():
        number += 1
        bind.execute(versions.update().where(versions.c.id == version_id)
                     .values(guide_id=keeper.id, version=number))
    if added:  # a version of the keeper with every section
        merged = [*sections, *added]
        content = markdown(keeper.title, [(s.heading_path, s.text) for s in merged])
        version_id = bind.execute(versions.insert().values(
            guide_id=keeper.id, version=number + 1, file_name=f"{keeper.slug}{FAQ_FILE_SUFFIX}",
            sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_by=None,
            uploaded_at=now).returning(versions.c.id)).scalar_one()
        bind.execute(chunks.insert(), [
            {"version_id": version_id, "ordinal": i, "heading_path": list(s.heading_path),
             "text": s.text, "share": bool(s.share)} for i, s in enumerate(merged)])
        bind.execute(guides.update().where(guides.c.id == keeper.id)
                     .values(current_version_id=version_id, updated_at=now))
    for table, column in MOVED_BY_ID:
        moved = sa.table(table, sa.column(column, sa.Integer))
        bind.execute(moved.update().where(moved.c[column].in_(dup_ids))
                     .values({column: keeper.id}))
    asked = sa.table("unanswered_questions", sa.column("best_guide_slug", sa.String))
    bind.execute(asked.update().where(asked.c.best_guide_slug.in_([r.slug for r in duplicates]))
                 .values(best_guide_slug=keeper.slug))
    bind.execute(guides.delete().where(guides.c.id.in_(dup_ids)))
    logger.info("FAQ guide %s (%s): merged guides %s, %d section(s) added",
                keeper.id, keeper.slug, dup_ids, len(added))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # a process still running the old code may be writing a guide: it waits for the merge
        # (reads go on); SQLite's migration holds the one write lock already
        bind.execute(sa.text("LOCK TABLE guides IN EXCLUSIVE MODE"))
    now = datetime.now(UTC)  # when the merged version was made (a migration has no clock)
    for group in faq_groups(bind):
        reason = why_not(bind, group)
        if reason is not None:
            logger.warning("FAQ guides %s of one unit not merged: %s",
                           [row.id for row in group], reason)
            continue
        merge(bind, group, now)


def downgrade() -> None:
    """Nothing: the merge is kept (the duplicates were a bug; which rows each held is gone)."""
