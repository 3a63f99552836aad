"""web tokens: server-issued logins of web chat sessions bound to an official (stored hashed)

Revision ID: 0004_web_tokens
Revises: 0003_invitation_safety
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0004_web_tokens"
down_revision: str | Sequence[str] | None = "0003_invitation_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create web_tokens."""
    op.create_table(
        "web_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("created_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("expires_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", bot.db.base.UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["chat_accounts.id"],
                                name=op.f("fk_web_tokens_account_id_chat_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"],
                                name=op.f("fk_web_tokens_official_id_officials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_tokens_token_hash")),
    )
    op.create_index(op.f("ix_web_tokens_account_id"), "web_tokens", ["account_id"], unique=False)


def downgrade() -> None:
    """Drop web_tokens."""
    op.drop_index(op.f("ix_web_tokens_account_id"), table_name="web_tokens")
    op.drop_table("web_tokens")
