"""button payloads: long button payloads behind short tokens; guide ids up to 255 characters

Revision ID: 0002_button_payloads
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0002_button_payloads"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "button_payloads",
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_button_payloads")),
    )
    op.create_index(op.f("ix_button_payloads_expires_at"), "button_payloads", ["expires_at"],
                    unique=False)
    _slug_length(128, 255)


def _slug_length(old: int, new: int) -> None:
    # batch mode: SQLite rebuilds the table, PostgreSQL alters the column in place
    with op.batch_alter_table("guides") as batch:
        batch.alter_column("slug", existing_type=sa.String(length=old),
                           type_=sa.String(length=new), existing_nullable=False)
    with op.batch_alter_table("unanswered_questions") as batch:
        batch.alter_column("best_guide_slug", existing_type=sa.String(length=old),
                           type_=sa.String(length=new), existing_nullable=True)


def downgrade() -> None:
    _slug_length(255, 128)
    op.drop_index(op.f("ix_button_payloads_expires_at"), table_name="button_payloads")
    op.drop_table("button_payloads")
