"""Keyset listing of records: the one reader of list pages (provider, CLI, benchmarks).

A page is one keyset range scan on (datestamp, pk), or on a set's own (set_spec,
datestamp, record_pk) index, that brings each row's stored XML along (records LEFT JOIN
rendered_metadata) and its sets (a subquery on the (record_pk) index), so page 10,000
costs what page 1 costs. A harvest asks for tens of thousands of pages of one shape:
each shape of statement is compiled once, with bound parameters, and run with raw
DBAPI values (see bench/provider_bench.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from records import tables as t
from records.counts import ListCounts, compact
from records.model import Origin

__all__ = ["COUNT_LIMIT", "Cursor", "ListedRecord", "Listing", "Selection"]

# rows a list size may count beside the kept counts (see Listing.count)
COUNT_LIMIT = 1000


class Cursor(NamedTuple):
    """Position in the (datestamp, pk) order: the last row already returned."""

    datestamp: datetime
    pk: int


@dataclass(frozen=True, slots=True)
class Selection:
    """Which records a list holds: selective-harvesting arguments, inclusive, aware UTC.

    With a `prefix` the list holds every tombstone and the live records that have XML
    in that format; without one, every record."""

    prefix: str | None = None
    set_spec: str | None = None
    from_: datetime | None = None
    until: datetime | None = None


class ListedRecord(NamedTuple):
    """One row of a list: the header state and, when asked for, stored XML and title.

    A tuple, not a frozen dataclass: a page makes one per row, and a harvest millions."""

    pk: int
    local_id: str
    datestamp: datetime
    deleted: bool
    sets: tuple[str, ...]  # sorted
    xml: bytes | None
    origin: Origin | None
    title: str | None

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.datestamp, self.pk)


class _Shape(NamedTuple):
    """What a page statement filters on: one compiled statement per shape (a tuple:
    made and hashed for every page)."""

    by_set: bool
    by_from: bool
    by_until: bool
    by_prefix: bool  # only tombstones and records with XML in the prefix
    by_cursor: bool
    xml: bool
    title: bool


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement compiled once for the engine's dialect and DBAPI parameter style."""

    sql: str
    positions: tuple[str, ...] | None  # parameter names in order, for positional styles
    defaults: dict[str, Any]  # parameters the compiler added (SQLite's LIMIT ? OFFSET ?)

    def params(self, values: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        merged = {**self.defaults, **values}
        if self.positions is None:
            return merged
        return tuple(merged[name] for name in self.positions)


class Listing:
    """Reads keyset pages, list sizes and single listed records of the store."""

    def __init__(self, engine: Engine, *, count_limit: int = COUNT_LIMIT) -> None:
        self.engine = engine
        self.count_limit = count_limit
        # Every read here is one statement, or several that need no common snapshot: on
        # PostgreSQL they run without BEGIN and ROLLBACK, two round trips fewer a page.
        self._reader = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self._statements: dict[Hashable, _Compiled] = {}

    def page(
        self,
        selection: Selection,
        after: Cursor | None = None,
        limit: int = 100,
        *,
        xml: bool = False,
        title: bool = False,
    ) -> list[ListedRecord]:
        """Up to `limit` records of the selection after `after`, in (datestamp, pk) order.

        `xml` brings the stored XML in the selection's prefix along, `title` the title
        (each is a column more to read for every row: the provider needs no title)."""
        if xml and selection.prefix is None:
            raise ValueError("stored XML is per format: give the selection a prefix")
        if after is not None and selection.from_ is not None and after.datestamp < selection.from_:
            after = None  # the whole list lies after such a cursor
        shape = _shape(selection, by_cursor=after is not None, xml=xml, title=title)
        compiled = self._compiled(shape, lambda: _page_statement(shape, self._dialect))
        values = _values(selection)
        values["limit"] = limit
        if after is not None:
            values["stamp"], values["pk"] = _seconds(after.datestamp), after.pk
        with self._reader.connect() as conn:
            rows = conn.exec_driver_sql(compiled.sql, compiled.params(values)).all()
        return [_listed(row, xml, title) for row in rows]

    def count(self, selection: Selection) -> int | None:
        """How many records the selection holds (OAI-PMH completeListSize), or None.

        The size of a whole list comes from the counts the database keeps
        (`records.counts`). A `from` or `until` that cuts the list is allowed for by
        counting, up to `count_limit` rows each, the records on the cut-off side (or those
        inside the range); when every such side is longer than that, the size is unknown
        (None) rather than a scan of the whole list: a first page never costs more than
        three short index ranges."""
        with self._reader.connect() as conn:
            kept = ListCounts(conn)
            whole = kept.list_size(selection.set_spec, selection.prefix)
            size = None if whole == 0 else self._cut(conn, selection, whole)
        if kept.crowded:
            with self.engine.begin() as conn:
                for set_spec, prefix in kept.crowded:
                    compact(conn, set_spec, prefix)
        return 0 if whole == 0 else size

    def count_scan(self, selection: Selection) -> int:
        """The exact size by counting every row of the list (tests and benchmarks)."""
        shape = _shape(selection, by_cursor=False, xml=False, title=False)
        compiled = self._compiled(("count", shape), lambda: _count_statement(shape))
        with self._reader.connect() as conn:
            value = conn.exec_driver_sql(compiled.sql, compiled.params(_values(selection)))
            return int(value.scalar_one())

    def _cut(self, conn: Connection, selection: Selection, whole: int) -> int | None:
        if selection.from_ and selection.until and selection.from_ > selection.until:
            return 0  # the two sides would overlap
        after = self._bounded(conn, selection, "after") if selection.until else 0
        before = self._bounded(conn, selection, "before") if selection.from_ else 0
        if after is not None and before is not None:
            return whole - after - before
        return self._bounded(conn, selection, "within")

    def _bounded(self, conn: Connection, selection: Selection, side: str) -> int | None:
        """Rows of the list after `until`, before `from` or between them; None if more
        than `count_limit`."""
        shape = _shape(selection, by_cursor=False, xml=False, title=False)
        compiled = self._compiled(("bounded", side, shape), lambda: _bounded_statement(shape, side))
        values = _values(selection)
        values["limit"] = self.count_limit + 1
        found = int(conn.exec_driver_sql(compiled.sql, compiled.params(values)).scalar_one())
        return None if found > self.count_limit else found

    def get(self, local_id: str, prefix: str | None = None) -> ListedRecord | None:
        """One record as a list shows it, title included, with its XML in `prefix` if it
        has some."""
        by_prefix = prefix is not None
        compiled = self._compiled(
            ("get", by_prefix), lambda: _get_statement(by_prefix, self._dialect)
        )
        with self._reader.connect() as conn:
            values = {"local_id": local_id, "prefix": prefix}
            row = conn.exec_driver_sql(compiled.sql, compiled.params(values)).first()
        return None if row is None else _listed(row, by_prefix, True)

    @property
    def _dialect(self) -> str:
        return self.engine.dialect.name

    def _compiled(self, key: Hashable, build: Callable[[], Select[Any]]) -> _Compiled:
        compiled = self._statements.get(key)
        if compiled is None:
            statement = build().compile(dialect=self.engine.dialect)
            positions = tuple(statement.positiontup or ()) if statement.positional else None
            defaults = {k: v for k, v in statement.params.items() if v is not None}
            compiled = _Compiled(str(statement), positions, defaults)
            self._statements[key] = compiled
        return compiled


def _shape(selection: Selection, *, by_cursor: bool, xml: bool, title: bool) -> _Shape:
    return _Shape(
        by_set=selection.set_spec is not None,
        # after a cursor, `from` is implied (the cursor is a row of the list)
        by_from=selection.from_ is not None and not by_cursor,
        by_until=selection.until is not None,
        by_prefix=selection.prefix is not None,
        by_cursor=by_cursor,
        xml=xml,
        title=title,
    )


def _values(selection: Selection) -> dict[str, Any]:
    # raw DBAPI values: times are the integer seconds that UTCSeconds stores
    return {
        "prefix": selection.prefix,
        "set": selection.set_spec,
        "from": _seconds(selection.from_),
        "until": _seconds(selection.until),
    }


def _seconds(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _listed(row: Sequence[Any], xml: bool, title: bool) -> ListedRecord:
    pk, local_id, stamp, deleted, origin, stored, sets = row[:7]
    return ListedRecord(
        pk,
        local_id,
        datetime.fromtimestamp(stamp, UTC),
        bool(deleted),
        # setSpecs cannot contain a comma (OAI-PMH.xsd setSpecType): a safe separator
        tuple(sorted(sets.split(","))) if sets else (),
        bytes(stored) if xml and stored is not None else None,
        Origin.from_dict(json.loads(origin)) if origin else None,
        row[7] if title else None,
    )


# -- statements ---------------------------------------------------------------------------


def _columns(xml: Any, title: bool, dialect: str) -> list[Any]:
    """A listed row: pk, local_id, datestamp, deleted, origin, xml, sets (, title)."""
    r = t.records.c
    columns = [r.pk, r.local_id, r.datestamp, r.deleted, r.origin, xml, _sets(dialect)]
    return [*columns, r.title] if title else columns


def _sets(dialect: str) -> Any:
    """Every set of the row's record, comma-joined, from the (record_pk) index."""
    member = t.record_sets.alias("member")
    if dialect == "postgresql":
        joined = func.string_agg(member.c.set_spec, ",")
    else:
        joined = func.group_concat(member.c.set_spec, ",")
    return (
        select(joined).where(member.c.record_pk == t.records.c.pk).scalar_subquery().label("sets")
    )


def _rendered() -> ColumnElement[bool]:
    m = t.rendered_metadata.c
    return and_(m.record_pk == t.records.c.pk, m.prefix == bindparam("prefix"))


def _ranged(shape: _Shape) -> tuple[FromClause, Any, Any, list[ColumnElement[bool]]]:
    """(FROM, datestamp column, key column, conditions) of a list, the cursor aside."""
    r, m, rs = t.records, t.rendered_metadata, t.record_sets
    if shape.by_set:
        # walk the set's own (set_spec, datestamp, record_pk) index
        source: FromClause = rs.join(r, r.c.pk == rs.c.record_pk)
        stamp, key = rs.c.datestamp, rs.c.record_pk
        where: list[ColumnElement[bool]] = [rs.c.set_spec == bindparam("set")]
    else:
        source, stamp, key, where = r, r.c.datestamp, r.c.pk, [true()]
    if shape.by_prefix:
        source = source.outerjoin(m, _rendered())
    if shape.by_until:
        where.append(stamp <= bindparam("until", type_=t.UTCSeconds()))
    if shape.by_prefix:
        # a tombstone has no metadata but is listed; a live record only with metadata
        where.append(or_(r.c.deleted.is_(True), m.c.record_pk.is_not(None)))
    if shape.by_from:
        where.append(stamp >= bindparam("from", type_=t.UTCSeconds()))
    return source, stamp, key, where


def _page_statement(shape: _Shape, dialect: str) -> Select[Any]:
    m = t.rendered_metadata.c
    if shape.xml:
        xml: Any = m.xml
    else:  # a placeholder: the XML is not read
        xml = m.record_pk.label("xml") if shape.by_prefix else null().label("xml")
    columns = _columns(xml, shape.title, dialect)
    source, stamp, key, where = _ranged(shape)
    limit = bindparam("limit", type_=Integer())
    if not shape.by_cursor:
        query = select(*columns).select_from(source).where(*where)
        return query.order_by(stamp, key).limit(limit)
    # After a cursor (stamp, pk), `from` is implied, and the rest of the list is the rows
    # of the same second with a greater key, then the rows of later seconds. Written as a
    # row-value comparison, (datestamp, pk) > (:stamp, :pk), SQLite bounds the index range
    # by the datestamp alone (or by `from`, if given): the rows before the cursor are read
    # again, and a bulk import gives thousands of records one second. Two ranges, each an
    # index seek, cost the same at any depth.
    after = bindparam("stamp", type_=t.UTCSeconds())
    same = select(*columns).select_from(source).where(*where, stamp == after)
    same = same.where(key > bindparam("pk")).order_by(key).limit(limit)
    later = select(*columns).select_from(source).where(*where, stamp > after)
    later = later.order_by(stamp, key).limit(limit)
    both = union_all(select(same.subquery()), select(later.subquery())).subquery()
    return select(both).order_by(both.c.datestamp, both.c.pk).limit(limit)


def _count_statement(shape: _Shape) -> Select[Any]:
    source, _stamp, _key, where = _ranged(shape)
    return select(func.count()).select_from(source).where(*where)


def _bounded_statement(shape: _Shape, side: str) -> Select[Any]:
    """COUNT of at most :limit rows of a list on one side of its range (see `_cut`)."""
    within = side == "within"
    source, stamp, _key, where = _ranged(
        shape._replace(by_from=shape.by_from and within, by_until=shape.by_until and within)
    )
    if side == "after":
        where.append(stamp > bindparam("until", type_=t.UTCSeconds()))
    elif side == "before":
        where.append(stamp < bindparam("from", type_=t.UTCSeconds()))
    rows = select(literal(1).label("one")).select_from(source).where(*where)
    # in keyset order, so the range is walked on its index: without it PostgreSQL may
    # walk the primary key and filter, reading half the table before the first row
    limited = rows.order_by(stamp, _key).limit(bindparam("limit", type_=Integer())).subquery()
    return select(func.count()).select_from(limited)


def _get_statement(by_prefix: bool, dialect: str) -> Select[Any]:
    r, m = t.records, t.rendered_metadata
    source = r.outerjoin(m, _rendered()) if by_prefix else r
    columns = _columns(m.c.xml if by_prefix else null().label("xml"), True, dialect)
    return select(*columns).select_from(source).where(r.c.local_id == bindparam("local_id"))
