"""apeEAD finding aids assembled in the hub: one per fonds, with every unit below it.

A finding aid spans records, so it is not rendered with a record's own formats: after a
batch is written (`StoreRenderer.assemble`), the fonds- and collection-level records the
batch touched (the records themselves and every unit above them) are assembled again
from the hierarchy the store holds (`records.hierarchy`). When the finding aid changed,
its fonds' datestamp moves with it, so the portal's incremental harvest (`from` its last
harvest) gets the fonds again whichever unit changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from crosswalks import CrosswalkError
from crosswalks.ape_ead import FINDING_AID_LEVELS, ApeOptions, write_finding_aid
from crosswalks.edm import EdmOptions
from oai.inherit import ancestor_forms, inherited
from records.hierarchy import (
    descendants,
    heads_of,
    mark_pending,
    pending_or_missing,
    stale_heads,
    unit_form,
)
from records.times import utcnow
from records.writer import Rendering, write_assembled

__all__ = ["PREFIX", "FindingAids"]

PREFIX = "ape_ead"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FindingAids:
    """Assembles and stores the finding aids of fonds (picklable, like `RenderContext`)."""

    options: ApeOptions
    version: str
    public_url: str = ""
    # the defaults of language and rights (`[edm]`, per source), after the units above
    defaults: EdmOptions | None = None

    def render(self, conn: Connection, head_id: str) -> Rendering | None:
        """The finding aid headed by a record, with its units; None if it cannot be made."""
        form = unit_form(conn, head_id)
        if form is None:
            return None
        # the units below inherit from the archdesc in EAD; the head from the units above
        head = inherited(form, ancestor_forms(conn, head_id), self.defaults)
        public = self.public_url.rstrip("/")
        if public and "url" not in head:
            head["url"] = f"{public}/records/{head_id}"
        below = descendants(conn, head_id)
        try:
            xml = write_finding_aid(head, lambda unit: below.get(unit, ()), self.options)
        except CrosswalkError as exc:
            log.warning("no finding aid for record %r: %s", head_id, exc)
            return None
        return xml, self.version

    def assemble(self, conn: Connection, local_ids: Iterable[str], now: datetime) -> list[str]:
        """Assemble again, now, the finding aids the records `local_ids` belong to; the
        ids of those that changed (their datestamp is now `now`). A whole finding aid
        each time: for one record's change (a withdrawal, a single re-harvest)."""
        changed = []
        for head in sorted(heads_of(conn, local_ids, FINDING_AID_LEVELS)):
            if write_assembled(conn, head, PREFIX, self.render(conn, head), now):
                changed.append(head)
        return changed

    def mark(self, conn: Connection, local_ids: Iterable[str]) -> None:
        """What a batch of a run does: mark the finding aids its records belong to for
        `flush` at the end of the run (a fonds of 100,000 units written in 1,000 batches
        is assembled once, not 1,000 times)."""
        mark_pending(conn, heads_of(conn, local_ids, FINDING_AID_LEVELS), PREFIX)

    def flush(self, conn: Connection, now: datetime, limit: int = 500) -> int:
        """Assemble the finding aids marked or missing, each once; those that changed get
        the datestamp `now`, so a `from` harvest sees them. How many were assembled."""
        return self._stale(conn, now, limit, missing_moves=True)

    def refresh(self, conn: Connection, limit: int = 500) -> int:
        """Assemble the finding aids missing or made by another crosswalk version (their
        datestamps stay, as a refresh leaves those of the records' own formats), and those
        marked by a run that ended before its flush (their datestamps move)."""
        return self._stale(conn, utcnow(), limit, missing_moves=False)

    def _stale(self, conn: Connection, now: datetime, limit: int, *, missing_moves: bool) -> int:
        done = 0
        skipped: set[str] = set()
        while True:
            stale = stale_heads(
                conn, FINDING_AID_LEVELS, PREFIX, self.version, limit + len(skipped)
            )
            todo = [head for head in stale if head not in skipped]
            if not todo:
                return done
            moved = pending_or_missing(conn, todo, PREFIX, missing=missing_moves)
            for head in todo:
                rendering = self.render(conn, head)
                write_assembled(conn, head, PREFIX, rendering, now if head in moved else None)
                if rendering is None:
                    skipped.add(head)
                done += 1
