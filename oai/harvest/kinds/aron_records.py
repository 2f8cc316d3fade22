"""ARON entities -> records ready to reconcile, skipping those whose content hash is known.

An entity whose content hash equals the one stored with its record (as the record's
remote datestamp: ARON has no datestamps) is unchanged and is not crosswalked at all;
the others go through `crosswalks.aron_json` with the portal's landing pages, their
references named (`/apu/views`, cached for the run), and every reference to another
entity pointed at that entity's record here (`<source>:<uuid>`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crosswalks import CrosswalkError
from crosswalks.aron_json import NAMESPACE, read_json
from oai.harvest.kinds.aron_api import AronAPI
from oai.harvest.kinds.aron_hash import content_hash
from oai.harvest.parse import Header
from oai.harvest.pool import Prepared
from oai.harvest.prepare import Failure, Incoming, local_id_for, match_values
from oai.rendering import RenderContext, Rendered, render_record
from records.errors import InvalidRecord
from records.model import Record, canonical_json

__all__ = ["EntityReader", "Triage", "portal_of", "prepare_entities"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NOT_CONTENT = frozenset({"header", "origin"})


def portal_of(base_url: str) -> str:
    """The portal's root from its API base: '.../aron/api/aron' -> '.../aron'."""
    base = base_url.rstrip("/")
    return base[: -len("/api/aron")] if base.endswith("/api/aron") else base


def _references(entity: Mapping[str, Any]) -> Iterable[str]:
    def walk(parts: Any) -> Iterable[str]:
        for part in parts if isinstance(parts, list) else ():
            if isinstance(part, Mapping):
                for item in part.get("items") or ():
                    value = item.get("value") if isinstance(item, Mapping) else None
                    if isinstance(value, str) and _UUID.match(value.strip()):
                        yield value.strip().lower()
                yield from walk(part.get("childParts"))

    return walk(entity.get("parts"))


@dataclass(frozen=True, slots=True)
class EntityReader:
    """Crosswalks one source's entities into `Incoming` records (picklable: it runs in
    the harvest's worker processes too)."""

    source_id: str
    base_url: str
    now: datetime
    match: tuple[str, ...] = ()

    def prepare(
        self,
        todo: Sequence[tuple[Mapping[str, Any], str]],
        labels: Mapping[str, str],
        context: RenderContext | None = None,
    ) -> Prepared:
        """Records of (entity, content hash) pairs; rendered too when given a context."""
        ready: list[Incoming] = []
        failed: list[Failure] = []
        rendered: dict[str, Rendered] = {}
        for entity, digest in todo:
            try:
                item = self._incoming(entity, digest, labels)
            except (CrosswalkError, InvalidRecord, TypeError, ValueError) as exc:
                raw = repr(dict(entity))[:4000].encode()
                failed.append(Failure(str(entity.get("id")), f"{type(exc).__name__}: {exc}", raw))
                continue
            ready.append(item)
            if context is not None and item.record is not None:
                rendered[item.record.id] = render_record(context, item.record)
        return Prepared(ready, failed, rendered)

    def _incoming(
        self, entity: Mapping[str, Any], digest: str, labels: Mapping[str, str]
    ) -> Incoming:
        (form,) = read_json([entity], portal=portal_of(self.base_url), labels=labels)
        remote = form["id"]
        for related in form.get("related") or ():
            if related.get("id"):  # another entity: its record here, when harvested
                related["id"] = local_id_for(self.source_id, related["id"])
        form["id"] = local_id_for(self.source_id, remote)
        form["origin"] = {
            "kind": "harvested",
            "source_id": self.source_id,
            "remote_identifier": remote,
            "remote_datestamp": digest,
            "base_url": self.base_url,
            "metadata_namespace": NAMESPACE,
            "harvested_at": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        record = Record.from_dict(form)
        data = record.to_dict()
        content = canonical_json({k: v for k, v in data.items() if k not in _NOT_CONTENT})
        header = Header(remote, digest, False, ())
        return Incoming(header, remote, record, match_values(form, self.match), content)


def prepare_entities(
    reader: EntityReader,
    todo: list[tuple[dict[str, Any], str]],
    labels: dict[str, str],
    context: RenderContext,
) -> Prepared:
    """In a worker: crosswalk and render a batch's changed entities."""
    return reader.prepare(todo, labels, context)


@dataclass
class Triage:
    """Sorts a batch's entities by content hash and names what they reference."""

    api: AronAPI | None = None
    names: dict[str, str] = field(default_factory=dict)

    def split(
        self, entities: Sequence[Mapping[str, Any]], known: Mapping[str, str]
    ) -> tuple[list[tuple[dict[str, Any], str]], list[str]]:
        """((entity, hash) to crosswalk, remote ids unchanged); `known` maps a remote
        id to the content hash stored with its live record."""
        todo: list[tuple[dict[str, Any], str]] = []
        unchanged: list[str] = []
        for entity in entities:
            uuid = str(entity.get("id") or "").strip().lower()
            self.names.setdefault(uuid, str(entity.get("name") or ""))
            digest = content_hash(entity)
            if known.get(uuid) == digest:
                unchanged.append(uuid)
            else:
                todo.append((dict(entity), digest))
        return todo, unchanged

    def labels(self, todo: Sequence[tuple[Mapping[str, Any], str]]) -> dict[str, str]:
        """Names of the entities `todo` references (asked for once a run)."""
        refs = {ref for entity, _ in todo for ref in _references(entity)}
        wanted = refs - self.names.keys()
        if wanted and self.api is not None:
            found = self.api.names(sorted(wanted))
            self.names.update({k.lower(): v for k, v in found.items()})
        return {r: self.names[r] for r in refs if self.names.get(r)}
