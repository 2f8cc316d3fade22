"""The full-text index of the records: the statements that make it, and its rows
written per batch.

- SQLite: an FTS5 table `records_fts` with `records.search_text` as its external
  content, kept current by three triggers on `records`; a large batch writes its rows in
  two statements instead (`FullTextRows`, used by `records.bulk`).
- PostgreSQL: a `tsvector` column parsed from the search text by a trigger, with a GIN
  index on it.

`fts_statements` gives the DDL (migration 0014 runs it); `records.search` queries it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

__all__ = ["FTS_TABLE", "PG_VECTOR", "FullTextRows", "fts_statements"]

FTS_TABLE = "records_fts"
# PostgreSQL: the search text parsed once, when it is written (a trigger), into a column
# the GIN index holds; matching and ranking read it instead of parsing the text per row
PG_VECTOR = "search_vector"


def fts_statements(dialect: str) -> tuple[list[str], list[str]]:
    """The DDL that makes (upgrade) and removes (downgrade) the full-text index."""
    if dialect == "postgresql":
        return (
            [
                "ALTER TABLE records ADD COLUMN search_vector tsvector",
                "CREATE FUNCTION records_search_vector() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN NEW.search_vector :="
                " to_tsvector('simple'::regconfig, coalesce(NEW.search_text, ''));"
                " RETURN NEW; END $$",
                "CREATE TRIGGER records_search_vector BEFORE INSERT OR UPDATE OF search_text"
                " ON records FOR EACH ROW EXECUTE FUNCTION records_search_vector()",
                # records written before the migration
                "UPDATE records SET search_vector ="
                " to_tsvector('simple'::regconfig, coalesce(search_text, ''))",
                "CREATE INDEX ix_records_fulltext ON records USING gin (search_vector)",
            ],
            [
                "DROP INDEX IF EXISTS ix_records_fulltext",
                "DROP TRIGGER IF EXISTS records_search_vector ON records",
                "DROP FUNCTION IF EXISTS records_search_vector()",
                "ALTER TABLE records DROP COLUMN IF EXISTS search_vector",
            ],
        )
    if dialect != "sqlite":
        return [], []
    # literal text (the names are ours): the external-content table and its triggers
    return (
        [
            "CREATE VIRTUAL TABLE records_fts USING fts5(search_text,"
            " content='records', content_rowid='pk', tokenize='unicode61 remove_diacritics 2')",
            *_FTS_TRIGGERS.values(),
            # records written before the migration
            "INSERT INTO records_fts(records_fts) VALUES ('rebuild')",
        ],
        [
            *(f"DROP TRIGGER IF EXISTS {name}" for name in _FTS_TRIGGERS),
            "DROP TABLE IF EXISTS records_fts",
        ],
    )


_FTS_TRIGGERS = {
    "records_fts_insert": "CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN"
    " INSERT INTO records_fts(rowid, search_text) VALUES (new.pk, new.search_text); END",
    "records_fts_delete": "CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN"
    " INSERT INTO records_fts(records_fts, rowid, search_text)"
    " VALUES ('delete', old.pk, old.search_text); END",
    "records_fts_update": "CREATE TRIGGER records_fts_update"
    " AFTER UPDATE OF search_text ON records BEGIN"
    " INSERT INTO records_fts(records_fts, rowid, search_text)"
    " VALUES ('delete', old.pk, old.search_text);"
    " INSERT INTO records_fts(rowid, search_text) VALUES (new.pk, new.search_text); END",
}
# what a batch writer's inserts and updates fire (records.bulk drops them for a batch)
_FTS_WRITES = ("records_fts_insert", "records_fts_update")


class FullTextRows:
    """SQLite: the full-text rows of a batch of records, written in two statements.

    A row trigger into FTS5 costs ~35 us a record; one INSERT ... SELECT for a whole
    batch costs ~4. `drop` (before the batch is written, in its transaction) takes the
    index entries of the stored records the batch will change out of the index and
    drops the insert and update triggers; `add` (after) creates them again and indexes
    every record the batch wrote. Nothing happens where there is no FTS5 table."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        probe = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records_fts'"
        self.present = conn.exec_driver_sql(probe).first() is not None
        self.dropped: tuple[str, ...] = ()

    def drop(self, pks: Sequence[int]) -> None:
        if not self.present:
            return
        self._each(
            pks,
            "INSERT INTO records_fts(records_fts, rowid, search_text)"
            " SELECT 'delete', pk, search_text FROM records WHERE pk IN ({pks})",
        )
        self.dropped = _FTS_WRITES if pks else _FTS_WRITES[:1]  # new records: inserts only
        for name in self.dropped:
            self.conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")

    def add(self, pks: Sequence[int]) -> None:
        if not self.present:
            return
        for name in self.dropped:
            self.conn.exec_driver_sql(_FTS_TRIGGERS[name])
        self._each(
            pks,
            "INSERT INTO records_fts(rowid, search_text)"
            " SELECT pk, search_text FROM records WHERE pk IN ({pks})",
        )

    def _each(self, pks: Sequence[int], sql: str) -> None:
        keys = sorted(set(pks))
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            # only the SQL text above and "?" marks go into the statement: no values
            self.conn.exec_driver_sql(sql.format(pks=", ".join("?" * len(chunk))), tuple(chunk))


_CHUNK = 500
