"""pending uploads: what the file was read as, kept beside the file

A chat upload was parsed twice: once for the summary, once more on "Lưu" (a 900-page PDF takes
about 30 s each time). The parsed guide (compressed JSON, bot/guide_import.py) is stored with the
waiting file when the summary is made, and "Lưu" stores the guide from it. Rows without it
(written before this revision) are parsed again on "Lưu", as before.

Revision ID: 0021_pending_upload_parsed
Revises: 0020_qa_entry_changes
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_pending_upload_parsed"
down_revision: str | Sequence[str] | None = "0020_qa_entry_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The parsed guide, optional."""
    with op.batch_alter_table("pending_uploads") as batch:
        batch.add_column(sa.Column("parsed", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    """The file alone is kept (parsed again on "Lưu")."""
    with op.batch_alter_table("pending_uploads") as batch:
        batch.drop_column("parsed")
