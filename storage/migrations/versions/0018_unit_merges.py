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


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("merged_at", storage.types.UTCDateTime(), nullable=True))
        batch.create_foreign_key(op.f("fk_units_merged_into_id_units"), "units", ["merged_into_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.drop_constraint(op.f("fk_units_merged_into_id_units"), type_="foreignkey")
        batch.drop_column("merged_at")
        batch.drop_column("merged_into_id")
