"""Checks and conversions that every part of the record model shares.

Each reads one value of a record's JSON form and raises `InvalidRecord` naming the
field's JSON path (`creators[0].name`) when the value is not what the model allows.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, Literal

from records.errors import InvalidRecord
from records.times import format_datestamp

__all__ = [
    "LANGUAGE",
    "LOCAL_ID",
    "PARTIAL_DATE",
    "PRECISIONS",
    "SET_SPEC",
    "Precision",
    "as_objects",
    "as_opt_str",
    "as_str",
    "as_str_list",
    "check_keys",
    "drop_empty",
    "format_datestamp",
    "parse_datetime",
    "pickle_by_slots",
]

Precision = Literal["day", "month", "year", "decade", "century"]
PRECISIONS: tuple[str, ...] = ("day", "month", "year", "decade", "century")
PARTIAL_DATE = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?$")
LOCAL_ID = re.compile(r"^[A-Za-z0-9\-_.!~*'()%:;,/?@&=+$]{1,200}$")
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")


def as_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidRecord(f"expected a string, got {type(value).__name__}", field=path)
    return value


def as_opt_str(value: Any, path: str) -> str | None:
    return None if value is None else as_str(value, path)


def as_str_list(value: Any, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRecord(f"expected a list, got {type(value).__name__}", field=path)
    return tuple(as_str(v, f"{path}[{i}]") for i, v in enumerate(value))


def check_keys(data: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
    # `type(...) is dict` first: the ABC check is slow, and records are built by the
    # thousand in a harvest
    if type(data) is not dict and not isinstance(data, Mapping):
        raise InvalidRecord(f"expected an object, got {type(data).__name__}", field=path or "$")
    if not allowed.issuperset(data):
        unknown = sorted(set(data) - allowed)
        where = f"{path}.{unknown[0]}" if path else unknown[0]
        raise InvalidRecord(f"unknown field {unknown[0]!r}", field=where)


def as_objects(value: Any, path: str, build: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidRecord(f"expected a list, got {type(value).__name__}", field=path)
    return tuple(build(v, f"{path}[{i}]") for i, v in enumerate(value))


def drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    """JSON form omits None, empty strings of optional fields, and empty lists."""
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}


def parse_datetime(value: Any, path: str) -> datetime:
    text = as_str(value, path)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRecord(f"not an ISO 8601 date-time: {text!r}", field=path) from None
    if parsed.tzinfo is None:
        raise InvalidRecord(f"date-time without a time zone: {text!r}", field=path)
    return parsed.astimezone(UTC).replace(microsecond=0)


def pickle_by_slots(cls: type[Any]) -> None:
    """Pickle a frozen slotted dataclass as a tuple of its values in field order.

    The dataclasses default looks the fields up again for every object pickled or
    unpickled; harvests send records between processes by the thousand."""
    names = tuple(f.name for f in fields(cls))
    values = operator.attrgetter(*names)

    def getstate(self: Any) -> tuple[Any, ...]:
        return values(self) if len(names) > 1 else (values(self),)

    def setstate(self: Any, state: Sequence[Any]) -> None:
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)

    setattr(cls, "__getstate__", getstate)  # noqa: B010 - replaces the dataclass's own
    setattr(cls, "__setstate__", setstate)  # noqa: B010
