"""Who a record is: the identity rules, the same for every kind and the import.

1. A record in an OAI-PMH envelope (harvested, or in a ListRecords/GetRecord file) is
   identified by its header identifier.
2. Otherwise by the format's own identifier (ARON/APUX/ELZA uuid, EAD component id or
   reference code path, MARC 001 with 003, MODS recordIdentifier, the JSON Lines id).
3. Never by title or content. A record whose format carries no identifier is identified
   by its place in its document (`<file>#<position>`); the run says so once per file.
4. Different partner identifiers never become one record: a harvested record's local id
   is made from (source, partner identifier), and a local id already held by another
   partner identifier is never given again (`LocalIds`).
5. A partner record matched to a local record may update it, never delete it (see
   `oai.ingest.reconcile` and `oai.ingest.sweep`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote

from crosswalks.draft import is_positional

__all__ = [
    "LocalIds",
    "import_id",
    "local_id_for",
    "positional",
    "remote_ids",
]

# From the record id's pattern (records/schema/record.schema.json; checked by
# tests/test_record_contract.py): its characters besides letters, digits and '%' (which
# only `quote` writes, in escapes), and its length.
_SAFE = "-_.!~*'():;,/?@&=+$"
_MAX_ID = 200


def _digest(text: str, size: int = 20) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]


def _bounded(safe: str, whole: str) -> str:
    """An id of at most 200 characters: a long one keeps a readable head and a digest."""
    if len(safe) <= _MAX_ID:
        return safe
    return f"{safe[:170]}~{_digest(whole)}"


def local_id_for(source_id: str, remote_identifier: str) -> str:
    """The local id a partner identifier is given first: `<source>:<local part>`, the
    `oai:<repository>:` prefix dropped and the rest made safe (see `LocalIds` for one
    already taken)."""
    local = remote_identifier
    if local.startswith("oai:") and local.count(":") >= 2:
        local = local.split(":", 2)[2]
    return _bounded(f"{source_id}:{quote(local, safe=_SAFE)}", remote_identifier)


def _distinct(preferred: str, remote_identifier: str) -> str:
    """The local id of a partner identifier whose first choice another one holds."""
    return f"{preferred[:176]}~{_digest(remote_identifier, 12)}"


def import_id(identifier: str, own_prefix: str) -> str:
    """The local id of an imported record: the identifier itself, made safe; the hub's
    own OAI identifiers (`oai:<our repository>:<id>`) give back their local id."""
    if own_prefix and identifier.startswith(own_prefix) and len(identifier) > len(own_prefix):
        identifier = identifier[len(own_prefix) :]
    return _bounded(quote(identifier, safe=_SAFE), identifier)


def positional(document: str, position: str) -> str:
    """The identity of a record that carries no identifier: its place in its document."""
    return f"{document}#{position}"


def remote_ids(
    identifier: str | None,
    forms: Sequence[Mapping[str, object]],
    document: str | None,
    position: str | None,
) -> list[tuple[str, bool]]:
    """The partner identity of each record read from one item, and whether it is
    positional (rules 1 to 3): an envelope's identifier for the first record and
    `<identifier>#<part>` for the parts read with it (a finding aid's components); else
    each record's own identifier, or its place in the document."""
    found: list[tuple[str, bool]] = []
    for number, form in enumerate(forms):
        own = str(form.get("id") or "")
        if identifier:
            found.append((identifier if number == 0 else f"{identifier}#{own}", False))
        elif own and not is_positional(own):
            found.append((own, False))
        else:
            place = position or "1"
            if len(forms) > 1:
                place = f"{place}.{own.lstrip('~') or number + 1}" if own else f"{place}.{number}"
            found.append((positional(document or "(document)", place), True))
    return found


class LocalIds:
    """Local ids of one source's partner identifiers, never one for two (rule 4).

    The store holds the identity of every record it has (source, partner identifier);
    a partner identifier seen before keeps its local id. A new one is given
    `local_id_for`, unless another partner identifier of the hub holds that id already
    (`oai:x:dup` and `oai:y:dup` both prefer `<source>:dup`): then it gets the same id
    with a digest of its own identifier."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        self._given: dict[str, str] = {}  # local id -> the partner identifier given it

    def assign(
        self,
        wanted: Iterable[str],
        known: Mapping[str, str],
        holders: Mapping[str, tuple[str | None, str | None]],
    ) -> dict[str, str]:
        """Partner identifier -> local id for `wanted`. `known`: partner identifier ->
        its record's local id, as stored; `holders`: local id -> the (source, partner
        identifier) of the stored record that has it (for the first choices of the new
        identifiers)."""
        assigned: dict[str, str] = {}
        for remote in wanted:
            if remote in assigned:
                continue
            if remote in known:
                assigned[remote] = known[remote]
                continue
            preferred = local_id_for(self.source_id, remote)
            holder = holders.get(preferred)
            taken_here = self._given.get(preferred, remote) != remote
            taken_there = holder is not None and holder != (self.source_id, remote)
            local = _distinct(preferred, remote) if taken_here or taken_there else preferred
            self._given[local] = remote
            assigned[remote] = local
        return assigned
