"""Keeping stored metadata in step with the crosswalks.

Every record's XML is rendered once per format when it is written and stored with the
version of the crosswalk that made it. When a crosswalk changes (its format's
`version` differs from the stored one), `refresh_stale_renderings` renders the
affected records again, so that the provider never serves output of an old crosswalk
and never runs a crosswalk while serving.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from oai.hub import Hub
from records.errors import RecordNotFound

__all__ = ["RefreshSummary", "refresh_stale_renderings"]


@dataclass
class RefreshSummary:
    """How many records were rendered again, and those no crosswalk could render."""

    refreshed: int = 0
    failed: set[str] = field(default_factory=set)

    def describe(self) -> str:
        return f"{self.refreshed} records re-rendered, {len(self.failed)} could not be"


def refresh_stale_renderings(hub: Hub, *, batch: int = 500) -> RefreshSummary:
    """Re-render every live record whose stored XML is missing or from another crosswalk."""
    summary = RefreshSummary()
    for fmt in hub.registry.outbound():
        while True:
            # records that failed stay stale: ask for enough rows to get past them
            stale = hub.store.stale_renderings(fmt.prefix, fmt.version, batch + len(summary.failed))
            todo = [local_id for local_id in stale if local_id not in summary.failed]
            if not todo:
                break
            _refresh(hub, fmt.prefix, todo, summary)
    return summary


def _refresh(hub: Hub, prefix: str, local_ids: list[str], summary: RefreshSummary) -> None:
    with hub.store.transaction() as conn:
        for local_id in local_ids:
            try:
                record = hub.store.get(local_id)
            except RecordNotFound:  # deleted meanwhile: nothing to render
                summary.failed.add(local_id)
                continue
            renderings = hub.render(record)
            if prefix not in renderings:
                summary.failed.add(local_id)
            hub.store.replace_renderings(local_id, renderings, conn=conn)
            summary.refreshed += 1
