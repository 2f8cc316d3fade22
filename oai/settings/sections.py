"""`Settings` and its sections: frozen, typed objects (`settings.harvest.read_timeout`).

Each setting is declared once, on its field (`setting(default, help, at_least=...)`):
its type is the field's annotation, and `oai.settings.table.SETTINGS` (the table the
loader, the documentation and the example configuration use) is made from the fields,
so mypy sees the real types and nothing reads a setting by its key. Each object checks
and converts its values when made, also through `dataclasses.replace`, so a wrong type
is refused wherever it comes from: `replace(settings.harvest, read_timeout="slow")`
raises ConfigError.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oai.errors import ConfigError
from oai.settings.aggregators import check_agency, check_language, check_rights
from oai.settings.sources import SourceSettings
from oai.settings.values import ONE_OR_MORE_STRINGS, Setting, convert_fields, declared, setting

__all__ = [
    "AdminSettings",
    "ApeSettings",
    "EdmSettings",
    "HarvestSettings",
    "RepositorySettings",
    "SchedulerSettings",
    "Settings",
    "WebSettings",
    "build_settings",
    "check_against_the_table",
    "settings_of",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class RepositorySettings:
    """`[repository]`: what Identify says, list pages and flow control of the provider."""

    name: str = setting("oaihub", "repositoryName in Identify.")
    base_url: str = setting("", "baseURL in Identify; empty: the request's URL.")
    identifier: str = setting("oaihub.localhost", "repositoryIdentifier.")
    admin_email: tuple[str, ...] = setting(
        ("admin@oaihub.localhost",),
        'adminEmail: one address ("a@example.org"), or a list of them.',
        kind=ONE_OR_MORE_STRINGS,
    )
    friends: tuple[str, ...] = setting((), "baseURLs listed in the friends description.")
    page_size: int = setting(100, "Records or headers per list page.", at_least=1, at_most=10000)
    token_ttl_hours: int = setting(
        48,
        "Resumption token lifetime in hours (harvesters pausing overnight expect a day).",
        at_least=24,
    )
    max_concurrent_lists: int = setting(8, "Concurrent list requests per worker.", at_least=1)
    rate_limit_per_minute: int = setting(600, "Requests per client and minute.", at_least=0)
    retry_after_seconds: int = setting(10, "Retry-After sent with a 503.", at_least=1)

    def __post_init__(self) -> None:
        convert_fields(self, _TABLES[type(self)], type(self).__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class HarvestSettings:
    """`[harvest]`: timeouts, retries, size caps and safety limits of the harvester."""

    connect_timeout: float = setting(10.0, "Seconds to connect to a partner.", at_least=0.01)
    read_timeout: float = setting(60.0, "Seconds to wait for a partner's bytes.", at_least=0.01)
    max_retries: int = setting(
        5, "Retries of one request before the stream fails.", at_least=0, at_most=100
    )
    backoff_seconds: float = setting(2.0, "First backoff; doubles, with jitter.", at_least=0)
    max_retry_after: float = setting(300.0, "Cap on a partner's Retry-After.", at_least=0)
    max_response_bytes: int = setting(100_000_000, "Largest response accepted.", at_least=1024)
    request_deadline: float = setting(
        300.0,
        (
            "Seconds one request may take in all, however slowly its bytes drip in;"
            " then it counts as a transport error and is retried."
        ),
        at_least=0.1,
    )
    max_record_bytes: int = setting(
        16_000_000,
        (
            "Largest partner record accepted; a larger one is rejected, kept raw, "
            "and the page goes on."
        ),
        at_least=1024,
    )
    max_field_bytes: int = setting(
        1_000_000,
        ("Largest text of one field (element text or attribute) of a partner record."),
        at_least=64,
    )
    max_attributes: int = setting(
        256,
        (
            "Most attributes one element of a partner record may have; a record "
            "with more is rejected (attribute values are read in time quadratic in "
            "their number)."
        ),
        at_least=8,
    )
    refetch_max: int = setting(
        100,
        (
            "Records that failed in earlier runs asked for again, one by one, at "
            "the start of each run (OAI-PMH GetRecord, ARON by uuid), until stored "
            "or gone."
        ),
        at_least=0,
    )
    file_roots: tuple[str, ...] = setting(
        (),
        (
            "Directories under which a files source added or edited in the browser "
            "or the API may name local paths (empty: none; sources in this file may"
            " name any path)."
        ),
    )
    private_redirects: bool = setting(
        False,
        (
            "Follow a redirect from a public partner to a loopback, private or "
            "link-local address (a partner on such an address may always redirect "
            "there)."
        ),
    )
    private_base_urls: bool = setting(
        False,
        "Let sources added or edited in the browser or the API, their Test connection and"
        " harvests reach loopback, private, link-local and other non-public addresses (only"
        " this file can allow it; sources in this file may always point anywhere).",
    )
    overlap_seconds: int = setting(60, "Incremental from = last until - overlap.", at_least=0)
    max_clock_skew: int = setting(
        86_400,
        ("Seconds the partner's clock may differ from ours before the window uses ours."),
        at_least=60,
    )
    max_empty_pages: int = setting(5, "Empty pages in a row that fail a stream.", at_least=1)
    sweep_max_share: float = setting(
        0.1, "Most a full-harvest sweep may delete.", at_least=0, at_most=1
    )
    workers: int = setting(
        2,
        (
            "Processes that crosswalk and render large pages (50+ records) ahead of"
            " the page being written, so a big harvest uses more than one core (0: "
            "all in one process)."
        ),
        at_least=0,
        at_most=64,
    )

    def __post_init__(self) -> None:
        convert_fields(self, _TABLES[type(self)], type(self).__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class SchedulerSettings:
    """`[scheduler]`: misfires, heartbeats, stale runs, failing sources, the queue.

    `oai scheduler` runs the harvests: its own process (never in web workers), one per
    database (a second one exits, or waits with --standby). `oai scheduler --reload`
    makes the running one re-read this file (SIGHUP to the pid in
    <data_dir>/scheduler.pid).
    """

    misfire_grace_seconds: int = setting(3600, "Late job runs still allowed.", at_least=0)
    heartbeat_seconds: int = setting(30, "How often a run proves it is alive.", at_least=1)
    stale_after_seconds: int = setting(300, "Silent runs older than this failed.", at_least=1)
    max_failures: int = setting(3, "Consecutive failures that mark a failing source.", at_least=1)
    poll_seconds: int = setting(5, "How often the queue of manual runs is read.", at_least=1)
    job_queue: bool = setting(
        True,
        (
            "On PostgreSQL, harvests run as jobs of `oai worker` processes (false: "
            "in the scheduler)."
        ),
    )
    worker_concurrency: int = setting(
        2, "Harvests one `oai worker` runs at once.", at_least=1, at_most=64
    )
    worker_stalled_seconds: int = setting(
        60, "A worker silent this long is gone; its harvest is retried by another.", at_least=1
    )

    def __post_init__(self) -> None:
        convert_fields(self, _TABLES[type(self)], type(self).__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class EdmSettings:
    """`[edm]`: what EDM for Europeana needs and records do not hold."""

    provider: str = setting(
        "", "edm:provider: the aggregator that delivers to Europeana (empty: no record is ready)."
    )
    default_rights: str = setting(
        "",
        "Europeana rights URI used where a record's own rights map to none (empty: none),"
        ' e.g. "http://rightsstatements.org/vocab/CNE/1.0/". Anything else is refused at'
        " start.",
    )
    default_language: str = setting(
        "",
        "Language (ISO 639 code or name) used where neither a record nor a unit above it"
        " states one.",
    )

    def __post_init__(self) -> None:
        convert_fields(self, _TABLES[type(self)], type(self).__name__)
        check_rights(self.default_rights, "edm.default_rights")
        check_language(self.default_language, "edm.default_language")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApeSettings:
    """`[ape]`: what apeEAD for the Archives Portal Europe needs and records do not hold."""

    country_code: str = setting(
        "CZ", "ISO 3166-1 country of the archives, eadid/@countrycode of apeEAD finding aids."
    )
    agency_code: str = setting(
        "",
        "ISIL-like code of the holding agency (CZ-225202010), eadid/@mainagencycode;"
        " empty: <country_code>-oaihub.",
    )

    def __post_init__(self) -> None:
        convert_fields(self, _TABLES[type(self)], type(self).__name__)
        check_agency(self.country_code, self.agency_code)


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminSettings:
    """`[admin]`: the admin password, API tokens and the login throttle."""

    password_hash: str = setting(
        "",
        ("werkzeug password hash of the admin password (`oai admin hash-password` makes one)."),
        secret=True,
    )
    api_tokens: tuple[str, ...] = setting(
        (),
        "Read-only (viewer) tokens of the account admin for the X-API-Token header; tokens"
        " of other roles and accounts: `oai users token`.",
        secret=True,
    )
    max_login_attempts: int = setting(5, "Failed logins per client and 15 minutes.", at_least=1)
    session_idle_minutes: int = setting(
        60, "A session unused this long must log in again.", at_least=1
    )
    session_max_hours: int = setting(12, "No session lives longer, used or not.", at_least=1)
    secure_cookie: str = setting(
        "auto", ("Session cookie only over https: true, false, or auto (when base_url is https).")
    )

    def __post_init__(self) -> None:
        convert_fields(self, _TABLES[type(self)], type(self).__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifySettings:
    """`[notify]`: where failure notifications go (e-mail over SMTP, webhooks).

    Failure notifications: a run that failed, a source that turned failing, and its
    recovery (never every success), by e-mail and by webhook (a JSON POST). A delivery
    that fails is tried `attempts` times, logged as an event of the run, and never
    breaks a harvest.
    """

    smtp_host: str = setting("", "SMTP server for failure e-mails; empty: no e-mail.")
    smtp_port: int = setting(
        25, "Its port (587 with starttls, 25 without).", at_least=1, at_most=65535
    )
    smtp_starttls: bool = setting(False, "Upgrade the SMTP connection with STARTTLS.")
    smtp_username: str = setting("", "SMTP login; empty: none.")
    smtp_password: str = setting("", "SMTP password.", secret=True)
    mail_from: str = setting("oaihub@localhost", "From address of the e-mails.")
    mail_to: tuple[str, ...] = setting((), "Who gets the e-mails; none: no e-mail.")
    webhook_urls: tuple[str, ...] = setting(
        (),
        (
            'http(s) URLs that get a JSON POST: {"event", "source", "run", '
            '"status", "counts", "error", "error_in_words", "link", "at"}.'
        ),
    )
    admin_url: str = setting(
        "", ("Base URL of the admin pages for links in notifications, e.g. https://hub.example.org")
    )
    attempts: int = setting(
        3, "Deliveries tried per notification and channel.", at_least=1, at_most=20
    )
    timeout: float = setting(10.0, "Seconds a delivery may take.", at_least=0.1)
    backoff_seconds: float = setting(2.0, "Wait before the second try; doubles.", at_least=0)

    def __post_init__(self) -> None:
        convert_fields(self, _TABLES[type(self)], type(self).__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSettings:
    """`[web]`: limits and checks on every request of the web app."""

    max_request_bytes: int = setting(
        4_194_304,
        ("Largest request body (POST /oai, admin forms); larger ones get 413 unread."),
        at_least=1024,
    )
    trusted_proxies: int = setting(
        0,
        ("Reverse proxies in front whose X-Forwarded-For/-Proto/-Host are believed (0: none)."),
        at_least=0,
        at_most=10,
    )
    allowed_hosts: tuple[str, ...] = setting(
        (),
        (
            "Host names the web app answers (empty: those of base_url and "
            "public_url, and loopback); others get 400."
        ),
    )

    def __post_init__(self) -> None:
        convert_fields(self, _TABLES[type(self)], type(self).__name__)


SECTIONS: Mapping[str, type] = {
    "repository": RepositorySettings,
    "harvest": HarvestSettings,
    "edm": EdmSettings,
    "ape": ApeSettings,
    "scheduler": SchedulerSettings,
    "admin": AdminSettings,
    "notify": NotifySettings,
    "web": WebSettings,
}
_NOT_SETTINGS = (*SECTIONS, "sources", "config_path")
# the password of a URL's user part: scheme://user:password@host
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@/]*@")


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """All settings: the top-level ones, one object per section, and the sources.

    `database_url` is the URL configured or, when none is, the SQLite file in
    `data_dir`, resolved when the settings are made: a copy with another `data_dir`
    keeps the database it had (give both to `load_settings` to move it).
    """

    data_dir: Path = setting("var", "Folder for the SQLite file and other local state.")
    database_url: str = setting(
        "",
        (
            "SQLAlchemy URL; empty means sqlite:///<data_dir>/oaihub.sqlite. "
            "PostgreSQL: postgresql+psycopg://user@host:5432/dbname"
        ),
        secret=True,
    )
    secret_key: str = setting(
        "",
        (
            "The secret from which the keys of resumption tokens and of admin "
            "sessions are derived (HMAC-SHA256 of a label per purpose, see "
            "oai/keys.py); empty: one is made once and kept in "
            "<data_dir>/secret_key. Changing it invalidates tokens and admin "
            "sessions."
        ),
        secret=True,
    )
    public_url: str = setting("", "Public base URL of record pages, used in dc:identifier.")
    repository: RepositorySettings
    harvest: HarvestSettings
    edm: EdmSettings
    ape: ApeSettings
    scheduler: SchedulerSettings
    admin: AdminSettings
    notify: NotifySettings
    web: WebSettings
    sources: tuple[SourceSettings, ...] = ()
    config_path: Path | None = None

    def __post_init__(self) -> None:
        convert_fields(self, _TABLES[Settings], type(self).__name__)
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
        name: cls(**{s.name: values[s.key] for s in _TABLES[cls]}) for name, cls in SECTIONS.items()
    }
    top = {s.name: values[s.key] for s in _TABLES[Settings]}
    return Settings(**top, **sections, sources=sources, config_path=config_path)


# Each class's settings, made from its fields: `oai.settings.table.SETTINGS` joins them.
_TABLES: dict[type, tuple[Setting, ...]] = {
    Settings: declared(Settings, ""),
    **{cls: declared(cls, name) for name, cls in SECTIONS.items()},
}


def settings_of(section: str) -> tuple[Setting, ...]:
    """The settings of one `[section]`; "" gives the top-level ones."""
    return _TABLES[SECTIONS[section] if section else Settings]


def check_against_the_table() -> None:
    """TypeError when a field of a section object is neither a setting nor a section."""
    undeclared = [
        f"{cls.__name__}.{f.name}"
        for cls, table in _TABLES.items()
        for f in dataclasses.fields(cls)
        if f.name not in {s.name for s in table} and f.name not in _NOT_SETTINGS
    ]
    if undeclared:
        raise TypeError(f"fields declared without `setting`: {undeclared}")


check_against_the_table()
