"""Keeping stored metadata in step with the crosswalks.

Every record's XML is rendered once per format when it is written and stored with the
version of the crosswalk that made it. When a crosswalk changes (its format's
`version` differs from the stored one), `refresh_stale_renderings` renders the
affected records again, so that the provider never serves output of an old crosswalk
and never runs a crosswalk while serving.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from oai.hub import Hub
from oai.rendering import RenderContext, RenderFailure, render_record
from records.errors import RecordNotFound
from records.writer import ASSEMBLED

__all__ = ["RefreshSummary", "refresh_stale_renderings"]

log = logging.getLogger(__name__)


@dataclass
class RefreshSummary:
    """How many records were rendered again, and the formats that could not render one."""

    refreshed: int = 0
    failures: list[RenderFailure] = field(default_factory=list)

    @property
    def failed(self) -> set[str]:
        """The ids of the records some format could not render."""
        return {f.record_id for f in self.failures}

    def describe(self) -> str:
        return f"{self.refreshed} records re-rendered, {len(self.failed)} could not be"


def refresh_stale_renderings(hub: Hub, *, batch: int = 500) -> RefreshSummary:
    """Re-render every live record whose stored XML is missing or from another crosswalk.

    A record a format cannot render is stored with the formats that did render it and
    stays stale in that format; its failure is logged and listed in the summary."""
    summary = RefreshSummary()
    context = hub.render_context
    skipped: set[str] = set()  # records that stay stale: failed, or deleted meanwhile
    for fmt in context.registry.outbound():
        if fmt.prefix in ASSEMBLED:
            continue
        while True:
            # records skipped stay stale: ask for enough rows to get past them
            stale = hub.store.stale_renderings(fmt.prefix, fmt.version, batch + len(skipped))
            todo = [local_id for local_id in stale if local_id not in skipped]
            if not todo:
                break
            _refresh(hub, context, todo, summary, skipped, fmt.prefix)
    if context.finding_aids is not None:
        # after the records' own formats: the units' renderings do not change a finding aid
        with hub.store.transaction() as conn:
            summary.refreshed += context.finding_aids.refresh(conn)
    return summary


def _refresh(
    hub: Hub,
    context: RenderContext,
    local_ids: list[str],
    summary: RefreshSummary,
    skipped: set[str],
    prefix: str,
) -> None:
    with hub.store.transaction() as conn:
        for local_id in local_ids:
            try:
                record = hub.store.get(local_id)
            except RecordNotFound:  # deleted meanwhile: nothing to render
                skipped.add(local_id)
                continue
            rendered = render_record(context, record)
            for failure in rendered.failures:
                log.warning("stored without a rendering: %s", failure)
                summary.failures.append(failure)
            # rendered with today's crosswalks: no second try, neither for a failure nor
            # for a record an aggregator's format declines (not ready for Europeana)
            if rendered.failures or prefix not in rendered.renderings:
                skipped.add(local_id)
            hub.store.replace_renderings(local_id, rendered.renderings, conn=conn)
            summary.refreshed += 1
        if context.inheritance is not None:
            # what the units inherit from those above them, as the write gave them
            context.inheritance.apply(conn, local_ids, None)
