"""Relative paths of a configuration file, read from the file's folder.

`oai --config /srv/hub/oaihub.toml runs`, run from any folder, opens the database the
file means: `data_dir = "var"` there is `/srv/hub/var`, not `./var`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["from_folder", "local_path"]

_SQLITE_MEMORY = ("", ":memory:")


def local_path(value: str, folder: Path) -> str:
    """A relative local path (no URL scheme) joined to `folder`; anything else as it is."""
    if "://" in value or not value or Path(value).is_absolute():
        return value
    return os.path.normpath(folder / value)


def _sqlite_url(url: str, folder: Path) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # refused later, where the URL is used, with its own message
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (*_SQLITE_MEMORY, None):
        return url
    if database.startswith("file:") or Path(database).is_absolute():
        return url
    moved = parsed.set(database=os.path.normpath(folder / database))
    return moved.render_as_string(hide_password=False)


def from_folder(values: Mapping[str, object], folder: Path) -> dict[str, object]:
    """The file's checked values with their relative paths read from `folder`."""
    folder = folder.resolve()
    resolved = dict(values)
    data_dir = resolved.get("data_dir")
    if isinstance(data_dir, Path) and not data_dir.is_absolute():
        resolved["data_dir"] = Path(os.path.normpath(folder / data_dir))
    url = resolved.get("database_url")
    if isinstance(url, str) and url:
        resolved["database_url"] = _sqlite_url(url, folder)
    roots = resolved.get("harvest.file_roots")
    if isinstance(roots, tuple):
        resolved["harvest.file_roots"] = tuple(local_path(r, folder) for r in roots)
    return resolved
