"""The admin's record search: full text on titles and identifiers, filters, keyset pages.

Full text where the database offers it, kept current by the database itself inside the
store's write transactions (the migration `0007` makes the pieces):

- SQLite: an FTS5 table `records_fts` with `records` as its external content (title,
  local id, partner identifier), kept current by three triggers on `records`; nothing
  is stored twice.
- PostgreSQL: a GIN index on `to_tsvector('simple', title || local id || partner id)`;
  the query repeats the indexed expression, so the index answers it.
- Elsewhere (a SQLite without FTS5): a LIKE on the title and identifiers.

Pages are keyset pages: the cursor is the last row's pk, and the next page starts after
(its sort key, its pk), so page 1,000 costs what page 1 costs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement

from records import tables as t

__all__ = [
    "FTS_TABLE",
    "SORTS",
    "FoundRecord",
    "FullTextRows",
    "RecordSearch",
    "SearchPage",
    "SearchQuery",
    "fts_statements",
    "search_terms",
]

FTS_TABLE = "records_fts"
SORTS = ("datestamp", "title")
MAX_TERMS = 8
MAX_TERM_LENGTH = 64
MAX_PAIRS = 1000  # (source, partner id) pairs a "failed in the last run" filter may name
Sort = Literal["datestamp", "title"]

# the PostgreSQL expression the GIN index holds; the query must repeat it verbatim
# (punctuation to spaces first: PostgreSQL's parser would keep `a.b:c` as one host token)
PG_VECTOR = (
    "to_tsvector('simple'::regconfig, regexp_replace(coalesce(title, '') || ' ' || local_id"
    " || ' ' || coalesce(remote_identifier, ''), '[^[:alnum:]]+', ' ', 'g'))"
)
# Past this many full-text hits, the page walks the order's index and keeps the rows that
# are hits (it stops after one page); below it, it reads the hits and sorts them.
DENSE = 2000


def fts_statements(dialect: str) -> tuple[list[str], list[str]]:
    """The DDL that makes (upgrade) and removes (downgrade) the full-text index."""
    if dialect == "postgresql":
        return (
            [f"CREATE INDEX ix_records_fulltext ON records USING gin ({PG_VECTOR})"],
            ["DROP INDEX IF EXISTS ix_records_fulltext"],
        )
    if dialect != "sqlite":
        return [], []
    # literal text (the names are ours): the external-content table and its triggers
    return (
        [
            "CREATE VIRTUAL TABLE records_fts USING fts5(title, local_id, remote_identifier,"
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
    " INSERT INTO records_fts(rowid, title, local_id, remote_identifier)"
    " VALUES (new.pk, new.title, new.local_id, new.remote_identifier); END",
    "records_fts_delete": "CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN"
    " INSERT INTO records_fts(records_fts, rowid, title, local_id, remote_identifier)"
    " VALUES ('delete', old.pk, old.title, old.local_id, old.remote_identifier); END",
    "records_fts_update": "CREATE TRIGGER records_fts_update"
    " AFTER UPDATE OF title, local_id, remote_identifier ON records BEGIN"
    " INSERT INTO records_fts(records_fts, rowid, title, local_id, remote_identifier)"
    " VALUES ('delete', old.pk, old.title, old.local_id, old.remote_identifier);"
    " INSERT INTO records_fts(rowid, title, local_id, remote_identifier)"
    " VALUES (new.pk, new.title, new.local_id, new.remote_identifier); END",
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
            "INSERT INTO records_fts(records_fts, rowid, title, local_id, remote_identifier)"
            " SELECT 'delete', pk, title, local_id, remote_identifier FROM records"
            " WHERE pk IN ({pks})",
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
            "INSERT INTO records_fts(rowid, title, local_id, remote_identifier)"
            " SELECT pk, title, local_id, remote_identifier FROM records WHERE pk IN ({pks})",
        )

    def _each(self, pks: Sequence[int], sql: str) -> None:
        keys = sorted(set(pks))
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            # only the SQL text above and "?" marks go into the statement: no values
            self.conn.exec_driver_sql(sql.format(pks=", ".join("?" * len(chunk))), tuple(chunk))


_CHUNK = 500


def search_terms(query: str) -> list[str]:
    """The words of a search (letters and digits), at most MAX_TERMS, each capped."""
    words = re.findall(r"\w+", query.lower())
    return [w[:MAX_TERM_LENGTH] for w in words[:MAX_TERMS]]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What the records page asks for; every filter is optional."""

    text: str = ""
    source_id: str | None = None
    set_spec: str | None = None
    kind: Literal["local", "harvested"] | None = None
    deleted: bool | None = None  # None: live records and tombstones
    # only these (source id, partner identifier) pairs, e.g. the records that failed
    origins: tuple[tuple[str, str], ...] | None = None
    sort: Sort = "datestamp"
    after: int | None = None  # the pk of the last row of the previous page
    limit: int = 50


@dataclass(frozen=True, slots=True)
class FoundRecord:
    """One row of the records page."""

    pk: int
    local_id: str
    title: str
    date: str | None
    source_id: str | None
    remote_identifier: str | None
    datestamp: datetime
    deleted: bool

    @property
    def state(self) -> str:
        return "deleted" if self.deleted else "live"


@dataclass(frozen=True, slots=True)
class SearchPage:
    rows: list[FoundRecord]
    next_after: int | None  # the cursor of the next page, None on the last
    full_text: str = field(default="none")  # how the text was matched: fts5, tsvector, like


def _title_key() -> ColumnElement[Any]:
    # an expression index (0007) holds it: long titles sort by their first 100 characters
    # literal numbers, not parameters: only the very expression of the index matches it
    return func.lower(func.substr(t.records.c.title, literal_column("1"), literal_column("100")))


class RecordSearch:
    """Runs `SearchQuery`s against the store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._fts: bool | None = None

    def page(self, query: SearchQuery) -> SearchPage:
        """One page of matching records, in the query's order."""
        limit = min(max(query.limit, 1), 500)
        r = t.records.c
        with self.engine.connect() as conn:
            method = self._method(conn)
            dense = method == "fts5" and self._dense(conn, query.text)
            where = self._filters(query, method, dense=dense)
            key = r.datestamp if query.sort == "datestamp" else _title_key()
            if query.after is not None:
                where.append(self._after(conn, query, key))
            statement = select(
                r.pk,
                r.local_id,
                r.title,
                r.content,
                r.source_id,
                r.remote_identifier,
                r.datestamp,
                r.deleted,
            ).where(and_(true(), *where))
            if query.set_spec:
                statement = statement.join(t.record_sets, t.record_sets.c.record_pk == r.pk)
            if query.sort == "datestamp":  # newest first
                statement = statement.order_by(key.desc(), r.pk.desc())
            else:
                statement = statement.order_by(key, r.pk)
            rows = conn.execute(statement.limit(limit + 1)).all()
        found = [_found(row) for row in rows[:limit]]
        following = found[-1].pk if len(rows) > limit else None
        return SearchPage(found, following, method)

    def _method(self, conn: Connection) -> str:
        if conn.dialect.name == "postgresql":
            return "tsvector"
        if self._fts is None:
            probe = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n")
            self._fts = conn.execute(probe, {"n": FTS_TABLE}).first() is not None
        return "fts5" if self._fts else "like"

    @staticmethod
    def _dense(conn: Connection, raw: str) -> bool:
        terms = search_terms(raw)
        if not terms:
            return False
        capped = text(
            "SELECT count(*) FROM (SELECT rowid FROM records_fts"
            " WHERE records_fts MATCH :match LIMIT :cap)"
        )
        hits = conn.execute(capped, {"match": _fts_match(terms), "cap": DENSE + 1}).scalar_one()
        return int(hits) > DENSE

    def _filters(
        self, query: SearchQuery, method: str, *, dense: bool = False
    ) -> list[ColumnElement[bool]]:
        r = t.records.c
        where: list[ColumnElement[bool]] = []
        terms = search_terms(query.text)
        if terms:
            where.append(_text_match(terms, query.text.strip(), method, dense=dense))
        if query.source_id:
            where.append(r.source_id == query.source_id)
        if query.kind == "local":
            where.append(r.source_id.is_(None))
        elif query.kind == "harvested":
            where.append(r.source_id.is_not(None))
        if query.deleted is not None:
            where.append(r.deleted.is_(query.deleted))
        if query.set_spec:
            where.append(t.record_sets.c.set_spec == query.set_spec)
        if query.origins is not None:
            pairs = list(query.origins)[:MAX_PAIRS]
            if not pairs:
                where.append(r.pk < 0)  # nothing failed: an empty page
            else:
                where.append(tuple_(r.source_id, r.remote_identifier).in_(pairs))
        return where

    @staticmethod
    def _after(
        conn: Connection, query: SearchQuery, key: ColumnElement[Any]
    ) -> ColumnElement[bool]:
        r = t.records.c
        # the cursor's sort key, read first: a value the planner can use as a bound
        last = conn.execute(select(key).where(r.pk == query.after)).scalar()
        if last is None:  # a cursor whose record is gone: start at the top
            return r.pk.is_not(None)
        position = tuple_(key, r.pk)
        mark = tuple_(literal(last, key.type), literal(query.after, r.pk.type))
        return position < mark if query.sort == "datestamp" else position > mark


def _fts_match(terms: Sequence[str]) -> str:
    # whole words, the last one a prefix (as typed so far); a prefix term makes FTS5 merge
    # the lists of every word it starts, which is costly for short, common stems. The
    # words are \w+ only, so quoting them needs no escaping.
    *words, last = terms
    return " ".join([*(f'"{w}"' for w in words), f'"{last}"*'])


def _text_match(
    terms: Sequence[str], raw: str, method: str, *, dense: bool = False
) -> ColumnElement[bool]:
    r = t.records.c
    exact = r.local_id == raw[:200]  # an id typed as it is, punctuation and all
    if method == "fts5":
        hits = text("SELECT rowid FROM records_fts WHERE records_fts MATCH :match")
        rowids: Select[Any] = select(literal_column("rowid")).select_from(
            hits.bindparams(match=_fts_match(terms)).columns().subquery()
        )
        # `pk + 0` is no index key: SQLite then walks the ORDER BY index and probes the
        # hits (built once into a temporary index) instead of sorting every hit
        pk = (r.pk + 0) if dense else r.pk
        return or_(exact, pk.in_(rowids))
    if method == "tsvector":
        *words, last = terms
        tsquery = " & ".join([*words, f"{last}:*"])
        vector: ColumnElement[Any] = literal_column(PG_VECTOR)
        return or_(exact, vector.op("@@")(func.to_tsquery("simple", tsquery)))
    likes = [
        or_(
            func.lower(r.title).contains(term, autoescape=True),
            func.lower(r.local_id).contains(term, autoescape=True),
            func.lower(func.coalesce(r.remote_identifier, "")).contains(term, autoescape=True),
        )
        for term in terms
    ]
    return or_(exact, and_(*likes))


def _found(row: Any) -> FoundRecord:
    date = None
    try:
        content = json.loads(row.content)
        value = content.get("date")
        if isinstance(value, dict):
            date = value.get("text") or value.get("start")
    except ValueError:  # stored by the store, never bad; a row is still shown
        pass
    return FoundRecord(
        pk=row.pk,
        local_id=row.local_id,
        title=row.title,
        date=date,
        source_id=row.source_id,
        remote_identifier=row.remote_identifier,
        datestamp=row.datestamp,
        deleted=bool(row.deleted),
    )
