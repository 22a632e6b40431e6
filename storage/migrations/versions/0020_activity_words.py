"""The word index of activity reports (``storage.models.ActivityWord``) and each report's folded words
(``activity_reports.search_words``), filled here for the reports already there.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 21:00:00
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BATCH = 5_000
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})
_WORD = re.compile(r"\w+")


def _words(*texts: str | None) -> list[str]:
    """``storage.activity_words.report_words`` as it is on the day of this migration (a migration must not change
    when the application's code does): folded, distinct, the first 200, each cut at 32 letters."""
    text = _CONTROL.sub("", " ".join(filter(None, texts))).casefold().translate(_SPECIAL)
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    folded = _SPACES.sub(" ", stripped.casefold()).strip()
    return list(dict.fromkeys(word[:32] for word in _WORD.findall(folded)))[:200]


def upgrade() -> None:
    op.add_column("activity_reports", sa.Column("search_words", sa.Text(), nullable=True))
    word = sa.String(length=32).with_variant(sa.String(length=32, collation="C"), "postgresql")
    index = op.create_table(
        "activity_words",
        sa.Column("word", word, nullable=False),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["activity_id"], ["activity_reports.id"],
                                name=op.f("fk_activity_words_activity_id_activity_reports"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("word", "activity_date", "activity_id", name=op.f("pk_activity_words")),
        sqlite_with_rowid=False,
    )  # fmt: skip
    connection = op.get_bind()
    reports = sa.table("activity_reports", sa.column("id"), sa.column("activity_date", sa.Date()), sa.column("title"),
                       sa.column("place"), sa.column("partner_org"), sa.column("description"),
                       sa.column("search_words"))  # fmt: skip
    after = 0
    while True:
        rows = connection.execute(
            sa.select(reports.c.id, reports.c.activity_date, reports.c.title, reports.c.place, reports.c.partner_org,
                      reports.c.description).where(reports.c.id > after).order_by(reports.c.id).limit(BATCH)
        ).all()  # fmt: skip
        if not rows:
            break
        found = {row.id: _words(row.title, row.place, row.partner_org, row.description) for row in rows}
        connection.execute(
            reports.update().where(reports.c.id == sa.bindparam("report")).values(search_words=sa.bindparam("words")),
            [{"report": row.id, "words": " " + " ".join(found[row.id])} for row in rows],
        )
        entries = [{"word": w, "activity_date": row.activity_date, "activity_id": row.id}
                   for row in rows for w in found[row.id]]  # fmt: skip
        if entries:
            op.bulk_insert(index, entries)
        after = rows[-1].id


def downgrade() -> None:
    op.drop_table("activity_words")
    op.execute("ALTER TABLE activity_reports DROP COLUMN search_words")  # in place on SQLite too (3.35 and later)
