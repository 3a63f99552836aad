"""inbound events: webhook bodies stored before the 200, processed from storage; outbox.seen_at

Revision ID: 0010_inbound_events
Revises: 0009_pending_uploads
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0010_inbound_events"
down_revision: str | Sequence[str] | None = "0009_pending_uploads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("event_key", sa.String(length=160), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", bot.db.base.UTCDateTime(), nullable=True),
        sa.Column("processed_at", bot.db.base.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_events")),
        sa.UniqueConstraint("channel", "event_key", name="uq_inbound_events_channel_event_key"),
    )
    op.create_index("ix_inbound_events_status_lease_until", "inbound_events",
                    ["status", "lease_until"], unique=False)
    op.create_index(op.f("ix_inbound_events_received_at"), "inbound_events", ["received_at"],
                    unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seen_at", bot.db.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("seen_at")
    op.drop_index(op.f("ix_inbound_events_received_at"), table_name="inbound_events")
    op.drop_index("ix_inbound_events_status_lease_until", table_name="inbound_events")
    op.drop_table("inbound_events")
