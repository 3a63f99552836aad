"""unanswered questions remember the passage offered when the asker said it was not it

Revision ID: 0007_unanswered_shown
Revises: 0006_stored_files
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_unanswered_shown"
down_revision: str | Sequence[str] | None = "0006_stored_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("unanswered_questions",
                  sa.Column("shown_passage", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("unanswered_questions") as batch:
        batch.drop_column("shown_passage")
