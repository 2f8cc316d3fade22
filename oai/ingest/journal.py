"""Where an ingest reports what it did: one protocol, two keepers.

A harvest's journal is its run in the run log (`oai.harvest.journal.RunJournal`): its
counters, events (with raw bytes), checkpoint, the records a full harvest saw and the
records still failing. The import's journal is its summary (`oai.importing`). The
ingest path calls the same methods for both, inside each batch's transaction, so what
is counted, said and kept is the same whichever way the records came.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection

from oai.ingest.prepare import Failure

__all__ = ["Journal"]


class Journal(Protocol):
    """What an ingest reports, in the caller's transaction (`conn`)."""

    def event(
        self,
        conn: Connection | None,
        level: str,
        kind: str,
        message: str,
        *,
        page: int | None = None,
        identifier: str | None = None,
        raw: bytes | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Say what happened (`conn` None: in a transaction of its own)."""

    def counts(self, conn: Connection | None, counts: Mapping[str, int]) -> None:
        """Add to the counters (added, updated, unchanged, deleted, failed, pages)."""

    def checkpoint(self, conn: Connection, state: dict[str, Any]) -> None:
        """Where the producer stands after the batch just written."""

    def seen(self, conn: Connection, local_ids: Sequence[str]) -> None:
        """Records a complete reading saw (kept from the sweep)."""

    def finished(self, conn: Connection, document: str) -> None:
        """A document (file) read to its end: its records that did not fail again are no
        longer failing."""

    def failing(self, conn: Connection, failures: Sequence[Failure], stored: Sequence[str]) -> None:
        """Remember the records that failed (to be fetched again) and forget those now
        stored or deleted (`stored`: partner identifiers)."""
