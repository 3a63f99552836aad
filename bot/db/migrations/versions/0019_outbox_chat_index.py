"""outbox: an index on (channel, address, status) for the replies-waiting check

Every inbound event with replies asks whether earlier replies to its chat still wait in the outbox
(bot/replies.py: status pending or sending, kind 'reply', this channel and address). The only
index it could use was (status, not_before): during a reminder burst (8,333 rows pending at once in
bench/reminders.py's planning run) that read every pending row to find none of this chat's, about
2 ms of server CPU per event on PostgreSQL, and a generic plan of the prepared statement would scan
the whole table. With this index it reads the chat's own rows only (0.08 ms).

Revision ID: 0019_outbox_chat_index
Revises: 0018_pending_upload_any_guide
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0019_outbox_chat_index"
down_revision: str | Sequence[str] | None = "0018_pending_upload_any_guide"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("ix_outbox_channel_address_status", "outbox",
                    ["channel", "address", "status"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_outbox_channel_address_status", table_name="outbox")
