"""reporting periods: task history, period summaries, consolidating units, leave

Revision ID: 0005_reporting_periods
Revises: 0004_web_tokens
Create Date: 2026-12-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.db.base

revision: str = "0005_reporting_periods"
down_revision: str | Sequence[str] | None = "0004_web_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = bot.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    """Add task_events (seeded from the tasks), period_reports (+ revisions),
    plan_consolidators and official_leaves."""
    op.create_table(
        "task_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_at", UTC, nullable=True),
        sa.Column("official_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"],
                                name=op.f("fk_task_events_official_id_officials")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], name=op.f("fk_task_events_task_id_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_events")),
    )
    op.create_index("ix_task_events_task_at", "task_events", ["task_id", "at"])
    # what is known of existing tasks: they started at 0 % (imports never set progress) and are
    # as they are now since their last change (done tasks: since they were done)
    op.execute(
        "INSERT INTO task_events (task_id, at, progress, status, done_at, official_id, source) "
        "SELECT id, created_at, 0, 'open', NULL, NULL, 'migration' FROM tasks")
    op.execute(
        "INSERT INTO task_events (task_id, at, progress, status, done_at, official_id, source) "
        "SELECT id, CASE WHEN status = 'done' AND done_at IS NOT NULL THEN done_at "
        "ELSE updated_at END, progress, status, done_at, NULL, 'migration' FROM tasks "
        "WHERE progress <> 0 OR status <> 'open'")

    op.create_table(
        "period_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("highlights", sa.Text(), nullable=True),
        sa.Column("difficulties", sa.Text(), nullable=True),
        sa.Column("recommendations", sa.Text(), nullable=True),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.Column("submitted_at", UTC, nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"],
                                name=op.f("fk_period_reports_official_id_officials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_reports")),
        sa.UniqueConstraint("official_id", "period_key",
                            name=op.f("uq_period_reports_official_id_period_key")),
    )
    op.create_index(op.f("ix_period_reports_official_id"), "period_reports", ["official_id"])
    op.create_index(op.f("ix_period_reports_period_key"), "period_reports", ["period_key"])
    op.create_table(
        "period_report_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["period_reports.id"],
                                name=op.f("fk_period_report_revisions_report_id_period_reports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_report_revisions")),
    )
    op.create_index(op.f("ix_period_report_revisions_report_id"), "period_report_revisions",
                    ["report_id"])

    op.create_table(
        "plan_consolidators",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"],
                                name=op.f("fk_plan_consolidators_plan_id_plans")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_plan_consolidators_unit_id_units")),
        sa.PrimaryKeyConstraint("plan_id", "unit_id", name=op.f("pk_plan_consolidators")),
    )
    op.create_index(op.f("ix_plan_consolidators_unit_id"), "plan_consolidators", ["unit_id"])

    op.create_table(
        "official_leaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("cancelled_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["officials.id"],
                                name=op.f("fk_official_leaves_created_by_officials")),
        sa.ForeignKeyConstraint(["official_id"], ["officials.id"],
                                name=op.f("fk_official_leaves_official_id_officials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_leaves")),
    )
    op.create_index(op.f("ix_official_leaves_end_day"), "official_leaves", ["end_day"])
    op.create_index("ix_official_leaves_official_start", "official_leaves",
                    ["official_id", "start_day"])


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_official_leaves_official_start", table_name="official_leaves")
    op.drop_index(op.f("ix_official_leaves_end_day"), table_name="official_leaves")
    op.drop_table("official_leaves")
    op.drop_index(op.f("ix_plan_consolidators_unit_id"), table_name="plan_consolidators")
    op.drop_table("plan_consolidators")
    op.drop_index(op.f("ix_period_report_revisions_report_id"),
                  table_name="period_report_revisions")
    op.drop_table("period_report_revisions")
    op.drop_index(op.f("ix_period_reports_period_key"), table_name="period_reports")
    op.drop_index(op.f("ix_period_reports_official_id"), table_name="period_reports")
    op.drop_table("period_reports")
    op.drop_index("ix_task_events_task_at", table_name="task_events")
    op.drop_table("task_events")
