"""The values the protocol core works with, and the `Repository` it reads them from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "FormatInfo",
    "Identity",
    "Item",
    "ListSpec",
    "Provenance",
    "Repository",
    "SetEntry",
]


@dataclass(frozen=True, slots=True)
class FormatInfo:
    """A metadata format as ListMetadataFormats shows it."""

    prefix: str
    schema: str
    namespace: str


@dataclass(frozen=True, slots=True)
class Identity:
    """What Identify says about the repository (from the `[repository]` settings)."""

    name: str
    repository_identifier: str
    admin_emails: tuple[str, ...]
    base_url: str = ""  # empty: the URL the request came to
    friends: tuple[str, ...] = ()
    compression: tuple[str, ...] = ("gzip", "deflate")
    sample_local_id: str = "demo-1"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a harvested record came from: an OAI provenance `originDescription`."""

    base_url: str
    identifier: str
    datestamp: str
    metadata_namespace: str
    harvest_date: str
    altered: bool = True


@dataclass(frozen=True, slots=True)
class Item:
    """One record as a page shows it: header state and (maybe) the stored metadata XML."""

    pk: int
    local_id: str
    datestamp: datetime
    deleted: bool
    sets: tuple[str, ...]
    metadata: bytes | None = None
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class SetEntry:
    spec: str
    name: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ListSpec:
    """The selective-harvesting arguments of a list, inclusive bounds, all in UTC."""

    prefix: str
    set_spec: str | None
    from_: datetime | None
    until: datetime | None


class Repository(Protocol):
    """The data a provider serves; the web layer implements it over the record store."""

    def page(
        self, spec: ListSpec, after: tuple[datetime, int] | None, limit: int, *, metadata: bool
    ) -> list[Item]:
        """Up to `limit` items after the keyset position `after`, in (datestamp, pk) order."""
        ...

    def count(self, spec: ListSpec) -> int | None:
        """How many items the list has (completeListSize); None when that is not known
        cheaply (the attribute is optional, and then left out until the last page)."""
        ...

    def item(self, local_id: str, prefix: str | None) -> Item | None:
        """One item with its `prefix` metadata; None when there is no such record."""
        ...

    def prefixes_of(self, local_id: str) -> set[str] | None:
        """The prefixes the item has metadata in; None when there is no such record."""
        ...

    def sets(self) -> list[SetEntry]:
        """Every set, in setSpec order."""
        ...

    def has_sets(self) -> bool:
        """Whether there is any set (otherwise `set` arguments are noSetHierarchy)."""
        ...

    def earliest_datestamp(self) -> datetime | None: ...
