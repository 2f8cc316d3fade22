"""The guarded sweep every kind ends a complete harvest with: records gone become tombstones.

A partner that returns an empty or truncated list by mistake must not wipe the hub, so
a sweep that would delete `harvest.sweep_max_share` or more of a source's live records
is refused (`SweepRefused`) and deletes nothing; otherwise the tombstones, the run's
counter and one event are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from oai.harvest.errors import SweepRefused
from oai.harvest.state import RunState

__all__ = ["guard_sweep", "write_tombstones"]


def guard_sweep(run: RunState, gone: Sequence[str], live: int) -> None:
    """Raise `SweepRefused` when deleting `gone` of `live` records is too large a share."""
    share = run.hub.settings.harvest.sweep_max_share
    if gone and len(gone) >= share * live:
        raise SweepRefused(len(gone), live, share)


def write_tombstones(run: RunState, gone: Sequence[str], why: str) -> int:
    """Tombstone `gone` (local ids) with the run's counter and an event saying `why`."""
    if not gone:
        return 0
    source_id = run.source.id
    writes = run.hub.engine.execution_options(sqlite_begin_immediate=True)
    with writes.begin() as conn:
        for local_id in gone:
            run.hub.store.delete(
                local_id, reason="harvest", actor=f"sweep:{source_id}", run_id=run.run_id, conn=conn
            )
        run.log.runs.add_counts(run.run_id, {"deleted": len(gone)}, conn)
        run.log.events.add(
            run.run_id,
            "info",
            "sweep",
            f"{len(gone)} {why}: tombstones",
            detail={"ids": list(gone[:1000])},
            conn=conn,
        )
    run.counts["deleted"] += len(gone)
    return len(gone)
