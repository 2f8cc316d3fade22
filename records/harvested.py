"""What the store knows of harvested records: reconciliation's reads and writes, and counts.

`HarvestedRecords` is a base class of `records.store.Store`. Its methods that take a
`Connection` run in the caller's transaction (a harvest writes each page in one) and
read a page's records in a few batched statements, never one per record.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from records import tables as t
from records.counts import ALL, DELETED
from records.writer import PARTNER_SETS

__all__ = ["HarvestedRecords", "RecordState"]

_CHUNK = 500  # remote identifiers per IN (...) list


class RecordState(NamedTuple):
    """A stored record as reconciliation compares a partner's record with it."""

    local_id: str
    remote_datestamp: str | None
    remote_content: str | None  # the partner's last content (canonical JSON): merge base
    content: str  # canonical JSON
    deleted: bool


class HarvestedRecords:
    """Reads and writes of records by source and remote identifier."""

    engine: Engine

    def states_by_remote_id(
        self, conn: Connection, source_id: str, remote_ids: Sequence[str]
    ) -> dict[str, RecordState]:
        """Remote identifier -> the state of the source's record that has it, if any."""
        r = t.records.c
        columns = (r.local_id, r.remote_datestamp, r.remote_content, r.content, r.deleted)
        found: dict[str, RecordState] = {}
        unique = sorted(set(remote_ids))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            query = select(r.remote_identifier, *columns).where(
                r.source_id == source_id, r.remote_identifier.in_(chunk)
            )
            for remote_id, local_id, stamp, remote, content, deleted in conn.execute(query):
                found[remote_id] = RecordState(local_id, stamp, remote, content, bool(deleted))
        return found

    def live_ids_by_remote_prefix(
        self, conn: Connection, source_id: str, prefix: str
    ) -> dict[str, str]:
        """Remote identifier -> local id of the source's live records whose remote
        identifier starts with `prefix` (case-sensitively)."""
        r = t.records.c
        query = select(r.remote_identifier, r.local_id).where(
            r.source_id == source_id,
            r.deleted.is_(False),
            r.remote_identifier.startswith(prefix, autoescape=True),
        )
        # LIKE may fold case (SQLite): the exact prefix decides
        return {remote: local for remote, local in conn.execute(query) if remote.startswith(prefix)}

    def set_remote_contents(self, conn: Connection, contents: Mapping[str, str]) -> None:
        """Store the partner's content (canonical JSON) per local id: the next merge bases."""
        if contents:
            conn.execute(
                update(t.records)
                .where(t.records.c.local_id == bindparam("b_local_id"))
                .values(remote_content=bindparam("b_remote")),
                [{"b_local_id": k, "b_remote": v} for k, v in contents.items()],
            )

    def local_state(self, conn: Connection, local_id: str) -> RecordState | None:
        """The state of a local record (one no source harvested); None if there is none."""
        r = t.records.c
        query = select(r.local_id, r.remote_datestamp, r.remote_content, r.content, r.deleted)
        row = conn.execute(query.where(r.local_id == local_id, r.source_id.is_(None))).first()
        if row is None:
            return None
        _id, stamp, remote, content, deleted = row
        return RecordState(local_id, stamp, remote, content, bool(deleted))

    def live_local_contents(self, conn: Connection) -> list[tuple[str, str]]:
        """(local id, content JSON) of every live local record, to match partner records."""
        r = t.records.c
        query = select(r.local_id, r.content).where(r.source_id.is_(None), r.deleted.is_(False))
        return [(local_id, content) for local_id, content in conn.execute(query)]

    def local_ids_of_source(self, source_id: str, *, include_deleted: bool = False) -> set[str]:
        """Local ids of the records a source gave (live ones, unless `include_deleted`)."""
        query = select(t.records.c.local_id).where(t.records.c.source_id == source_id)
        if not include_deleted:
            query = query.where(t.records.c.deleted.is_(False))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    def remote_content(self, local_id: str) -> dict[str, Any] | None:
        """The partner's last crosswalked content of a harvested record (merge base)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(t.records.c.remote_content).where(t.records.c.local_id == local_id)
            ).scalar()
        return None if value is None else dict(json.loads(value))

    def live_counts_by_source(self) -> dict[str, int]:
        """Source id -> how many live (not deleted) records it gave, from the kept
        counts of the partner sets (every harvested record is in `partners:<id>`)."""
        c = t.list_counts.c
        prefix = f"{PARTNER_SETS}:"
        query = (
            select(c.set_spec, c.prefix, func.sum(c.n))
            .where(c.set_spec.startswith(prefix, autoescape=True))
            .where(c.prefix.in_((ALL, DELETED)))
            .group_by(c.set_spec, c.prefix)
        )
        live: dict[str, int] = {}
        with self.engine.connect() as conn:
            for set_spec, kind, n in conn.execute(query):
                source = set_spec[len(prefix) :]
                if ":" in source:
                    continue  # a set below a partner's set, not the partner's own
                live[source] = live.get(source, 0) + (int(n) if kind == ALL else -int(n))
        return {source: n for source, n in live.items() if n}

    def counts_of_source(self, source_id: str) -> dict[str, int]:
        """{"live": n, "deleted": n} of one source's records."""
        r = t.records.c
        query = select(r.deleted, func.count()).where(r.source_id == source_id).group_by(r.deleted)
        counts = {"live": 0, "deleted": 0}
        with self.engine.connect() as conn:
            for deleted, n in conn.execute(query):
                counts["deleted" if deleted else "live"] += int(n)
        return counts

    def versions_of_run(self, run_id: int, *, limit: int = 200) -> list[tuple[str, str]]:
        """(local id, reason) of the record versions a harvest run wrote, oldest first."""
        v, r = t.record_versions.c, t.records.c
        query = (
            select(r.local_id, v.reason)
            .join(t.records, r.pk == v.record_pk)
            .where(v.run_id == run_id)
            .order_by(v.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(str(a), str(b)) for a, b in conn.execute(query)]
