"""issue 27: search over every descriptive field, diacritics and Czech endings folded

`records.search_text` holds the words a record is found by (records.search_text: every
descriptive field folded, each word followed by its light Czech stem); the full-text
index of 0007 (titles and identifiers) is replaced by one over that column: an FTS5
table on SQLite, a GIN index on its tsvector on PostgreSQL. The column is filled for
the records already stored, in batches, before the index is made.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from oai.migrations.fulltext_0007 import fulltext_0007
from records.fulltext import fts_statements
from records.search_text import index_text

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BATCH = 2000


def _fts5_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return True
    options = {str(row[0]) for row in bind.exec_driver_sql("PRAGMA compile_options")}
    return "ENABLE_FTS5" in options


def _fill_search_text() -> None:
    """The words of every stored record, read and written a batch of pks at a time."""
    bind = op.get_bind()
    records = sa.table(
        "records",
        sa.column("pk", sa.Integer),
        sa.column("local_id", sa.String),
        sa.column("content", sa.Text),
        sa.column("remote_identifier", sa.Text),
        sa.column("search_text", sa.Text),
    )
    after = 0
    while True:
        rows = bind.execute(
            sa.select(records.c.pk, records.c.local_id, records.c.content)
            .add_columns(records.c.remote_identifier)
            .where(records.c.pk > after)
            .order_by(records.c.pk)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        words = [
            {
                "b_pk": row.pk,
                "words": index_text(json.loads(row.content), row.local_id, row.remote_identifier),
            }
            for row in rows
        ]
        bind.execute(
            records.update()
            .where(records.c.pk == sa.bindparam("b_pk"))
            .values(search_text=sa.bindparam("words")),
            words,
        )
        after = rows[-1].pk


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    available = _fts5_available()
    if available:
        for statement in fulltext_0007(dialect)[1]:
            op.execute(statement)
    op.add_column("records", sa.Column("search_text", sa.Text(), nullable=True))
    _fill_search_text()
    if available:
        for statement in fts_statements(dialect)[0]:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    available = _fts5_available()
    if available:
        for statement in fts_statements(dialect)[1]:
            op.execute(statement)
    # in place on both (SQLite >= 3.35): a batch copy of `records` would trip the
    # foreign keys that point at it
    op.execute("ALTER TABLE records DROP COLUMN search_text")
    if available:
        for statement in fulltext_0007(dialect)[0]:
            op.execute(statement)
