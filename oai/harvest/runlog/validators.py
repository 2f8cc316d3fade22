"""The HTTP validators of the records a partner serves conditionally (ARON 2.0).

A run sends them back (`If-None-Match`, `If-Modified-Since`); a 304 stands for the
answer they came with, whose content hash is kept beside them. They are written before
the batch that carries the answer commits: harmless, because a 304 counts as unchanged
only while the stored record has that same hash (otherwise the record is asked for
again without validators).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from oai.harvest.runlog.database import Database
from oai.harvest.runlog.tables import harvest_validators

__all__ = ["Validator", "Validators"]

_v = harvest_validators.c
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Validator:
    identifier: str
    kind: str | None
    etag: str | None
    last_modified: str | None
    fingerprint: str | None
    parent: str | None = None  # the record's parent there ("": it has none)


class Validators:
    """Reads and writes of `harvest_validators`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def of(self, source_id: str, identifiers: Sequence[str]) -> dict[str, Validator]:
        """The stored validators of these records (those that have some)."""
        found: dict[str, Validator] = {}
        with self._db.engine.connect() as conn:
            for start in range(0, len(identifiers), _CHUNK):
                chunk = list(identifiers[start : start + _CHUNK])
                query = select(
                    _v.identifier, _v.kind, _v.etag, _v.last_modified, _v.fingerprint, _v.parent
                ).where(_v.source_id == source_id, _v.identifier.in_(chunk))
                for row in conn.execute(query):
                    found[row.identifier] = Validator(*row)
        return found

    def put(self, source_id: str, rows: Sequence[Validator]) -> None:
        """Keep these validators (replacing a record's earlier ones)."""
        latest = {r.identifier: r for r in rows}
        if not latest:
            return
        ids = sorted(latest)
        with self._db.writes.begin() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                conn.execute(
                    delete(harvest_validators).where(
                        _v.source_id == source_id, _v.identifier.in_(chunk)
                    )
                )
            conn.execute(
                harvest_validators.insert(),
                [
                    {
                        "source_id": source_id,
                        "identifier": r.identifier,
                        "kind": r.kind,
                        "etag": (r.etag or "")[:400] or None,
                        "last_modified": (r.last_modified or "")[:100] or None,
                        "fingerprint": r.fingerprint,
                        "parent": r.parent,
                    }
                    for r in latest.values()
                ],
            )

    def forget(self, source_id: str, identifiers: Sequence[str]) -> None:
        """Drop the validators of records the partner no longer has."""
        for start in range(0, len(identifiers), _CHUNK):
            chunk = list(identifiers[start : start + _CHUNK])
            self._db.execute(
                delete(harvest_validators).where(
                    _v.source_id == source_id, _v.identifier.in_(chunk)
                )
            )
