"""Background jobs (a province's workbook, a Word draft, charts: made outside the asking update's transaction, by
whichever worker claims them) and when each periodic job last ran on the cluster (once per interval, not per worker).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 15:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("progress_ref", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", storage.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("started_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["identity_id"], ["channel_identities.id"], name=op.f("fk_jobs_identity_id_channel_identities")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_jobs_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.create_index("ix_jobs_queue", ["status", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_person_id"), ["person_id"], unique=False)
    op.create_table(
        "cluster_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_run_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cluster_runs")),
    )


def downgrade() -> None:
    op.drop_table("cluster_runs")
    op.drop_table("jobs")
