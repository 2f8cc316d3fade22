"""Partner records -> the store: keyed by (source, remote identifier), merged field by field.

- A harvested record's local id is `<source id>:<local part of the remote identifier>`,
  percent-encoded where the record model does not allow a character.
- The partner's last crosswalked content is kept beside each record (`remote_content`):
  equal content is "unchanged" (no version, no datestamp move); different content is
  merged against it as the base, so a field edited here is kept when the partner
  changes it too (a "conflict" event), and every other field follows the partner.
- `status="deleted"` makes a tombstone (`Store.delete`), never a hard delete.
- `match` keys (identifier, source, title) link a partner record that is new here to a
  local record describing the same document; until then the local record has no base,
  so its own values win where both have one, and the partner fills the gaps.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from oai.harvest.prepare import MATCH_KEYS, Incoming, match_values
from records.model import Record, canonical_json
from records.store import Renderer, Store
from records.writer import BatchWriter

__all__ = ["PageOutcome", "Reconciler", "merge_fields"]

# in a record's stored JSON: it lists parts (a finding aid lists its components so)
_HAS_PART = '"hasPart"'


def merge_fields(
    base: Mapping[str, Any] | None, local: Mapping[str, Any], partner: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Three-way merge of top-level fields: local edits win, conflicts are listed."""
    merged: dict[str, Any] = {}
    conflicts: list[str] = []
    for key in sorted(set(local) | set(partner)):
        mine, theirs = local.get(key), partner.get(key)
        if key == "id" or mine == theirs:
            value = mine
        elif base is None:  # no merge base yet (a freshly matched local record)
            value = theirs if mine is None else mine
            if mine is not None and theirs is not None:
                conflicts.append(key)
        elif mine == base.get(key):
            value = theirs  # changed by the partner only
        else:
            value = mine  # edited here: kept
            if theirs != base.get(key):
                conflicts.append(key)
        if value is not None:
            merged[key] = value
    return merged, conflicts


@dataclass
class PageOutcome:
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("added", "updated", "unchanged", "deleted"), 0)
    )
    conflicts: list[tuple[str, str, list[str]]] = field(default_factory=list)
    linked: list[tuple[str, str]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # local ids of the page's records
    orphaned: list[str] = field(default_factory=list)  # components tombstoned with them


@dataclass(slots=True)
class _State:
    local_id: str
    remote_datestamp: str | None
    remote_content: str | None
    content: str
    deleted: bool


class Reconciler:
    """Turns pages of partner records into store writes, for one run of one source."""

    def __init__(
        self,
        store: Store,
        *,
        source_id: str,
        run_id: int,
        now: datetime,
        match: Sequence[str] = (),
    ) -> None:
        self.store, self.source_id = store, source_id
        self.run_id, self.now = run_id, now
        self.match = tuple(k for k in match if k in MATCH_KEYS)
        self.seen: set[str] = set()
        self._index: dict[tuple[str, str], str | None] | None = None

    # -- writing (inside the page's transaction) ----------------------------------------

    def apply(
        self,
        conn: Connection,
        incoming: Sequence[Incoming],
        renderer: Renderer,
    ) -> PageOutcome:
        """Write a page's records in the caller's transaction, in a few batched statements.

        `renderer` renders the records written (the page's, see `Prepared.renderer`)."""
        outcome = PageOutcome()
        states = self._states(conn, [i.remote_id for i in incoming])
        writes: list[Record] = []
        contents: list[str | None] = []  # each write's content JSON, when already made
        deletions: list[str] = []
        remote: dict[str, str] = {}  # local id -> the partner's content, the next merge base
        had_parts: set[str] = set()  # documents whose stored version lists components
        for item in incoming:
            state = states.get(item.remote_id)
            if state is not None and not state.deleted and _HAS_PART in state.content:
                had_parts.add(item.remote_id)
            if item.record is None:
                if state is None or state.deleted:
                    outcome.counts["unchanged"] += 1
                else:
                    deletions.append(state.local_id)
                    state.deleted = True
                    outcome.counts["deleted"] += 1
                if state is not None:
                    outcome.seen.append(state.local_id)
                continue
            state, write, partner_json = self._decide(conn, item, state, outcome)
            states[item.remote_id] = state
            outcome.seen.append(state.local_id)
            if write is None:
                outcome.counts["unchanged"] += 1
            else:
                writes.append(write)
                contents.append(state.content if partner_json is not None else None)
            if partner_json is not None:
                remote[state.local_id] = partner_json
        writer = BatchWriter(conn, self.now, "harvest", f"harvest:{self.source_id}", self.run_id)
        for result in writer.put(writes, renderer, contents, remote):
            outcome.counts["updated" if result.status == "undeleted" else result.status] += 1
            if result.status == "added":
                remote.pop(result.local_id, None)  # inserted with its remote_content
        for local_id in deletions:
            writer.delete(local_id)
        for local_id in self._orphans(conn, incoming, had_parts):
            writer.delete(local_id)
            outcome.counts["deleted"] += 1
            outcome.orphaned.append(local_id)
        self.store.set_remote_contents(conn, remote)
        self.seen.update(outcome.seen)
        return outcome

    def _states(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, _State]:
        found = self.store.states_by_remote_id(conn, self.source_id, remote_ids)
        return {remote_id: _State(*state) for remote_id, state in found.items()}

    def _decide(
        self, conn: Connection, item: Incoming, state: _State | None, outcome: PageOutcome
    ) -> tuple[_State, Record | None, str | None]:
        """(new state, the record to write or None, the new merge base or None)."""
        assert item.record is not None
        partner_json = item.content_json or canonical_json(item.record.content())
        if state is None:
            state = self._link(conn, item)
            if state is not None:
                outcome.linked.append((item.remote_id, state.local_id))
        if state is not None and not state.deleted and state.remote_content == partner_json:
            if state.remote_datestamp == item.header.datestamp:
                return state, None, None
            # the partner touched it without changing it: new origin, no new version
            current = Record.from_dict(json.loads(state.content))
            state.remote_datestamp = item.header.datestamp
            return state, current.with_origin(item.record.origin), None
        record = item.record
        if state is not None and state.deleted and state.local_id != record.id:
            # a tombstone of a linked local record comes back under its own id
            record = Record.from_dict({**record.to_dict(), "id": state.local_id})
        elif state is not None and not state.deleted:
            base = json.loads(state.remote_content) if state.remote_content else None
            partner = json.loads(partner_json)
            merged, conflicts = merge_fields(base, json.loads(state.content), partner)
            if conflicts:
                outcome.conflicts.append((item.remote_id, state.local_id, conflicts))
            if merged != partner:
                merged["origin"] = record.origin.to_dict()
                record = Record.from_dict(merged)
        content = partner_json if record is item.record else canonical_json(record.content())
        new_state = _State(record.id, item.header.datestamp, partner_json, content, False)
        return new_state, record, partner_json

    def _orphans(
        self, conn: Connection, incoming: Sequence[Incoming], had_parts: set[str]
    ) -> list[str]:
        """Live component records (`<remote id>#<component>`, one finding aid read into
        several records) whose document the page deleted, or re-published without them.

        Only documents deleted here, read into components, or whose stored version
        lists components (`had_parts`: a finding aid that lost all of them) are looked
        at, so a page of ordinary single records costs no query."""
        made: dict[str, set[str]] = {}  # document id -> the remote ids read from it now
        deleted: set[str] = set()
        for item in incoming:
            made.setdefault(item.header.identifier, set()).add(item.remote_id)
            if item.record is None:
                deleted.add(item.remote_id)
        documents = {
            d: ids for d, ids in made.items() if len(ids) > 1 or d in deleted or d in had_parts
        }
        if not documents:
            return []
        orphans: list[str] = []
        for document, ids in sorted(documents.items()):
            found = self.store.live_ids_by_remote_prefix(conn, self.source_id, f"{document}#")
            orphans += [local_id for remote_id, local_id in found.items() if remote_id not in ids]
        return orphans

    # -- linking by match keys ----------------------------------------------------------

    def _link(self, conn: Connection, item: Incoming) -> _State | None:
        if not self.match or not item.match_values:
            return None
        index = self._match_index(conn)
        for value in item.match_values:
            local_id = index.get(value)
            if local_id:
                row = self.store.local_state(conn, local_id)
                if row is None:
                    continue
                for key in [k for k, v in index.items() if v == local_id]:
                    index[key] = None  # one partner record per local record
                return _State(local_id, None, None, row.content, bool(row.deleted))
        return None

    def _match_index(self, conn: Connection) -> dict[tuple[str, str], str | None]:
        """(key, value) -> local id of the one local record having it (None: ambiguous)."""
        if self._index is None:
            index: dict[tuple[str, str], str | None] = {}
            for local_id, content in self.store.live_local_contents(conn):
                for value in set(match_values(json.loads(content), self.match)):
                    index[value] = local_id if value not in index else None
            self._index = index
        return self._index
