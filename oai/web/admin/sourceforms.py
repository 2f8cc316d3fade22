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

from oai.harvest import (
    KINDS,
)
from oai.settings import SOURCE_KEYS, SourceSettings
from oai.settings.values import BOOL, STRINGS, Setting

__all__ = ["FormField", "form_fields", "form_values"]

ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
MAX_FIELD = 2000
TEST_TIMEOUT = 10.0


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
