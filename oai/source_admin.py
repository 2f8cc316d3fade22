"""Sources from end to end, the same rules in the browser, the CLI and the API.

A source added or edited by an admin is checked here (`source_of_values`): its values
as text, read like the configuration's; the id a short plain name; the base URL http(s)
and public (unless the configuration file allows private addresses), or a local path
under `harvest.file_roots` for a files source; the schedule valid cron; the metadata
prefix usable. `save_source`, `set_enabled` and `remove_source` write the change and
audit it with the account that made it; `test_connection` asks the kind's own probe.
Sources of the configuration file are the operator's own: none of these change them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from oai.errors import ConfigError
from oai.harvest import (
    Client,
    ClientConfig,
    HarvestError,
    Probe,
    SourceEntry,
    UnsafeURL,
    address_policy,
    check_url,
    kind_of,
    outside_roots,
    resolves_to_private,
    source_entries,
    source_from_table,
    sync_sources,
    table_of,
)
from oai.harvest.runlog import RunLog, SourceChange
from oai.hub import Hub
from oai.scheduler.cron import cron_trigger
from oai.settings import SOURCE_KEYS, SourceSettings
from oai.settings.values import BOOL
from records.provenance import Origin

__all__ = [
    "AFTER_REMOVAL",
    "Removed",
    "SourceRefused",
    "entry_of",
    "remove_source",
    "save_source",
    "set_enabled",
    "source_of_values",
    "test_connection",
]

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MAX_FIELD = 2000
TEST_TIMEOUT = 10.0
# what becomes of a removed source's records: tombstones served by OAI-PMH as deleted,
# or local records of the hub (no longer updated by any partner)
AFTER_REMOVAL = ("tombstone", "keep")


class SourceRefused(ConfigError):
    """What is wrong with a source an admin asked for, in words for the admin."""


@dataclass(frozen=True, slots=True)
class Removed:
    source_id: str
    records: int  # live records it had
    kept: bool  # True: now local records; False: tombstones


def entry_of(hub: Hub, source_id: str) -> SourceEntry | None:
    """The source with this id, with where it comes from (configuration or database)."""
    return next((e for e in source_entries(hub) if e.settings.id == source_id), None)


def _editable(hub: Hub, source_id: str) -> SourceEntry:
    entry = entry_of(hub, source_id)
    if entry is None:
        raise SourceRefused(f"no source {source_id!r}")
    if not entry.editable:
        raise SourceRefused(f"{source_id} comes from the configuration file: change it there")
    return entry


def save_source(hub: Hub, source: SourceSettings, *, who: str, adding: bool) -> SourceChange | None:
    """Store a source added or edited by an admin; None when nothing changed."""
    if adding and entry_of(hub, source.id) is not None:
        raise SourceRefused(f"there is a source {source.id!r} already; choose another id")
    if not adding:
        _editable(hub, source.id)
    change = RunLog(hub.engine).managed.save(
        source.id, table_of(source), who=who, action="add" if adding else "edit"
    )
    sync_sources(hub)
    return change


def set_enabled(hub: Hub, source_id: str, enabled: bool, *, who: str) -> SourceChange | None:
    """Enable or disable a source added by an admin."""
    entry = _editable(hub, source_id)
    table = {**table_of(entry.settings), "enabled": enabled}
    change = RunLog(hub.engine).managed.save(
        source_id, table, who=who, action="enable" if enabled else "disable"
    )
    sync_sources(hub)
    return change


def records_of(hub: Hub, source_id: str) -> int:
    """The live records a source has in the store."""
    return hub.store.live_counts_by_source().get(source_id, 0)


def remove_source(
    hub: Hub, source_id: str, *, records: Literal["tombstone", "keep"], who: str
) -> Removed:
    """Remove a source added by an admin, and say what becomes of its records: served as
    deleted (`tombstone`), or kept as local records of the hub (`keep`). Audited."""
    if records not in AFTER_REMOVAL:
        raise SourceRefused(f"records: one of {', '.join(AFTER_REMOVAL)}, not {records!r}")
    _editable(hub, source_id)
    ids = sorted(hub.store.local_ids_of_source(source_id))
    for local_id in ids:
        if records == "tombstone":
            hub.store.delete(local_id, reason="source removed", actor=who)
        else:
            local = hub.store.get(local_id).with_origin(Origin())
            hub.store.put(local, renderer=hub.render, reason="source removed", actor=who)
    RunLog(hub.engine).managed.remove(source_id, who=f"{who} (records: {records})")
    sync_sources(hub)
    return Removed(source_id, len(ids), records == "keep")


def source_of_values(hub: Hub, form: Mapping[str, str]) -> SourceSettings:
    """The source that text values (a posted form, CLI options, a JSON body) describe;
    SourceRefused saying what is wrong."""
    table: dict[str, Any] = {}
    for setting in SOURCE_KEYS:
        raw = form.get(setting.key, "")
        if len(raw) > MAX_FIELD:
            raise SourceRefused(f"{setting.key}: at most {MAX_FIELD} characters")
        if setting.type is BOOL:
            table[setting.key] = raw in ("on", "true", "1", "yes")
            continue
        raw = raw.strip()
        if not raw and not setting.required:
            continue
        try:
            table[setting.key] = (
                list(v) if isinstance(v := setting.parse(raw, "the form"), tuple) else v
            )
        except ConfigError as exc:
            raise SourceRefused(str(exc)) from None
    try:
        source = source_from_table(table, "the form")
    except ConfigError as exc:
        raise SourceRefused(str(exc)) from None
    _check(hub, source)
    return source


def _check_local_path(hub: Hub, where: str) -> None:
    """A files source from the browser or the API may read local files only under a
    directory the operator listed in `harvest.file_roots`."""
    refused = outside_roots(where, hub.settings.harvest.file_roots)
    if refused:
        raise SourceRefused(f"base_url: {refused}")


def _check_public(hub: Hub, url: str) -> None:
    """A source from the browser or the API may not point inside the hub's network."""
    host = urlsplit(url).hostname or ""
    if not hub.settings.harvest.private_base_urls and resolves_to_private(host):
        raise SourceRefused(
            f"base_url: {host} is a loopback, private, link-local or other non-public"
            " address; sources added here may not reach it (the configuration file's"
            " harvest.private_base_urls allows it)"
        )


def _check(hub: Hub, source: SourceSettings) -> None:
    if not ID.match(source.id):
        raise SourceRefused("id: letters, digits, '.', '_' and '-' only, at most 100, no spaces")
    if source.kind == "files" and urlsplit(source.base_url).scheme not in ("http", "https"):
        _check_local_path(hub, source.base_url)
    else:
        try:
            check_url(source.base_url)
        except HarvestError as exc:
            raise SourceRefused(f"base_url: {exc}") from None
        _check_public(hub, source.base_url)
    if source.schedule:
        try:
            cron_trigger(source.schedule, where="schedule")
        except ConfigError as exc:
            raise SourceRefused(str(exc)) from None
    inbound = sorted(f.prefix for f in hub.registry.inbound())
    # a partner may label a standard format its own way (each record's format is
    # detected), so a prefix we do not know is refused only when it is not a prefix at all
    usable = re.match(r"^[A-Za-z0-9_.!~*'()-]{1,50}$", source.metadata_prefix)
    if source.metadata_prefix not in inbound and not usable:
        raise SourceRefused(f"metadata_prefix: not a usable prefix (known: {', '.join(inbound)})")


def test_connection(hub: Hub, source: SourceSettings) -> Probe:
    """Ask the kind's own check once (Identify and the prefix offered, one ARON list
    request, the files found), with short timeouts and no retries."""
    harvest = hub.settings.harvest
    config = ClientConfig(
        connect_timeout=min(harvest.connect_timeout, TEST_TIMEOUT),
        read_timeout=min(harvest.read_timeout, TEST_TIMEOUT),
        max_retries=0,
        max_response_bytes=min(harvest.max_response_bytes, 5_000_000),
        request_deadline=min(harvest.request_deadline, 2 * TEST_TIMEOUT),
        private_redirects=harvest.private_redirects,
    )
    client = Client(config, home=source.base_url, policy=address_policy(hub, source))
    try:
        return kind_of(source).probe(client, source, config.max_response_bytes)
    except (ConfigError, UnsafeURL) as exc:
        return Probe(False, str(exc))
    finally:
        client.close()
