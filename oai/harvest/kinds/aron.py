"""The `aron` kind: the Czech National Archives' portal ARON (elzasw/aron), over its REST API.

ARON has two: the old one under `/api/aron` (frozen since ARON 2.0, still served) and
ARON 2.0's under `/api/v1`. A `base_url` ending in one of them says which; a bare
portal URL is probed, `/api/v1/system/info` first (`aron_which`). This module sweeps the
old API; `aron_v1` sweeps the new one with the same guarantees.

Every run sweeps the portal (see `aron_sweep`): entities are fetched in batches, each
batch handed to the run's ingest as items (the entity's JSON, its uuid, its content hash
as the fingerprint) and committed with the run's counters and the sweep's position, so
a killed run resumes at the first uncommitted batch. Changes are found by content hash
(`aron_hash`): an entity whose hash is stored with its record is not crosswalked or
written; a re-import that only renumbers parts and items changes nothing. The names of
the entities a changed entity references are asked for once a run (`/apu/views`).

Deletions (`aron_end`): ARON deletes hard and has no feed, and while a partner
re-imports, its entities vanish from lists *and* GET. An entity becomes a tombstone only
when it is missing from two complete sweeps and `GET /apu/{id}` answers 404.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

from oai.harvest.kinds.aron_api import AronAPI
from oai.harvest.kinds.aron_end import deletions, listed
from oai.harvest.kinds.aron_hash import content_hash
from oai.harvest.kinds.aron_records import Triage, portal_of, user_agent
from oai.harvest.kinds.aron_sweep import Batch as Fetched
from oai.harvest.kinds.aron_sweep import Position, SweepPlan, sweep
from oai.harvest.kinds.aron_v1 import harvest_v1, refetch_v1
from oai.harvest.kinds.aron_which import OLD, resolve, which_label
from oai.harvest.state import RunState
from oai.ingest import Batch, Item

__all__ = ["harvest_aron", "refetch_aron", "user_agent"]


def _options(run: RunState) -> tuple[SweepPlan, list[str | None], float]:
    source = run.source
    plan = SweepPlan(page_size=source.page_size, max_concurrency=source.max_concurrency)
    lists: list[str | None] = list(source.types) if source.types else [None]
    return plan, lists, source.pause_seconds


def _api(run: RunState, base: str) -> AronAPI:
    plan, _lists, pause = _options(run)
    run.client.session.headers["User-Agent"] = user_agent(run.hub.settings.repository.admin_email)
    return AronAPI(run.client, base, max_concurrency=plan.max_concurrency, pause=pause)


def _start(run: RunState, lists: list[str | None]) -> Position:
    """Resume the checkpoint of a failed run, or start a new sweep."""
    saved = run.log.runs.last_checkpoint(run.source.id)
    state = saved.state.get("aron") if saved is not None else None
    position = Position.from_dict(state) if isinstance(state, dict) else None
    if saved is not None and position is not None and position.lists == lists:
        run.chain = [*saved.state.get("chain", [saved.run_id]), run.run_id]
        run.event("info", "resume", f"resuming run {saved.run_id}: {position.listed} listed")
        return position
    run.chain = [run.run_id]
    return Position(lists)


def _items(entities: Sequence[dict[str, Any]], label: str) -> list[Item]:
    """One item per entity, its content hash the fingerprint."""
    return [
        Item(
            f"{label}, entity {str(entity.get('id') or '').lower()}",
            str(entity.get("id") or "").strip().lower() or None,
            read="aron-entity",
            data=entity,
            fingerprint=content_hash(entity),
        )
        for entity in entities
    ]


class _Fetcher:
    """Fetches a batch's entities (in one of the sweep's threads) and the names of what
    the changed ones reference (one thread at a time fills the names' cache)."""

    def __init__(self, run: RunState, api: AronAPI) -> None:
        self.run, self.api = run, api
        self.triage = Triage(api)
        self.lock = threading.Lock()

    def __call__(self, ids: list[str]) -> tuple[list[Item], dict[str, str]]:
        entities = self.api.entities(ids) if ids else []
        items = _items(entities, "ARON")
        assert self.run.ingest is not None
        unchanged = self.run.ingest.unchanged(items)
        changed = [item.data for i, item in enumerate(items) if i not in unchanged]
        with self.lock:
            self.triage.know(entities)
            labels = self.triage.labels(changed)
        return items, labels


def _batches(run: RunState, api: AronAPI, plan: SweepPlan, start: Position) -> Iterator[Batch]:
    portal = portal_of(api.base)
    fetched: Fetched[tuple[list[Item], dict[str, str]]]
    for fetched in sweep(api, plan, start, _Fetcher(run, api)):
        items, labels = fetched.entities
        position = fetched.position
        yield Batch(
            items,
            f"ARON batch ({position.listed} listed)",
            checkpoint={"aron": position.to_dict(), "chain": run.chain},
            pages=1 if fetched.ids else 0,
            context={"portal": portal, "labels": labels},
        )


def harvest_aron(run: RunState, from_: str | None) -> tuple[str, str]:
    """Sweep the source's portal into the store, over the API it speaks; (status,
    message) of the run."""
    api_name, base = resolve(run.client, run.source.base_url)
    run.event("info", "api", f"speaks {which_label(api_name)} at {base}")
    if api_name != OLD:
        return harvest_v1(run, base)
    plan, lists, _pause = _options(run)
    api = _api(run, base)
    position = _start(run, lists)
    run.log.runs.checkpoint(run.run_id, {"aron": position.to_dict(), "chain": run.chain})
    run.full = True
    _refetch_failing(run, api)
    failure = run.drive(_batches(run, api, plan, position), "aron")
    if failure is not None:
        message = f"sweep failed after {listed(run)} listed entities: {failure}"
        run.event("error", "stream", message)
        return "failed", message
    summary = ", ".join(f"{v} {k}" for k, v in run.counts.items())
    try:
        outcome, kept = deletions(run, api)
    finally:
        run.log.seen.forget(run.chain)
    if outcome is not None and outcome.refused:
        return "partial", outcome.refused
    deleted = outcome.deleted if outcome is not None else 0
    return "ok", f"complete: {summary}; sweep: {deleted} tombstones, {kept} missing kept"


def _refetch_failing(run: RunState, api: AronAPI) -> None:
    """Ask again for the entities that failed in earlier runs (by uuid)."""
    wanted = run.log.failing.to_fetch(run.source.id, limit=run.hub.settings.harvest.refetch_max)
    if wanted:
        run.event("info", "refetch", f"asking again for {len(wanted)} entity(ies) that failed")
        failure = run.drive(_by_uuid(run, api, wanted), "refetch")
        if failure is not None:
            run.event("warning", "refetch", f"entities that failed before not fetched: {failure}")


def _by_uuid(run: RunState, api: AronAPI, uuids: Sequence[str]) -> Iterator[Batch]:
    """Entities fetched by uuid; one the portal no longer has (404) is gone (it is not
    deleted here: ARON entities vanish while a partner re-imports)."""
    fetcher = _Fetcher(run, api)
    portal = portal_of(api.base)
    for start in range(0, len(uuids), 100):
        chunk = list(uuids[start : start + 100])
        items, labels = fetcher(chunk)
        found = {item.identifier for item in items}
        gone = [u for u in chunk if u not in found and api.exists(u) is False]
        context = {"portal": portal, "labels": labels}
        yield Batch(items, "ARON by uuid", pages=1, context=context, gone=gone)


def refetch_aron(run: RunState, identifiers: list[str]) -> tuple[str, str]:
    """Fetch entities again by uuid, as a run of their own: re-harvest one record."""
    api_name, base = resolve(run.client, run.source.base_url)
    if api_name != OLD:
        return refetch_v1(run, base, identifiers)
    api = _api(run, base)
    failure = run.drive(_by_uuid(run, api, identifiers), "ARON by uuid")
    if failure is not None:
        return "failed", f"fetching {', '.join(identifiers)} failed: {failure}"
    summary = ", ".join(f"{v} {k}" for k, v in run.counts.items())
    return "ok", f"{', '.join(identifiers)}: {summary}"
