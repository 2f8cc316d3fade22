"""issue 15: full-text search and title order for the admin's records page

SQLite: an FTS5 table over records (title, local id, partner identifier) kept current
by triggers; PostgreSQL: a GIN index on the same text as a tsvector. Both: an index on
the title's sort key (lower of its first 100 characters) for the page sorted by title.
The statements are frozen in oai/migrations/fulltext_0007.py (0014 replaces the index).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from oai.migrations.fulltext_0007 import fulltext_0007

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _fts5_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return True
    options = {str(row[0]) for row in bind.exec_driver_sql("PRAGMA compile_options")}
    return "ENABLE_FTS5" in options


def upgrade() -> None:
    op.create_index(
        "ix_records_title_key",
        "records",
        [sa.text("lower(substr(title, 1, 100))"), "pk"],
    )
    # a source's records newest first (the records page filtered by source)
    op.create_index("ix_records_source_keyset", "records", ["source_id", "datestamp", "pk"])
    if not _fts5_available():
        return  # records.search falls back to LIKE
    make, _ = fulltext_0007(op.get_bind().dialect.name)
    for statement in make:
        op.execute(statement)


def downgrade() -> None:
    _, remove = fulltext_0007(op.get_bind().dialect.name)
    for statement in remove:
        op.execute(statement)
    op.drop_index("ix_records_source_keyset", table_name="records")
    op.drop_index("ix_records_title_key", table_name="records")
