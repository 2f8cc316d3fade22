"""A small checker of JSON values against the JSON Schema subset our OpenAPI file uses.

Enough for type (one or a list, with "null"), properties, required, items, enum,
oneOf, additionalProperties, minimum, maximum and local $ref; anything else in a
schema fails loudly, so the document cannot silently outgrow the check.
"""

from __future__ import annotations

from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_KNOWN = {
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "oneOf",
    "additionalProperties",
    "minimum",
    "maximum",
    "$ref",
    "description",
    "format",
    "default",
}


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def errors(
    value: Any, schema: dict[str, Any], document: dict[str, Any], path: str = "$"
) -> list[str]:
    """Every way `value` breaks `schema` (refs resolved in `document`)."""
    unknown = set(schema) - _KNOWN
    if unknown:
        return [f"{path}: schema keyword(s) not supported by the checker: {sorted(unknown)}"]
    if "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return errors(value, target, document, path)
    if "oneOf" in schema:
        matches = [s for s in schema["oneOf"] if not errors(value, s, document, path)]
        return [] if len(matches) == 1 else [f"{path}: matches {len(matches)} of oneOf"]
    found: list[str] = []
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        if not any(_is(value, n) for n in names):
            return [f"{path}: {type(value).__name__} is not {names}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} not in {schema['enum']}")
    if "minimum" in schema and isinstance(value, int) and value < schema["minimum"]:
        found.append(f"{path}: {value} < {schema['minimum']}")
    if "maximum" in schema and isinstance(value, int) and value > schema["maximum"]:
        found.append(f"{path}: {value} > {schema['maximum']}")
    if isinstance(value, dict):
        found += _object_errors(value, schema, document, path)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found += errors(item, schema["items"], document, f"{path}[{i}]")
    return found


def _object_errors(
    value: dict[str, Any], schema: dict[str, Any], document: dict[str, Any], path: str
) -> list[str]:
    found = [
        f"{path}: missing {name!r}" for name in schema.get("required", []) if name not in value
    ]
    properties = schema.get("properties", {})
    for name, item in value.items():
        if name in properties:
            found += errors(item, properties[name], document, f"{path}.{name}")
        elif isinstance(schema.get("additionalProperties"), dict):
            found += errors(item, schema["additionalProperties"], document, f"{path}.{name}")
    return found
