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
    fingerprint: str | None = None  # of what the partner last sent (see remote_fingerprint)
    linked: bool = False  # a local record that a partner's record keeps up to date
    origin: str | None = None  # the origin's canonical JSON


_LINKED = '"kind":"linked"'  # in an origin's canonical JSON


class HarvestedRecords:
    """Reads and writes of records by source and remote identifier."""

    engine: Engine

    def states_by_remote_id(
        self, conn: Connection, source_id: str, remote_ids: Sequence[str]
    ) -> dict[str, RecordState]:
        """Remote identifier -> the state of the source's record that has it, if any."""
        r = t.records.c
        columns = (
            r.local_id,
            r.remote_datestamp,
            r.remote_content,
            r.content,
            r.deleted,
            r.remote_fingerprint,
            r.origin,
        )
        found: dict[str, RecordState] = {}
        unique = sorted(set(remote_ids))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            query = select(r.remote_identifier, *columns).where(
                r.source_id == source_id, r.remote_identifier.in_(chunk)
            )
            for row in conn.execute(query):
                remote_id, local_id, stamp, remote, content, deleted, printed, origin = row
                linked = origin is not None and _LINKED in origin
                found[remote_id] = RecordState(
                    local_id, stamp, remote, content, bool(deleted), printed, linked, origin
                )
        return found

    def fingerprints(
        self, conn: Connection, source_id: str, remote_ids: Sequence[str]
    ) -> dict[str, str]:
        """Partner identifier -> the fingerprint stored with the source's live record."""
        r = t.records.c
        found: dict[str, str] = {}
        unique = sorted(set(remote_ids))
        for start in range(0, len(unique), _CHUNK):
            query = select(r.remote_identifier, r.remote_fingerprint).where(
                r.source_id == source_id,
                r.remote_identifier.in_(unique[start : start + _CHUNK]),
                r.deleted.is_(False),
                r.remote_fingerprint.is_not(None),
            )
            found.update((remote, printed) for remote, printed in conn.execute(query))
        return found

    def holders_of(
        self, conn: Connection, local_ids: Sequence[str]
    ) -> dict[str, tuple[str | None, str | None]]:
        """Local id -> (source, partner identifier) of the stored record that has it
        (live or a tombstone; (None, None) for a local record)."""
        r = t.records.c
        found: dict[str, tuple[str | None, str | None]] = {}
        for start in range(0, len(local_ids), _CHUNK):
            query = select(r.local_id, r.source_id, r.remote_identifier).where(
                r.local_id.in_(local_ids[start : start + _CHUNK])
            )
            found.update((local, (source, remote)) for local, source, remote in conn.execute(query))
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

    def set_remote_contents(
        self,
        conn: Connection,
        contents: Mapping[str, str],
        fingerprints: Mapping[str, str | None] | None = None,
    ) -> None:
        """Store the partner's content (canonical JSON) per local id, the next merge
        bases, and the fingerprints of what the partner sent."""
        if contents:
            conn.execute(
                update(t.records)
                .where(t.records.c.local_id == bindparam("b_local_id"))
                .values(remote_content=bindparam("b_remote")),
                [{"b_local_id": k, "b_remote": v} for k, v in contents.items()],
            )
        if fingerprints:
            conn.execute(
                update(t.records)
                .where(t.records.c.local_id == bindparam("b_local_id"))
                .values(remote_fingerprint=bindparam("b_print")),
                [{"b_local_id": k, "b_print": v} for k, v in fingerprints.items()],
            )

    def linked_ids_of_source(self, source_id: str) -> set[str]:
        """Local ids of the local records a source's records keep up to date (`linked`)."""
        r = t.records.c
        query = select(r.local_id, r.origin).where(r.source_id == source_id)
        with self.engine.connect() as conn:
            return {local for local, origin in conn.execute(query) if origin and _LINKED in origin}

    def local_state(self, conn: Connection, local_id: str) -> RecordState | None:
        """The state of a local record (one no source harvested); None if there is none."""
        r = t.records.c
        query = select(r.local_id, r.remote_datestamp, r.remote_content, r.content, r.deleted)
        row = conn.execute(query.where(r.local_id == local_id, r.source_id.is_(None))).first()
        if row is None:
            return None
        _id, stamp, remote, content, deleted = row
        return RecordState(local_id, stamp, remote, content, bool(deleted))

    def remote_identifiers(self, local_ids: Sequence[str]) -> dict[str, str]:
        """Local id -> the partner identifier of the harvested record that has it."""
        r = t.records.c
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(local_ids), _CHUNK):
                query = select(r.local_id, r.remote_identifier).where(
                    r.local_id.in_(local_ids[start : start + _CHUNK]),
                    r.remote_identifier.is_not(None),
                )
                found.update((local, remote) for local, remote in conn.execute(query))
        return found

    def local_content(self, conn: Connection, local_id: str) -> str | None:
        """The content JSON of a record, live or not; None when there is none."""
        query = select(t.records.c.content).where(t.records.c.local_id == local_id)
        found = conn.execute(query).scalar()
        return None if found is None else str(found)

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

    def titles_of(self, local_ids: Sequence[str]) -> dict[str, str]:
        """Local id -> title, of those records that exist (for pages that list ids)."""
        r = t.records.c
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(local_ids), 500):
                chunk = list(local_ids[start : start + 500])
                query = select(r.local_id, r.title).where(r.local_id.in_(chunk))
                found.update({str(i): str(title or "") for i, title in conn.execute(query)})
        return found

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
