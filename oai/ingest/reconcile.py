"""Partner records -> the store: keyed by (source, partner identifier), merged field by field.

- A record's local id is given once per partner identifier (`identity.LocalIds`): two
  partner identifiers are never one record.
- The partner's last crosswalked content is kept beside each record (`remote_content`),
  with the fingerprint of what it sent (`remote_fingerprint`): equal content is
  "unchanged" (no version, no datestamp move); different content is merged against it as
  the base, so a field edited here is kept when the partner changes it too (a "conflict"
  event), and every other field follows the partner.
- A deletion makes a tombstone (`BatchWriter.delete`), never a hard delete; the parts of
  a finding aid that the partner deleted or re-published without them go with it.
- `match` keys (identifier, source, title) link a partner record that is new here to a
  local record describing the same document. The local record stays local (`linked`):
  until the first merge it has no base, so its own values win where both have one and
  the partner fills the gaps; a deletion by the partner unlinks it, never deletes it.
- `LocalTarget` is the same step for the import of local records: written by id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from oai.ingest.identity import LocalIds
from oai.ingest.prepare import MATCH_KEYS, Incoming, Stamp, match_values
from records.harvested import RecordState
from records.model import Record, canonical_json
from records.provenance import Origin
from records.store import Renderer, Store
from records.withdrawals import note_deleted_meanwhile
from records.writer import Assembling, BatchWriter

__all__ = ["Outcome", "Reconciler", "merge_fields"]

# in a record's stored JSON: it lists parts (a finding aid lists its components so)
_HAS_PART = '"hasPart"'
_COUNTS = ("added", "updated", "unchanged", "deleted")


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
class Outcome:
    """What a batch did to the store, for its counts and events."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    conflicts: list[tuple[str, str, list[str]]] = field(default_factory=list)
    linked: list[tuple[str, str]] = field(default_factory=list)
    unlinked: list[tuple[str, str]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)  # local ids of the batch's records
    stored: list[str] = field(default_factory=list)  # partner ids stored or deleted
    orphaned: list[str] = field(default_factory=list)  # components tombstoned with them
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (remote, local id)
    withheld: list[str] = field(default_factory=list)  # withdrawn records sent again
    # deleted by the partner, tombstones here already (maybe withdrawn: see below)
    deleted_again: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _State:
    local_id: str
    remote_datestamp: str | None
    remote_content: str | None
    content: str
    deleted: bool
    fingerprint: str | None = None
    linked: bool = False
    origin: str | None = None


def _state(found: RecordState) -> _State:
    return _State(
        found.local_id,
        found.remote_datestamp,
        found.remote_content,
        found.content,
        found.deleted,
        found.fingerprint,
        found.linked,
        found.origin,
    )


class Reconciler:
    """Turns batches of partner records into store writes, for one run of one source."""

    def __init__(self, store: Store, stamp: Stamp, run_id: int | None) -> None:
        assert stamp.source_id is not None
        self.store, self.stamp, self.run_id = store, stamp, run_id
        self.source_id: str = stamp.source_id
        self.match = tuple(k for k in stamp.match if k in MATCH_KEYS)
        self.seen: set[str] = set()
        self.ids = LocalIds(self.source_id)
        self._index: dict[tuple[str, str], str | None] | None = None

    def states(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, RecordState]:
        return self.store.states_by_remote_id(conn, self.source_id, remote_ids)

    # -- writing (inside the batch's transaction) ---------------------------------------

    def apply(self, conn: Connection, incoming: Sequence[Incoming], renderer: Renderer) -> Outcome:
        """Write a batch's records in the caller's transaction, in a few batched statements."""
        outcome = Outcome()
        found = self.states(conn, [i.remote_id for i in incoming])
        states = {remote: _state(s) for remote, s in found.items()}
        incoming = self._identified(conn, incoming, found, outcome)
        writes: list[Record] = []
        contents: list[str | None] = []
        deletions: list[str] = []
        remote: dict[str, str] = {}  # local id -> the partner's content, the next merge base
        prints: dict[str, str | None] = {}  # local id -> the partner's fingerprint
        had_parts: set[str] = set()  # documents whose stored version lists components
        for item in incoming:
            state = states.get(item.remote_id)
            if state is not None and not state.deleted and _HAS_PART in state.content:
                had_parts.add(item.remote_id)
            outcome.stored.append(item.remote_id)
            if item.record is None and not item.unchanged:
                self._delete(item, state, deletions, outcome, writes, contents)
                continue
            state, write, partner_json = self._decide(conn, item, state, outcome)
            states[item.remote_id] = state
            outcome.seen.append(state.local_id)
            prints[state.local_id] = item.fingerprint
            if write is None:
                outcome.counts["unchanged"] += 1
            else:
                writes.append(write)
                contents.append(state.content if partner_json is not None else None)
            if partner_json is not None:
                remote[state.local_id] = partner_json
        actor = f"harvest:{self.source_id}"
        writer = BatchWriter(conn, self.stamp.now, "harvest", actor, self.run_id)
        for result in writer.put(writes, renderer, contents, remote):
            if result.status == "withheld":
                # withdrawn here: the partner's version is not taken in until reinstated
                _withheld(outcome, result.local_id, remote, prints)
                continue
            outcome.counts["updated" if result.status == "undeleted" else result.status] += 1
            if result.status == "added":
                remote.pop(result.local_id, None)  # inserted with its remote_content
        gone = list(deletions)
        for local_id in deletions:
            writer.delete(local_id)
        for local_id in self._orphans(conn, incoming, had_parts):
            writer.delete(local_id)
            gone.append(local_id)
            outcome.counts["deleted"] += 1
            outcome.orphaned.append(local_id)
        if gone and isinstance(renderer, Assembling):
            # a unit deleted leaves its fonds' finding aid: assembled again without it
            renderer.assemble(conn, gone, self.stamp.now)
        self.store.set_remote_contents(conn, remote, prints)
        # a withdrawn record the partner deleted meanwhile is not published by a reinstatement
        note_deleted_meanwhile(conn, outcome.deleted_again)
        self.seen.update(outcome.seen)
        return outcome

    def _identified(
        self,
        conn: Connection,
        incoming: Sequence[Incoming],
        found: Mapping[str, RecordState],
        outcome: Outcome,
    ) -> list[Incoming]:
        """The batch with each new partner identifier's record under the local id it is
        given (rule 4: one taken by another identifier is not given again)."""
        new = [i.remote_id for i in incoming if i.remote_id not in found]
        if not new:
            return list(incoming)
        preferred = {r: self.stamp.local_id(r) for r in new}
        holders = self.store.holders_of(conn, sorted(set(preferred.values())))
        known = {r: s.local_id for r, s in found.items()}
        given = self.ids.assign([i.remote_id for i in incoming], known, holders)
        out: list[Incoming] = []
        for item in incoming:
            local = given[item.remote_id]
            if item.record is not None and item.record.id != local:
                record = Record.from_dict({**item.record.to_dict(), "id": local})
                item = _with_record(item, record)
                outcome.renamed.append((item.remote_id, local))
            out.append(item)
        return out

    def _delete(
        self,
        item: Incoming,
        state: _State | None,
        deletions: list[str],
        outcome: Outcome,
        writes: list[Record],
        contents: list[str | None],
    ) -> None:
        if state is None or state.deleted:
            outcome.counts["unchanged"] += 1
            if state is not None:
                outcome.deleted_again.append(state.local_id)
        elif state.linked:
            # rule 5: a partner's deletion never deletes a local record: it unlinks it
            current = Record.from_dict(json.loads(state.content))
            writes.append(current.with_origin(Origin()))
            contents.append(state.content)
            outcome.unlinked.append((item.remote_id, state.local_id))
            state.linked = False
        else:
            deletions.append(state.local_id)
            state.deleted = True
            outcome.counts["deleted"] += 1
        if state is not None:
            outcome.seen.append(state.local_id)

    def _decide(
        self, conn: Connection, item: Incoming, state: _State | None, outcome: Outcome
    ) -> tuple[_State, Record | None, str | None]:
        """(new state, the record to write or None, the new merge base or None)."""
        if item.unchanged:
            assert state is not None  # checked by the commit before
            return self._touched(item, state)
        assert item.record is not None
        partner_json = item.content_json or canonical_json(item.record.content())
        if state is None:
            state = self._link(conn, item)
            if state is not None:
                outcome.linked.append((item.remote_id, state.local_id))
        if state is not None and not state.deleted and state.remote_content == partner_json:
            state.fingerprint = item.fingerprint
            return self._touched(item, state)
        record = item.record
        if state is not None and state.linked:
            record = record.with_origin(_linked(record.origin))
        if state is not None and state.deleted and state.local_id != record.id:
            # a tombstone of a linked local record comes back under its own id
            record = Record.from_dict({**record.to_dict(), "id": state.local_id})
        elif state is not None and not state.deleted:
            base = json.loads(state.remote_content) if state.remote_content else None
            partner = json.loads(partner_json)
            merged, conflicts = merge_fields(base, json.loads(state.content), partner)
            if conflicts:
                outcome.conflicts.append((item.remote_id, state.local_id, conflicts))
            if merged != partner or record is not item.record:
                merged["origin"] = record.origin.to_dict()
                record = Record.from_dict(merged)
        content = partner_json if record is item.record else canonical_json(record.content())
        new_state = _State(
            record.id, item.datestamp, partner_json, content, False, item.fingerprint
        )
        new_state.linked = record.origin.kind == "linked"
        return new_state, record, partner_json

    def _touched(self, item: Incoming, state: _State) -> tuple[_State, Record | None, None]:
        """A record as stored: nothing to write, unless the partner touched it (a new
        datestamp): then a new origin, and no new version."""
        if state.remote_datestamp == item.datestamp:
            return state, None, None
        current = Record.from_dict(json.loads(state.content))
        stored = json.loads(state.origin) if state.origin else {}
        origin = self.stamp.origin(item.remote_id, item.datestamp, item.namespace)
        assert origin is not None
        if not origin.get("metadata_namespace") and stored.get("metadata_namespace"):
            origin["metadata_namespace"] = stored["metadata_namespace"]
        made = Origin.from_dict(origin)
        if state.linked:
            made = _linked(made)
        state.remote_datestamp = item.datestamp
        return state, current.with_origin(made), None

    def _orphans(
        self, conn: Connection, incoming: Sequence[Incoming], had_parts: set[str]
    ) -> list[str]:
        """Live component records (`<remote id>#<component>`, one finding aid read into
        several records) whose document the batch deleted, or re-published without them.

        Only documents deleted here, read into components, or whose stored version
        lists components (`had_parts`: a finding aid that lost all of them) are looked
        at, so a batch of ordinary single records costs no query."""
        made: dict[str, set[str]] = {}  # document id -> the remote ids read from it now
        deleted: set[str] = set()
        for item in incoming:
            if item.unchanged:
                continue
            made.setdefault(item.document or item.remote_id, set()).add(item.remote_id)
            if item.record is None:
                deleted.add(item.remote_id)
        documents = {
            d: ids for d, ids in made.items() if len(ids) > 1 or d in deleted or d in had_parts
        }
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
                return _State(local_id, None, None, row.content, bool(row.deleted), linked=True)
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


def _withheld(
    outcome: Outcome, local_id: str, remote: dict[str, str], prints: dict[str, str | None]
) -> None:
    outcome.counts["unchanged"] += 1
    outcome.withheld.append(local_id)
    remote.pop(local_id, None)
    prints.pop(local_id, None)


def _linked(origin: Origin) -> Origin:
    """A partner's origin made the origin of a local record it keeps up to date."""
    return Origin.from_dict({**origin.to_dict(), "kind": "linked"})


def _with_record(item: Incoming, record: Record) -> Incoming:
    data = record.to_dict()
    content = canonical_json({k: v for k, v in data.items() if k not in ("header", "origin")})
    return Incoming(
        item.remote_id,
        item.item,
        record,
        item.datestamp,
        item.fingerprint,
        item.document,
        item.match_values,
        content,
        item.unchanged,
        item.namespace,
    )
