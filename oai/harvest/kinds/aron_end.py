"""The end of an ARON sweep, whichever API it spoke: how many units it listed, and the
deletion rule. ARON deletes hard and has no feed, and while a partner re-imports, its
units vanish from lists *and* their detail. A unit becomes a tombstone only when it is
missing from a complete sweep, was missing from the previous complete sweep too, and its
detail answers 404 (a 5xx or a timeout keeps it live); the sweep guard
(`harvest.sweep_max_share`) applies. What a complete sweep missed is kept in its run's
final checkpoint for the next one.
"""

from __future__ import annotations

from typing import Any, Protocol

from oai.harvest.state import RunState

__all__ = ["Exists", "deletions", "listed"]


class Exists(Protocol):
    def exists(self, entity_id: str) -> bool | None:
        """True if the portal gives it, False on a 404, None when it cannot say."""
        ...


def listed(run: RunState) -> int:
    """How many entities the committed part of the sweep listed."""
    saved = run.log.runs.get(run.run_id)
    state = (saved.checkpoint or {}).get("aron") if saved is not None else None
    return int(state.get("listed", 0)) if isinstance(state, dict) else 0


def _previous_missing(run: RunState) -> set[str]:
    """What the previous complete sweep of the source missed."""
    last = run.log.runs.last(run.source.id)
    state = (last.checkpoint or {}).get("aron") if last is not None else None
    if not isinstance(state, dict) or not state.get("complete"):
        return set()
    return {str(i) for i in state.get("missing") or []}


def deletions(run: RunState, api: Exists) -> tuple[Any, int]:
    """Tombstones for entities missing twice and gone by GET; (the sweep's outcome, how
    many missing entities are kept)."""
    live = run.hub.store.local_ids_of_source(run.source.id)
    missing = live - run.log.seen.by(run.chain)
    candidates = sorted(missing & _previous_missing(run))
    remote = run.hub.store.remote_identifiers(candidates)
    gone: list[str] = []
    unsure: list[str] = []
    for local_id in candidates:
        found = api.exists(remote.get(local_id) or local_id.split(":", 1)[1])
        if found is False:
            gone.append(local_id)
        elif found is None:
            unsure.append(local_id)
    if unsure:
        run.event(
            "warning",
            "sweep",
            f"{len(unsure)} missing entities kept: GET /apu/{{id}} did not answer 404",
            detail={"ids": unsure[:1000]},
        )
    why = "entities missing from two complete sweeps and gone (404)"
    outcome = run.sweep(gone, len(live), why)
    saved = run.log.runs.get(run.run_id)
    position = dict((saved.checkpoint or {}).get("aron") or {}) if saved else {}
    kept = missing if outcome.refused else missing - set(gone)
    # what is still missing: the next complete sweep asks again
    position["missing"] = sorted(kept)
    run.log.runs.checkpoint(run.run_id, {"aron": position, "chain": run.chain})
    return outcome, len(kept)
