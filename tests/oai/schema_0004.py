"""A database as the 0004 release left it: every table's rows, written with plain SQL.

Used by `test_schema.py` to check that upgrading keeps every value. The rows are what
that release wrote (content as canonical JSON, times as epoch seconds, raw bytes kept).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine, text

REVISION = "0004"
T0 = 1772366400  # 2026-03-01T12:00:00Z
LOCAL = (
    '{"collections":[{"name":"Quantum","spec":"physics:quantum"}],'
    '"date":{"end":"1900","precision":"day","start":"1850","text":"1850-1900"},'
    '"dcmi_type":"Text","id":"fonds-2","languages":["cs","de"],'
    '"summary":"Letters, 1850–1900","title":"Fonds Příbram"}'
)
GONE = '{"dcmi_type":"Text","id":"fonds-1","title":"Old fonds"}'
HARVESTED = '{"dcmi_type":"Text","id":"partner-7","title":"Chronicle"}'
ORIGIN = (
    '{"base_url":"http://127.0.0.1:9/oai","harvested_at":"2026-03-01T12:00:00Z",'
    '"kind":"harvested","metadata_namespace":"http://www.openarchives.org/OAI/2.0/oai_dc/",'
    '"remote_datestamp":"2026-02-28T10:00:00Z","remote_identifier":"oai:partner:7",'
    '"source_id":"partner"}'
)
RAW = b"<record><header><identifier>oai:partner:8</identifier></header>\x00\xff</record>"
DC = b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"/>'


def _sha(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


# every table of revision 0004, in an order its foreign keys accept
ROWS: dict[str, list[dict[str, Any]]] = {
    "harvest_sources": [
        {
            "id": "partner",
            "name": "Partner Archive",
            "base_url": "http://127.0.0.1:9/oai",
            "metadata_prefix": "oai_dc",
            "settings": '{"schedule": "0 3 * * *", "sets": ["physics"]}',
            "enabled": True,
            "failing": False,
            "consecutive_failures": 0,
            "high_water": "2026-02-28T23:59:59Z",
            "granularity": "YYYY-MM-DDThh:mm:ssZ",
            "updated_at": T0,
        },
        {
            "id": "retired",
            "name": None,
            "base_url": "https://127.0.0.1:8443/oai?verb=x",
            "metadata_prefix": "mods",
            "settings": "{}",
            "enabled": False,
            "failing": True,
            "consecutive_failures": 4,
            "high_water": None,
            "granularity": None,
            "updated_at": None,
        },
    ],
    "harvest_runs": [
        {
            "id": 1,
            "source_id": "partner",
            "trigger": "schedule",
            "full": True,
            "status": "ok",
            "started_at": T0,
            "finished_at": T0 + 600,
            "heartbeat_at": T0 + 590,
            "pid": 4242,
            "window_from": None,
            "window_until": "2026-02-28T23:59:59Z",
            "pages": 3,
            "bytes": 5_000_000_000,  # past 32 bits: a BIGINT
            "requests": 4,
            "retries": 1,
            "added": 1,
            "updated": 2,
            "unchanged": 3,
            "deleted": 4,
            "failed": 0,
            "checkpoint": '{"physics": {"done": true, "token": null}}',
            "message": "complete: 1 added; sweep: 4 tombstones",
        },
        {
            "id": 2,
            "source_id": "partner",
            "trigger": "manual",
            "full": False,
            "status": "failed",
            "started_at": T0 + 3600,
            "finished_at": T0 + 3660,
            "heartbeat_at": T0 + 3650,
            "pid": 4343,
            "window_from": "2026-02-28T23:59:59Z",
            "window_until": "2026-03-01T13:00:00Z",
            "pages": 1,
            "bytes": 2048,
            "requests": 2,
            "retries": 0,
            "added": 0,
            "updated": 0,
            "unchanged": 0,
            "deleted": 0,
            "failed": 1,
            "checkpoint": '{"physics": {"cursor": 100, "token": "tok-2"}}',
            "message": "stream physics failed at page 2: timed out",
        },
        {
            "id": 3,
            "source_id": "retired",
            "trigger": "cli",
            "full": False,
            "status": "running",
            "started_at": T0 + 7200,
            "finished_at": None,
            "heartbeat_at": None,
            "pid": None,
            "window_from": None,
            "window_until": None,
            "pages": 0,
            "bytes": 0,
            "requests": 0,
            "retries": 0,
            "added": 0,
            "updated": 0,
            "unchanged": 0,
            "deleted": 0,
            "failed": 0,
            "checkpoint": None,
            "message": None,
        },
    ],
    "sets": [
        {
            "spec": "partners",
            "name": "Records harvested from partner archives",
            "description": None,
        },
        {"spec": "partners:partner", "name": "partners:partner", "description": None},
        {"spec": "physics", "name": "Physics", "description": "<p>Matter &amp; energy</p>"},
        {"spec": "physics:quantum", "name": "Quantum", "description": None},
    ],
    "records": [
        {
            "pk": 1,
            "local_id": "fonds-1",
            "datestamp": T0 + 86400,
            "deleted": True,
            "title": "Old fonds",
            "content": GONE,
            "content_hash": _sha(GONE),
            "version": 2,
            "created_at": T0,
            "source_id": None,
            "remote_identifier": None,
            "remote_datestamp": None,
            "origin": None,
            "remote_content": None,
        },
        {
            "pk": 2,
            "local_id": "partner-7",
            "datestamp": T0,
            "deleted": False,
            "title": "Chronicle",
            "content": HARVESTED,
            "content_hash": _sha(HARVESTED),
            "version": 1,
            "created_at": T0,
            "source_id": "partner",
            "remote_identifier": "oai:partner:7",
            "remote_datestamp": "2026-02-28T10:00:00Z",
            "origin": ORIGIN,
            "remote_content": '{"title":"Chronicle"}',
        },
        {
            "pk": 3,
            "local_id": "fonds-2",
            "datestamp": T0 + 60,
            "deleted": False,
            "title": "Fonds Příbram",
            "content": LOCAL,
            "content_hash": _sha(LOCAL),
            "version": 1,
            "created_at": T0 + 60,
            "source_id": None,
            "remote_identifier": None,
            "remote_datestamp": None,
            "origin": None,
            "remote_content": None,
        },
    ],
    "record_versions": [
        {
            "id": 1,
            "record_pk": 1,
            "version": 1,
            "created_at": T0,
            "reason": "import",
            "actor": "alice",
            "run_id": None,
            "deleted": False,
            "content": GONE,
            "content_hash": _sha(GONE),
        },
        {
            "id": 2,
            "record_pk": 2,
            "version": 1,
            "created_at": T0,
            "reason": "harvest",
            "actor": None,
            "run_id": 1,
            "deleted": False,
            "content": HARVESTED,
            "content_hash": _sha(HARVESTED),
        },
        {
            "id": 3,
            "record_pk": 3,
            "version": 1,
            "created_at": T0 + 60,
            "reason": "import",
            "actor": "cli",
            "run_id": None,
            "deleted": False,
            "content": LOCAL,
            "content_hash": _sha(LOCAL),
        },
        {
            "id": 4,
            "record_pk": 1,
            "version": 2,
            "created_at": T0 + 86400,
            "reason": "delete",
            "actor": "bob",
            "run_id": None,
            "deleted": True,
            "content": GONE,
            "content_hash": _sha(GONE),
        },
    ],
    "record_sets": [
        {"set_spec": "partners", "record_pk": 2, "datestamp": T0, "direct": False},
        {"set_spec": "partners:partner", "record_pk": 2, "datestamp": T0, "direct": False},
        {"set_spec": "physics", "record_pk": 3, "datestamp": T0 + 60, "direct": False},
        {"set_spec": "physics:quantum", "record_pk": 3, "datestamp": T0 + 60, "direct": True},
    ],
    "rendered_metadata": [
        {"record_pk": 2, "prefix": "oai_dc", "xml": DC, "crosswalk_version": "2"},
        {"record_pk": 3, "prefix": "oai_dc", "xml": DC, "crosswalk_version": "2"},
        {"record_pk": 3, "prefix": "mods", "xml": b"<mods/>", "crosswalk_version": "3"},
    ],
    "harvest_events": [
        {
            "id": 1,
            "run_id": 1,
            "at": T0 + 30,
            "level": "info",
            "kind": "page",
            "message": "page 1: 1 added",
            "page": 1,
            "identifier": None,
            "raw": None,
            "detail": '{"added": 1}',
        },
        {
            "id": 2,
            "run_id": 2,
            "at": T0 + 3630,
            "level": "error",
            "kind": "record",
            "message": "oai:partner:8: no title",
            "page": 1,
            "identifier": "oai:partner:8",
            "raw": RAW,
            "detail": '{"error": "no title"}',
        },
    ],
    "harvest_seen": [
        {"run_id": 1, "local_id": "partner-7"},
        {"run_id": 2, "local_id": "partner-9"},
    ],
    "harvest_requests": [
        {
            "id": 1,
            "source_id": "partner",
            "full": True,
            "requested_at": T0 - 10,
            "requested_by": "admin",
            "taken_at": T0 - 5,
            "run_id": 1,
        },
        {
            "id": 2,
            "source_id": "partner",
            "full": False,
            "requested_at": T0 + 9000,
            "requested_by": None,
            "taken_at": None,
            "run_id": None,
        },
    ],
}
SERIALS = {
    "harvest_runs": "id",
    "harvest_events": "id",
    "harvest_requests": "id",
    "records": "pk",
    "record_versions": "id",
}


def fill(engine: Engine) -> None:
    """Write ROWS as plain SQL, as the 0004 release left them (sequences moved on too)."""
    with engine.begin() as conn:
        for table, rows in ROWS.items():
            names = list(rows[0])
            # quoted: `full` is a reserved word in PostgreSQL
            columns = ", ".join(f'"{n}"' for n in names)
            values = ", ".join(f":{n}" for n in names)
            conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), rows)
        if conn.dialect.name == "postgresql":
            for table, key in SERIALS.items():
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), "
                        f"(SELECT max({key}) FROM {table}))"
                    )
                )
