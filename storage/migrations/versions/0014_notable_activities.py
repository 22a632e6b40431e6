"""An index on an activity's participants: a summary's notable activities (the period's eight largest) are read from
the rows at or above a floor the summary's one grouped pass has found, instead of a second pass over the period.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:00:00
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activity_reports") as batch_op:
        batch_op.create_index("ix_activity_reports_participants", ["participants"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activity_reports") as batch_op:
        batch_op.drop_index("ix_activity_reports_participants")
