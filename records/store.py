"""The record store: records with every version, set membership and rendered metadata.

The store holds what the `oai` layer hands it and renders nothing itself: a caller that
writes a record passes a `Renderer` that turns it into XML per metadata prefix, and the
renderer runs only when the content really changed.

Lists (OAI-PMH pages, `oai records list`) are read by `Store.listing`
(`records.listing`); what reconciliation needs of harvested records is in
`records.harvested`, a base class of the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from records import counts
from records import tables as t
from records.counts import ListCounts
from records.db import insert_ignore
from records.errors import RecordNotFound, StoreError
from records.harvested import HarvestedRecords
from records.listing import Listing
from records.model import Header, Record
from records.writer import (
    PARTNER_SETS,
    BatchWriter,
    Renderer,
    Rendering,
    WriteResult,
    set_specs,
    utcnow,
    write_renderings,
)

__all__ = [
    "PARTNER_SETS",
    "Renderer",
    "Rendering",
    "SetInfo",
    "Store",
    "Version",
    "WriteResult",
    "set_specs",
    "utcnow",
]


@dataclass(frozen=True, slots=True)
class SetInfo:
    spec: str
    name: str
    description: str | None


@dataclass(frozen=True, slots=True)
class Version:
    version: int
    created_at: datetime
    reason: str
    actor: str | None
    run_id: int | None
    deleted: bool
    content: dict[str, Any]


class Store(HarvestedRecords):
    """All reads and writes of records. Thread-safe as far as the engine is."""

    def __init__(self, engine: Engine, *, identifier_prefix: str = "oai:oaihub.localhost:") -> None:
        self.engine = engine
        self.identifier_prefix = identifier_prefix
        self.listing = Listing(engine)

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction; a database failure inside it rolls back and is a
        `StoreError`. On SQLite it takes the write lock when it begins (a transaction
        that read first could not take it later while another connection commits)."""
        try:
            with self.engine.execution_options(sqlite_begin_immediate=True).begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"database error, transaction rolled back: {exc}") from exc

    def put(
        self,
        record: Record,
        *,
        renderer: Renderer | None = None,
        reason: str = "import",
        actor: str | None = None,
        run_id: int | None = None,
        now: datetime | None = None,
        conn: Connection | None = None,
    ) -> WriteResult:
        """Insert or update a record; an unchanged record keeps its datestamp and version."""
        if conn is None:
            with self.transaction() as own:
                return self.put(
                    record,
                    renderer=renderer,
                    reason=reason,
                    actor=actor,
                    run_id=run_id,
                    now=now,
                    conn=own,
                )
        writer = BatchWriter(conn, now or utcnow(), reason, actor, run_id)
        return writer.put([record], renderer)[0]

    def put_many(
        self,
        records: Iterable[Record],
        *,
        renderer: Renderer | None = None,
        reason: str = "import",
        actor: str | None = None,
        run_id: int | None = None,
        now: datetime | None = None,
    ) -> list[WriteResult]:
        """Write a batch in one transaction: all of it lands, or none."""
        with self.transaction() as conn:
            writer = BatchWriter(conn, now or utcnow(), reason, actor, run_id)
            return writer.put(list(records), renderer)

    def delete(
        self,
        local_id: str,
        *,
        reason: str = "delete",
        actor: str | None = None,
        run_id: int | None = None,
        now: datetime | None = None,
        conn: Connection | None = None,
    ) -> WriteResult:
        """Turn a record into a tombstone (never a hard delete); unchanged if it is one."""
        if conn is None:
            with self.transaction() as own:
                return self.delete(
                    local_id, reason=reason, actor=actor, run_id=run_id, now=now, conn=own
                )
        writer = BatchWriter(conn, now or utcnow(), reason, actor, run_id)
        return writer.delete(local_id)

    def replace_renderings(
        self, local_id: str, renderings: Mapping[str, Rendering], *, conn: Connection | None = None
    ) -> None:
        """Refresh the cached XML of one record (e.g. after a crosswalk changed).

        A tombstone has no metadata: a record deleted meanwhile is left as it is (the row
        is locked first, so a delete cannot slip in between the check and the write)."""
        if conn is None:
            with self.transaction() as own:
                self.replace_renderings(local_id, renderings, conn=own)
                return
        r = t.records.c
        query = select(r.pk, r.deleted).where(r.local_id == local_id).with_for_update()
        row = conn.execute(query).first()
        if row is None:
            raise RecordNotFound(local_id)
        if not row.deleted:
            write_renderings(conn, row.pk, renderings)

    # -- reading -------------------------------------------------------------------------

    def get(self, local_id: str) -> Record:
        """The current record with its header; `RecordNotFound` if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.records).where(t.records.c.local_id == local_id)).first()
            if row is None:
                raise RecordNotFound(local_id)
            sets = _sets_of(conn, [row.pk]).get(row.pk, ())
        return self._record_from_row(row, sets)

    def exists(self, local_id: str) -> bool:
        with self.engine.connect() as conn:
            query = select(t.records.c.pk).where(t.records.c.local_id == local_id)
            return conn.execute(query).first() is not None

    def find_by_origin(self, source_id: str, remote_identifier: str) -> Record | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.records).where(
                    t.records.c.source_id == source_id,
                    t.records.c.remote_identifier == remote_identifier,
                )
            ).first()
            if row is None:
                return None
            sets = _sets_of(conn, [row.pk]).get(row.pk, ())
        return self._record_from_row(row, sets)

    def prefixes_of(self, local_id: str) -> set[str]:
        """The metadata prefixes a record has stored XML for."""
        query = (
            select(t.rendered_metadata.c.prefix)
            .join(t.records, t.records.c.pk == t.rendered_metadata.c.record_pk)
            .where(t.records.c.local_id == local_id)
        )
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def stale_renderings(self, prefix: str, version: str, limit: int = 1000) -> list[str]:
        """Ids of live records whose `prefix` XML is missing or from another crosswalk version."""
        current = exists().where(
            t.rendered_metadata.c.record_pk == t.records.c.pk,
            t.rendered_metadata.c.prefix == prefix,
            t.rendered_metadata.c.crosswalk_version == version,
        )
        query = (
            select(t.records.c.local_id)
            .where(t.records.c.deleted.is_(False), ~current)
            .order_by(t.records.c.pk)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def earliest_datestamp(self) -> datetime | None:
        with self.engine.connect() as conn:
            value: datetime | None = conn.execute(select(func.min(t.records.c.datestamp))).scalar()
        return value

    def sets(self, *, after: str | None = None, limit: int | None = None) -> list[SetInfo]:
        """Sets in spec order, keyset-paged on the spec."""
        query = select(t.sets).order_by(t.sets.c.spec)
        if after is not None:
            query = query.where(t.sets.c.spec > after)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [SetInfo(r.spec, r.name, r.description) for r in conn.execute(query)]

    def count_sets(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.sets)).scalar_one())

    def name_set(self, spec: str, name: str, description: str | None = None) -> None:
        """Create or rename a set (e.g. a partner's set from its source name)."""
        with self.transaction() as conn:
            insert_ignore(conn, t.sets, [{"spec": spec, "name": name, "description": description}])
            conn.execute(
                update(t.sets)
                .where(t.sets.c.spec == spec)
                .values(name=name, description=description)
            )

    def versions(self, local_id: str) -> list[Version]:
        """Every version of a record, oldest first."""
        query = (
            select(t.record_versions)
            .join(t.records, t.records.c.pk == t.record_versions.c.record_pk)
            .where(t.records.c.local_id == local_id)
            .order_by(t.record_versions.c.version)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows and not self.exists(local_id):
            raise RecordNotFound(local_id)
        return [
            Version(
                r.version,
                r.created_at,
                r.reason,
                r.actor,
                r.run_id,
                r.deleted,
                json.loads(r.content),
            )
            for r in rows
        ]

    def stats(self) -> dict[str, int]:
        """Totals for dashboards: live records, tombstones, versions, sets (from the
        counts the database keeps: no scan of the tables)."""
        with self.engine.connect() as conn:
            kept = ListCounts(conn)
            every, dead = kept.get(None, counts.ALL), kept.get(None, counts.DELETED)
            versions = kept.get(None, counts.VERSIONS)
            n_sets = conn.execute(select(func.count()).select_from(t.sets)).scalar_one()
        return {"records": every - dead, "deleted": dead, "versions": versions, "sets": n_sets}

    def iter_records(
        self, *, batch: int = 500, source_id: str | None = None, local: bool = False
    ) -> Iterator[Record]:
        """Every record in pk order, read in batches (for exports and re-rendering);
        only those harvested from `source_id`, or only the local ones, when asked."""
        last = 0
        r = t.records.c
        only = r.source_id.is_(None) if local else r.source_id == source_id
        while True:
            with self.engine.connect() as conn:
                query = select(t.records).where(r.pk > last).order_by(r.pk)
                if local or source_id is not None:
                    query = query.where(only)
                rows = conn.execute(query.limit(batch)).all()
                sets = _sets_of(conn, [r.pk for r in rows])
            if not rows:
                return
            for row in rows:
                yield self._record_from_row(row, sets.get(row.pk, ()))
            last = rows[-1].pk

    def _record_from_row(self, row: Any, sets: Sequence[str]) -> Record:
        data = json.loads(row.content)
        if row.origin:
            data["origin"] = json.loads(row.origin)
        record = Record.from_dict(data)
        header = Header(
            identifier=self.identifier_prefix + row.local_id,
            datestamp=row.datestamp,
            deleted=bool(row.deleted),
            sets=tuple(sets),
        )
        return record.with_header(header)


def _sets_of(conn: Connection, pks: Sequence[int]) -> dict[int, tuple[str, ...]]:
    if not pks:
        return {}
    found: dict[int, list[str]] = {}
    query = (
        select(t.record_sets.c.record_pk, t.record_sets.c.set_spec)
        .where(t.record_sets.c.record_pk.in_(pks))
        .order_by(t.record_sets.c.record_pk, t.record_sets.c.set_spec)
    )
    for pk, spec in conn.execute(query):
        found.setdefault(pk, []).append(spec)
    return {pk: tuple(specs) for pk, specs in found.items()}
