"""invitation safety: revoked invitations, attempts kept to limit guessing

Revision ID: 0003_invitation_safety
Revises: 0002_button_payloads
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0003_invitation_safety"
down_revision: str | Sequence[str] | None = "0002_button_payloads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add invitations.revoked_at/revoked_by and the invitation_attempts table."""
    with op.batch_alter_table("invitations") as batch:  # SQLite: a table copy for the FK
        batch.add_column(sa.Column("revoked_at", bot.db.base.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_invitations_revoked_by_officials"), "officials",
                                 ["revoked_by"], ["id"])
    op.create_table(
        "invitation_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("at", bot.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_attempts")),
    )
    op.create_index("ix_invitation_attempts_chat", "invitation_attempts",
                    ["channel", "chat_id", "at"])
    op.create_index("ix_invitation_attempts_user", "invitation_attempts",
                    ["channel", "user_id", "at"])


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_invitation_attempts_user", table_name="invitation_attempts")
    op.drop_index("ix_invitation_attempts_chat", table_name="invitation_attempts")
    op.drop_table("invitation_attempts")
    with op.batch_alter_table("invitations") as batch:
        batch.drop_constraint(op.f("fk_invitations_revoked_by_officials"), type_="foreignkey")
        batch.drop_column("revoked_by")
        batch.drop_column("revoked_at")
