"""Field-level differences between two versions of a record's JSON form.

Used by `oai records history` and by the admin record page. Nested objects are walked
(``date.start``, ``source.citation``); lists are compared as whole values, since an
element added in the middle of a list is one change to a reader, not many.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["FieldChange", "field_diff", "flatten"]

_MISSING: Any = None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs: `old` is None when added, `new` is None when removed."""

    field: str
    old: Any
    new: Any

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaf values (lists and scalars), nested objects walked."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def field_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[FieldChange]:
    """The fields that differ between two JSON forms, in path order."""
    before, after = flatten(old or {}), flatten(new or {})
    return [
        FieldChange(path, before.get(path, _MISSING), after.get(path, _MISSING))
        for path in sorted(set(before) | set(after))
        if before.get(path, _MISSING) != after.get(path, _MISSING)
    ]
