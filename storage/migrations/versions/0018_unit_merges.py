"""Merged units: a unit merged into another keeps its row (and any report that could not move), marked with the unit
it went into and when.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 03:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


FOREIGN_KEY = "fk_units_merged_into_id_units"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place, the reference written with the column: Alembic would rebuild ``units`` for a foreign key, and
        # a table every other table refers to cannot be dropped while SQLite enforces foreign keys.
        op.execute(
            f"ALTER TABLE units ADD COLUMN merged_into_id INTEGER CONSTRAINT {FOREIGN_KEY} REFERENCES units (id)"
        )
    else:
        op.add_column("units", sa.Column("merged_into_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(FOREIGN_KEY), "units", "units", ["merged_into_id"], ["id"])
    op.add_column("units", sa.Column("merged_at", storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # a column in a foreign key is dropped by rebuilding the table
        with op.batch_alter_table("units") as batch:
            batch.drop_column("merged_at")
            batch.drop_column("merged_into_id")
        return
    op.drop_constraint(op.f(FOREIGN_KEY), "units", type_="foreignkey")
    op.drop_column("units", "merged_at")
    op.drop_column("units", "merged_into_id")
