"""EDM with the values a unit inherits from the units above it (finding aid, fonds).

A unit often states no language or rights of its own: its fonds does. The record's own
formats are rendered from the record alone (in the worker pool too), so after a batch is
written (`StoreRenderer.assemble`) the EDM of every record written that has units above
it, and of every unit below a record written, is made again with those units
(`crosswalks.edm.assess` takes them before the `[edm]` and source defaults). Where the
EDM changed, the record's datestamp moves, so an incremental harvest gets it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from crosswalks.edm import EdmOptions, assess
from records.hierarchy import ancestor_ids, descendants, in_hierarchy, unit_form
from records.writer import Rendering, write_assembled

__all__ = ["PREFIX", "Inheritance", "ancestor_forms", "inherited"]

PREFIX = "edm"


def ancestor_forms(conn: Connection, local_id: str) -> list[dict[str, Any]]:
    """The JSON forms of the stored units above a record, nearest first."""
    forms = (unit_form(conn, unit) for unit in ancestor_ids(conn, local_id))
    return [form for form in forms if form is not None]


def inherited(
    form: Mapping[str, Any], ancestors: Sequence[Mapping[str, Any]], options: EdmOptions | None
) -> dict[str, Any]:
    """A record's form with the languages and rights it states, else those of the
    nearest unit above that states them, else the source's and then the `[edm]` defaults
    (for formats that take the values as they are: apeEAD)."""
    data = dict(form)
    source = options.source_of(form) if options is not None else None
    defaults = {
        "languages": [
            code
            for code in (
                source.default_language if source else None,
                options.default_language if options else None,
            )
            if code
        ][:1],
        "rights": (source.default_rights if source else None)
        or (options.default_rights if options else None),
    }
    for key, default in defaults.items():
        if data.get(key):
            continue
        value = next((unit[key] for unit in ancestors if unit.get(key)), None) or default
        if value:
            data[key] = value
    return data


@dataclass(frozen=True, slots=True)
class Inheritance:
    """Renders EDM again with inherited values after a write (picklable)."""

    options: EdmOptions
    version: str
    public_url: str = ""

    def render(
        self, form: dict[str, Any], ancestors: Sequence[Mapping[str, Any]]
    ) -> Rendering | None:
        """A record's EDM with the units above it, or None when it is not ready."""
        public = self.public_url.rstrip("/")
        if public and "url" not in form:
            form["url"] = f"{public}/records/{form['id']}"
        result = assess(form, self.options, ancestors)
        return (result.xml, self.version) if result.ready else None

    def apply(self, conn: Connection, local_ids: Sequence[str], now: datetime | None) -> None:
        """EDM again for the records written that have units above them, and for the
        units below them; each record once (a unit below another written record is
        done with that record's units). `now`: where the EDM changed, the datestamp it
        moves to (None: it stays, as in a refresh)."""
        linked = in_hierarchy(conn, local_ids)
        for local_id, above in linked.items():
            if any(unit in linked for unit in above):
                continue
            form = unit_form(conn, local_id)
            if form is None:
                continue
            ancestors = [f for f in (unit_form(conn, unit) for unit in above) if f is not None]
            if ancestors:
                write_assembled(conn, local_id, PREFIX, self.render(dict(form), ancestors), now)
            self._below(conn, form, ancestors, now)

    def _below(
        self,
        conn: Connection,
        head: dict[str, Any],
        ancestors: list[dict[str, Any]],
        now: datetime | None,
    ) -> None:
        children = descendants(conn, head["id"])
        if not children:
            return
        stack = [(child, [head, *ancestors]) for child in children.get(head["id"], ())]
        while stack:
            form, above = stack.pop()
            stack += [(child, [form, *above]) for child in children.get(form["id"], ())]
            write_assembled(conn, form["id"], PREFIX, self.render(dict(form), above), now)
