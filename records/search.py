"""The admin's record search: full text on every descriptive field, filters, keyset pages.

The store writes, with every record, the words it is found by (`records.search_text`:
title, description, creators, subjects, places (coverage), people, organisations,
identifiers, notes..., folded to plain lower-case letters, each followed by its light
Czech stem). The database indexes that text, kept current inside the store's write
transactions (migration `0014` makes the pieces):

- SQLite: an FTS5 table `records_fts` with `records.search_text` as its external
  content, kept current by three triggers on `records`; nothing is stored twice.
- PostgreSQL: a `tsvector` column `search_vector`, parsed from the search text by a
  trigger when it is written, and a GIN index on it.
- Elsewhere (a SQLite without FTS5): a LIKE on the search text.

A search is folded and stemmed alike: "Praze" and "prahy" find "Praha". Its last word,
and any word ending in `*`, is also a prefix. Ranked order (`relevance`: FTS5's bm25,
PostgreSQL's ts_rank) applies up to RANK_CAP hits; past that, newest first (the page
says which order it used).

Pages are keyset pages: the cursor is the last row's pk, and the next page starts after
(its sort key, its pk), so page 1,000 costs what page 1 costs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Connection,
    Double,
    Engine,
    Float,
    Integer,
    Select,
    Text,
    and_,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from records import tables as t
from records.fulltext import FTS_TABLE, PG_VECTOR
from records.search_text import SearchWord, Snippet, parse_search, snippets

__all__ = [
    "SORTS",
    "FoundRecord",
    "RecordSearch",
    "SearchPage",
    "SearchQuery",
]

SORTS = ("datestamp", "title", "relevance")
MAX_PAIRS = 1000  # (source, partner id) pairs a "failed in the last run" filter may name
Sort = Literal["datestamp", "title", "relevance"]

# Past this many full-text hits, the page walks the order's index and keeps the rows that
# are hits (it stops after one page); below it, it reads the hits and sorts them.
DENSE = 2000
# Past this many hits a ranked order would score every hit: newest first instead.
RANK_CAP = 5_000


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
    snippets: tuple[Snippet, ...] = ()  # where the search matched, besides the title

    @property
    def state(self) -> str:
        return "deleted" if self.deleted else "live"


@dataclass(frozen=True, slots=True)
class SearchPage:
    rows: list[FoundRecord]
    next_after: int | None  # the cursor of the next page, None on the last
    full_text: str = field(default="none")  # how the text was matched: fts5, tsvector, like
    order: str = field(default="datestamp")  # the order used (relevance past RANK_CAP: not)


def _title_key() -> ColumnElement[Any]:
    # an expression index (0007) holds it: long titles sort by their first 100 characters
    # literal numbers, not parameters: only the very expression of the index matches it
    return func.lower(func.substr(t.records.c.title, literal_column("1"), literal_column("100")))


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one query runs: its words, the full-text method, the order."""

    words: list[SearchWord]
    method: str
    order: str
    dense: bool = False


class RecordSearch:
    """Runs `SearchQuery`s against the store's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._fts: bool | None = None

    def page(self, query: SearchQuery) -> SearchPage:
        """One page of matching records, in the query's order."""
        limit = min(max(query.limit, 1), 500)
        with self.engine.connect() as conn:
            plan = self._plan(conn, query)
            statement = self._statement(conn, query, plan)
            rows = conn.execute(statement.limit(limit + 1)).all()
        found = [_found(row, plan.words) for row in rows[:limit]]
        following = found[-1].pk if len(rows) > limit else None
        return SearchPage(found, following, plan.method, plan.order)

    def _plan(self, conn: Connection, query: SearchQuery) -> _Plan:
        words = parse_search(query.text)
        method = self._method(conn)
        order: str = query.sort
        if not words or method == "like":
            order = "datestamp" if order == "relevance" else order
            return _Plan(words, method, order)
        cap = RANK_CAP if order == "relevance" else DENSE
        hits = self._hits(conn, words, method, cap + 1)
        if order == "relevance" and hits > RANK_CAP:
            order = "datestamp"
        return _Plan(words, method, order, dense=hits > DENSE)

    def _statement(self, conn: Connection, query: SearchQuery, plan: _Plan) -> Select[Any]:
        r = t.records.c
        source: FromClause = t.records
        key: ColumnElement[Any] = r.datestamp if plan.order == "datestamp" else _title_key()
        where = self._filters(query, plan)
        if plan.order == "relevance" and plan.method == "fts5":
            # the hits drive the query: their scores joined to their rows
            ranked = _ranked_hits(plan.words, query.text.strip())
            source, key = t.records.join(ranked, ranked.c.hit == r.pk), ranked.c.score
        elif plan.order == "relevance":
            key = _ts_score(plan.words)
        elif plan.method == "tsvector" and plan.words and not plan.dense:
            # few hits: PostgreSQL reads them from the GIN index and sorts them, rather
            # than walk the order's index testing every row (which it may think cheaper)
            key = _unindexed(key, plan.order)
        if query.set_spec:
            source = source.join(t.record_sets, t.record_sets.c.record_pk == r.pk)
        if query.after is not None:
            where.append(self._after(conn, query.after, plan.order, key, source))
        statement = (
            select(
                r.pk,
                r.local_id,
                r.title,
                r.content,
                r.source_id,
                r.remote_identifier,
                r.datestamp,
                r.deleted,
            )
            .select_from(source)
            .where(and_(true(), *where))
        )
        if plan.order == "datestamp":  # newest first
            return statement.order_by(key.desc(), r.pk.desc())
        if plan.order == "relevance":  # best first (a lower score), then newest stored
            return statement.order_by(key, r.pk.desc())
        return statement.order_by(key, r.pk)  # title A-Z

    def _method(self, conn: Connection) -> str:
        if conn.dialect.name == "postgresql":
            return "tsvector"
        if self._fts is None:
            probe = text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :n")
            self._fts = conn.execute(probe, {"n": FTS_TABLE}).first() is not None
        return "fts5" if self._fts else "like"

    @staticmethod
    def _hits(conn: Connection, words: Sequence[SearchWord], method: str, cap: int) -> int:
        """How many records the words find, counted up to `cap`."""
        if method == "fts5":
            capped = text(
                "SELECT count(*) FROM (SELECT rowid FROM records_fts"
                " WHERE records_fts MATCH :match LIMIT :cap)"
            )
            return int(conn.execute(capped, {"match": _fts_match(words), "cap": cap}).scalar_one())
        hits = select(t.records.c.pk).where(_tsvector_match(words)).limit(cap).subquery()
        return int(conn.execute(select(func.count()).select_from(hits)).scalar_one())

    def _filters(self, query: SearchQuery, plan: _Plan) -> list[ColumnElement[bool]]:
        r = t.records.c
        where: list[ColumnElement[bool]] = []
        if plan.words and not (plan.order == "relevance" and plan.method == "fts5"):
            where.append(_text_match(plan, query.text.strip()))  # else the ranked join
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
        conn: Connection, after: int, order: str, key: ColumnElement[Any], source: FromClause
    ) -> ColumnElement[bool]:
        r = t.records.c
        # the cursor's sort key, read first: a value the planner can use as a bound
        last = conn.execute(select(key).select_from(source).where(r.pk == after)).scalar()
        if last is None:  # a cursor whose record is gone (or no hit now): from the top
            return r.pk.is_not(None)
        bound = literal(last, key.type)
        if order == "relevance":  # a lower score, or the same and stored before
            return or_(key > bound, and_(key == bound, r.pk < after))
        position = tuple_(key, r.pk)
        mark = tuple_(bound, literal(after, r.pk.type))
        return position < mark if order == "datestamp" else position > mark


def _fts_word(word: SearchWord) -> str:
    # the stem always (every indexed word is followed by its stem); a prefix also meets
    # the folded word as typed. The words are letters and digits only: quoting them
    # needs no escaping. A prefix makes FTS5 merge the lists of every word it starts,
    # which is costly for short, common stems.
    if not word.prefix:
        return f'"{word.stem}"'
    if word.folded.startswith(word.stem):  # then stem* finds every folded* too
        return f'"{word.stem}"*'
    return f'("{word.stem}"* OR "{word.folded}"*)'


def _fts_match(words: Sequence[SearchWord]) -> str:
    return " AND ".join(_fts_word(w) for w in words)


def _tsquery(words: Sequence[SearchWord]) -> str:
    parts = []
    for word in words:
        if not word.prefix:
            parts.append(word.stem)
        elif word.folded.startswith(word.stem):  # then stem:* finds every folded:* too
            parts.append(f"{word.stem}:*")
        else:
            parts.append(f"({word.stem}:* | {word.folded}:*)")
    return " & ".join(parts)


def _tsvector_match(words: Sequence[SearchWord]) -> ColumnElement[bool]:
    vector: ColumnElement[Any] = literal_column(PG_VECTOR)
    return vector.op("@@")(func.to_tsquery("simple", _tsquery(words)))


def _fts_hits(words: Sequence[SearchWord]) -> Any:
    """`hit` (a record's pk) and `score` (bm25) of the records the words find."""
    hits = text(
        "SELECT rowid AS hit, bm25(records_fts) AS score FROM records_fts"
        " WHERE records_fts MATCH :match"
    )
    return hits.bindparams(match=_fts_match(words)).columns(hit=Integer, score=Float)


def _unindexed(key: ColumnElement[Any], order: str) -> ColumnElement[Any]:
    """The same order by an expression that no index holds."""
    if order == "datestamp":
        return key.op("+", return_type=BigInteger)(literal_column("0"))
    return key.op("||", return_type=Text)(literal_column("''"))


def _ranked_hits(words: Sequence[SearchWord], raw: str) -> Any:
    """(hit, score) of every full-text hit, and of a record whose local id is the search
    as typed (first: the lowest score); bm25 is lower for a better hit."""
    r = t.records.c
    exact = select(r.pk.label("hit"), literal(-1e308, Float).label("score")).where(
        r.local_id == raw[:200]
    )
    fts = _fts_hits(words).subquery()
    both = union_all(select(fts.c.hit, fts.c.score), exact).subquery()
    return (
        select(both.c.hit, func.min(both.c.score).label("score"))
        .group_by(both.c.hit)
        .subquery("ranked")
    )


def _ts_score(words: Sequence[SearchWord]) -> ColumnElement[Any]:
    """PostgreSQL's rank of a record for the words, negated: lower first."""
    vector: ColumnElement[Any] = literal_column(PG_VECTOR)
    rank = func.ts_rank(vector, func.to_tsquery("simple", _tsquery(words)))
    # as a double: a real read back as text and compared again would not be equal
    return -cast(rank, Double)


def _text_match(plan: _Plan, raw: str) -> ColumnElement[bool]:
    r = t.records.c
    exact = r.local_id == raw[:200]  # an id typed as it is, punctuation and all
    if plan.method == "fts5":
        rowids: Select[Any] = select(literal_column("hit")).select_from(
            _fts_hits(plan.words).subquery()
        )
        # `pk + 0` is no index key: SQLite then walks the ORDER BY index and probes the
        # hits (built once into a temporary index) instead of sorting every hit
        pk = (r.pk + 0) if plan.dense else r.pk
        return or_(exact, pk.in_(rowids))
    if plan.method == "tsvector":
        return or_(exact, _tsvector_match(plan.words))
    text_column = func.coalesce(r.search_text, "")
    likes = [text_column.contains(w.stem, autoescape=True) for w in plan.words]
    return or_(exact, and_(*likes))


def _found(row: Any, words: Sequence[SearchWord]) -> FoundRecord:
    date = None
    found: list[Snippet] = []
    try:
        content = json.loads(row.content)
        value = content.get("date")
        if isinstance(value, dict):
            date = value.get("text") or value.get("start")
        if words:
            found = snippets(content, words)
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
        snippets=tuple(found),
    )
