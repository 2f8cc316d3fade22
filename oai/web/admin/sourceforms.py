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
from pathlib import Path
from typing import Any

from oai.errors import ConfigError
from oai.harvest.client import Client, ClientConfig, check_url
from oai.harvest.errors import HarvestError
from oai.harvest.sources import source_from_table
from oai.harvest.stream import identify
from oai.hub import Hub
from oai.scheduler.cron import cron_trigger
from oai.settings import SOURCE_KEYS, SourceSettings
from oai.settings.sources import KINDS
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
        options = KINDS if setting.key == "kind" else ()
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


def _check(hub: Hub, source: SourceSettings) -> None:
    if not ID.match(source.id):
        raise FormError("id: letters, digits, '.', '_' and '-' only, at most 100, no spaces")
    try:
        check_url(source.base_url)
    except HarvestError as exc:
        raise FormError(f"base_url: {exc}") from None
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


def _test_aron(client: Client, source: SourceSettings) -> ConnectionTest:
    """The ARON kind's equivalent of Identify: one listview page of one id."""
    from oai.harvest.kinds.aron_api import AronAPI

    page = AronAPI(client, source.base_url).listview([], None, 1)
    first = page.ids[0] if page.ids else "(none: the portal lists nothing)"
    return ConnectionTest(
        True,
        "The ARON API answered a listview request.",
        {"base URL": source.base_url, "first id": first},
    )


@dataclass(frozen=True, slots=True)
class ConnectionTest:
    ok: bool
    summary: str
    details: dict[str, str]


def test_connection(hub: Hub, source: SourceSettings) -> ConnectionTest:
    """Identify at the source's base URL, once, with short timeouts and no retries."""
    harvest = hub.settings.harvest
    config = ClientConfig(
        connect_timeout=min(harvest.connect_timeout, TEST_TIMEOUT),
        read_timeout=min(harvest.read_timeout, TEST_TIMEOUT),
        max_retries=0,
        max_response_bytes=min(harvest.max_response_bytes, 5_000_000),
        request_deadline=min(harvest.request_deadline, 2 * TEST_TIMEOUT),
        private_redirects=harvest.private_redirects,
    )
    client = Client(config, home=source.base_url)
    try:
        if source.kind == "aron":
            return _test_aron(client, source)
        if source.kind == "files":
            return _test_files(client, source)
        info = identify(client, source.base_url, max_bytes=config.max_response_bytes)
    except HarvestError as exc:
        what = {"aron": "The ARON API", "files": "Fetching the file"}.get(source.kind, "Identify")
        return ConnectionTest(False, f"{what} failed: {exc}", {})
    finally:
        client.close()
    details = {
        "repositoryName": info.repository_name,
        "baseURL": info.base_url,
        "granularity": info.granularity,
        "earliestDatestamp": info.earliest_datestamp,
        "deletedRecord": info.deleted_record,
        "responseDate": info.response_date,
    }
    name = info.repository_name or source.base_url
    return ConnectionTest(True, f"{name} answered Identify.", details)


def _test_files(client: Client, source: SourceSettings) -> ConnectionTest:
    """The files a `files` source names: found and readable (one GET for a URL)."""
    from oai.harvest.kinds.files import locate

    names = locate(source.base_url)
    if names and names[0].startswith(("http://", "https://")):
        body = client.get(names[0], {}).body
        return ConnectionTest(True, f"{names[0]} answered: {len(body)} bytes.", {})
    sizes: dict[str, str] = {}
    unreadable = []
    for name in names:
        path = Path(name)
        try:
            with path.open("rb") as fh:
                fh.read(1)
            sizes[path.name] = f"{path.stat().st_size} bytes"
        except OSError as exc:
            unreadable.append(f"{path.name}: {exc.strerror}")
    if not names or unreadable:
        problem = "; ".join(unreadable) or f"no file at {source.base_url}"
        return ConnectionTest(False, f"Not readable: {problem}", dict(list(sizes.items())[:20]))
    return ConnectionTest(
        True, f"{len(names)} file(s) found and readable.", dict(list(sizes.items())[:20])
    )
