"""A webhook may be for one unit and the units below it (``webhooks.unit_id``); those made before are for every
report, as they were.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_webhooks_unit_id_units"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # in place: Alembic would rebuild the table for a foreign key
        op.execute(f"ALTER TABLE webhooks ADD COLUMN unit_id INTEGER CONSTRAINT {FOREIGN_KEY} REFERENCES units (id)")
        return
    op.add_column("webhooks", sa.Column("unit_id", sa.Integer(), nullable=True))
    op.create_foreign_key(op.f(FOREIGN_KEY), "webhooks", "units", ["unit_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("webhooks") as batch:
            batch.drop_column("unit_id")
        return
    op.drop_constraint(op.f(FOREIGN_KEY), "webhooks", type_="foreignkey")
    op.drop_column("webhooks", "unit_id")
