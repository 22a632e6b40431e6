"""The register's word index: each folded word of a live record's name and relative's name, with the record's
unit, sort key and the part's words beside it, so that a search reads index entries instead of every record in
scope (``storage.models.OverseasWord``).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 02:00:00
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_WORD = re.compile(r"\w+")


def _words(key: str) -> list[str]:
    """The words of a stored (already folded) name key, as ``storage.text.words`` cuts them on the day of this
    migration: a migration must not change when the application's code does."""
    return [word[:32] for word in _WORD.findall(key)]


def upgrade() -> None:
    word = sa.String(length=32).with_variant(sa.String(length=32, collation="C"), "postgresql")
    words = op.create_table(
        "overseas_words",
        sa.Column("word", word, nullable=False),
        sa.Column("part", sa.String(length=1), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("sort_key", sa.String(length=100), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("words", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["overseas_records.id"],
                                name=op.f("fk_overseas_words_record_id_overseas_records"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_overseas_words_unit_id_units")),
        sa.PrimaryKeyConstraint("word", "part", "unit_id", "sort_key", "record_id", name=op.f("pk_overseas_words"),
                                postgresql_include=["words"]),
        sqlite_with_rowid=False,
    )  # fmt: skip
    connection = op.get_bind()
    records = sa.table("overseas_records", sa.column("id"), sa.column("unit_id"), sa.column("name_key"),
                       sa.column("relative_key"), sa.column("deleted_at"))  # fmt: skip
    query = sa.select(records.c.id, records.c.unit_id, records.c.name_key, records.c.relative_key).where(
        records.c.deleted_at.is_(None)
    )
    batch: list[dict[str, object]] = []
    for record_id, unit_id, name, relative in connection.execute(query).all():
        for part, key in (("n", name), ("r", relative)):
            found = _words(key or "")
            batch += [
                {"word": w, "part": part, "unit_id": unit_id, "sort_key": name or "", "record_id": record_id,
                 "words": " " + " ".join(found)}
                for w in set(found)
            ]  # fmt: skip
        if len(batch) >= 5_000:
            connection.execute(sa.insert(words), batch)
            batch = []
    if batch:
        connection.execute(sa.insert(words), batch)


def downgrade() -> None:
    op.drop_table("overseas_words")
