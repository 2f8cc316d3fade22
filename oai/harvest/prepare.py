"""Partner records -> record model, outside any transaction: the part that can run anywhere.

`Crosswalker` holds only plain, picklable values, so that worker processes can run it
on whole pages (see `oai.harvest.pool`) while the main process writes earlier pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from lxml import etree

from crosswalks import CrosswalkError, MetadataFormat, Registry, UnknownFormat
from oai.harvest.parse import Header, PageRecord
from records.errors import InvalidRecord
from records.model import Record, canonical_json

__all__ = [
    "MATCH_KEYS",
    "Crosswalker",
    "Failure",
    "Incoming",
    "detecting_reader",
    "local_id_for",
    "match_values",
]

MATCH_KEYS = ("identifier", "source", "title")
# From the record id's pattern (records/schema/record.schema.json; checked by
# tests/test_record_contract.py): its characters besides letters, digits and '%' (which
# only `quote` writes, in escapes), and its length.
_SAFE = "-_.!~*'():;,/?@&=+$"
_MAX_ID = 200
Reader = Callable[[Any], list[dict[str, Any]]]
Each = Callable[[Record, dict[str, Any]], None]
_NOT_CONTENT = frozenset({"header", "origin"})


def local_id_for(source_id: str, remote_identifier: str) -> str:
    """`<source>:<local part>`: the `oai:<repository>:` prefix dropped, the rest made safe."""
    local = remote_identifier
    if local.startswith("oai:") and local.count(":") >= 2:
        local = local.split(":", 2)[2]
    safe = f"{source_id}:{quote(local, safe=_SAFE)}"
    if len(safe) > _MAX_ID:  # keep a readable head and a digest
        digest = hashlib.sha256(remote_identifier.encode("utf-8")).hexdigest()[:20]
        safe = f"{safe[:170]}~{digest}"
    return safe


@dataclass(frozen=True, slots=True)
class Incoming:
    """One partner record ready to reconcile: a record, or a deletion (record None)."""

    header: Header
    remote_id: str
    record: Record | None
    match_values: tuple[tuple[str, str], ...] = ()
    # canonical JSON of the record's content, made where the record was crosswalked
    content_json: str = ""


@dataclass(frozen=True, slots=True)
class Failure:
    identifier: str | None
    message: str
    raw: bytes


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


def detecting_reader(registry: Registry, prefix: str) -> Reader:
    """Read each metadata element in the format its root element and namespace say.

    Partners name their prefixes freely ("marc21", "oai_ead"), so the label chosen in
    the configuration is only the fallback for a root element no format claims.
    """
    try:
        fallback: MetadataFormat | None = registry.get(prefix)
    except UnknownFormat:
        fallback = None

    def read(element: etree._Element) -> list[dict[str, Any]]:
        try:
            fmt = registry.detect(element)
        except UnknownFormat:
            if fallback is None:
                raise
            fmt = fallback
        if fmt.read is None:
            raise UnknownFormat("this format can be written here, not read", format=fmt.prefix)
        return fmt.read(element)

    return read


@dataclass(frozen=True, slots=True)
class Crosswalker:
    """Crosswalks one source's records into records keyed by their remote identifier."""

    source_id: str
    base_url: str
    namespace: str
    now: datetime
    match: tuple[str, ...] = ()

    def prepare(
        self, reader: Reader, records: Iterable[PageRecord], each: Each | None = None
    ) -> tuple[list[Incoming], list[Failure]]:
        """Crosswalk a page's records; a record that cannot be read is a `Failure`.

        `each(record, data)` is called with every record made and its JSON form
        (`record.to_dict()`, made once here; the callee may change it)."""
        ready: list[Incoming] = []
        failed: list[Failure] = []
        for item in records:
            header = item.header
            if header is None or item.error:
                failed.append(
                    Failure(
                        header.identifier if header else None,
                        item.error or "unreadable",
                        item.raw(),
                    )
                )
            elif header.deleted:
                ready.append(Incoming(header, header.identifier, None))
            else:
                self._crosswalk(reader, item, header, ready, failed, each)
        return ready, failed

    def _crosswalk(
        self,
        reader: Reader,
        item: PageRecord,
        header: Header,
        ready: list[Incoming],
        failed: list[Failure],
        each: Each | None = None,
    ) -> None:
        try:
            forms = reader(item.metadata)
        except CrosswalkError as exc:
            failed.append(Failure(header.identifier, str(exc), item.raw()))
            return
        except Exception as exc:  # one partner record must not stop the page
            failed.append(Failure(header.identifier, f"{type(exc).__name__}: {exc}", item.raw()))
            return
        namespace = etree.QName(item.metadata).namespace if item.metadata is not None else None
        for number, form in enumerate(forms):
            remote = header.identifier if number == 0 else f"{header.identifier}#{form.get('id')}"
            try:
                record = self._record(form, header, remote, namespace or self.namespace)
            except (InvalidRecord, TypeError, ValueError) as exc:
                failed.append(Failure(remote, f"invalid record: {exc}", item.raw()))
                continue
            data = record.to_dict()  # record.content() is this without header and origin
            content = canonical_json({k: v for k, v in data.items() if k not in _NOT_CONTENT})
            ready.append(Incoming(header, remote, record, match_values(form, self.match), content))
            if each is not None:
                each(record, data)

    def _record(
        self, form: Mapping[str, Any], header: Header, remote: str, namespace: str
    ) -> Record:
        data = dict(form)
        data["id"] = local_id_for(self.source_id, remote)
        data["origin"] = {
            "kind": "harvested",
            "source_id": self.source_id,
            "remote_identifier": remote,
            "remote_datestamp": header.datestamp or None,
            "base_url": self.base_url,
            "metadata_namespace": namespace or None,
            "harvested_at": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        data.pop("header", None)
        return Record.from_dict({k: v for k, v in data.items() if v is not None})
