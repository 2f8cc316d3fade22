"""Items -> records ready to reconcile, outside any transaction: the part that may run in a
worker process.

`Preparer` holds only plain, picklable values (the run's `Stamp`, the reader with its
registry and caps), so the worker pool runs it on whole batches while the main process
commits earlier ones. A record that cannot be read, is over a cap or is not a valid
record becomes a `Failure` that names it (its identifier and its place) and keeps its raw
bytes; the other records of the batch go on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from crosswalks import CrosswalkError
from oai.ingest.identity import import_id, local_id_for, remote_ids
from oai.ingest.items import Item
from oai.ingest.read import ItemRejected, Reader
from oai.rendering import RenderContext, Rendered, StoreRenderer, render_record
from records.errors import InvalidRecord
from records.model import Record, canonical_json
from records.times import format_datestamp

__all__ = [
    "MATCH_KEYS",
    "Failure",
    "Incoming",
    "Prepared",
    "Preparer",
    "Stamp",
    "match_values",
]

MATCH_KEYS = ("identifier", "source", "title")
_NOT_CONTENT = frozenset({"header", "origin"})


@dataclass(frozen=True, slots=True)
class Stamp:
    """What every record of one ingest is given: its source (None for the import of
    local records), where it came from, when, and the match keys of the source."""

    source_id: str | None
    base_url: str
    now: datetime
    match: tuple[str, ...] = ()
    own_prefix: str = ""  # the hub's own "oai:<repository>:" (an import gives it back)

    def local_id(self, remote: str) -> str:
        """The local id a record of this partner identity is first given."""
        if self.source_id is None:
            return import_id(remote, self.own_prefix)
        return local_id_for(self.source_id, remote)

    def origin(
        self, remote: str, datestamp: str | None, namespace: str | None
    ) -> dict[str, Any] | None:
        if self.source_id is None:
            return None
        origin = {
            "kind": "harvested",
            "source_id": self.source_id,
            "remote_identifier": remote,
            "remote_datestamp": datestamp or None,
            "base_url": self.base_url,
            "metadata_namespace": namespace or None,
            "harvested_at": format_datestamp(self.now),
        }
        return {k: v for k, v in origin.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Incoming:
    """One partner record ready to reconcile: a record, a deletion (`record` None), or a
    record its fingerprint says is as stored (`unchanged`: nothing was read)."""

    remote_id: str
    item: int  # its item's place in the batch
    record: Record | None
    datestamp: str | None = None
    fingerprint: str | None = None
    document: str = ""  # the identity of the item it came from (a finding aid's parts)
    match_values: tuple[tuple[str, str], ...] = ()
    content_json: str = ""  # canonical JSON of the record's content, made with it
    unchanged: bool = False
    namespace: str | None = None


@dataclass(frozen=True, slots=True)
class Failure:
    """A record that could not be taken, named, with its raw bytes."""

    identifier: str | None
    where: str
    message: str
    raw: bytes = b""
    document: str | None = None  # the file it is in (read again to fetch it again)

    def describe(self) -> str:
        """Where, who, why: "exports/a.xml, record 4 (oai:p:3): malformed XML: ..."
        (the identifier once: not when the place or the message names it already)."""
        named = self.identifier and self.identifier not in f"{self.where} {self.message}"
        return f"{self.where}{f' ({self.identifier})' if named else ''}: {self.message}"


@dataclass
class Prepared:
    """A batch's records, with renderings made ahead (by record id) in a worker."""

    incoming: list[Incoming]
    failures: list[Failure]
    rendered: dict[str, Rendered] = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)  # documents read by position
    # record id -> the JSON form its record was read into (`Record.to_dict`), kept to
    # render it from (read in place: never sent back from a worker)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)

    def renderer(self, context: RenderContext) -> StoreRenderer:
        """The batch's store renderer: renderings made ahead for unmerged partner
        records, the others rendered with `context`; it keeps the failures of the
        records written."""
        ahead = {
            i.record.id: (i.record, self.rendered[i.record.id])
            for i in self.incoming
            if i.record is not None and i.record.id in self.rendered
        }
        forms = {
            i.record.id: (i.record, self.forms[i.record.id])
            for i in self.incoming
            if i.record is not None and i.record.id in self.forms
        }
        return StoreRenderer(context, ahead, forms, deferred=True)


def match_values(data: Mapping[str, Any], keys: Sequence[str]) -> tuple[tuple[str, str], ...]:
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


@dataclass(frozen=True, slots=True)
class Preparer:
    """Reads a batch's items into records of one ingest (picklable)."""

    stamp: Stamp
    reader: Reader

    def prepare(
        self,
        items: Sequence[Item],
        context: Mapping[str, Any],
        unchanged: frozenset[int] = frozenset(),
        render: RenderContext | None = None,
    ) -> Prepared:
        """Every item's records, deletions and failures; `unchanged` (item places) are
        as stored by their fingerprints and not read; with `render`, the live records
        are rendered too (in a worker, ahead of the commit)."""
        prepared = Prepared([], [])
        for index, item in enumerate(items):
            if index in unchanged and item.identifier:
                prepared.incoming.append(
                    Incoming(
                        item.identifier,
                        index,
                        None,
                        item.datestamp,
                        item.fingerprint,
                        item.identifier,
                        unchanged=True,
                        namespace=_namespace(item),
                    )
                )
            elif item.deleted and item.identifier:
                prepared.incoming.append(
                    Incoming(item.identifier, index, None, item.datestamp, None, item.identifier)
                )
            else:
                self._read(index, item, context, prepared)
        if render is not None:
            for incoming in prepared.incoming:
                if incoming.record is not None:
                    form = prepared.forms.get(incoming.record.id)
                    prepared.rendered[incoming.record.id] = render_record(
                        render, incoming.record, form
                    )
            prepared.forms = {}  # rendered: not sent back
        return prepared

    def _read(self, index: int, item: Item, context: Mapping[str, Any], prepared: Prepared) -> None:
        try:
            forms = self.reader.read(item, context)
        except (CrosswalkError, ItemRejected) as exc:
            prepared.failures.append(self._failure(item, str(exc)))
            return
        except Exception as exc:  # one partner record must not stop the batch
            prepared.failures.append(self._failure(item, f"{type(exc).__name__}: {exc}"))
            return
        identities = remote_ids(item.identifier, forms, item.document, item.position)
        if any(is_position for _remote, is_position in identities) and item.document:
            prepared.positional.append(item.document)
        own = {
            str(form.get("id")): self.stamp.local_id(r)
            for form, (r, _) in zip(forms, identities, strict=True)
        }
        document = identities[0][0] if identities else ""
        for form, (remote, _positional) in zip(forms, identities, strict=True):
            try:
                incoming, data = self._incoming(index, item, form, remote, document, own)
            except (InvalidRecord, TypeError, ValueError) as exc:
                message = (
                    f"field {exc.field}: {exc.message}"
                    if isinstance(exc, InvalidRecord) and exc.field
                    else f"invalid record: {exc}"
                )
                if item.read == "record-json" and item.identifier:
                    message += f" (record {item.identifier!r})"
                name = remote if remote != item.identifier else None
                prepared.failures.append(self._failure(item, message, name))
                continue
            prepared.incoming.append(incoming)
            assert incoming.record is not None
            prepared.forms[incoming.record.id] = data

    def _failure(self, item: Item, message: str, identifier: str | None = None) -> Failure:
        return Failure(
            identifier or item.identifier, item.where, message, _raw(item), item.document
        )

    def _incoming(
        self,
        index: int,
        item: Item,
        form: dict[str, Any],
        remote: str,
        document: str,
        own: Mapping[str, str],
    ) -> tuple[Incoming, dict[str, Any]]:
        """The item's record ready to reconcile, and its JSON form."""
        stamp = self.stamp
        keys = match_values(form, stamp.match) if stamp.match else ()
        # references in the format's own identifiers (not an OAI-PMH envelope's) name
        # other records of the same partner: they become those records' local ids
        own_space = item.read != "xml" or item.identifier is None
        rewrite = stamp.source_id is not None and own_space
        for related in form.get("related") or ():
            target = related.get("id") if isinstance(related, dict) else None
            if target and str(target) in own:
                related["id"] = own[str(target)]  # a part read from the same document
            elif target and rewrite:
                # the format's references name other records of the same partner
                related["id"] = stamp.local_id(str(target))
        form["id"] = stamp.local_id(remote)
        namespace = _namespace(item)
        origin = stamp.origin(remote, item.datestamp, namespace)
        if origin is not None:
            form["origin"] = origin
        form.pop("header", None)
        record = Record.from_dict({k: v for k, v in form.items() if v is not None})
        data = record.to_dict()
        content = canonical_json({k: v for k, v in data.items() if k not in _NOT_CONTENT})
        incoming = Incoming(
            remote,
            index,
            record,
            item.datestamp,
            item.fingerprint,
            document,
            keys,
            content,
            namespace=namespace,
        )
        return incoming, data


def _namespace(item: Item) -> str | None:
    element = item.element
    if element is None or not isinstance(element.tag, str):
        return None
    return etree.QName(element).namespace


def _raw(item: Item) -> bytes:
    if item.raw:
        return item.raw
    if item.data is not None:
        return repr(item.data)[:4000].encode()
    return b""
