"""pending uploads: a guide file with an existing guide's title waits for the admin's confirmation

Revision ID: 0009_pending_uploads
Revises: 0008_change_counters
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0009_pending_uploads"
down_revision: str | Sequence[str] | None = "0008_change_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=255), nullable=True),
        sa.Column("target_guide_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"],
                                name=op.f("fk_pending_uploads_official_id_officials")),
        sa.ForeignKeyConstraint(["target_guide_id"], ["guides.id"],
                                name=op.f("fk_pending_uploads_target_guide_id_guides")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_uploads")),
    )
    op.create_index(op.f("ix_pending_uploads_expires_at"), "pending_uploads", ["expires_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_uploads_expires_at"), table_name="pending_uploads")
    op.drop_table("pending_uploads")
