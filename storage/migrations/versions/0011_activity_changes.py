"""Corrections of sent activity reports (each change with who made it and when), and how exact a report's count of
participants is ("khoảng 50", "hơn 100").

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 18:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"], name=op.f("fk_activity_changes_actor_id_people")),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["activity_reports.id"],
            ondelete="CASCADE",
            name=op.f("fk_activity_changes_report_id_activity_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_changes")),
    )
    with op.batch_alter_table("activity_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_changes_report_id"), ["report_id"], unique=False)
    with op.batch_alter_table("activity_reports") as batch_op:
        batch_op.add_column(sa.Column("participants_note", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activity_reports") as batch_op:
        batch_op.drop_column("participants_note")
    op.drop_table("activity_changes")
