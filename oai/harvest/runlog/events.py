"""What happened during a run: pages, rejected records, retries, with the raw XML kept."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from oai.harvest.runlog.database import Database, load_json, utcnow
from oai.harvest.runlog.tables import harvest_events

__all__ = ["EventInfo", "Events"]


@dataclass(frozen=True, slots=True)
class EventInfo:
    id: int
    run_id: int
    at: datetime
    level: str
    kind: str
    message: str
    page: int | None
    identifier: str | None
    has_raw: bool
    detail: dict[str, Any] | None


_e = harvest_events.c
# every column but the raw bytes, which only a download reads
_COLUMNS = (
    _e.id,
    _e.run_id,
    _e.at,
    _e.level,
    _e.kind,
    _e.message,
    _e.page,
    _e.identifier,
    _e.raw.is_not(None).label("has_raw"),
    _e.detail,
)


class Events:
    """Reads and writes of `harvest_events`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self,
        run_id: int,
        level: str,
        kind: str,
        message: str,
        *,
        page: int | None = None,
        identifier: str | None = None,
        raw: bytes | None = None,
        detail: Mapping[str, Any] | None = None,
        conn: Connection | None = None,
    ) -> int:
        """Log one event of a run; `raw` keeps a rejected page or record for download."""
        values = {
            "run_id": run_id,
            "at": utcnow(),
            "level": level,
            "kind": kind,
            "message": message,
            "page": page,
            "identifier": identifier,
            "raw": raw,
            "detail": None if detail is None else json.dumps(detail, sort_keys=True),
        }
        key = self._db.execute(insert(harvest_events).values(values), conn).inserted_primary_key
        assert key is not None
        return int(key[0])

    def of_run(
        self,
        run_id: int,
        *,
        level: str | None = None,
        kind: str | None = None,
        after_id: int | None = None,
        limit: int = 500,
    ) -> list[EventInfo]:
        """A run's events oldest first, keyset-paged on the id (pass the last as `after_id`)."""
        query = select(*_COLUMNS).where(_e.run_id == run_id).order_by(_e.id).limit(limit)
        if level is not None:
            query = query.where(_e.level == level)
        if kind is not None:
            query = query.where(_e.kind == kind)
        if after_id is not None:
            query = query.where(_e.id > after_id)
        with self._db.engine.connect() as conn:
            return [
                EventInfo(
                    r.id,
                    r.run_id,
                    r.at,
                    r.level,
                    r.kind,
                    r.message,
                    r.page,
                    r.identifier,
                    bool(r.has_raw),
                    load_json(r.detail),
                )
                for r in conn.execute(query)
            ]

    def rejected(self, run_id: int, *, limit: int = 10_000) -> list[tuple[EventInfo, bytes]]:
        """The records a run rejected (error events of kind "record"), with their raw XML."""
        query = (
            select(*_COLUMNS, _e.raw)
            .where(_e.run_id == run_id, _e.level == "error", _e.kind == "record")
            .order_by(_e.id)
            .limit(limit)
        )
        with self._db.engine.connect() as conn:
            return [
                (
                    EventInfo(
                        r.id,
                        r.run_id,
                        r.at,
                        r.level,
                        r.kind,
                        r.message,
                        r.page,
                        r.identifier,
                        bool(r.has_raw),
                        load_json(r.detail),
                    ),
                    bytes(r.raw or b""),
                )
                for r in conn.execute(query)
            ]

    def raw(self, event_id: int) -> bytes | None:
        """The raw page or record kept with an event."""
        query = select(_e.raw).where(_e.id == event_id)
        with self._db.engine.connect() as conn:
            value = conn.execute(query).scalar()
        return None if value is None else bytes(value)
