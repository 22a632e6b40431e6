"""The data API's per-person tokens (hashes only), and the index that serves "one kind of activity in a date range"
(the console's and the API's most common filter; the date index alone scanned a whole month for one kind).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 20:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("last_used_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_api_tokens_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_person_id"), ["person_id"], unique=False)
    with op.batch_alter_table("activity_reports") as batch_op:
        batch_op.create_index("ix_activity_reports_kind_date", ["kind_code", "activity_date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activity_reports") as batch_op:
        batch_op.drop_index("ix_activity_reports_kind_date")
    op.drop_table("api_tokens")
