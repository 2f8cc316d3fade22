"""Re-harvest one record: GetRecord, then the run's usual crosswalk and reconciliation.

What an admin's "re-harvest this record" button runs: a small run of its own (trigger
"record") in the run log, with the record's events, counts and raw XML like any run, so
the page that follows shows what changed and why. A finding aid's component is fetched
as the finding aid it came in (`<identifier>#<component>` -> `<identifier>`).
"""

from __future__ import annotations

import os

from oai.harvest.client import Client, ClientConfig
from oai.harvest.errors import HarvestError
from oai.harvest.harvester import RunResult, sync_sources
from oai.harvest.parse import Limits, parse_get_record
from oai.harvest.pool import Prepared
from oai.harvest.prepare import Crosswalker, detecting_reader
from oai.harvest.reconcile import Reconciler
from oai.harvest.runlog import RunLog, utcnow
from oai.harvest.state import raw_of
from oai.hub import Hub
from oai.settings import SourceSettings

__all__ = ["reharvest_record"]


def reharvest_record(
    hub: Hub, source: SourceSettings, remote_identifier: str, *, by: str = "admin"
) -> RunResult:
    """Fetch one partner record again and reconcile it, logged as a run of `source`."""
    log = sync_sources(hub)
    identifier = remote_identifier.split("#", 1)[0]
    run_id = log.runs.start(source.id, trigger="record", pid=os.getpid())
    log.events.add(run_id, "info", "record", f"re-harvest of {identifier} asked by {by}")
    client = Client(ClientConfig.from_settings(hub.settings.harvest), home=source.base_url)
    try:
        status, message = _fetch_and_apply(hub, log, run_id, source, identifier, client)
    except BaseException as exc:  # the run must not stay "running"
        log.events.add(run_id, "error", "crash", f"{type(exc).__name__}: {exc}")
        log.runs.finish(run_id, "failed", f"crashed: {type(exc).__name__}: {exc}")
        raise
    finally:
        log.runs.add_counts(
            run_id,
            {"requests": client.requests, "bytes": client.bytes, "retries": client.retries},
        )
        client.close()
    info = log.runs.finish(run_id, status, message)
    return RunResult.of(info)


def _fetch_and_apply(
    hub: Hub, log: RunLog, run_id: int, source: SourceSettings, identifier: str, client: Client
) -> tuple[str, str]:
    max_bytes = hub.settings.harvest.max_response_bytes
    params = {
        "verb": "GetRecord",
        "identifier": identifier,
        "metadataPrefix": source.metadata_prefix,
    }
    try:
        response = client.get(source.base_url, params)
        limits = Limits.from_settings(hub.settings.harvest)
        page = parse_get_record(response.body, max_bytes=max_bytes, limits=limits)
    except HarvestError as exc:
        log.events.add(run_id, "error", "record", f"GetRecord failed: {exc}", **raw_of(exc))
        return "failed", f"GetRecord {identifier} failed: {exc}"
    now = utcnow()
    namespace = next(
        (f.namespace for f in hub.registry.all() if f.prefix == source.metadata_prefix), ""
    )
    crosswalker = Crosswalker(source.id, source.base_url, namespace, now, tuple(source.match))
    reader = detecting_reader(hub.registry, source.metadata_prefix)
    prepared = Prepared(*crosswalker.prepare(reader, page.records))
    renderer = prepared.renderer(hub.render_context)
    reconciler = Reconciler(
        hub.store, source_id=source.id, run_id=run_id, now=now, match=source.match
    )
    with hub.store.transaction() as conn:
        outcome = reconciler.apply(conn, prepared.incoming, renderer)
        counts = {**outcome.counts, "failed": len(prepared.failures), "pages": 1}
        log.runs.add_counts(run_id, counts, conn)
        for failure in prepared.failures:
            log.events.add(
                run_id,
                "error",
                "record",
                f"record rejected: {failure.message}",
                page=1,
                identifier=failure.identifier,
                raw=failure.raw,
                detail={"error": failure.message},
                conn=conn,
            )
        for unrendered in renderer.failures:
            log.events.add(
                run_id,
                "warning",
                "render",
                f"{unrendered.record_id}: stored without {unrendered.prefix}: {unrendered.reason}",
                page=1,
                identifier=unrendered.identifier,
                conn=conn,
            )
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if k != "pages")
    if prepared.failures:
        return "failed", f"GetRecord {identifier}: {prepared.failures[0].message}"
    return "ok", f"GetRecord {identifier}: {summary}"
