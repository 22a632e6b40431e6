"""The files a background job made for the web console (``jobs.results``): names and file-store keys, no content.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("results", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE jobs DROP COLUMN results")
