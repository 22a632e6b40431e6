"""The register of overseas Vietnamese and their relatives, its change history and staged spreadsheet imports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:49:00.340517
"""

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "overseas_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_overseas_imports_person_id_people")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_overseas_imports_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overseas_imports")),
    )
    op.create_table(
        "overseas_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_key", sa.String(length=36), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=100), nullable=True),
        sa.Column("name_key", sa.String(length=100), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("city", sa.String(length=255), nullable=True),
        sa.Column("abroad_since", sa.Integer(), nullable=True),
        sa.Column("group_code", sa.String(length=32), nullable=True),
        sa.Column("association", sa.String(length=255), nullable=True),
        sa.Column("contact", sa.String(length=255), nullable=True),
        sa.Column("relative_name", sa.String(length=100), nullable=True),
        sa.Column("relative_key", sa.String(length=100), nullable=True),
        sa.Column("relationship", sa.String(length=100), nullable=True),
        sa.Column("relative_address", sa.String(length=255), nullable=True),
        sa.Column("relative_phone", sa.String(length=16), nullable=True),
        sa.Column("relative_in_association", sa.String(length=8), nullable=True),
        sa.Column("notes_enc", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("deleted_at", storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["people.id"], name=op.f("fk_overseas_records_created_by_id_people")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_overseas_records_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overseas_records")),
        sa.UniqueConstraint("draft_key", name=op.f("uq_overseas_records_draft_key")),
    )
    with op.batch_alter_table("overseas_records", schema=None) as batch_op:
        batch_op.create_index("ix_overseas_identity", ["unit_id", "name_key", "birth_year", "country"], unique=False)
        batch_op.create_index(batch_op.f("ix_overseas_records_country"), ["country"], unique=False)

    op.create_table(
        "overseas_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=255), nullable=True),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_overseas_changes_person_id_people")),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["overseas_records.id"],
            name=op.f("fk_overseas_changes_record_id_overseas_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overseas_changes")),
    )
    with op.batch_alter_table("overseas_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_overseas_changes_record_id"), ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("overseas_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_overseas_changes_record_id"))

    op.drop_table("overseas_changes")
    with op.batch_alter_table("overseas_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_overseas_records_country"))
        batch_op.drop_index("ix_overseas_identity")

    op.drop_table("overseas_records")
    op.drop_table("overseas_imports")
