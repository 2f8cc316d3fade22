"""Caps on one partner record, the same for every kind: its size, each field's, and the
attributes of any one element.

Every check is linear in the record's size. The attribute count is read first: lxml
reads an element's attribute values in time quadratic in their number, so an element
with 100,000 attributes would hold the interpreter for minutes (and every other harvest
in the process with it) if its values were read before it was refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

__all__ = ["DEFAULT_LIMITS", "Limits", "json_over_cap", "xml_over_cap"]


@dataclass(frozen=True, slots=True)
class Limits:
    """`harvest.max_record_bytes`, `harvest.max_field_bytes`, `harvest.max_attributes`."""

    record_bytes: int = 16_000_000
    field_bytes: int = 1_000_000
    attributes: int = 256

    @classmethod
    def from_settings(cls, harvest: Any) -> Limits:
        return cls(harvest.max_record_bytes, harvest.max_field_bytes, harvest.max_attributes)


DEFAULT_LIMITS = Limits()


def xml_over_cap(raw: bytes, root: etree._Element | None, limits: Limits) -> str | None:
    """What is over a cap in a record (its bytes `raw`, its parsed element `root`), or None."""
    if len(raw) > limits.record_bytes:
        return (
            f"the record has {len(raw):,} bytes, more than harvest.max_record_bytes"
            f" ({limits.record_bytes:,}); kept raw up to that size"
        )
    if root is None:
        return None
    # no element can have more attributes than the record has '=' signs
    if raw.count(b"=") > limits.attributes:
        crowded = _crowded_element(root, limits.attributes)
        if crowded is not None:
            return crowded
    if len(raw) > limits.field_bytes or not raw:
        return _oversized_field(root, limits.field_bytes)
    return None


def _crowded_element(root: etree._Element, cap: int) -> str | None:
    for node in root.iter():
        count = len(node.attrib)  # the count is cheap; the values are not
        if count > cap:
            return (
                f"the element <{_name(node)}> has {count:,} attributes, more than"
                f" harvest.max_attributes ({cap:,})"
            )
    return None


def _name(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else "node"


def _oversized_field(root: etree._Element, cap: int) -> str | None:
    """What is wrong with the first text or attribute of `root` longer than `cap` bytes."""
    for node in root.iter():
        values: list[tuple[str, str | None]] = [("text", node.text)]
        if node is not root:
            values.append(("tail", node.tail))
        values += [(f"@{name!s}", str(value)) for name, value in node.attrib.items()]
        for where, value in values:
            # a character has at most 4 bytes in UTF-8: encode only what may be too long
            if value and len(value) * 4 > cap and len(value.encode("utf-8")) > cap:
                size = len(value.encode("utf-8"))
                return (
                    f"the field <{_name(node)}> {where} has {size:,} bytes, more than"
                    f" harvest.max_field_bytes ({cap:,})"
                )
    return None


def json_over_cap(data: Any, size: int, limits: Limits) -> str | None:
    """What is over a cap in a JSON record of `size` bytes, or None: the record's size,
    then any one string value (a field) in it."""
    if size > limits.record_bytes:
        return (
            f"the record has {size:,} bytes, more than harvest.max_record_bytes"
            f" ({limits.record_bytes:,}); kept raw up to that size"
        )
    if size <= limits.field_bytes:
        return None
    return _oversized_value(data, "", limits.field_bytes)


def _oversized_value(value: Any, path: str, cap: int) -> str | None:
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if len(node) * 4 > cap and len(node.encode("utf-8")) > cap:
                size = len(node.encode("utf-8"))
                return (
                    f"the field {where or '(value)'} has {size:,} bytes, more than"
                    f" harvest.max_field_bytes ({cap:,})"
                )
        elif isinstance(node, Mapping):
            stack += [(v, f"{where}.{k}" if where else str(k)) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [(v, f"{where}[{i}]") for i, v in enumerate(node)]
    return None
