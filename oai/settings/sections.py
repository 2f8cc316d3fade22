"""`Settings` and its sections: frozen, typed objects (`settings.harvest.read_timeout`).

Each field is a setting of `oai.settings.table.SETTINGS`; `check_fields` verifies at
import that the table and the fields agree (names, types), so mypy sees the real types
and nothing reads a setting by its key. Each object checks and converts its values when
made, also through `dataclasses.replace`, so a wrong type is refused wherever it comes
from: `replace(settings.harvest, read_timeout="slow")` raises ConfigError.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oai.errors import ConfigError
from oai.settings.sources import SourceSettings
from oai.settings.table import SETTINGS, settings_of
from oai.settings.values import check_fields, convert_fields

__all__ = [
    "AdminSettings",
    "HarvestSettings",
    "RepositorySettings",
    "SchedulerSettings",
    "Settings",
    "WebSettings",
    "build_settings",
    "check_against_the_table",
]


@dataclass(frozen=True, slots=True)
class RepositorySettings:
    """`[repository]`: what Identify says, list pages and flow control of the provider."""

    name: str
    base_url: str
    identifier: str
    admin_email: tuple[str, ...]
    friends: tuple[str, ...]
    page_size: int
    token_ttl_hours: int
    max_concurrent_lists: int
    rate_limit_per_minute: int
    retry_after_seconds: int

    def __post_init__(self) -> None:
        convert_fields(self, settings_of("repository"), type(self).__name__)


@dataclass(frozen=True, slots=True)
class HarvestSettings:
    """`[harvest]`: timeouts, retries, size caps and safety limits of the harvester."""

    connect_timeout: float
    read_timeout: float
    max_retries: int
    backoff_seconds: float
    max_retry_after: float
    max_response_bytes: int
    request_deadline: float
    max_record_bytes: int
    max_field_bytes: int
    max_attributes: int
    refetch_max: int
    file_roots: tuple[str, ...]
    private_redirects: bool
    private_base_urls: bool
    overlap_seconds: int
    max_clock_skew: int
    max_empty_pages: int
    sweep_max_share: float
    workers: int

    def __post_init__(self) -> None:
        convert_fields(self, settings_of("harvest"), type(self).__name__)


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """`[scheduler]`: misfires, heartbeats, stale runs, failing sources, the queue."""

    misfire_grace_seconds: int
    heartbeat_seconds: int
    stale_after_seconds: int
    max_failures: int
    poll_seconds: int
    job_queue: bool
    worker_concurrency: int
    worker_stalled_seconds: int

    def __post_init__(self) -> None:
        convert_fields(self, settings_of("scheduler"), type(self).__name__)


@dataclass(frozen=True, slots=True)
class AdminSettings:
    """`[admin]`: the admin password, API tokens and the login throttle."""

    password_hash: str = field(repr=False)
    api_tokens: tuple[str, ...] = field(repr=False)
    max_login_attempts: int
    session_idle_minutes: int
    session_max_hours: int
    secure_cookie: str

    def __post_init__(self) -> None:
        convert_fields(self, settings_of("admin"), type(self).__name__)


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """`[notify]`: where failure notifications go (e-mail over SMTP, webhooks)."""

    smtp_host: str
    smtp_port: int
    smtp_starttls: bool
    smtp_username: str
    smtp_password: str = field(repr=False)
    mail_from: str
    mail_to: tuple[str, ...]
    webhook_urls: tuple[str, ...]
    admin_url: str
    attempts: int
    timeout: float
    backoff_seconds: float

    def __post_init__(self) -> None:
        convert_fields(self, settings_of("notify"), type(self).__name__)


@dataclass(frozen=True, slots=True)
class WebSettings:
    """`[web]`: limits and checks on every request of the web app."""

    max_request_bytes: int
    trusted_proxies: int
    allowed_hosts: tuple[str, ...]

    def __post_init__(self) -> None:
        convert_fields(self, settings_of("web"), type(self).__name__)


SECTIONS: Mapping[str, type] = {
    "repository": RepositorySettings,
    "harvest": HarvestSettings,
    "scheduler": SchedulerSettings,
    "admin": AdminSettings,
    "notify": NotifySettings,
    "web": WebSettings,
}
_NOT_SETTINGS = (*SECTIONS, "sources", "config_path")
# the password of a URL's user part: scheme://user:password@host
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@/]*@")


@dataclass(frozen=True, slots=True)
class Settings:
    """All settings: the top-level ones, one object per section, and the sources.

    `database_url` is the URL configured or, when none is, the SQLite file in
    `data_dir`, resolved when the settings are made: a copy with another `data_dir`
    keeps the database it had (give both to `load_settings` to move it).
    """

    data_dir: Path
    database_url: str = field(repr=False)  # shown by __repr__ without its password
    secret_key: str = field(repr=False)  # no secret in a log line or a traceback
    public_url: str
    repository: RepositorySettings
    harvest: HarvestSettings
    scheduler: SchedulerSettings
    admin: AdminSettings
    notify: NotifySettings
    web: WebSettings
    sources: tuple[SourceSettings, ...] = ()
    config_path: Path | None = None

    def __post_init__(self) -> None:
        convert_fields(self, settings_of(""), type(self).__name__)
        if not self.database_url:
            url = f"sqlite:///{self.data_dir.resolve() / 'oaihub.sqlite'}"
            object.__setattr__(self, "database_url", url)
        for name, cls in SECTIONS.items():
            if not isinstance(getattr(self, name), cls):
                raise ConfigError(f"Settings: {name} must be a {cls.__name__}")
        object.__setattr__(self, "sources", tuple(self.sources))
        ids = [source.id for source in self.sources]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ConfigError(f"two [[sources]] share the id {twice[0]!r}")

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr
        )
        return f"Settings(database={self.database_display!r}, {shown})"

    @property
    def database_display(self) -> str:
        """The database URL with its password masked, for logs and pages."""
        return _PASSWORD_IN_URL.sub(r"\1***@", self.database_url)

    def source(self, source_id: str) -> SourceSettings:
        """The configured source with this id; ConfigError if there is none."""
        for source in self.sources:
            if source.id == source_id:
                return source
        raise ConfigError(f"no source with id {source_id!r} in the configuration")

    def with_sources(self, sources: tuple[SourceSettings, ...]) -> Settings:
        """A copy with these sources instead (tests and benchmarks make theirs in code)."""
        return dataclasses.replace(self, sources=sources)


def build_settings(
    values: Mapping[str, Any],
    sources: tuple[SourceSettings, ...] = (),
    config_path: Path | None = None,
) -> Settings:
    """Settings from a value for every dotted key of the table."""
    sections = {
        name: cls(**{s.name: values[s.key] for s in settings_of(name)})
        for name, cls in SECTIONS.items()
    }
    top = {s.name: values[s.key] for s in settings_of("")}
    return Settings(**top, **sections, sources=sources, config_path=config_path)


def check_against_the_table() -> None:
    """TypeError when the section objects and the settings table disagree (run at import)."""
    for name, cls in SECTIONS.items():
        check_fields(cls, settings_of(name))
    check_fields(Settings, settings_of(""), besides=_NOT_SETTINGS)
    homeless = {s.key.partition(".")[0] for s in SETTINGS if "." in s.key} - set(SECTIONS)
    if homeless:
        raise TypeError(f"settings of sections without an object: {sorted(homeless)}")


check_against_the_table()
