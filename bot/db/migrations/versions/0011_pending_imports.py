"""pending imports: a table sent in chat waits, previewed, for the admin's confirmation

Revision ID: 0011_pending_imports
Revises: 0010_inbound_events
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0011_pending_imports"
down_revision: str | Sequence[str] | None = "0010_inbound_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("preview_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"],
                                name=op.f("fk_pending_imports_official_id_officials"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_imports")),
    )
    op.create_index(op.f("ix_pending_imports_expires_at"), "pending_imports", ["expires_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_imports_expires_at"), table_name="pending_imports")
    op.drop_table("pending_imports")
