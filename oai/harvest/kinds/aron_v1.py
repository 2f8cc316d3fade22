"""The `aron` kind over ARON 2.0's REST API (`/api/v1`): the same guarantees as the old
API's sweep (`kinds.aron`), another way of asking.

Every run sweeps the portal (`aron_v1_sweep`): each section's search, partitioned so
that every part fits the page window, one batch a page. Hits carry no parent, dating or
timestamp, so each unit's detail is asked for, with the validators (`ETag`,
`Last-Modified`) kept from the last answer: a 304 stands for that answer, whose content
hash is kept beside the validators and is trusted only while the stored record has it
(otherwise the unit is asked for again without validators). The validators change with
every re-import of the unit's source, so a 200 goes through the content hash (the same
as the old API's, `aron_hash`) before anything is written. The render model is read
back into the old API's entity (`crosswalks.aron_v1`), so both APIs give one record.

Deletions, the sweep guard, checkpoints and resume are the old API's (`kinds.aron`): a
unit missing from two complete sweeps whose detail answers 404 is a tombstone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from crosswalks.aron_v1 import entity_of_detail, labels_of_detail, parent_of_detail
from oai.harvest.errors import HarvestError, HTTPStatusError
from oai.harvest.kinds.aron_end import deletions, listed
from oai.harvest.kinds.aron_hash import content_hash
from oai.harvest.kinds.aron_records import portal_of, user_agent
from oai.harvest.kinds.aron_v1_api import AronV1API, Detail
from oai.harvest.kinds.aron_v1_sweep import SECTIONS, Listing, V1Position, sweep
from oai.harvest.runlog import Validator
from oai.harvest.state import RunState
from oai.ingest import Batch, Item

__all__ = ["harvest_v1", "refetch_v1"]


@dataclass
class Fetched:
    """One page's units: their items, the names they reference, the validators to keep,
    the uuids the portal no longer gives (404)."""

    items: list[Item] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    validators: list[Validator] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)


def _api(run: RunState, base: str) -> AronV1API:
    run.client.session.headers["User-Agent"] = user_agent(run.hub.settings.repository.admin_email)
    source = run.source
    return AronV1API(
        run.client, base, max_concurrency=source.max_concurrency, pause=source.pause_seconds
    )


class _Fetcher:
    """Fetches a page's details, `max_concurrency` at a time, conditionally."""

    def __init__(self, run: RunState, api: AronV1API, listing: Listing) -> None:
        self.run, self.api, self.listing = run, api, listing
        self.pool = ThreadPoolExecutor(max(1, run.source.max_concurrency), "aron-v1")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _detail(self, uuid: str, known: Validator | None) -> Detail | None:
        """The unit's detail (a 304 only with validators), None on a 404."""
        try:
            if known is not None and known.fingerprint and (known.etag or known.last_modified):
                return self.api.detail(uuid, known.etag, known.last_modified)
            return self.api.detail(uuid)
        except HTTPStatusError as exc:
            if exc.status == 404:
                return None
            raise

    def _parent_type(self, parent: str | None) -> str | None:
        """The apuType of a unit's parent: listed already, kept, or asked for once."""
        if parent is None:
            return None
        known = self.listing.types.get(parent)
        if known is None:
            kept = self.run.log.validators.of(self.run.source.id, [parent]).get(parent)
            known = kept.kind if kept is not None else None
        if known is None:
            found = self._detail(parent, None)
            body = found.body if found is not None else None
            known = str(body.get("apuType") or "") if body else ""
        self.listing.types[parent] = known
        return known or None

    def _item(self, uuid: str, detail: Detail, fetched: Fetched) -> Item:
        where = f"ARON 2.0, unit {uuid}"
        assert detail.body is not None
        entity = entity_of_detail(detail.body, self._parent_type(parent_of_detail(detail.body)))
        printed = content_hash(entity)
        kind = str(detail.body.get("apuType") or "") or None
        fetched.labels.update(labels_of_detail(detail.body))
        parent = parent_of_detail(detail.body) or ""
        fetched.validators.append(
            Validator(uuid, kind, detail.etag, detail.last_modified, printed, parent)
        )
        return Item(where, uuid, read="aron-entity", data=entity, fingerprint=printed)

    def one(self, uuid: str, fetched: Fetched) -> None:
        """Add one unit to `fetched`, asked for without validators (gone on a 404)."""
        detail = self._detail(uuid, None)
        if detail is None:
            fetched.gone.append(uuid)
        else:
            fetched.items.append(self._item(uuid, detail, fetched))

    def __call__(self, ids: list[str]) -> Fetched:
        fetched = Fetched()
        if not ids:
            return fetched
        known = self.run.log.validators.of(self.run.source.id, ids)
        details = list(self.pool.map(lambda u: self._detail(u, known.get(u)), ids))
        not_modified: list[tuple[str, Item]] = []
        for uuid, detail in zip(ids, details, strict=True):
            if detail is None:
                fetched.gone.append(uuid)
            elif detail.status == 304:
                stamp = known[uuid].fingerprint
                item = Item(f"ARON 2.0, unit {uuid}", uuid, read="aron-entity", fingerprint=stamp)
                not_modified.append((uuid, item))
                fetched.items.append(item)
            else:
                fetched.items.append(self._item(uuid, detail, fetched))
        self._confirm(not_modified, fetched)
        return fetched

    def _confirm(self, not_modified: list[tuple[str, Item]], fetched: Fetched) -> None:
        """A 304 stands only for a stored record with the kept hash: the others are
        asked for again, without validators."""
        if not not_modified:
            return
        assert self.run.ingest is not None
        trusted = self.run.ingest.unchanged([item for _uuid, item in not_modified])
        for place, (uuid, item) in enumerate(not_modified):
            if place in trusted:
                continue
            detail = self._detail(uuid, None)
            index = fetched.items.index(item)
            if detail is None:
                fetched.items.pop(index)
                fetched.gone.append(uuid)
            else:
                fetched.items[index] = self._item(uuid, detail, fetched)


def _start(run: RunState, lists: list[str]) -> V1Position:
    """Resume the checkpoint of a failed run, or start a new sweep."""
    saved = run.log.runs.last_checkpoint(run.source.id)
    state = saved.state.get("aron") if saved is not None else None
    position = V1Position.from_dict(state) if isinstance(state, dict) else None
    if saved is not None and position is not None and position.lists == lists:
        run.chain = [*saved.state.get("chain", [saved.run_id]), run.run_id]
        run.event("info", "resume", f"resuming run {saved.run_id}: {position.listed} listed")
        return position
    run.chain = [run.run_id]
    return V1Position(lists)


def _listing(run: RunState) -> Listing:
    """What the sweep handed out already (the runs it resumes), and where it says things."""
    seen_local = run.log.seen.by(run.chain) if len(run.chain) > 1 else set()
    remote = run.hub.store.remote_identifiers(sorted(seen_local)) if seen_local else {}
    listing = Listing(
        page_size=run.source.page_size,
        window=run.source.search_window,
        seen={str(v).lower() for v in remote.values() if v},
        say=lambda level, message: run.event(level, "sweep", message),
    )
    if not run.source.types:  # the trees hold units of every type: walked only then
        listing.roots = lambda: _roots(run, listing)
    return listing


def _roots(run: RunState, listing: Listing) -> list[str]:
    """The units this sweep handed out that have no parent: where the trees start."""
    kept = run.log.validators.of(run.source.id, sorted(listing.seen))
    return sorted(uuid for uuid, v in kept.items() if v.parent == "")


def _batches(run: RunState, api: AronV1API, start: V1Position) -> Iterator[Batch]:
    listing = _listing(run)
    fetcher = _Fetcher(run, api, listing)
    portal = portal_of(api.base)
    try:
        for done in sweep(api, listing, start, fetcher):
            fetched = done.entities
            run.log.validators.put(run.source.id, fetched.validators)
            yield Batch(
                fetched.items,
                f"ARON 2.0 page ({done.position.listed} listed)",
                checkpoint={"aron": done.position.to_dict(), "chain": run.chain},
                pages=1 if done.ids else 0,
                context={"portal": portal, "labels": fetched.labels},
            )
    finally:
        fetcher.close()


def harvest_v1(run: RunState, base: str) -> tuple[str, str]:
    """Sweep an ARON 2.0 portal into the store; (status, message) of the run."""
    api = _api(run, base)
    lists = list(run.source.types) if run.source.types else list(SECTIONS)
    position = _start(run, lists)
    run.log.runs.checkpoint(run.run_id, {"aron": position.to_dict(), "chain": run.chain})
    run.full = True
    _refetch_failing(run, api)
    failure = run.drive(_batches(run, api, position), "aron")
    if failure is not None:
        message = f"sweep failed after {listed(run)} listed units: {failure}"
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
    return "ok", f"complete (ARON 2.0): {summary}; sweep: {deleted} tombstones, {kept} missing kept"


def _by_uuid(run: RunState, api: AronV1API, uuids: Sequence[str]) -> Iterator[Batch]:
    """Units fetched by uuid, unconditionally; a 404 is gone from the failing list (it is
    not deleted here: units vanish while a partner re-imports)."""
    fetcher = _Fetcher(run, api, Listing())
    portal = portal_of(api.base)
    try:
        for start in range(0, len(uuids), 100):
            chunk = [u.strip().lower() for u in uuids[start : start + 100]]
            fetched = Fetched()
            for uuid in chunk:
                fetcher.one(uuid, fetched)
            run.log.validators.put(run.source.id, fetched.validators)
            context = {"portal": portal, "labels": fetched.labels}
            yield Batch(
                fetched.items, "ARON 2.0 by uuid", pages=1, context=context, gone=fetched.gone
            )
    finally:
        fetcher.close()


def _refetch_failing(run: RunState, api: AronV1API) -> None:
    """Ask again for the units that failed in earlier runs (by uuid)."""
    wanted = run.log.failing.to_fetch(run.source.id, limit=run.hub.settings.harvest.refetch_max)
    if wanted:
        run.event("info", "refetch", f"asking again for {len(wanted)} unit(s) that failed")
        failure = run.drive(_by_uuid(run, api, wanted), "refetch")
        if failure is not None:
            run.event("warning", "refetch", f"units that failed before not fetched: {failure}")


def refetch_v1(run: RunState, base: str, identifiers: list[str]) -> tuple[str, str]:
    """Fetch units again by uuid, as a run of their own: re-harvest one record."""
    try:
        api = _api(run, base)
        failure: HarvestError | None = run.drive(_by_uuid(run, api, identifiers), "ARON by uuid")
    except HarvestError as exc:
        failure = exc
    if failure is not None:
        return "failed", f"fetching {', '.join(identifiers)} failed: {failure}"
    summary = ", ".join(f"{v} {k}" for k, v in run.counts.items())
    return "ok", f"{', '.join(identifiers)}: {summary}"
