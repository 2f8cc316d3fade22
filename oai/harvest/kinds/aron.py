"""The `aron` kind: the Czech National Archives' portal ARON (elzasw/aron), over its REST API.

Every run sweeps the portal (see `aron_sweep`): entities are fetched in batches, each
batch reconciled and committed with the run's counters and the sweep's position, so a
killed run resumes at the first uncommitted batch. Changes are found by content hash
(`aron_hash`): an entity whose hash is stored with its record is not crosswalked or
written; a re-import that only renumbers parts and items changes nothing.

Deletions: ARON deletes hard and has no feed, and while a partner re-imports, its
entities vanish from lists *and* GET. An entity becomes a tombstone only when it is
missing from a complete sweep, was missing from the previous complete sweep too, and
`GET /apu/{id}` answers 404 (a 5xx or a timeout keeps it live); the sweep guard
(`harvest.sweep_max_share`) applies. What a complete sweep missed is kept in its
run's final checkpoint for the next one.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from oai.harvest.errors import HarvestError, StreamError, SweepRefused
from oai.harvest.kinds.aron_api import AronAPI
from oai.harvest.kinds.aron_records import EntityReader, Triage, prepare_entities
from oai.harvest.kinds.aron_sweep import Batch, Position, SweepPlan, sweep
from oai.harvest.pool import Prepared
from oai.harvest.prepare import Failure, local_id_for
from oai.harvest.reconcile import Reconciler
from oai.harvest.runlog import utcnow
from oai.harvest.state import Progress, RunState
from oai.harvest.tombstones import guard_sweep, write_tombstones

__all__ = ["harvest_aron", "user_agent"]

PIPELINE_DEPTH = 3  # batches crosswalked in workers ahead of the one being written
MIN_ENTITIES = 20  # fewer changed entities are cheaper to crosswalk in place


def user_agent(admin_emails: Sequence[str]) -> str:
    """Who is asking, and whom the partner can write to."""
    contact = f"; {admin_emails[0]}" if admin_emails else ""
    return f"oaihub-harvester/1.0 (ARON sweep{contact})"


def _options(run: RunState) -> tuple[SweepPlan, list[str | None], float]:
    source = run.source
    plan = SweepPlan(page_size=source.page_size, max_concurrency=source.max_concurrency)
    lists: list[str | None] = list(source.types) if source.types else [None]
    return plan, lists, source.pause_seconds


def _start(run: RunState, lists: list[str | None]) -> Position:
    """Resume the checkpoint of a failed run, or start a new sweep."""
    saved = run.log.runs.last_checkpoint(run.source.id)
    state = saved.state.get("aron") if saved is not None else None
    position = Position.from_dict(state) if isinstance(state, dict) else None
    if saved is not None and position is not None and position.lists == lists:
        run.chain = [*saved.state.get("chain", [saved.run_id]), run.run_id]
        run.resumed_from = saved.run_id
        run.event("info", "resume", f"resuming run {saved.run_id}: {position.listed} listed")
        return position
    run.chain = [run.run_id]
    return Position(lists)


def _known(run: RunState, ids: Sequence[str]) -> dict[str, str]:
    """Remote id -> the content hash stored with its live record."""
    with run.hub.engine.connect() as conn:
        found = run.hub.store.states_by_remote_id(conn, run.source.id, ids)
    return {k: s.remote_datestamp for k, s in found.items() if not s.deleted and s.remote_datestamp}


@dataclass
class _Fetched:
    """A batch fetched and sorted (in a fetching thread): what to crosswalk, with the
    names it references, and what is unchanged by its content hash."""

    todo: list[tuple[dict[str, Any], str]]
    unchanged: list[str]
    labels: dict[str, str]


@dataclass
class _Work:
    """A fetched batch on its way to the store, crosswalked (maybe in a worker)."""

    batch: Batch[_Fetched]
    prepared: Prepared | Future[Prepared]


def _fetcher(run: RunState, api: AronAPI, triage: Triage) -> Callable[[list[str]], _Fetched]:
    lock = threading.Lock()  # one thread at a time asks for names (and fills the cache)

    def fetch(ids: list[str]) -> _Fetched:
        entities = api.entities(ids) if ids else []
        todo, unchanged = triage.split(entities, _known(run, ids) if ids else {})
        with lock:
            labels = triage.labels(todo)
        return _Fetched(todo, unchanged, labels)

    return fetch


def _crosswalk(run: RunState, reader: EntityReader, batch: Batch[_Fetched]) -> _Work:
    todo, labels = batch.entities.todo, batch.entities.labels
    if run.pool is not None and len(todo) >= MIN_ENTITIES:
        context = run.hub.render_context
        return _Work(batch, run.pool.call(prepare_entities, reader, todo, labels, context))
    return _Work(batch, reader.prepare(todo, labels))


def _commit(run: RunState, work: _Work) -> None:
    """One batch reconciled and committed with the counters and the position after it."""
    assert run.reconciler is not None and run.writer is not None
    batch, unchanged = work.batch, work.batch.entities.unchanged
    prepared = work.prepared if isinstance(work.prepared, Prepared) else work.prepared.result()
    conn = run.writer
    with conn.begin():
        renderer = prepared.renderer(run.hub.render_context)
        outcome = run.reconciler.apply(conn, prepared.incoming, renderer)
        counts = {**outcome.counts, "failed": len(prepared.failures)}
        counts["unchanged"] += len(unchanged)
        pages = 1 if batch.ids else 0
        run.log.runs.add_counts(run.run_id, {"pages": pages, **counts, **run.transport()}, conn)
        for failure in prepared.failures:
            _failure(run, conn, failure)
        for unrendered in renderer.failures:
            run.log.events.add(
                run.run_id,
                "warning",
                "render",
                f"{unrendered.record_id}: stored without {unrendered.prefix}: {unrendered.reason}",
                identifier=unrendered.identifier,
                conn=conn,
            )
        local = [local_id_for(run.source.id, i) for i in unchanged]
        run.log.seen.mark(run.run_id, [*outcome.seen, *local], conn)
        state = {"aron": batch.position.to_dict(), "chain": run.chain}
        run.log.runs.checkpoint(run.run_id, state, conn)
    for key, value in counts.items():
        run.counts[key] += value
    run.pages += pages
    run.records += len(batch.ids)
    if run.progress is not None:
        elapsed = time.monotonic() - run.started
        run.progress(
            Progress(run.run_id, "aron", run.pages, run.records, elapsed, dict(run.counts))
        )


def _failure(run: RunState, conn: Any, failure: Failure) -> None:
    run.log.events.add(
        run.run_id,
        "error",
        "record",
        f"entity rejected: {failure.message}",
        identifier=failure.identifier,
        raw=failure.raw,
        detail={"error": failure.message},
        conn=conn,
    )


def harvest_aron(run: RunState) -> tuple[str, str]:
    """Sweep the source's portal into the store; (status, message) of the run."""
    source = run.source
    plan, lists, pause = _options(run)
    run.client.session.headers["User-Agent"] = user_agent(run.hub.settings.repository.admin_email)
    api = AronAPI(run.client, source.base_url, max_concurrency=plan.max_concurrency, pause=pause)
    position = _start(run, lists)
    run.log.runs.checkpoint(run.run_id, {"aron": position.to_dict(), "chain": run.chain})
    run.full = True
    run.reconciler = Reconciler(
        run.hub.store, source_id=source.id, run_id=run.run_id, now=utcnow(), match=source.match
    )
    reader = EntityReader(source.id, source.base_url, utcnow(), tuple(source.match))
    triage = Triage(api)
    inflight: deque[_Work] = deque()
    batches = sweep(api, plan, position, _fetcher(run, api, triage))
    failure: HarvestError | None = None
    while True:
        try:  # a fetching failure: what was fetched before it is good, and committed
            batch = next(batches, None)
            if batch is not None and run.lost():
                raise StreamError("the run was marked stale by another process; stopping")
        except HarvestError as exc:
            failure = exc
            break
        if batch is None:
            break
        run.check_stop()
        inflight.append(_crosswalk(run, reader, batch))
        while len(inflight) > (PIPELINE_DEPTH if run.pool else 0):
            position = inflight[0].batch.position
            _commit(run, inflight.popleft())
    while inflight:  # a failure while writing propagates: no later batch passes it by
        position = inflight[0].batch.position
        _commit(run, inflight.popleft())
    if failure is not None:
        message = f"sweep failed after {position.listed} listed entities: {failure}"
        run.event("error", "stream", message)
        run.log.runs.add_counts(run.run_id, run.transport())
        return "failed", message
    summary = ", ".join(f"{v} {k}" for k, v in run.counts.items())
    try:
        deleted, kept = _deletions(run, api, position)
    except SweepRefused as exc:
        detail = {"would_delete": exc.would_delete, "live": exc.live, "share": exc.share}
        run.event("error", "sweep", str(exc), detail=detail)
        return "partial", str(exc)
    finally:
        run.log.seen.forget(run.chain)
        run.log.runs.add_counts(run.run_id, run.transport())
    return "ok", f"complete: {summary}; sweep: {deleted} tombstones, {kept} missing kept"


def _previous_missing(run: RunState) -> set[str]:
    """What the previous complete sweep of the source missed."""
    last = run.log.runs.last(run.source.id)
    state = (last.checkpoint or {}).get("aron") if last is not None else None
    if not isinstance(state, dict) or not state.get("complete"):
        return set()
    return {str(i) for i in state.get("missing") or []}


def _deletions(run: RunState, api: AronAPI, position: Position) -> tuple[int, int]:
    """Tombstones for entities missing twice and gone by GET; (deleted, missing kept)."""
    live = run.hub.store.local_ids_of_source(run.source.id)
    missing = live - run.log.seen.by(run.chain)
    candidates = sorted(missing & _previous_missing(run))
    gone: list[str] = []
    unsure: list[str] = []
    for local_id in candidates:
        found = api.exists(local_id.split(":", 1)[1])
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
    try:
        guard_sweep(run, gone, len(live))
    except SweepRefused:
        # what is missing is still missing: the next complete sweep asks again
        state = {**position.to_dict(), "missing": sorted(missing)}
        run.log.runs.checkpoint(run.run_id, {"aron": state, "chain": run.chain})
        raise
    state = {**position.to_dict(), "missing": sorted(missing - set(gone))}
    run.log.runs.checkpoint(run.run_id, {"aron": state, "chain": run.chain})
    why = "entities missing from two complete sweeps and gone (404)"
    deleted = write_tombstones(run, gone, why)
    return deleted, len(missing) - deleted
