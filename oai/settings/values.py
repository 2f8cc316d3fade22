"""The types a setting can have, and one declared setting.

A `ValueType` says which Python type a setting holds (the annotation its dataclass field
must carry), how a value from TOML or from code is checked and converted to it, and how
an environment variable's text is read as one. Every conversion error names where the
value came from (the file, the variable), the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import json
import os
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oai.errors import ConfigError

__all__ = [
    "BOOL",
    "FLOAT",
    "INT",
    "ONE_OR_MORE_STRINGS",
    "PATH",
    "REQUIRED",
    "STR",
    "STRINGS",
    "Setting",
    "ValueType",
    "convert_fields",
    "declared",
    "describe",
    "setting",
]


class Mismatch(ValueError):
    """A value is not of the expected type (the caller says where it came from)."""


@dataclass(frozen=True, slots=True)
class ValueType:
    """What a setting holds, what a reader is told it must be, and how values convert."""

    python: object  # the annotation of the dataclass field, e.g. `int`, `tuple[str, ...]`
    expected: str  # for messages: "must be an integer"
    convert: Callable[[object], object]  # a TOML value or one from code -> the Python value
    parse: Callable[[str], object]  # an environment variable's text -> the Python value


def _str(value: object) -> str:
    if isinstance(value, str):
        return value
    raise Mismatch


def _int(value: object) -> int:
    # bool is an int subclass; `page_size = true` is a mistake, not 1
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise Mismatch


def _float(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise Mismatch


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise Mismatch


def _path(value: object) -> Path:
    if isinstance(value, str | os.PathLike):
        return Path(value)
    raise Mismatch


def _strings(value: object) -> tuple[str, ...]:
    # a string is a sequence too: `sets = "physics"` must not become seven one-letter sets
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise Mismatch


def _one_or_more(value: object) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else _strings(value)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise ValueError(raw)


def _parse_strings(raw: str) -> tuple[str, ...]:
    """JSON (`["a", "b"]`) or comma-separated text (`a,b`); empty text is no item."""
    if raw.lstrip().startswith("["):
        try:
            return _strings(json.loads(raw))
        except json.JSONDecodeError as exc:
            raise ValueError(raw) from exc
    return tuple(part.strip() for part in raw.split(",") if part.strip())


STR = ValueType(str, "a string", _str, str)
INT = ValueType(int, "an integer", _int, int)
FLOAT = ValueType(float, "a number", _float, float)
BOOL = ValueType(bool, "true or false", _bool, _parse_bool)
PATH = ValueType(Path, "a path (a string)", _path, Path)
STRINGS = ValueType(tuple[str, ...], "a list of strings", _strings, _parse_strings)
ONE_OR_MORE_STRINGS = ValueType(
    tuple[str, ...], "a string or a list of strings", _one_or_more, _parse_strings
)


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: object = _Required()
"""The default of a key that must be given (a source's `id`)."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One documented setting: its dotted key, type, default and help text."""

    key: str
    type: ValueType
    default: object
    help: str
    # the range a number must lie in (bounds included); None: unbounded on that side
    at_least: float | None = None
    at_most: float | None = None

    def __post_init__(self) -> None:
        # a default of the wrong type is a programming error, found at import
        if self.default is not REQUIRED:
            self.convert(self.default, "the settings table")

    @property
    def name(self) -> str:
        """The key within its section: `read_timeout` for `harvest.read_timeout`."""
        return self.key.rpartition(".")[2]

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def convert(self, value: object, where: str) -> object:
        """The value as this setting's type; ConfigError naming `where`, key and type."""
        try:
            converted = self.type.convert(value)
        except Mismatch:
            raise ConfigError(
                f"{where}: {self.key} must be {self.type.expected}, not {describe(value)}"
            ) from None
        self._check_range(converted, where)
        return converted

    def parse(self, raw: str, variable: str) -> object:
        """An environment variable's text as this setting's type."""
        try:
            parsed = self.type.parse(raw)
        except (ValueError, Mismatch):
            raise ConfigError(
                f"{variable}: {self.key} must be {self.type.expected}, not {raw!r}"
            ) from None
        self._check_range(parsed, variable)
        return parsed

    def _check_range(self, value: object, where: str) -> None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return
        low, high = self.at_least, self.at_most
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(f"{where}: {self.key} must be {self.range()}, not {value!r}")

    def range(self) -> str:
        """The allowed range in words: "at least 1", "between 0 and 1"."""
        low, high = (f"{v:g}" if v is not None else None for v in (self.at_least, self.at_most))
        if low is not None and high is not None:
            return f"between {low} and {high}"
        return f"at least {low}" if low is not None else f"at most {high}"


_TOML_NAMES: Sequence[tuple[type, str]] = (
    (bool, "a boolean"),
    (str, "a string"),
    (int, "an integer"),
    (float, "a number"),
    (list, "a list"),
    (tuple, "a list"),
    (dict, "a table"),
)


def describe(value: object) -> str:
    """A value for an error message, with its TOML type: `a string: 'physics'`."""
    name = next((n for t, n in _TOML_NAMES if isinstance(value, t)), type(value).__name__)
    text = repr(value)
    return f"{name}: {text if len(text) <= 60 else text[:57] + '...'}"


def convert_fields(instance: object, settings: Sequence[Setting], where: str) -> None:
    """Check and convert each setting field of a frozen dataclass (from `__post_init__`)."""
    for setting in settings:
        value = setting.convert(getattr(instance, setting.name), where)
        # frozen: the converted value (a tuple for a list, a float for an int) is set once
        object.__setattr__(instance, setting.name, value)


# -- a setting declared on its dataclass field ------------------------------------------

_DECLARED = "oaihub.setting"
# the type of a setting follows its field's annotation; ONE_OR_MORE_STRINGS is asked for
_KINDS: Sequence[ValueType] = (STR, INT, FLOAT, BOOL, PATH, STRINGS)


@dataclass(frozen=True, slots=True)
class _Declaration:
    help: str
    at_least: float | None
    at_most: float | None
    kind: ValueType | None


def setting(
    default: object,
    help: str,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    kind: ValueType | None = None,
    secret: bool = False,
) -> Any:
    """Declare a setting where its dataclass field is: its default, help text and range
    (bounds included); `kind` where the annotation alone does not say how values read
    (a string or a list of them); `secret` keeps it out of the object's repr. The table
    of settings, the example configuration and the checks are all made from these."""
    declaration = _Declaration(help, at_least, at_most, kind)
    if default is REQUIRED:
        return dataclasses.field(repr=not secret, metadata={_DECLARED: declaration})
    return dataclasses.field(default=default, repr=not secret, metadata={_DECLARED: declaration})


def declared(cls: type, section: str) -> tuple[Setting, ...]:
    """The settings declared on the fields of dataclass `cls`, keyed `section.name`
    (`section` "" for top-level keys); fields not declared with `setting` are left out."""
    hints = typing.get_type_hints(cls)
    found = []
    for field in dataclasses.fields(cls):
        declaration = field.metadata.get(_DECLARED)
        if declaration is None:
            continue
        kind = declaration.kind or _kind_of(hints[field.name], f"{cls.__name__}.{field.name}")
        if kind.python != hints[field.name]:
            raise TypeError(f"{cls.__name__}.{field.name} is not {kind.python}")
        default = REQUIRED if field.default is dataclasses.MISSING else field.default
        key = f"{section}.{field.name}" if section else field.name
        found.append(
            Setting(key, kind, default, declaration.help, declaration.at_least, declaration.at_most)
        )
    return tuple(found)


def _kind_of(annotation: object, where: str) -> ValueType:
    for kind in _KINDS:
        if kind.python == annotation:
            return kind
    raise TypeError(f"{where}: no setting type holds {annotation}")
