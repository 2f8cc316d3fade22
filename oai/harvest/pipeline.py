"""A set stream's pages, from the partner to committed store writes.

Pages are committed strictly in order. With a worker pool, the next pages are
crosswalked and rendered in other processes while the current one is written; the
checkpoint of each commit is still the token right after that page.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future

from sqlalchemy import Connection

from oai.harvest.errors import (
    HarvestError,
    PageError,
    RemoteConfigError,
    RemoteError,
    StreamError,
    TransportError,
)
from oai.harvest.parse import Limits
from oai.harvest.pool import MIN_RECORDS, Prepared
from oai.harvest.prefetch import Prefetcher
from oai.harvest.prepare import Failure, detecting_reader
from oai.harvest.reconcile import PageOutcome
from oai.harvest.state import Progress, RunState, StreamState, raw_of
from oai.harvest.stream import Stream, StreamPage
from oai.rendering import RenderFailure

__all__ = ["harvest_stream"]

PIPELINE_DEPTH = 3  # pages crosswalked ahead of the one being written
FETCH_AHEAD = 2  # pages fetched ahead of the one being crosswalked


def harvest_stream(run: RunState, state: StreamState, max_bytes: int) -> str | None:
    """Harvest one set stream to its end; the failure message, or None when complete."""
    name = state.set_spec or "(all)"
    remembered = _remembered_date_args(run)
    stream = Stream(
        run.client,
        run.source.base_url,
        run.source.metadata_prefix,
        set_spec=state.set_spec,
        from_=run.window[0],
        until=run.window[1],
        token=state.token,
        max_empty_pages=run.hub.settings.harvest.max_empty_pages,
        max_bytes=max_bytes,
        notify=lambda level, kind, message: run.event(level, kind, f"{name}: {message}"),
        limits=Limits.from_settings(run.hub.settings.harvest),
        date_args=remembered,
        on_date_args=lambda date_args: _remember_date_args(run, remembered, date_args),
    )
    inflight: deque[tuple[StreamPage, Prepared | Future[Prepared]]] = deque()
    failure: HarvestError | None = None
    # the next pages are fetched (and their tokens checked) in a thread while this one writes
    with Prefetcher(stream.pages(), FETCH_AHEAD, name=f"fetch {name}") as pages:
        while True:
            try:
                fetched = next(pages, None)
                if fetched is not None and run.lost():
                    raise StreamError("the run was marked stale by another process; stopping")
            except (PageError, StreamError, TransportError, RemoteError) as exc:
                failure = exc  # a fetching failure: the pages fetched before it are good
                break
            if fetched is None:
                break
            inflight.append((fetched, _prepare(run, fetched, max_bytes)))
            while len(inflight) > (PIPELINE_DEPTH if run.pool else 0):
                run.check_stop()
                _page(run, state, *inflight.popleft())
        # a failure while writing (above or here) propagates: no later page may pass it by
        while inflight:
            run.check_stop()
            _page(run, state, *inflight.popleft())
    if failure is not None:
        kind = "config" if isinstance(failure, RemoteConfigError) else "stream"
        if kind == "config":  # resuming would ask the same question again
            run.unresumable = f"{failure}"
        message = f"stream {name} failed at page {state.pages + 1}: {failure}"
        run.event("error", kind, message, page=state.pages + 1, **raw_of(failure))
        run.log.runs.add_counts(run.run_id, run.transport())
        return message
    if not state.done:  # noRecordsMatch, or a list that ended without a page
        state.done, state.token = True, None
        run.log.runs.add_counts(run.run_id, run.transport())
        run.log.runs.checkpoint(run.run_id, run.state())
    return None


def _remembered_date_args(run: RunState) -> str | None:
    found = run.log.sources.get(run.source.id)
    return found.date_args if found else None


def _remember_date_args(run: RunState, remembered: str | None, date_args: str | None) -> None:
    """Keep the date arguments the partner took for the source's next runs."""
    if date_args != remembered:
        run.log.sources.set_date_args(run.source.id, date_args)
        run.event(
            "warning" if date_args else "info",
            "fallback",
            f"from now on {run.source.id} is asked with date arguments"
            f" {date_args or 'as its Identify advertises'}",
            detail={"date_args": date_args},
        )


def _prepare(run: RunState, fetched: StreamPage, max_bytes: int) -> Prepared | Future[Prepared]:
    """Crosswalk a page here, or (large pages, with workers) in the pool."""
    assert run.crosswalker is not None
    if run.pool is not None and fetched.page.count >= MIN_RECORDS:
        context = run.hub.render_context
        return run.pool.submit(
            run.crosswalker,
            run.source.metadata_prefix,
            context,
            fetched.body,
            max_bytes,
            fetched.page.limits,
        )
    reader = detecting_reader(run.hub.registry, run.source.metadata_prefix)
    return Prepared(*run.crosswalker.prepare(reader, fetched.page.records))


def _page(
    run: RunState, state: StreamState, fetched: StreamPage, work: Prepared | Future[Prepared]
) -> None:
    """Reconcile one page and commit it with the counters and the checkpoint."""
    assert run.reconciler is not None
    prepared = work if isinstance(work, Prepared) else work.result()
    renderer = prepared.renderer(run.hub.render_context)
    state.pages += 1
    state.token, state.done = fetched.next_token, fetched.next_token is None
    run.pages += 1
    # the write lock first (the writer begins IMMEDIATE): the heartbeat thread's commits
    # must not void this snapshot
    conn = run.writer
    assert conn is not None
    with conn.begin():
        outcome = run.reconciler.apply(conn, prepared.incoming, renderer)
        counts = {**outcome.counts, "failed": len(prepared.failures)}
        run.log.runs.add_counts(run.run_id, {"pages": 1, **counts, **run.transport()}, conn)
        for failure in prepared.failures:
            _record_failure(run, conn, state.pages, failure)
        for unrendered in renderer.failures:  # of the records just written
            _render_failure(run, conn, state.pages, unrendered)
        _page_events(run, conn, state, fetched.page.repairs, outcome, counts)
        if run.full:  # for the sweep, even if this full harvest is resumed by later runs
            run.log.seen.mark(run.run_id, outcome.seen, conn)
        run.log.runs.checkpoint(run.run_id, run.state(), conn)
    for key, value in counts.items():
        run.counts[key] += value
    run.records += fetched.page.count
    if run.progress is not None:
        run.progress(
            Progress(
                run.run_id,
                state.set_spec or "",
                run.pages,
                run.records,
                time.monotonic() - run.started,
                dict(run.counts),
            )
        )


def _record_failure(run: RunState, conn: Connection, page: int, failure: Failure) -> None:
    run.log.events.add(
        run.run_id,
        "error",
        "record",
        f"record rejected: {failure.message}",
        page=page,
        identifier=failure.identifier,
        raw=failure.raw,
        detail={"error": failure.message},
        conn=conn,
    )


def _render_failure(run: RunState, conn: Connection, page: int, failure: RenderFailure) -> None:
    # the record is stored, in every format but this one: a warning, not a rejection
    run.log.events.add(
        run.run_id,
        "warning",
        "render",
        f"{failure.record_id}: stored without {failure.prefix}: {failure.reason}",
        page=page,
        identifier=failure.identifier,
        detail={"local_id": failure.record_id, "format": failure.prefix, "error": failure.reason},
        conn=conn,
    )


def _page_events(
    run: RunState,
    conn: Connection,
    state: StreamState,
    repairs: list[str],
    outcome: PageOutcome,
    counts: dict[str, int],
) -> None:
    page = state.pages
    for repair in repairs:
        run.log.events.add(
            run.run_id, "warning", "repair", f"page {page}: {repair}", page=page, conn=conn
        )
    for remote_id, local_id, fields in outcome.conflicts:
        run.log.events.add(
            run.run_id,
            "warning",
            "conflict",
            f"{local_id}: local edits kept in {', '.join(fields)}",
            page=page,
            identifier=remote_id,
            detail={"fields": fields, "local_id": local_id},
            conn=conn,
        )
    for remote_id, local_id in outcome.linked:
        run.log.events.add(
            run.run_id,
            "info",
            "link",
            f"{remote_id} linked to local {local_id}",
            page=page,
            identifier=remote_id,
            conn=conn,
        )
    if outcome.orphaned:
        run.log.events.add(
            run.run_id,
            "info",
            "orphans",
            f"page {page}: {len(outcome.orphaned)} component record(s) tombstoned: their "
            "finding aid was deleted or no longer has them",
            page=page,
            detail={"local_ids": outcome.orphaned[:100]},
            conn=conn,
        )
    summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "empty"
    run.log.events.add(
        run.run_id,
        "info",
        "page",
        f"{state.set_spec or '(all)'} page {page}: {summary}",
        page=page,
        detail=counts,
        conn=conn,
    )
