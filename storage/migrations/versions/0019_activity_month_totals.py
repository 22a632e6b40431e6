"""Per-month totals of the activity reports (``storage.models.ActivityMonthTotal``), kept by triggers in the same
transaction as every write to ``activity_reports`` — the form, the one-message reader, corrections, imports, merges
and retention alike — and filled here from the reports already there.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = (
    "month_start, unit_id, kind_code, activities, participants, foreign_participants, money_vnd, most_participants"
)
ADD = (
    "ON CONFLICT (month_start, unit_id, kind_code) DO UPDATE SET "
    "activities = activity_month_totals.activities + 1, "
    "participants = activity_month_totals.participants + excluded.participants, "
    "foreign_participants = activity_month_totals.foreign_participants + excluded.foreign_participants, "
    "money_vnd = activity_month_totals.money_vnd + excluded.money_vnd, "
    "most_participants = {greatest}(activity_month_totals.most_participants, excluded.most_participants)"
)
SUBTRACT = (
    "UPDATE activity_month_totals SET activities = activities - 1, participants = participants - OLD.participants, "
    "foreign_participants = foreign_participants - coalesce(OLD.foreign_participants, 0), "
    "money_vnd = money_vnd - coalesce(OLD.money_vnd, 0) "
    "WHERE month_start = {month_old} AND unit_id = OLD.unit_id AND kind_code = OLD.kind_code"
)
INSERT = (
    f"INSERT INTO activity_month_totals ({COLUMNS}) VALUES ({{month_new}}, NEW.unit_id, NEW.kind_code, 1, "
    "NEW.participants, coalesce(NEW.foreign_participants, 0), coalesce(NEW.money_vnd, 0), NEW.participants) "
)
WATCHED = "unit_id, kind_code, activity_date, participants, foreign_participants, money_vnd"
SQLITE_MONTH = "substr({row}.activity_date, 1, 8) || '01'"  # dates are stored as YYYY-MM-DD
POSTGRES_MONTH = "date_trunc('month', {row}.activity_date)::date"


def upgrade() -> None:
    op.create_table(
        "activity_month_totals",
        sa.Column("month_start", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind_code", sa.String(length=48), nullable=False),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("participants", sa.BigInteger(), nullable=False),
        sa.Column("foreign_participants", sa.BigInteger(), nullable=False),
        sa.Column("money_vnd", sa.BigInteger(), nullable=False),
        sa.Column("most_participants", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month_start", "unit_id", "kind_code", name=op.f("pk_activity_month_totals")),
    )
    op.create_index("ix_activity_month_totals_unit_month", "activity_month_totals", ["unit_id", "month_start"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    month = SQLITE_MONTH if sqlite else POSTGRES_MONTH
    op.execute(
        f"INSERT INTO activity_month_totals ({COLUMNS}) SELECT {month.format(row='activity_reports')}, unit_id, "
        "kind_code, count(*), sum(participants), coalesce(sum(foreign_participants), 0), "
        "coalesce(sum(money_vnd), 0), max(participants) FROM activity_reports GROUP BY 1, 2, 3"
    )
    subtract = SUBTRACT.format(month_old=month.format(row="OLD"))
    add = INSERT.format(month_new=month.format(row="NEW")) + ADD.format(greatest="max" if sqlite else "greatest")
    if sqlite:
        op.execute(f"CREATE TRIGGER activity_totals_insert AFTER INSERT ON activity_reports BEGIN {add}; END")
        op.execute(f"CREATE TRIGGER activity_totals_delete AFTER DELETE ON activity_reports BEGIN {subtract}; END")
        op.execute(f"CREATE TRIGGER activity_totals_update AFTER UPDATE OF {WATCHED} ON activity_reports "
                   f"BEGIN {subtract}; {add}; END")  # fmt: skip
        return
    op.execute(
        "CREATE FUNCTION activity_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {subtract}; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {add}; END IF; "
        "RETURN NULL; END $$"
    )
    op.execute(f"CREATE TRIGGER activity_totals AFTER INSERT OR DELETE OR UPDATE OF {WATCHED} ON activity_reports "
               "FOR EACH ROW EXECUTE FUNCTION activity_totals_apply()")  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER activity_totals_{name}")
    else:
        op.execute("DROP TRIGGER activity_totals ON activity_reports")
        op.execute("DROP FUNCTION activity_totals_apply()")
    op.drop_index("ix_activity_month_totals_unit_month", table_name="activity_month_totals")
    op.drop_table("activity_month_totals")
