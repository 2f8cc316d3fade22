"""Rendering a record into every outbound format: the one path of every record written.

A record is crosswalked once, when it is written, never when it is served. Imports, the
demo load, harvests (in this process or in the worker pool) and the refresh of stale
renderings all call `render_record`, which returns the renderings together with the
formats that could not render the record (`RenderFailure`: record, format, reason).
Nothing is dropped on the way: the import reports a failure as an import error, the
harvest as a run event, the refresh in its summary and the log. `RenderContext` is all
rendering needs (the registry and the public URL), small and picklable, so the worker
pool sends it with each page instead of the hub.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection

from crosswalks import CrosswalkError, NotReady, Registry
from oai.finding_aids import FindingAids
from oai.inherit import Inheritance
from records.model import Record
from records.store import Rendering
from records.writer import ASSEMBLED

__all__ = [
    "RenderContext",
    "RenderFailure",
    "Rendered",
    "StoreRenderer",
    "record_json",
    "render_record",
]


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What rendering a record needs: the formats, and the public URL of record pages."""

    registry: Registry
    public_url: str = ""
    # the finding aids assembled after each write (the `ape_ead` format), when served
    finding_aids: FindingAids | None = None
    # EDM made again with what units inherit from those above them, when served
    inheritance: Inheritance | None = None


@dataclass(frozen=True, slots=True)
class RenderFailure:
    """A format that could not render a record, and why."""

    record_id: str
    prefix: str
    reason: str
    # the partner's identifier of a harvested record (what a run event names)
    identifier: str | None = None

    def __str__(self) -> str:
        return f"record {self.record_id!r}: format {self.prefix}: {self.reason}"


class Rendered(NamedTuple):
    """A record in every outbound format that could render it, and the formats that could not.

    A named tuple, not a slotted dataclass: the worker pool sends one per record, and a
    tuple pickles at a third of the cost."""

    renderings: dict[str, Rendering]
    failures: tuple[RenderFailure, ...] = ()


def record_json(
    context: RenderContext, record: Record, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON form handed to the crosswalks, with the public URL filled in.

    `data`: `record.to_dict()` when the caller has it already (it is changed here)."""
    data = record.to_dict() if data is None else data
    public = context.public_url.rstrip("/")
    if public and "url" not in data:
        data["url"] = f"{public}/records/{record.id}"
    data.pop("header", None)
    return data


def render_record(
    context: RenderContext, record: Record, data: dict[str, Any] | None = None
) -> Rendered:
    """Every outbound format of a record; each format that fails is a `RenderFailure`.

    `data`: `record.to_dict()` when the caller has it already (it is changed here)."""
    data = record_json(context, record, data)
    remote = record.origin.remote_identifier
    renderings: dict[str, Rendering] = {}
    failures: list[RenderFailure] = []
    for fmt in context.registry.outbound():
        assert fmt.write is not None
        if fmt.prefix in ASSEMBLED:  # made from the record and its units, after the write
            continue
        try:
            renderings[fmt.prefix] = (fmt.write(data), fmt.version)
        except NotReady:
            # the record's metadata falls short of an aggregator's rules (EDM): it is left
            # out of that format, and the readiness report says why; no writer failed
            continue
        except Exception as exc:  # a writer's bug must not cost the record its other formats
            failures.append(RenderFailure(record.id, fmt.prefix, _reason(exc, fmt.prefix), remote))
    return Rendered(renderings, tuple(failures))


def _reason(exc: Exception, prefix: str) -> str:
    if isinstance(exc, CrosswalkError):
        return str(exc).removeprefix(f"{prefix}: ")  # the failure names the format already
    return f"{type(exc).__name__}: {exc}"


@dataclass
class StoreRenderer:
    """The store's renderer callback (record -> renderings), keeping what failed.

    The store calls it only for records whose content changed, inside the write's
    transaction; `failures` then holds the failures of exactly the records written, for
    the caller to report in the same transaction. `ahead` holds renderings made earlier
    (by the worker pool), used when the record written is the very object they were made
    from: a record merged with local edits is rendered again here.
    """

    context: RenderContext
    ahead: Mapping[str, tuple[Record, Rendered]] = field(default_factory=dict)
    # record id -> (record, its JSON form made already): rendered from that form when
    # the record written is that very object
    forms: Mapping[str, tuple[Record, dict[str, Any]]] = field(default_factory=dict)
    failures: list[RenderFailure] = field(default_factory=list)
    # in a run or an import: finding aids are marked per batch, assembled once at its end
    deferred: bool = False

    def __call__(self, record: Record) -> Mapping[str, Rendering]:
        made = self.ahead.get(record.id)
        form = self.forms.get(record.id)
        if made is not None and made[0] is record:
            rendered = made[1]
        elif form is not None and form[0] is record:
            rendered = render_record(self.context, record, form[1])
        else:
            rendered = render_record(self.context, record)
        self.failures.extend(rendered.failures)
        return rendered.renderings

    def assemble(self, conn: Connection, local_ids: Sequence[str], now: datetime) -> None:
        """EDM with inherited values, and the finding aids of the records just written:
        assembled now, or (`deferred`, in a run or an import) marked for the flush at
        its end (`Hub.flush_finding_aids`)."""
        if self.context.inheritance is not None:
            self.context.inheritance.apply(conn, local_ids, now)
        if self.context.finding_aids is not None:
            if self.deferred:
                self.context.finding_aids.mark(conn, local_ids)
            else:
                self.context.finding_aids.assemble(conn, local_ids, now)
