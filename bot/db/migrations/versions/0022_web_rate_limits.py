"""web rate limits: the web chat's request limits shared by every process (PostgreSQL)

With several `troly run` processes behind one address (compose.yaml runs two) the per-process
limits gave a client that many times the budget. On PostgreSQL each limited key (a web session, a
client address) now has one row here, updated by an atomic UPSERT (bot/rate_limit.py). SQLite
keeps the in-process limit (one process); the table exists there too, unused.

Revision ID: 0022_web_rate_limits
Revises: 0021_pending_upload_parsed
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_web_rate_limits"
down_revision: str | Sequence[str] | None = "0021_pending_upload_parsed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_rate_limits",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("tat", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_web_rate_limits")),
    )


def downgrade() -> None:
    op.drop_table("web_rate_limits")
