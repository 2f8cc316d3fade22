"""`records/schema/record.schema.json`, the one contract of a record's JSON form, for tests.

The tests that check each copy of the contract (the model's key lists, the crosswalks'
id pattern and field lists, the native XSD, the test strategies) read it through here.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["id_specials", "node", "properties", "required", "schema"]


@cache
def schema() -> dict[str, Any]:
    path = resources.files("records") / "schema" / "record.schema.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _resolve(value: dict[str, Any]) -> dict[str, Any]:
    """A schema node with its `$ref` (to `#/$defs/...`) followed, and arrays to their items."""
    while True:
        if "$ref" in value:
            value = schema()["$defs"][value["$ref"].removeprefix("#/$defs/")]
        elif value.get("type") == "array":
            value = value["items"]
        else:
            return value


def node(*path: str) -> dict[str, Any]:
    """The node of a property path, e.g. `node("related", "date")`; `node()` is the record."""
    value = schema()
    for name in path:
        value = _resolve(value)["properties"][name]
    return _resolve(value)


def properties(*path: str) -> set[str]:
    """The keys an object of the JSON form may have, e.g. `properties("source")`."""
    return set(node(*path)["properties"])


def required(*path: str) -> set[str]:
    return set(node(*path).get("required", ()))


def id_specials() -> tuple[set[str], int]:
    """The characters besides ASCII letters and digits a record id may hold, and its
    longest length, read from the id pattern (one character class with a length)."""
    match = re.fullmatch(r"\^\[A-Za-z0-9(.*)\]\{1,(\d+)\}\$", node("id")["pattern"])
    assert match, "the id pattern is no longer one character class with a length"
    return set(match.group(1).replace("\\-", "-")), int(match.group(2))
