"""qa entries: admins' answers kept apart from guide versions, so a new file of the guide keeps them

Revision ID: 0016_qa_entries
Revises: 0015_guide_validity
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0016_qa_entries"
down_revision: str | Sequence[str] | None = "0015_guide_validity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qa_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("heading_path", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("created_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["guide_id"], ["guides.id"],
                                name=op.f("fk_qa_entries_guide_id_guides")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_entries")),
    )
    op.create_index(op.f("ix_qa_entries_guide_id"), "qa_entries", ["guide_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_qa_entries_guide_id"), table_name="qa_entries")
    op.drop_table("qa_entries")
