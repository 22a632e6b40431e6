"""Report schedules, periodic reports with their review history, and the log that keeps reminders unique.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:16:49.450491
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("period_type", sa.String(length=8), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("root_unit_id", sa.Integer(), nullable=True),
        sa.Column("deadline_days_after", sa.Integer(), nullable=True),
        sa.Column("deadline_day", sa.Integer(), nullable=True),
        sa.Column("deadline_month", sa.Integer(), nullable=True),
        sa.Column("only_periods", sa.JSON(), nullable=False),
        sa.Column("remind_before", sa.JSON(), nullable=False),
        sa.Column("remind_after", sa.JSON(), nullable=False),
        sa.Column("plan_ref", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["root_unit_id"], ["units.id"], name=op.f("fk_report_schedules_root_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
        sa.UniqueConstraint("code", name=op.f("uq_report_schedules_code")),
    )
    op.create_table(
        "periodic_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("results", sa.Text(), nullable=True),
        sa.Column("difficulties", sa.Text(), nullable=True),
        sa.Column("proposals", sa.Text(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("first_submitted_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["people.id"], name=op.f("fk_periodic_reports_reviewed_by_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["report_schedules.id"], name=op.f("fk_periodic_reports_schedule_id_report_schedules")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["people.id"], name=op.f("fk_periodic_reports_submitted_by_id_people")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_periodic_reports_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_periodic_reports")),
        sa.UniqueConstraint("schedule_id", "period_key", "unit_id", name=op.f("uq_periodic_reports_schedule_id")),
    )
    with op.batch_alter_table("periodic_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_periodic_reports_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "reminder_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["report_schedules.id"], name=op.f("fk_reminder_log_schedule_id_report_schedules")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_reminder_log_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_log")),
        sa.UniqueConstraint(
            "schedule_id", "period_key", "unit_id", "kind", "deadline", name=op.f("uq_reminder_log_schedule_id")
        ),
    )
    op.create_table(
        "periodic_report_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_periodic_report_events_person_id_people")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["periodic_reports.id"], name=op.f("fk_periodic_report_events_report_id_periodic_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_periodic_report_events")),
    )
    with op.batch_alter_table("periodic_report_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_periodic_report_events_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("periodic_report_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_periodic_report_events_report_id"))

    op.drop_table("periodic_report_events")
    op.drop_table("reminder_log")
    with op.batch_alter_table("periodic_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_periodic_reports_unit_id"))

    op.drop_table("periodic_reports")
    op.drop_table("report_schedules")
