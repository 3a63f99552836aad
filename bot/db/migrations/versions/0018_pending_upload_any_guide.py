"""pending uploads: any guide file waits for the admin's "Lưu", not only a same-title one

The chat upload now shows what a file holds and lets the admin set its audience, validity and
the guide it replaces before storing it (handlers/guide_upload.py); the file waits in
pending_uploads meanwhile, so a new guide's row has no guide to replace.

Revision ID: 0018_pending_upload_any_guide
Revises: 0017_knowledge_triggers
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_pending_upload_any_guide"
down_revision: str | Sequence[str] | None = "0017_knowledge_triggers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """target_guide_id becomes optional."""
    with op.batch_alter_table("pending_uploads") as batch:
        batch.alter_column("target_guide_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    """Files for new guides cannot be kept: forget them, then require the target again."""
    op.execute("DELETE FROM pending_uploads WHERE target_guide_id IS NULL")
    with op.batch_alter_table("pending_uploads") as batch:
        batch.alter_column("target_guide_id", existing_type=sa.Integer(), nullable=False)
