"""The configuration file's `[[sources]]` as the file says now.

The web app, the scheduler and the CLI read the file once, at start. An operator who
adds a source to it expects every part of the hub to show it: `ConfigFile.sources()`
reads the file's sources again whenever the file changed (its modification time or
size), so the admin pages, the scheduler's jobs and the commands agree at any moment
without a restart. Only the sources are read again: any other setting changed in the
file takes effect when the process restarts (the admin pages say so, see `stale`).
"""

from __future__ import annotations

import logging
import os
import threading
import tomllib
from pathlib import Path

from oai.errors import ConfigError
from oai.settings.sections import Settings
from oai.settings.sources import SourceSettings, read_sources

__all__ = ["ConfigFile", "read_sources_file"]

log = logging.getLogger(__name__)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def read_sources_file(path: Path) -> tuple[SourceSettings, ...]:
    """The `[[sources]]` of a configuration file; ConfigError naming what is wrong."""
    try:
        with path.open("rb") as fh:
            table = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return read_sources(table.get("sources", []), path)


class ConfigFile:
    """The sources of one process's configuration file, read again when it changes."""

    def __init__(self, settings: Settings) -> None:
        self._path = settings.config_path
        self._stamp = _stamp(self._path) if self._path else None
        self._sources = settings.sources
        self._lock = threading.Lock()
        self.version = 0  # moves with every change of the file seen
        self.synced = 0  # the version whose sources this process wrote to the run log
        self.error: str | None = None  # why the newest version of the file was not used

    def sources(self) -> tuple[SourceSettings, ...]:
        """The file's sources now (those read last when the file cannot be read)."""
        if self._path is None:
            return self._sources
        stamp = _stamp(self._path)
        with self._lock:
            if stamp is not None and stamp != self._stamp:
                self._stamp = stamp
                self.version += 1
                try:
                    self._sources = read_sources_file(self._path)
                    self.error = None
                    log.info("%s changed: %d sources", self._path, len(self._sources))
                except ConfigError as exc:
                    self.error = str(exc)
                    log.warning("%s changed but is not usable; its sources before stay: %s",
                                self._path, exc)  # fmt: skip
            return self._sources
