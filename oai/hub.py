"""The hub: settings, store and format registry, wired once and passed around.

Nothing here is global: the web app, the CLI, the scheduler and the tests each build
their own `Hub` from `Settings` and dispose of it when done.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine

import crosswalks
from crosswalks import Registry
from oai.delivery import ape_options, edm_options
from oai.errors import RenderError
from oai.finding_aids import PREFIX, FindingAids
from oai.inherit import PREFIX as EDM
from oai.inherit import Inheritance
from oai.keys import Keys
from oai.rendering import RenderContext, render_record
from oai.schema import upgrade
from oai.settings import Settings
from oai.settings.watch import ConfigFile
from records.db import create_store_engine
from records.model import Record
from records.store import Rendering, Store
from records.times import utcnow

__all__ = ["Hub"]


@dataclass
class Hub:
    """Everything a command or request needs to reach the data."""

    settings: Settings
    engine: Engine
    store: Store
    registry: Registry
    # set when the process shuts down: running harvests stop at their next page,
    # `interrupted`, with their checkpoint
    stopping: threading.Event = field(default_factory=threading.Event, compare=False)
    # the configuration file's sources as it says now (read again when it changes)
    config_file: ConfigFile = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.config_file = ConfigFile(self.settings)

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = False) -> Hub:
        engine = create_store_engine(settings.database_url)
        if migrate:
            upgrade(engine)
        prefix = f"oai:{settings.repository.identifier}:"
        store = Store(engine, identifier_prefix=prefix)
        return cls(
            settings,
            engine,
            store,
            crosswalks.default_registry(edm_options(settings), ape_options(settings)),
        )

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

    @property
    def render_context(self) -> RenderContext:
        """What rendering a record needs: this hub's registry and public URL."""
        return RenderContext(
            self.registry, self.settings.public_url, self.finding_aids, self.inheritance
        )

    @property
    def inheritance(self) -> Inheritance | None:
        """EDM made again with inherited values, when the registry serves `edm`."""
        if EDM not in self.registry:
            return None
        version = self.registry.get(EDM).version
        return Inheritance(edm_options(self.settings), version, self.settings.public_url)

    @property
    def finding_aids(self) -> FindingAids | None:
        """The assembler of apeEAD finding aids, when the registry serves `ape_ead`."""
        if PREFIX not in self.registry:
            return None
        # the defaults a finding aid may take are part of what it depends on
        defaults = edm_options(self.settings)
        digest = hashlib.sha256(repr(defaults).encode("utf-8")).hexdigest()[:8]
        version = f"{self.registry.get(PREFIX).version}-{digest}"
        return FindingAids(
            ape_options(self.settings),
            version,
            self.settings.public_url,
            defaults,
        )

    def flush_finding_aids(self) -> int:
        """Assemble, once each, the finding aids a run or an import marked (the end of
        either calls it; so does `oai serve`'s refresh, after one that was killed)."""
        aids = self.finding_aids
        if aids is None:
            return 0
        with self.store.transaction() as conn:
            return aids.flush(conn, utcnow())

    def render(self, record: Record) -> Mapping[str, Rendering]:
        """Every outbound format of a record, or `RenderError` if one cannot render it.

        For callers with nowhere to report a failure (tests, benches): the import, the
        harvest and the refresh use `oai.rendering` and report each failure."""
        rendered = render_record(self.render_context, record)
        if rendered.failures:
            raise RenderError("; ".join(str(f) for f in rendered.failures))
        return rendered.renderings
