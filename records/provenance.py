"""Where a record came from (`Origin`) and its OAI-PMH header state (`Header`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal

from records.checks import (
    as_opt_str,
    as_str,
    as_str_list,
    check_keys,
    drop_empty,
    format_datestamp,
    parse_datetime,
)
from records.errors import InvalidRecord

__all__ = ["Header", "Origin"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where the record came from: made here (`local`), harvested from a partner, or made
    here and kept up to date by a partner's record matched to it (`linked`: the partner
    may update it, never delete it)."""

    kind: Literal["local", "harvested", "linked"] = "local"
    source_id: str | None = None
    remote_identifier: str | None = None
    remote_datestamp: str | None = None
    base_url: str | None = None
    metadata_namespace: str | None = None
    harvested_at: datetime | None = None

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {
            "kind",
            "source_id",
            "remote_identifier",
            "remote_datestamp",
            "base_url",
            "metadata_namespace",
            "harvested_at",
        }
    )

    def to_dict(self) -> dict[str, Any]:
        return drop_empty(
            {
                "kind": self.kind,
                "source_id": self.source_id,
                "remote_identifier": self.remote_identifier,
                "remote_datestamp": self.remote_datestamp,
                "base_url": self.base_url,
                "metadata_namespace": self.metadata_namespace,
                "harvested_at": format_datestamp(self.harvested_at) if self.harvested_at else None,
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "origin") -> Origin:
        check_keys(data, cls.KEYS, path)
        kind = data.get("kind", "local")
        if kind not in ("local", "harvested", "linked"):
            raise InvalidRecord(
                f"kind must be local, harvested or linked, not {kind!r}", field=path
            )
        if kind in ("harvested", "linked") and not (
            data.get("source_id") and data.get("remote_identifier")
        ):
            raise InvalidRecord(
                "a harvested record needs source_id and remote_identifier", field=path
            )
        harvested = data.get("harvested_at")
        return cls(
            kind=kind,
            source_id=as_opt_str(data.get("source_id"), f"{path}.source_id"),
            remote_identifier=as_opt_str(
                data.get("remote_identifier"), f"{path}.remote_identifier"
            ),
            remote_datestamp=as_opt_str(data.get("remote_datestamp"), f"{path}.remote_datestamp"),
            base_url=as_opt_str(data.get("base_url"), f"{path}.base_url"),
            metadata_namespace=as_opt_str(
                data.get("metadata_namespace"), f"{path}.metadata_namespace"
            ),
            harvested_at=parse_datetime(harvested, f"{path}.harvested_at") if harvested else None,
        )


@dataclass(frozen=True, slots=True)
class Header:
    """The OAI-PMH header state, owned by the store (ignored on import)."""

    identifier: str
    datestamp: datetime
    deleted: bool = False
    sets: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "identifier": self.identifier,
            "datestamp": format_datestamp(self.datestamp),
            "deleted": self.deleted,
            "sets": list(self.sets),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: str = "header") -> Header:
        check_keys(data, frozenset({"identifier", "datestamp", "deleted", "sets"}), path)
        return cls(
            identifier=as_str(data.get("identifier"), f"{path}.identifier"),
            datestamp=parse_datetime(data.get("datestamp"), f"{path}.datestamp"),
            deleted=bool(data.get("deleted", False)),
            sets=as_str_list(data.get("sets"), f"{path}.sets"),
        )
