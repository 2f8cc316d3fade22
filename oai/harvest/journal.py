"""A harvest run as the ingest path's journal: what a batch did goes into the run log.

Counters (with the client's requests, bytes and retries since the last batch), events
(with raw bytes), the checkpoint, the records a full harvest saw and the records still
failing, each written in the batch's transaction. Events are also said at once where
the run is watched (`oai harvest` prints warnings and errors as they happen).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from oai.harvest.runlog import Failed, RunLog
from oai.ingest import Failure

__all__ = ["RunJournal", "Say"]

Say = Callable[[str, str, str], None]  # level, kind, message: an event as it happens


class RunJournal:
    """The ingest journal of one run of one source."""

    def __init__(
        self,
        log: RunLog,
        source_id: str,
        run_id: int,
        transport: Callable[[], dict[str, int]],
        say: Say | None = None,
    ) -> None:
        self.log, self.source_id, self.run_id = log, source_id, run_id
        self.transport, self.say = transport, say
        self.documents: set[str] = set()  # files read to their end (their failures renewed)

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
        self.log.events.add(
            self.run_id,
            level,
            kind,
            message,
            page=page,
            identifier=identifier,
            raw=raw,
            detail=detail,
            conn=conn,
        )
        if self.say is not None:
            self.say(level, kind, message)

    def counts(self, conn: Connection | None, counts: Mapping[str, int]) -> None:
        self.log.runs.add_counts(self.run_id, {**counts, **self.transport()}, conn)

    def checkpoint(self, conn: Connection, state: dict[str, Any]) -> None:
        self.log.runs.checkpoint(self.run_id, state, conn)

    def seen(self, conn: Connection, local_ids: Sequence[str]) -> None:
        self.log.seen.mark(self.run_id, local_ids, conn)

    def finished(self, conn: Connection, document: str) -> None:
        self.log.failing.forget_document(conn, self.source_id, document, self.run_id)

    def failing(self, conn: Connection, failures: Sequence[Failure], stored: Sequence[str]) -> None:
        if stored:
            self.log.failing.forget(conn, self.source_id, stored)
        failed = [
            Failed(f.identifier, f.where, f.message, f.document) for f in failures if f.identifier
        ]
        self.log.failing.record(conn, self.source_id, self.run_id, failed)
