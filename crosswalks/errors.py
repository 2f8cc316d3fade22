"""The exceptions of the `crosswalks` package.

    CrosswalkError          any failure to read or write a metadata document
     ├── UnsafeXML          malformed, hostile (entity declarations) or too big
     ├── UnknownFormat      no registered format has this prefix or root element
     └── MissingField       a required value (a title) is absent

Every error names the format, the element path and the source line when known,
so that a harvest log or a CLI message points at the offending element.
"""

from __future__ import annotations

__all__ = ["CrosswalkError", "MissingField", "UnknownFormat", "UnsafeXML"]


class CrosswalkError(Exception):
    """A document could not be converted; `format`, `path` and `line` say where."""

    def __init__(
        self,
        message: str,
        *,
        format: str | None = None,
        path: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.format = format
        self.path = path
        self.line = line
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = [part for part in (self.format, self.path) if part]
        if self.line is not None:
            where.append(f"line {self.line}")
        return f"{': '.join(where)}: {self.message}" if where else self.message


class UnsafeXML(CrosswalkError):
    """The bytes are not well-formed XML, declare entities, or exceed the size limit."""


class UnknownFormat(CrosswalkError, LookupError):
    """No format is registered under this prefix, or none recognises the root element."""


class MissingField(CrosswalkError):
    """A value every record needs (its title) is missing from the source element."""
