"""The exceptions of the `records` package.

RecordsError
 ├── RecordError        a record (or its JSON form) is invalid; names the field
 ├── ImportFileError    a line or document of an import file could not be read
 └── StoreError         the database refused or failed an operation
      ├── RecordNotFound
      └── RunInProgress  a harvest of the source is already running
"""

from __future__ import annotations


class RecordsError(Exception):
    """Base of every error raised by `records`."""


class RecordError(RecordsError, ValueError):
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


class RunInProgress(StoreError):
    """A harvest run of this source is already running (one per source at a time)."""

    def __init__(self, source_id: str, run_id: int | None = None) -> None:
        self.source_id, self.run_id = source_id, run_id
        which = f" (run {run_id})" if run_id is not None else ""
        super().__init__(f"a harvest of {source_id!r} is already running{which}")
