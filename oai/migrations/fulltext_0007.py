"""The full-text index of migration 0007 (titles and identifiers), frozen here.

Migration 0007 makes it and 0014 (the index over every descriptive field) removes it,
or makes it again on a downgrade: both read these statements, which never change.
"""

from __future__ import annotations

__all__ = ["PG_VECTOR_0007", "fulltext_0007"]

PG_VECTOR_0007 = (
    "to_tsvector('simple'::regconfig, regexp_replace(coalesce(title, '') || ' ' || local_id"
    " || ' ' || coalesce(remote_identifier, ''), '[^[:alnum:]]+', ' ', 'g'))"
)


def fulltext_0007(dialect: str) -> tuple[list[str], list[str]]:
    """The DDL that makes (upgrade) and removes (downgrade) the index of 0007."""
    if dialect == "postgresql":
        return (
            [f"CREATE INDEX ix_records_fulltext ON records USING gin ({PG_VECTOR_0007})"],
            ["DROP INDEX IF EXISTS ix_records_fulltext"],
        )
    if dialect != "sqlite":
        return [], []
    # literal text (the names are ours), as 0007 first wrote it
    return (
        [
            "CREATE VIRTUAL TABLE records_fts USING fts5(title, local_id, remote_identifier,"
            " content='records', content_rowid='pk', tokenize='unicode61 remove_diacritics 2')",
            "CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN"
            " INSERT INTO records_fts(rowid, title, local_id, remote_identifier)"
            " VALUES (new.pk, new.title, new.local_id, new.remote_identifier); END",
            "CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN"
            " INSERT INTO records_fts(records_fts, rowid, title, local_id, remote_identifier)"
            " VALUES ('delete', old.pk, old.title, old.local_id, old.remote_identifier); END",
            "CREATE TRIGGER records_fts_update"
            " AFTER UPDATE OF title, local_id, remote_identifier ON records BEGIN"
            " INSERT INTO records_fts(records_fts, rowid, title, local_id, remote_identifier)"
            " VALUES ('delete', old.pk, old.title, old.local_id, old.remote_identifier);"
            " INSERT INTO records_fts(rowid, title, local_id, remote_identifier)"
            " VALUES (new.pk, new.title, new.local_id, new.remote_identifier); END",
            "INSERT INTO records_fts(records_fts) VALUES ('rebuild')",
        ],
        [
            "DROP TRIGGER IF EXISTS records_fts_insert",
            "DROP TRIGGER IF EXISTS records_fts_delete",
            "DROP TRIGGER IF EXISTS records_fts_update",
            "DROP TABLE IF EXISTS records_fts",
        ],
    )
