"""The audit log cannot be emptied either: on PostgreSQL a statement-level trigger refuses TRUNCATE (row triggers,
which refuse UPDATE and DELETE, do not fire for it). SQLite has no TRUNCATE.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:30:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
