"""Every source the hub harvests: the configuration's, read-only, and those added in the
browser, stored in the database (`RunLog.managed`) and checked by the same table of keys.

An id the configuration declares wins: a stored source of the same id is ignored (the
browser refuses to make one). `find_source` is how a run, the scheduler and the admin
pages look a source up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from oai.errors import ConfigError
from oai.harvest.addresses import AddressPolicy, resolves_to_private
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.settings import SOURCE_KEYS, SourceSettings
from oai.settings.sources import read_table

__all__ = [
    "SourceEntry",
    "address_policy",
    "all_sources",
    "find_source",
    "source_entries",
    "source_from_table",
    "table_of",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourceEntry:
    settings: SourceSettings
    origin: str  # "configuration" (read-only in the browser) or "database"

    @property
    def editable(self) -> bool:
        return self.origin == "database"


def source_from_table(table: Mapping[str, Any], where: str = "source") -> SourceSettings:
    """A source from its `[[sources]]` table; ConfigError naming the key that is wrong."""
    return SourceSettings(**read_table(table, SOURCE_KEYS, where))


def table_of(source: SourceSettings) -> dict[str, Any]:
    """The `[[sources]]` table of a source (lists for tuples), as stored and diffed."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(source).items()}


def source_entries(hub: Hub) -> list[SourceEntry]:
    """The configuration's sources, then the stored ones whose ids it does not use."""
    configured = hub.config_file.sources()
    entries = [SourceEntry(s, "configuration") for s in configured]
    taken = {s.id for s in configured}
    for source_id, table in RunLog(hub.engine).managed.all().items():
        if source_id in taken:
            continue
        try:
            entries.append(
                SourceEntry(source_from_table(table, f"stored source {source_id!r}"), "database")
            )
        except ConfigError as exc:  # a key a newer oaihub wrote: skip it, say why
            log.warning("%s", exc)
    return entries


def all_sources(hub: Hub) -> tuple[SourceSettings, ...]:
    """Every source the hub knows, configured or stored."""
    return tuple(e.settings for e in source_entries(hub))


def find_source(hub: Hub, source_id: str) -> SourceSettings:
    """A source by id; ConfigError naming where it was looked for."""
    for source in hub.config_file.sources():
        if source.id == source_id:
            return source
    table = RunLog(hub.engine).managed.get(source_id)
    if table is not None:
        return source_from_table(table, f"stored source {source_id!r}")
    where = hub.settings.config_path
    file = f"the configuration file {where}" if where else "no configuration file"
    raise ConfigError(
        f"no source with id {source_id!r} in {file} or among the sources added in the browser"
    )


def address_policy(hub: Hub, source: SourceSettings) -> AddressPolicy:
    """Where the connections of `source` may go (`oai.harvest.addresses`).

    A source of the configuration file is the operator's own: its host may be any
    address, and its redirects may lead to private ones when that host is private itself
    or `harvest.private_redirects` is on. Any other source (added or edited in the
    browser or the API, or a form being tested) reaches public addresses only, unless
    the configuration sets `harvest.private_base_urls`."""
    harvest = hub.settings.harvest
    if source not in hub.config_file.sources():
        return AddressPolicy(private_ok=harvest.private_base_urls)
    host = (urlsplit(source.base_url).hostname or "").lower()
    private_home = bool(host) and resolves_to_private(host)
    return AddressPolicy(
        trusted_hosts=frozenset({host}) if host else frozenset(),
        private_ok=harvest.private_redirects or private_home,
    )
