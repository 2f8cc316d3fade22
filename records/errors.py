"""The exceptions of the `records` package.

RecordsError
 ├── InvalidRecord        a record (or its JSON form) is invalid; names the field
 ├── ImportFileError    a line or document of an import file could not be read
 └── StoreError         the database refused or failed an operation
      ├── RecordNotFound
      └── WithdrawalError  a withdrawal or reinstatement that cannot be done (names the record)
"""

from __future__ import annotations


class RecordsError(Exception):
    """Base of every error raised by `records`."""


class InvalidRecord(RecordsError, ValueError):
    """An invalid record; `field` is a JSON path such as ``date.start`` or ``creators[0].name``."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class ImportFileError(RecordsError):
    """A unit of an import file that could not become a record."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class StoreError(RecordsError):
    """The store could not carry out an operation."""


class RecordNotFound(StoreError, LookupError):
    """No record has the given id."""


class WithdrawalError(StoreError):
    """A record that cannot be withdrawn (or reinstated) as asked; the message says why."""
