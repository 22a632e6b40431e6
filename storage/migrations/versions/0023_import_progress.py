"""How far a large register import running as a background job is (``overseas_imports.imported_rows``) and how
many records it added so far (``added``).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("overseas_imports", sa.Column("imported_rows", sa.Integer(), server_default="0", nullable=False))
    op.add_column("overseas_imports", sa.Column("added", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    op.execute("ALTER TABLE overseas_imports DROP COLUMN added")
    op.execute("ALTER TABLE overseas_imports DROP COLUMN imported_rows")
