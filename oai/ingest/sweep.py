"""The guarded sweep a complete reading ends with: records gone become tombstones.

A partner that returns an empty or truncated list by mistake must not wipe the hub, so
a sweep that would delete `harvest.sweep_max_share` or more of a source's live records
is refused and deletes nothing (an error event says so). Otherwise the tombstones, the
counter and one event are written in one transaction. A local record that a partner's
record kept up to date (`linked`) is never deleted by a sweep: it is unlinked (rule 5
of `oai.ingest.identity`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from oai.ingest.commit import Ingest
from oai.rendering import StoreRenderer
from records.model import Record
from records.provenance import Origin
from records.writer import BatchWriter

__all__ = ["SweepOutcome", "sweep"]


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    deleted: int = 0
    unlinked: int = 0
    refused: str | None = None  # why nothing was deleted

    @property
    def ok(self) -> bool:
        return self.refused is None


def refusal(would_delete: int, live: int, share: float) -> str:
    return (
        f"sweep refused: {would_delete} of {live} records would become tombstones,"
        f" more than the allowed share of {share:.0%}"
    )


def sweep(
    ingest: Ingest,
    source_id: str,
    run_id: int | None,
    gone: Sequence[str],
    live: int,
    why: str,
    max_share: float,
) -> SweepOutcome:
    """Tombstone the source's records `gone` (local ids), unless too many; `live` is how
    many live records the source has."""
    linked = ingest.store.linked_ids_of_source(source_id) & set(gone)
    doomed = [g for g in gone if g not in linked]
    if doomed and len(doomed) >= max_share * live:
        message = refusal(len(doomed), live, max_share)
        detail = {"would_delete": len(doomed), "live": live, "share": max_share}
        ingest.journal.event(None, "error", "sweep", message, detail=detail)
        return SweepOutcome(refused=message)
    if not doomed and not linked:
        return SweepOutcome()
    with ingest.writer.begin():
        conn = ingest.writer
        writer = BatchWriter(
            conn, ingest.preparer.stamp.now, "harvest", f"sweep:{source_id}", run_id
        )
        for local_id in doomed:
            writer.delete(local_id)
        if doomed:  # the fonds' finding aids lose the units deleted
            StoreRenderer(ingest.render, deferred=True).assemble(conn, doomed, writer.now)
        for local_id in sorted(linked):
            found = ingest.store.local_content(conn, local_id)
            if found is not None:
                record = Record.from_dict(json.loads(found)).with_origin(Origin())
                writer.put([record], None)
        ingest.journal.counts(conn, {"deleted": len(doomed)})
        if doomed:
            ingest.journal.event(
                conn,
                "info",
                "sweep",
                f"{len(doomed)} {why}: tombstones",
                detail={"ids": list(doomed[:1000])},
            )
        if linked:
            ingest.journal.event(
                conn,
                "warning",
                "unlink",
                f"{len(linked)} local record(s) kept up to date by this partner are no longer"
                " among its records: unlinked, not deleted",
                detail={"ids": sorted(linked)[:1000]},
            )
    ingest.counts["deleted"] += len(doomed)
    return SweepOutcome(len(doomed), len(linked))
