"""The hub: settings, store and format registry, wired once and passed around.

Nothing here is global: the web app, the CLI, the scheduler and the tests each build
their own `Hub` from `Settings` and dispose of it when done.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

import crosswalks
from crosswalks import CrosswalkError, Registry
from oai.keys import Keys
from oai.schema import upgrade
from oai.settings import Settings
from records.db import create_store_engine
from records.model import Record
from records.store import Rendering, Store

__all__ = ["Hub"]


@dataclass
class Hub:
    """Everything a command or request needs to reach the data."""

    settings: Settings
    engine: Engine
    store: Store
    registry: Registry
    render_errors: list[str] = field(default_factory=list)

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = False) -> Hub:
        engine = create_store_engine(settings.database_url)
        if migrate:
            upgrade(engine)
        prefix = f"oai:{settings.repository.identifier}:"
        store = Store(engine, identifier_prefix=prefix)
        return cls(settings, engine, store, crosswalks.default_registry())

    @property
    def secret_key(self) -> str:
        """The configured secret, or one kept in `<data_dir>/secret_key` (made on first use).

        Every worker of a server must sign resumption tokens and sessions with the same
        key, so a key made up per process would not do.
        """
        configured = self.settings.secret_key
        if configured:
            return configured
        path = self.settings.data_dir / "secret_key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # write a private temporary file, then link it into place: of several
            # processes starting at once, exactly one key wins and none reads half a key
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
            os.unlink(temp)
        return path.read_text().strip()

    @property
    def keys(self) -> Keys:
        """The keys of resumption tokens and admin sessions, derived from `secret_key`."""
        return Keys.from_secret(self.secret_key)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record_dict(self, record: Record) -> dict[str, Any]:
        """The JSON form handed to the crosswalks, with the public URL filled in."""
        data = record.to_dict()
        public = self.settings.public_url.rstrip("/")
        if public and "url" not in data:
            data["url"] = f"{public}/records/{record.id}"
        data.pop("header", None)
        return data

    def render(self, record: Record) -> Mapping[str, Rendering]:
        """Every outbound format of a record; a format that cannot render it is left out."""
        data = self.record_dict(record)
        out: dict[str, Rendering] = {}
        for fmt in self.registry.outbound():
            assert fmt.write is not None
            try:
                out[fmt.prefix] = (fmt.write(data), fmt.version)
            except CrosswalkError as exc:
                self.render_errors.append(f"{record.id}: {fmt.prefix}: {exc}")
        return out
