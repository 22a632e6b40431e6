"""Plan tasks: what a published plan asks of a level of units by a deadline, followed unit by unit to done.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:20:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("addressee", sa.String(length=255), nullable=False),
        sa.Column("section", sa.String(length=64), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("wording", sa.String(length=255), nullable=False),
        sa.Column("root_unit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_tasks_plan_id_plans")),
        sa.ForeignKeyConstraint(["root_unit_id"], ["units.id"], name=op.f("fk_plan_tasks_root_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_tasks")),
    )
    with op.batch_alter_table("plan_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_tasks_plan_id"), ["plan_id"], unique=False)
    op.create_table(
        "plan_task_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("reminded", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activity_reports.id"], name=op.f("fk_plan_task_units_activity_id_activity_reports")
        ),
        sa.ForeignKeyConstraint(["done_by_id"], ["people.id"], name=op.f("fk_plan_task_units_done_by_id_people")),
        sa.ForeignKeyConstraint(["task_id"], ["plan_tasks.id"], name=op.f("fk_plan_task_units_task_id_plan_tasks")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_plan_task_units_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task_units")),
        sa.UniqueConstraint("task_id", "unit_id", name=op.f("uq_plan_task_units_task_id")),
    )
    with op.batch_alter_table("plan_task_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_task_units_task_id"), ["task_id"], unique=False)
        batch_op.create_index("ix_plan_task_units_unit_status", ["unit_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_table("plan_task_units")
    op.drop_table("plan_tasks")
