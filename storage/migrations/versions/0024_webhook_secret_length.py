"""Room for a webhook's secret encrypted with the data key (a Fernet token, longer than the 64 hex characters).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite: the table is rebuilt (no other table refers to it)
    with op.batch_alter_table("webhooks") as batch:
        batch.alter_column("secret", type_=sa.String(length=255), existing_type=sa.String(length=64))


def downgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.alter_column("secret", type_=sa.String(length=64), existing_type=sa.String(length=255))
