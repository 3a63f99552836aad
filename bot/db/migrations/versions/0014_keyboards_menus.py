"""used keyboards (a keyboard is single-use) and the Telegram command menu set per chat

Revision ID: 0014_keyboards_menus
Revises: 0013_inbound_event_replies
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0014_keyboards_menus"
down_revision: str | Sequence[str] | None = "0013_inbound_event_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "used_keyboards",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("keyboard", sa.String(length=64), nullable=False),
        sa.Column("used_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "chat_id", "keyboard", name=op.f("pk_used_keyboards")),
    )
    op.create_index(op.f("ix_used_keyboards_used_at"), "used_keyboards", ["used_at"],
                    unique=False)
    op.create_table(
        "telegram_menus",
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("set_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_telegram_menus")),
    )


def downgrade() -> None:
    op.drop_table("telegram_menus")
    op.drop_index(op.f("ix_used_keyboards_used_at"), table_name="used_keyboards")
    op.drop_table("used_keyboards")
