"""qa entry changes: who edited or withdrew an admin's written answer, when, the text before and after

Not read by the search: no knowledge trigger (0017) on this table.

Revision ID: 0020_qa_entry_changes
Revises: 0019_outbox_chat_index
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0020_qa_entry_changes"
down_revision: str | Sequence[str] | None = "0019_outbox_chat_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "qa_entry_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("old_answer", sa.Text(), nullable=False),
        sa.Column("new_answer", sa.Text(), nullable=True),
        sa.Column("changed_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=255), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["guide_id"], ["guides.id"],
                                name=op.f("fk_qa_entry_changes_guide_id_guides")),
        sa.ForeignKeyConstraint(["changed_by_id"], ["officials.id"],
                                name=op.f("fk_qa_entry_changes_changed_by_id_officials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_entry_changes")),
    )
    op.create_index(op.f("ix_qa_entry_changes_entry_id"), "qa_entry_changes", ["entry_id"],
                    unique=False)
    op.create_index(op.f("ix_qa_entry_changes_guide_id"), "qa_entry_changes", ["guide_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_qa_entry_changes_guide_id"), table_name="qa_entry_changes")
    op.drop_index(op.f("ix_qa_entry_changes_entry_id"), table_name="qa_entry_changes")
    op.drop_table("qa_entry_changes")
