"""Plans as read, broadcasts with per-recipient acknowledgements, and outbox priority (replies before bulk).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:48:37.414348
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=True),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("source_name", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("structure", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["people.id"], name=op.f("fk_plans_created_by_id_people")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_plans_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("sender_label", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_broadcasts_plan_id_plans")),
        sa.ForeignKeyConstraint(["sender_id"], ["people.id"], name=op.f("fk_broadcasts_sender_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    op.create_table(
        "broadcast_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("acknowledged_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"], ["broadcasts.id"], name=op.f("fk_broadcast_recipients_broadcast_id_broadcasts")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_broadcast_recipients_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_recipients")),
        sa.UniqueConstraint("broadcast_id", "person_id", name=op.f("uq_broadcast_recipients_broadcast_id")),
    )
    with op.batch_alter_table("broadcast_recipients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcast_recipients_broadcast_id"), ["broadcast_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index("ix_outbox_queue", ["status", "priority", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_queue")
        batch_op.drop_column("priority")

    with op.batch_alter_table("broadcast_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_recipients_broadcast_id"))

    op.drop_table("broadcast_recipients")
    op.drop_table("broadcasts")
    op.drop_table("plans")
