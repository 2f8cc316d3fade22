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

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, select

from crosswalks import CrosswalkError
from oai.harvest.parse import Header, PageRecord
from records import tables as t
from records.errors import RecordError
from records.model import Record, canonical_json
from records.store import Renderer, Store

__all__ = ["Failure", "Incoming", "PageOutcome", "Reconciler", "local_id_for", "merge_fields"]

MATCH_KEYS = ("identifier", "source", "title")
_SAFE = "-_.!~*'():;,/?@&=+$"
Reader = Callable[[Any], list[dict[str, Any]]]


def local_id_for(source_id: str, remote_identifier: str) -> str:
    """`<source>:<local part>`: the `oai:<repository>:` prefix dropped, the rest made safe."""
    local = remote_identifier
    if local.startswith("oai:") and local.count(":") >= 2:
        local = local.split(":", 2)[2]
    safe = f"{source_id}:{quote(local, safe=_SAFE)}"
    if len(safe) > 200:  # the model's limit: keep a readable head and a digest
        digest = hashlib.sha256(remote_identifier.encode("utf-8")).hexdigest()[:20]
        safe = f"{safe[:170]}~{digest}"
    return safe


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


@dataclass(frozen=True, slots=True)
class Incoming:
    """One partner record ready to reconcile: a record, or a deletion (record None)."""

    header: Header
    remote_id: str
    record: Record | None
    match_values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Failure:
    identifier: str | None
    message: str
    raw: bytes


@dataclass
class PageOutcome:
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("added", "updated", "unchanged", "deleted"), 0)
    )
    conflicts: list[tuple[str, str, list[str]]] = field(default_factory=list)
    linked: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class _State:
    local_id: str
    remote_datestamp: str | None
    remote_content: str | None
    content: str
    deleted: bool


def _match_values(data: Mapping[str, Any], keys: Sequence[str]) -> tuple[tuple[str, str], ...]:
    values: list[tuple[str, str]] = []
    if "identifier" in keys:
        idents = [data.get("id"), data.get("record_id")]
        idents += [i.get("value") for i in data.get("identifiers") or ()]
        values += [("identifier", str(v).strip()) for v in idents if v]
    if "source" in keys and (data.get("source") or {}).get("citation"):
        values.append(("source", " ".join(data["source"]["citation"].split()).casefold()))
    if "title" in keys and data.get("title"):
        values.append(("title", " ".join(str(data["title"]).split()).casefold()))
    return tuple(values)


class Reconciler:
    """Turns pages of partner records into store writes, for one run of one source."""

    def __init__(
        self,
        store: Store,
        *,
        source_id: str,
        base_url: str,
        namespace: str,
        reader: Reader,
        renderer: Renderer | None,
        run_id: int,
        now: datetime,
        match: Sequence[str] = (),
    ) -> None:
        self.store, self.source_id, self.base_url = store, source_id, base_url
        self.namespace, self.reader, self.renderer = namespace, reader, renderer
        self.run_id, self.now = run_id, now
        self.match = tuple(k for k in match if k in MATCH_KEYS)
        self.seen: set[str] = set()
        self._index: dict[tuple[str, str], str | None] | None = None

    # -- crosswalking (outside any transaction) -----------------------------------------

    def prepare(self, records: Iterable[PageRecord]) -> tuple[list[Incoming], list[Failure]]:
        """Crosswalk a page's records; a record that cannot be read is a `Failure`."""
        ready: list[Incoming] = []
        failed: list[Failure] = []
        for item in records:
            header = item.header
            if header is None or item.error:
                failed.append(Failure(header.identifier if header else None,
                                      item.error or "unreadable", item.raw()))  # fmt: skip
            elif header.deleted:
                ready.append(Incoming(header, header.identifier, None))
            else:
                self._crosswalk(item, header, ready, failed)
        return ready, failed

    def _crosswalk(
        self, item: PageRecord, header: Header, ready: list[Incoming], failed: list[Failure]
    ) -> None:
        try:
            forms = self.reader(item.metadata)
        except CrosswalkError as exc:
            failed.append(Failure(header.identifier, str(exc), item.raw()))
            return
        except Exception as exc:  # one partner record must not stop the page
            failed.append(Failure(header.identifier, f"{type(exc).__name__}: {exc}", item.raw()))
            return
        for number, form in enumerate(forms):
            remote = header.identifier if number == 0 else f"{header.identifier}#{form.get('id')}"
            try:
                record = self._record(form, header, remote)
            except (RecordError, TypeError, ValueError) as exc:
                failed.append(Failure(remote, f"invalid record: {exc}", item.raw()))
                continue
            ready.append(Incoming(header, remote, record, _match_values(form, self.match)))

    def _record(self, form: Mapping[str, Any], header: Header, remote: str) -> Record:
        data = dict(form)
        data["id"] = local_id_for(self.source_id, remote)
        data["origin"] = {
            "kind": "harvested",
            "source_id": self.source_id,
            "remote_identifier": remote,
            "remote_datestamp": header.datestamp or None,
            "base_url": self.base_url,
            "metadata_namespace": self.namespace,
            "harvested_at": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        data.pop("header", None)
        return Record.from_dict({k: v for k, v in data.items() if v is not None})

    # -- writing (inside the page's transaction) ----------------------------------------

    def apply(self, conn: Connection, incoming: Sequence[Incoming]) -> PageOutcome:
        """Write a page's records in the caller's transaction."""
        outcome = PageOutcome()
        states = self._states(conn, [i.remote_id for i in incoming])
        for item in incoming:
            state = states.get(item.remote_id)
            if item.record is None:
                status = self._delete(conn, state)
                if state is not None:
                    self.seen.add(state.local_id)
            else:
                status, state = self._put(conn, item, state, outcome)
                states[item.remote_id] = state
                self.seen.add(state.local_id)
            outcome.counts[status] += 1
        return outcome

    def _states(self, conn: Connection, remote_ids: Sequence[str]) -> dict[str, _State]:
        r = t.records.c
        found: dict[str, _State] = {}
        unique = sorted(set(remote_ids))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            query = select(
                r.local_id, r.remote_identifier, r.remote_datestamp, r.remote_content,
                r.content, r.deleted,
            ).where(r.source_id == self.source_id, r.remote_identifier.in_(chunk))  # fmt: skip
            for row in conn.execute(query):
                found[row.remote_identifier] = _State(
                    row.local_id, row.remote_datestamp, row.remote_content, row.content,
                    bool(row.deleted),
                )  # fmt: skip
        return found

    def _delete(self, conn: Connection, state: _State | None) -> str:
        if state is None or state.deleted:
            return "unchanged"
        self.store.delete(state.local_id, reason="harvest", actor=f"harvest:{self.source_id}",
                          run_id=self.run_id, now=self.now, conn=conn)  # fmt: skip
        state.deleted = True
        return "deleted"

    def _put(
        self, conn: Connection, item: Incoming, state: _State | None, outcome: PageOutcome
    ) -> tuple[str, _State]:
        assert item.record is not None
        partner = item.record.content()
        partner_json = canonical_json(partner)
        if state is None:
            linked = self._link(conn, item)
            if linked is not None:
                outcome.linked.append((item.remote_id, linked.local_id))
                state = linked
        if state is not None and not state.deleted and state.remote_content == partner_json:
            if state.remote_datestamp != item.header.datestamp:
                # the partner touched it without changing it: new origin, no new version
                current = Record.from_dict(json.loads(state.content))
                self._write(conn, current.with_origin(item.record.origin))
                state.remote_datestamp = item.header.datestamp
            return "unchanged", state
        record = item.record
        if state is not None and state.deleted and state.local_id != record.id:
            # a tombstone of a linked local record comes back under its own id
            record = Record.from_dict({**record.to_dict(), "id": state.local_id})
        elif state is not None and not state.deleted:
            base = json.loads(state.remote_content) if state.remote_content else None
            merged, conflicts = merge_fields(base, json.loads(state.content), partner)
            if conflicts:
                outcome.conflicts.append((item.remote_id, state.local_id, conflicts))
            merged["origin"] = record.origin.to_dict()
            record = Record.from_dict(merged)
        status = self._write(conn, record)
        self.store.set_remote_content(record.id, partner, conn=conn)
        content = canonical_json(record.content())
        new_state = _State(record.id, item.header.datestamp, partner_json, content, False)
        return status, new_state

    def _write(self, conn: Connection, record: Record) -> str:
        result = self.store.put(record, renderer=self.renderer, reason="harvest",
                                actor=f"harvest:{self.source_id}", run_id=self.run_id,
                                now=self.now, conn=conn)  # fmt: skip
        return "updated" if result.status == "undeleted" else result.status

    # -- linking by match keys ----------------------------------------------------------

    def _link(self, conn: Connection, item: Incoming) -> _State | None:
        if not self.match or not item.match_values:
            return None
        index = self._match_index(conn)
        for value in item.match_values:
            local_id = index.get(value)
            if local_id:
                row = conn.execute(
                    select(t.records.c.content, t.records.c.deleted).where(
                        t.records.c.local_id == local_id, t.records.c.source_id.is_(None)
                    )
                ).first()
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
            query = select(t.records.c.local_id, t.records.c.content).where(
                t.records.c.source_id.is_(None), t.records.c.deleted.is_(False)
            )
            for local_id, content in conn.execute(query):
                for value in set(_match_values(json.loads(content), self.match)):
                    index[value] = local_id if value not in index else None
            self._index = index
        return self._index
