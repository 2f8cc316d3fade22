"""The write path of the store: a batch of records in one transaction, in a few statements.

A batch costs a fixed number of statements (read the existing rows, insert the new
ones, update the changed ones, then versions, sets and renderings, each as one
executemany) instead of several per record: imports and harvest pages write thousands
of records a second this way on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from records import tables as t
from records.admin_sets import AdminSetRules
from records.bulk import BULK_FROM, Bulk
from records.db import insert_ignore
from records.errors import RecordNotFound, StoreError
from records.hierarchy import link_parents
from records.model import Record, canonical_json
from records.search_text import index_text
from records.times import utcnow

__all__ = [
    "ASSEMBLED",
    "PARTNER_SETS",
    "Assembling",
    "BatchWriter",
    "Renderer",
    "Rendering",
    "WriteResult",
    "set_specs",
    "utcnow",
    "write_assembled",
]

# "withheld": a withdrawn record (records.withdrawals) written again: nothing is written
# until it is reinstated
WriteStatus = Literal["added", "updated", "unchanged", "deleted", "undeleted", "withheld"]
# A rendering: the metadata element as UTF-8 bytes and the crosswalk version that made it.
Rendering = tuple[bytes, str]
Renderer = Callable[[Record], Mapping[str, Rendering]]
PARTNER_SETS = "partners"
# Sets a record is in because a format could render it, so that an aggregator harvests
# exactly the records ready for it: format prefix -> (set spec, set name).
RENDERING_SETS: Mapping[str, tuple[str, str]] = {
    "edm": ("europeana", "Records ready for Europeana (EDM)"),
    "ape_ead": ("ape", "Finding aids for the Archives Portal Europe (apeEAD)"),
}
# Formats rendered from a record together with the units below it (a fonds' whole
# finding aid), by an `Assembling` renderer after a batch is written, not per record:
# rewriting a record's own renderings leaves them as they are.
ASSEMBLED = frozenset({"ape_ead"})


@runtime_checkable
class Assembling(Protocol):
    """A renderer that also renders what spans records (finding aids) after a batch."""

    def assemble(self, conn: Connection, local_ids: Sequence[str], now: datetime) -> None:
        """Render again what the records `local_ids` (just written) are part of."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    status: WriteStatus
    local_id: str
    pk: int
    datestamp: datetime
    version: int


def set_specs(record: Record) -> dict[str, str]:
    """Every set a record belongs to (ancestors of `a:b` included) -> a display name."""
    named: dict[str, str] = {}
    leaves = [(c.spec, c.name) for c in record.collections]
    if record.origin.kind == "harvested" and record.origin.source_id:
        leaves.append((f"{PARTNER_SETS}:{record.origin.source_id}", None))
    for spec, name in leaves:
        parts = spec.split(":")
        for depth in range(1, len(parts) + 1):
            prefix = ":".join(parts[:depth])
            named.setdefault(prefix, prefix)
        if name:
            named[spec] = name
    if PARTNER_SETS in named:
        named[PARTNER_SETS] = "Records harvested from partner archives"
    return named


@dataclass(slots=True)
class _Change:
    """A record whose content changed (or is new): what its row and version get."""

    index: int
    record: Record
    values: dict[str, Any]
    pk: int = 0
    version: int = 1
    status: WriteStatus = "added"


class BatchWriter:
    """The writes of one transaction, stamped with one time, reason, actor and run."""

    def __init__(
        self,
        conn: Connection,
        now: datetime,
        reason: str,
        actor: str | None = None,
        run_id: int | None = None,
    ) -> None:
        self.conn, self.now = conn, now
        self.reason, self.actor, self.run_id = reason, actor, run_id
        self._remote: Mapping[str, str] = {}

    def put(
        self,
        records: Sequence[Record],
        renderer: Renderer | None,
        contents: Sequence[str | None] | None = None,
        remote_contents: Mapping[str, str] | None = None,
    ) -> list[WriteResult]:
        """Write records; unchanged content keeps its datestamp and version.

        `contents`, when given, holds each record's `canonical_json(record.content())`
        already made (None: make it here), in the order of `records`.
        `remote_contents` (local id -> a harvested record's merge base) goes into the
        `remote_content` column of the rows this call inserts (status "added")."""
        self._remote = remote_contents or {}
        ids = [r.id for r in records]
        known = list(contents) if contents is not None else [None] * len(records)
        if len(known) != len(records):
            raise StoreError(f"{len(records)} records, {len(known)} contents")
        if len(set(ids)) != len(ids):
            # the same record twice in one batch: later wins, in order
            return [
                res
                for r, c in zip(records, known, strict=True)
                for res in self.put([r], renderer, [c], remote_contents)
            ]
        existing = self._existing(ids)
        results: list[WriteResult | None] = [None] * len(records)
        changes: list[_Change] = []
        origin_updates: list[dict[str, Any]] = []
        withheld: list[int] = []  # withdrawn records written again: not published
        for index, record in enumerate(records):
            # the content's JSON once per record: its hash, row and version all use it
            content = known[index] or canonical_json(record.content())
            digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
            origin_json = _origin_json(record)
            row = existing.get(record.id)
            if row is not None and row.withdrawn is not None:
                results[index] = WriteResult(
                    "withheld", record.id, row.pk, row.datestamp, row.version
                )
                withheld.append(row.pk)
                continue
            if row is not None and row.content_hash == digest and not row.deleted:
                results[index] = WriteResult(
                    "unchanged", record.id, row.pk, row.datestamp, row.version
                )
                if row.origin != origin_json:
                    # the partner's datestamp moved but the content did not: no version
                    origin_updates.append({"b_pk": row.pk, **_origin_columns(record, origin_json)})
                continue
            change = _Change(index, record, self._values(record, content, digest, origin_json))
            if row is not None:
                change.pk, change.version = row.pk, row.version + 1
                change.status = "undeleted" if row.deleted else "updated"
            changes.append(change)
        self._write_changes(changes, origin_updates, renderer)
        if withheld:  # sent again: the record exists at its source (again)
            w = t.withdrawals.c
            self.conn.execute(
                update(t.withdrawals)
                .where(w.record_pk.in_(withheld), w.deleted_meanwhile.is_(True))
                .values(deleted_meanwhile=False)
            )
        for change in changes:
            results[change.index] = WriteResult(
                change.status, change.record.id, change.pk, self.now, change.version
            )
        return [r for r in results if r is not None]

    def delete(self, local_id: str) -> WriteResult:
        """Make a record a tombstone: no metadata, kept in its sets, datestamp moved."""
        row = self.conn.execute(select(t.records).where(t.records.c.local_id == local_id)).first()
        if row is None:
            raise RecordNotFound(local_id)
        if row.deleted:
            return WriteResult("unchanged", local_id, row.pk, row.datestamp, row.version)
        version = row.version + 1
        self.conn.execute(
            update(t.records)
            .where(t.records.c.pk == row.pk)
            .values(deleted=True, datestamp=self.now, version=version)
        )
        self.conn.execute(
            update(t.record_sets)
            .where(t.record_sets.c.record_pk == row.pk)
            .values(datestamp=self.now)
        )
        self.conn.execute(
            delete(t.rendered_metadata).where(t.rendered_metadata.c.record_pk == row.pk)
        )
        self._versions([(row.pk, version, row.content, row.content_hash)], deleted=True)
        return WriteResult("deleted", local_id, row.pk, self.now, version)

    # -- the statements -----------------------------------------------------------------

    def _existing(self, ids: Sequence[str]) -> dict[str, Any]:
        r, w = t.records.c, t.withdrawals.c
        query = (
            select(
                r.pk,
                r.local_id,
                r.content_hash,
                r.deleted,
                r.version,
                r.datestamp,
                r.origin,
                w.record_pk.label("withdrawn"),
            )
            .outerjoin(t.withdrawals, w.record_pk == r.pk)
            .where(r.local_id.in_(ids))
        )
        return {row.local_id: row for row in self.conn.execute(query)}

    def _values(
        self, record: Record, content: str, digest: str, origin_json: str | None
    ) -> dict[str, Any]:
        return {
            "datestamp": self.now,
            "deleted": False,
            "title": record.title,
            "content": content,
            "content_hash": digest,
            "search_text": index_text(
                json.loads(content), record.id, record.origin.remote_identifier
            ),
            **_origin_columns(record, origin_json),
        }

    def _write_changes(
        self,
        changes: list[_Change],
        origin_updates: list[dict[str, Any]],
        renderer: Renderer | None,
    ) -> None:
        if origin_updates:
            self._update_rows(
                origin_updates, ("origin", "source_id", "remote_identifier", "remote_datestamp")
            )
        if not changes:
            return
        new = [c for c in changes if c.pk == 0]
        old = [c for c in changes if c.pk != 0]
        # a large batch: its list counts and full-text rows once, not by row triggers
        bulk = Bulk(self.conn, [c.pk for c in old]) if len(changes) >= BULK_FROM else None
        self._insert_rows(new)
        if old:
            rows = [{"b_pk": c.pk, "version": c.version, **c.values} for c in old]
            self._update_rows(rows, ("version", *old[0].values))
        self._versions(
            [(c.pk, c.version, c.values["content"], c.values["content_hash"]) for c in changes],
            deleted=False,
        )
        made = self._render(changes, renderer) if renderer is not None else {}
        self._sets(changes, made, replace=bool(old))
        if renderer is not None:
            self._renderings(changes, made, replace=bool(old))
        link_parents(self.conn, [(c.pk, c.record) for c in changes])
        if bulk is not None:
            bulk.done([c.pk for c in changes])
        # after the bulk's triggers are back: it writes rows of records outside the batch
        if isinstance(renderer, Assembling):
            renderer.assemble(self.conn, [c.record.id for c in changes], self.now)

    def _insert_rows(self, new: list[_Change]) -> None:
        if not new:
            return
        remote = self._remote
        rows = [
            {
                "local_id": c.record.id,
                "version": 1,
                "created_at": self.now,
                "remote_content": remote.get(c.record.id),
                **c.values,
            }
            for c in new
        ]
        self._insert_rows_plain(new, rows)

    def _insert_rows_plain(self, new: list[_Change], rows: list[dict[str, Any]]) -> None:
        """One executemany (SQLite) or COPY (PostgreSQL) through the driver, then the new
        keys by local id (one index lookup each): cheaper than RETURNING through
        SQLAlchemy's insertmanyvalues, whose statement text psycopg parses every time."""
        columns = list(rows[0])
        stored = [
            tuple(_seconds(v) if isinstance(v, datetime) else v for v in row.values())
            for row in rows
        ]
        _insert_many(self.conn, t.records, columns, stored)
        ids = [c.record.id for c in new]
        r = t.records.c
        query = select(r.local_id, r.pk).where(r.local_id.in_(ids))
        keys: dict[str, int] = {row.local_id: row.pk for row in self.conn.execute(query)}
        if len(keys) != len(new):
            raise StoreError(f"{len(new)} records inserted, {len(keys)} keys found")
        for change in new:
            change.pk = keys[change.record.id]

    def _update_rows(self, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
        statement = (
            update(t.records)
            .where(t.records.c.pk == bindparam("b_pk"))
            .values({name: bindparam(name) for name in columns})
        )
        self.conn.execute(statement, rows)

    def _versions(self, items: list[tuple[int, int, str, str]], *, deleted: bool) -> None:
        now = _seconds(self.now)
        _insert_many(
            self.conn,
            t.record_versions,
            (
                "record_pk",
                "version",
                "created_at",
                "reason",
                "actor",
                "run_id",
                "deleted",
                "content",
                "content_hash",
            ),
            [
                (pk, version, now, self.reason, self.actor, self.run_id, deleted, content, digest)
                for pk, version, content, digest in items
            ],
        )

    def _render(
        self, changes: list[_Change], renderer: Renderer
    ) -> dict[int, Mapping[str, Rendering]]:
        return {c.index: renderer(c.record) for c in changes}

    def _sets(
        self,
        changes: list[_Change],
        made: Mapping[int, Mapping[str, Rendering]],
        *,
        replace: bool,
    ) -> None:
        if replace:
            pks = [c.pk for c in changes]
            self.conn.execute(delete(t.record_sets).where(t.record_sets.c.record_pk.in_(pks)))
        names: dict[str, str] = {}
        rows: list[tuple[Any, ...]] = []
        now = _seconds(self.now)
        admin = AdminSetRules(self.conn)
        for change in changes:
            named = set_specs(change.record) | rendering_sets(made.get(change.index, {}))
            direct = {c.spec for c in change.record.collections}
            for spec, name in named.items():
                if names.get(spec, spec) == spec:
                    names[spec] = name
                rows.append((spec, change.pk, now, spec in direct))
            indexed = change.values["search_text"]
            for spec in admin.specs_of(change.record, indexed):
                if spec not in named:
                    rows.append((spec, change.pk, now, False))
        if rows:
            insert_ignore(
                self.conn,
                t.sets,
                [{"spec": s, "name": n, "description": None} for s, n in names.items()],
            )
            _insert_many(
                self.conn, t.record_sets, ("set_spec", "record_pk", "datestamp", "direct"), rows
            )

    def _renderings(
        self,
        changes: list[_Change],
        made: Mapping[int, Mapping[str, Rendering]],
        *,
        replace: bool,
    ) -> None:
        if replace:
            pks = [c.pk for c in changes]
            self.conn.execute(
                delete(t.rendered_metadata).where(t.rendered_metadata.c.record_pk.in_(pks))
            )
        rows = [
            (c.pk, prefix, xml, version)
            for c in changes
            for prefix, (xml, version) in made[c.index].items()
        ]
        _insert_many(
            self.conn,
            t.rendered_metadata,
            ("record_pk", "prefix", "xml", "crosswalk_version"),
            rows,
        )


def _seconds(moment: datetime) -> int:
    """A datestamp as the integer seconds `tables.UTCSeconds` stores."""
    return int(moment.timestamp())


def _insert_many(
    conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Plain INSERT of many rows straight through the driver: executemany on SQLite,
    COPY on PostgreSQL.

    The rows are already in stored form (integer seconds for times); skipping
    SQLAlchemy's per-row parameter processing makes the hot inserts of a page cheaper."""
    if not rows:
        return
    names = [table.c[name].name for name in columns]  # KeyError for a name not in the table
    # only the schema's own table and column names go into the text; values are bound
    head = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES "  # noqa: S608
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql(head + "(" + ", ".join(["?"] * len(names)) + ")", rows)
        return
    # PostgreSQL: COPY, one statement for the whole batch: the fastest way in, and a
    # statement trigger (records.counts) runs once per batch, not once per row
    copy_sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    dbapi_error = conn.dialect.loaded_dbapi.Error
    try:
        with cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi_error as exc:
        # raised as SQLAlchemy raises the driver's errors (IntegrityError, ...), so the
        # callers' handling of a refused batch is the same as for any other statement
        raise DBAPIError.instance(copy_sql, None, exc, dbapi_error, dialect=conn.dialect) from exc
    finally:
        cursor.close()


def _origin_json(record: Record) -> str | None:
    origin = record.origin
    return None if origin.kind == "local" else canonical_json(origin.to_dict())


def _origin_columns(record: Record, origin_json: str | None) -> dict[str, Any]:
    return {
        "origin": origin_json,
        "source_id": record.origin.source_id,
        "remote_identifier": record.origin.remote_identifier,
        "remote_datestamp": record.origin.remote_datestamp,
    }


def rendering_sets(renderings: Mapping[str, Rendering]) -> dict[str, str]:
    """The sets a record is in because of the formats it could be rendered in."""
    return {spec: name for prefix, (spec, name) in RENDERING_SETS.items() if prefix in renderings}


def _sync_rendering_sets(conn: Connection, pk: int, renderings: Mapping[str, Rendering]) -> None:
    """Put a record into (or take it out of) the sets of the formats it now has."""
    derived = [spec for prefix, (spec, _name) in RENDERING_SETS.items() if prefix not in ASSEMBLED]
    rs = t.record_sets.c
    conn.execute(delete(t.record_sets).where(rs.record_pk == pk, rs.set_spec.in_(derived)))
    wanted = rendering_sets(renderings)
    if not wanted:
        return
    insert_ignore(
        conn, t.sets, [{"spec": s, "name": n, "description": None} for s, n in wanted.items()]
    )
    stamp = conn.execute(select(t.records.c.datestamp).where(t.records.c.pk == pk)).scalar_one()
    conn.execute(
        insert(t.record_sets),
        [{"set_spec": s, "record_pk": pk, "datestamp": stamp, "direct": False} for s in wanted],
    )


def write_renderings(conn: Connection, pk: int, renderings: Mapping[str, Rendering]) -> None:
    """Replace the stored XML of one record (and its sets of ready records); the
    assembled formats (a finding aid) stay as they are."""
    renderings = {p: r for p, r in renderings.items() if p not in ASSEMBLED}
    _sync_rendering_sets(conn, pk, renderings)
    rm = t.rendered_metadata.c
    conn.execute(delete(t.rendered_metadata).where(rm.record_pk == pk, rm.prefix.not_in(ASSEMBLED)))
    if renderings:
        conn.execute(
            insert(t.rendered_metadata),
            [
                {"record_pk": pk, "prefix": prefix, "xml": xml, "crosswalk_version": version}
                for prefix, (xml, version) in renderings.items()
            ],
        )


def write_assembled(
    conn: Connection,
    local_id: str,
    prefix: str,
    rendering: Rendering | None,
    now: datetime | None,
) -> bool:
    """Store (or drop) one format's XML of a live record made after its batch was written
    (a finding aid, EDM with inherited values) and its set of ready records; when the
    XML changed, the record's datestamp moves to `now` (None: a refresh, it stays), so
    that an incremental harvest (`from`) gets it again. Whether it changed."""
    r, rm, rs = t.records.c, t.rendered_metadata.c, t.record_sets.c
    row = conn.execute(
        select(r.pk, r.datestamp).where(r.local_id == local_id, r.deleted.is_(False))
    ).first()
    if row is None:
        return False
    old = conn.execute(select(rm.xml).where(rm.record_pk == row.pk, rm.prefix == prefix)).scalar()
    new = rendering[0] if rendering is not None else None
    if old is not None and new is not None and bytes(old) == new:
        # the same finding aid: only its crosswalk version may differ
        conn.execute(
            update(t.rendered_metadata)
            .where(rm.record_pk == row.pk, rm.prefix == prefix)
            .values(crosswalk_version=rendering[1])  # type: ignore[index]
        )
        return False
    if old is None and new is None:
        return False
    stamp = row.datestamp if now is None else max(now, row.datestamp)
    if stamp != row.datestamp:
        conn.execute(update(t.records).where(r.pk == row.pk).values(datestamp=stamp))
        conn.execute(update(t.record_sets).where(rs.record_pk == row.pk).values(datestamp=stamp))
    conn.execute(delete(t.rendered_metadata).where(rm.record_pk == row.pk, rm.prefix == prefix))
    spec, name = RENDERING_SETS.get(prefix, ("", ""))
    if spec:
        conn.execute(delete(t.record_sets).where(rs.record_pk == row.pk, rs.set_spec == spec))
    if rendering is None:
        return True
    conn.execute(
        insert(t.rendered_metadata),
        [{"record_pk": row.pk, "prefix": prefix, "xml": new, "crosswalk_version": rendering[1]}],
    )
    if spec:
        insert_ignore(conn, t.sets, [{"spec": spec, "name": name, "description": None}])
        conn.execute(
            insert(t.record_sets),
            [{"set_spec": spec, "record_pk": row.pk, "datestamp": stamp, "direct": False}],
        )
    return True
