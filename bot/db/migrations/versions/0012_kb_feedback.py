"""knowledge feedback loop: answer feedback, the unanswered queue's resolution, section phrasings,
guide owners, synonyms edited in chat

Revision ID: 0012_kb_feedback
Revises: 0011_pending_imports
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0012_kb_feedback"
down_revision: str | Sequence[str] | None = "0011_pending_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("unanswered_questions") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False,
                                   server_default="declined"))
        batch.add_column(sa.Column("shown_chunk_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("resolution", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("resolution_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("resolved_at", bot.db.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("resolved_by", sa.String(length=255), nullable=True))
    with op.batch_alter_table("guides") as batch:
        batch.add_column(sa.Column("owner_unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_guides_owner_unit_id_units"), "units",
                                 ["owner_unit_id"], ["id"])
    with op.batch_alter_table("synonyms") as batch:
        batch.add_column(sa.Column("updated_at", bot.db.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("updated_by", sa.String(length=255), nullable=True))
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chunk_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("at", bot.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"],
                                name=op.f("fk_answer_feedback_official_id_officials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_feedback")),
    )
    op.create_index(op.f("ix_answer_feedback_chunk_id"), "answer_feedback", ["chunk_id"],
                    unique=False)
    op.create_table(
        "section_phrasings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("heading_path", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["guide_id"], ["guides.id"],
                                name=op.f("fk_section_phrasings_guide_id_guides")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_section_phrasings")),
    )
    op.create_index(op.f("ix_section_phrasings_guide_id"), "section_phrasings", ["guide_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_section_phrasings_guide_id"), table_name="section_phrasings")
    op.drop_table("section_phrasings")
    op.drop_index(op.f("ix_answer_feedback_chunk_id"), table_name="answer_feedback")
    op.drop_table("answer_feedback")
    with op.batch_alter_table("synonyms") as batch:
        batch.drop_column("updated_by")
        batch.drop_column("updated_at")
    with op.batch_alter_table("guides") as batch:
        batch.drop_constraint(op.f("fk_guides_owner_unit_id_units"), type_="foreignkey")
        batch.drop_column("owner_unit_id")
    with op.batch_alter_table("unanswered_questions") as batch:
        for column in ("resolved_by", "resolved_at", "resolution_note", "resolution", "comment",
                       "shown_chunk_id", "kind"):
            batch.drop_column(column)
