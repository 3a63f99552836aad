"""stale head slots: clear a unit's head slot that names an official of another unit

Before 5d7d828 (3 Dec 2026) the officials import left a unit's `head_official_id` naming a head it
had moved to another unit. Every reader then ignored a slot whose official's home unit
(`officials.unit_id`) is another unit (or none): people_store.heads_of, rules/recipients and
bot/access. a5d6350 made such a slot a concurrent headship (kiêm nhiệm), so the stale slots left
in real databases came back to life: the old unit's digests went to the moved head, head
invitations for it were refused, imports adding its head were refused and access widened.

This clears exactly those slots, so existing data keeps the meaning it had when it was written.
A concurrent headship can only be written by the officials import's "Kiêm nhiệm trưởng đơn vị"
column, which landed with a5d6350 on the evening of 4 Dec 2026, the same evening as this
migration: no installed database can hold one yet, so nothing meant as concurrent is cleared.
(A fresh database upgraded to head holds no units at all.) From this revision on a slot naming
another unit's official is a concurrent headship again, as the readers say.

Downgrade does nothing: which slots were stale is not kept, and restoring them would only revive
the bug.

Revision ID: 0024_stale_head_slots
Revises: 0023_merge_faq_guides
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_stale_head_slots"
down_revision: str | Sequence[str] | None = "0023_merge_faq_guides"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("alembic.runtime.migration")

units = sa.table("units", sa.column("id", sa.Integer), sa.column("code", sa.String),
                 sa.column("head_official_id", sa.Integer))
officials = sa.table("officials", sa.column("id", sa.Integer), sa.column("unit_id", sa.Integer))


def upgrade() -> None:
    bind = op.get_bind()
    holder = sa.select(officials.c.unit_id).where(
        officials.c.id == units.c.head_official_id).scalar_subquery()
    stale = (units.c.head_official_id.is_not(None)
             & sa.or_(holder.is_(None), holder != units.c.id))
    cleared = bind.execute(sa.select(units.c.id, units.c.code, units.c.head_official_id)
                           .where(stale).order_by(units.c.id)).all()
    if not cleared:
        return
    bind.execute(units.update().where(units.c.id.in_([row.id for row in cleared]))
                 .values(head_official_id=None))
    for row in cleared:
        logger.info("unit %s (%s): stale head slot naming official %s cleared",
                    row.id, row.code, row.head_official_id)


def downgrade() -> None:
    """Nothing: which slots were stale is not kept, and restoring them would revive the bug."""
