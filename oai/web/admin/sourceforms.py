"""A source's browser form: fields made from the `[[sources]]` table of keys, the posted
text checked like the configuration's values, and Test connection.

The form has one field per key of `SOURCE_KEYS` (a key a partner kind adds appears by
itself); lists are comma-separated. Beyond types: the id is a short plain name that the
configuration does not use, the base URL is http(s), the schedule is valid cron, the
metadata prefix is an inbound format of the registry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from oai.errors import ConfigError
from oai.harvest import (
    KINDS,
    Client,
    ClientConfig,
    HarvestError,
    Probe,
    UnsafeURL,
    address_policy,
    check_url,
    kind_of,
    outside_roots,
    resolves_to_private,
    source_from_table,
)
from oai.hub import Hub
from oai.scheduler.cron import cron_trigger
from oai.settings import SOURCE_KEYS, SourceSettings
from oai.settings.values import BOOL, STRINGS, Setting

__all__ = [
    "FormError",
    "FormField",
    "form_fields",
    "form_values",
    "source_of_form",
    "test_connection",
]

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MAX_FIELD = 2000
TEST_TIMEOUT = 10.0


class FormError(ValueError):
    """What is wrong with a posted form, in words for the admin."""


@dataclass(frozen=True, slots=True)
class FormField:
    key: str
    label: str
    help: str
    kind: str  # text, list, checkbox, select
    value: str
    required: bool
    readonly: bool = False
    options: tuple[str, ...] = ()


def _text(setting: Setting, value: object) -> str:
    if setting.type is STRINGS:
        return ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else ""
    if setting.type is BOOL:
        return "on" if value else ""
    return "" if value is None else str(value)


def form_values(source: SourceSettings | None) -> dict[str, str]:
    """The form's text values of a source (a new one: the defaults)."""
    values: dict[str, str] = {}
    for setting in SOURCE_KEYS:
        value = getattr(source, setting.name) if source else setting.default
        values[setting.key] = "" if setting.required and source is None else _text(setting, value)
    return values


def form_fields(values: Mapping[str, str], *, editing: bool) -> list[FormField]:
    """The form's fields with `values` (a new source's or the posted ones)."""
    fields = []
    for setting in SOURCE_KEYS:
        kind = "list" if setting.type is STRINGS else "checkbox" if setting.type is BOOL else "text"
        options = tuple(KINDS) if setting.key == "kind" else ()
        kind = "select" if options else kind
        fields.append(
            FormField(
                key=setting.key,
                label=setting.key.replace("_", " "),
                help=setting.help,
                kind=kind,
                value=values.get(setting.key, ""),
                required=setting.required,
                readonly=editing and setting.key == "id",  # the id names runs and records
                options=options,
            )
        )
    return fields


def source_of_form(hub: Hub, form: Mapping[str, str]) -> SourceSettings:
    """The source the posted form describes; FormError saying what is wrong."""
    table: dict[str, Any] = {}
    for setting in SOURCE_KEYS:
        raw = form.get(setting.key, "")
        if len(raw) > MAX_FIELD:
            raise FormError(f"{setting.key}: at most {MAX_FIELD} characters")
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
            raise FormError(str(exc)) from None
    try:
        source = source_from_table(table, "the form")
    except ConfigError as exc:
        raise FormError(str(exc)) from None
    _check(hub, source)
    return source


def _check_local_path(hub: Hub, where: str) -> None:
    """A files source from the browser or the API may read local files only under a
    directory the operator listed in `harvest.file_roots`."""
    refused = outside_roots(where, hub.settings.harvest.file_roots)
    if refused:
        raise FormError(f"base_url: {refused}")


def _check_public(hub: Hub, url: str) -> None:
    """A source from the browser or the API may not point inside the hub's network."""
    host = urlsplit(url).hostname or ""
    if not hub.settings.harvest.private_base_urls and resolves_to_private(host):
        raise FormError(
            f"base_url: {host} is a loopback, private, link-local or other non-public"
            " address; sources added here may not reach it (the configuration file's"
            " harvest.private_base_urls allows it)"
        )


def _check(hub: Hub, source: SourceSettings) -> None:
    if not ID.match(source.id):
        raise FormError("id: letters, digits, '.', '_' and '-' only, at most 100, no spaces")
    if source.kind == "files" and urlsplit(source.base_url).scheme not in ("http", "https"):
        _check_local_path(hub, source.base_url)
    else:
        try:
            check_url(source.base_url)
        except HarvestError as exc:
            raise FormError(f"base_url: {exc}") from None
        _check_public(hub, source.base_url)
    if source.schedule:
        try:
            cron_trigger(source.schedule, where="schedule")
        except ConfigError as exc:
            raise FormError(str(exc)) from None
    inbound = sorted(f.prefix for f in hub.registry.inbound())
    # a partner may label a standard format its own way (each record's format is
    # detected), so a prefix we do not know is refused only when it is not a prefix at all
    usable = re.match(r"^[A-Za-z0-9_.!~*'()-]{1,50}$", source.metadata_prefix)
    if source.metadata_prefix not in inbound and not usable:
        raise FormError(f"metadata_prefix: not a usable prefix (known: {', '.join(inbound)})")


ConnectionTest = Probe  # what the source page shows of Test connection


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
