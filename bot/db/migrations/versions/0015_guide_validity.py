"""guide validity and audience: effective dates, replacement, audience, announcements, acks,
sections marked for sharing

Revision ID: 0015_guide_validity
Revises: 0014_keyboards_menus
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0015_guide_validity"
down_revision: str | Sequence[str] | None = "0014_keyboards_menus"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("guides") as batch:
        batch.add_column(sa.Column("effective_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("effective_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("audience", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("announced_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("announced_at", bot.db.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", bot.db.base.UTCDateTime(), nullable=True))
        batch.create_foreign_key(op.f("fk_guides_replaces_id_guides"), "guides",
                                 ["replaces_id"], ["id"])
    with op.batch_alter_table("guide_chunks") as batch:
        batch.add_column(sa.Column("share", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "guide_acks",
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", bot.db.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["guide_id"], ["guides.id"],
                                name=op.f("fk_guide_acks_guide_id_guides")),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"],
                                name=op.f("fk_guide_acks_official_id_officials")),
        sa.PrimaryKeyConstraint("guide_id", "version", "official_id", name=op.f("pk_guide_acks")),
    )
    op.create_index(op.f("ix_guide_acks_official_id"), "guide_acks", ["official_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_guide_acks_official_id"), table_name="guide_acks")
    op.drop_table("guide_acks")
    with op.batch_alter_table("guide_chunks") as batch:
        batch.drop_column("share")
    with op.batch_alter_table("guides") as batch:
        batch.drop_constraint(op.f("fk_guides_replaces_id_guides"), type_="foreignkey")
        for column in ("withdrawn_at", "withdrawn_reason", "announced_at", "announced_version",
                       "audience", "replaces_id", "effective_until", "effective_from"):
            batch.drop_column(column)
