"""The import's target: local records written by their id, in the batch's transaction.

A batch the database refuses is tried again record by record (each in a savepoint), so
one record the database will not take costs that record only; it is a failure named by
its record id.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from oai.ingest.prepare import Incoming, Stamp
from oai.ingest.reconcile import Outcome
from records.errors import StoreError
from records.harvested import RecordState
from records.model import Record
from records.store import Renderer
from records.writer import BatchWriter, WriteResult

__all__ = ["LocalTarget"]


class LocalTarget:
    """Writes imported records by id: unchanged content is unchanged, nothing merged."""

    def __init__(self, stamp: Stamp, actor: str | None, reason: str = "import") -> None:
        self.stamp, self.actor, self.reason = stamp, actor, reason
        self.refused: list[tuple[Incoming, str]] = []  # records the database refused

    def states(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, RecordState]:
        return {}  # an import reads no fingerprints: every record is read

    def apply(self, conn: Connection, incoming: Sequence[Incoming], renderer: Renderer) -> Outcome:
        outcome = Outcome()
        records = [i.record for i in incoming if i.record is not None]
        contents = [i.content_json or None for i in incoming if i.record is not None]
        made = _failures(renderer)
        mark = len(made)
        try:
            with conn.begin_nested():
                results = self._writer(conn).put(records, renderer, contents)
        except (SQLAlchemyError, StoreError):
            del made[mark:]  # rolled back: its render failures name nothing stored
            results = self._one_by_one(
                conn, [i for i in incoming if i.record is not None], renderer
            )
        for result in results:
            if result.status == "withheld":  # withdrawn here: held until reinstated
                outcome.counts["unchanged"] += 1
                outcome.withheld.append(result.local_id)
            else:
                outcome.counts["updated" if result.status == "undeleted" else result.status] += 1
            outcome.seen.append(result.local_id)
        outcome.stored += [i.remote_id for i in incoming]
        return outcome

    def _writer(self, conn: Connection) -> BatchWriter:
        return BatchWriter(conn, self.stamp.now, self.reason, self.actor)

    def _one_by_one(
        self, conn: Connection, incoming: Sequence[Incoming], renderer: Renderer
    ) -> list[WriteResult]:
        results: list[WriteResult] = []
        made = _failures(renderer)
        for item in incoming:
            record: Record | None = item.record
            assert record is not None
            mark = len(made)
            try:
                with conn.begin_nested():
                    results += self._writer(conn).put([record], renderer)
            except (SQLAlchemyError, StoreError) as exc:
                del made[mark:]
                self.refused.append((item, f"record {record.id!r}: {exc}"))
        return results


def _failures(renderer: Renderer) -> list[object]:
    """The render failures a store renderer keeps (a plain callable keeps none)."""
    found = getattr(renderer, "failures", None)
    return found if isinstance(found, list) else []
