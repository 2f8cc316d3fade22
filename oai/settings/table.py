"""Every setting, declared once: its TOML key, type, default and help text.

`config/oaihub.example.toml` documents each of them (a test fails when one is missing),
and the typed section objects of `oai.settings.sections` are checked against this table
when they are imported. Adding a setting is one line here plus its field there.
"""

from __future__ import annotations

from dataclasses import replace

from oai.settings.values import (
    BOOL,
    FLOAT,
    INT,
    ONE_OR_MORE_STRINGS,
    PATH,
    STR,
    STRINGS,
    Setting,
)

__all__ = ["ENV_ALIASES", "RANGES", "SETTINGS", "settings_of"]

_SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", PATH, "var", "Folder for the SQLite file and other local state."),
    Setting(
        "database_url",
        STR,
        "",
        "SQLAlchemy URL; empty means sqlite:///<data_dir>/oaihub.sqlite. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/dbname",
    ),
    Setting(
        "secret_key",
        STR,
        "",
        "The secret from which the keys of resumption tokens and admin sessions are derived.",
    ),
    Setting("public_url", STR, "", "Public base URL of record pages, used in dc:identifier."),
    Setting("repository.name", STR, "oaihub", "repositoryName in Identify."),
    Setting("repository.base_url", STR, "", "baseURL in Identify; empty: the request's URL."),
    Setting("repository.identifier", STR, "oaihub.localhost", "repositoryIdentifier."),
    Setting(
        "repository.admin_email",
        ONE_OR_MORE_STRINGS,
        ("admin@oaihub.localhost",),
        "adminEmail: one address, or a list of them.",
    ),
    Setting("repository.friends", STRINGS, (), "baseURLs listed in the friends description."),
    Setting("repository.page_size", INT, 100, "Records or headers per list page."),
    Setting("repository.token_ttl_hours", INT, 48, "Resumption token lifetime (>= 24)."),
    Setting("repository.max_concurrent_lists", INT, 8, "Concurrent list requests per worker."),
    Setting("repository.rate_limit_per_minute", INT, 600, "Requests per client and minute."),
    Setting("repository.retry_after_seconds", INT, 10, "Retry-After sent with a 503."),
    Setting(
        "web.max_request_bytes",
        INT,
        4 * 1024 * 1024,
        "Largest request body (POST /oai, admin forms); larger ones get 413 unread.",
    ),
    Setting(
        "web.trusted_proxies",
        INT,
        0,
        "Reverse proxies in front whose X-Forwarded-For/-Proto/-Host are believed (0: none).",
    ),
    Setting(
        "web.allowed_hosts",
        STRINGS,
        (),
        "Host names the web app answers (empty: those of base_url and public_url, and"
        " loopback); others get 400.",
    ),
    Setting("harvest.connect_timeout", FLOAT, 10.0, "Seconds to connect to a partner."),
    Setting("harvest.read_timeout", FLOAT, 60.0, "Seconds to wait for a partner's bytes."),
    Setting("harvest.max_retries", INT, 5, "Retries of one request before the stream fails."),
    Setting("harvest.backoff_seconds", FLOAT, 2.0, "First backoff; doubles, with jitter."),
    Setting("harvest.max_retry_after", FLOAT, 300.0, "Cap on a partner's Retry-After."),
    Setting("harvest.max_response_bytes", INT, 100_000_000, "Largest response accepted."),
    Setting(
        "harvest.request_deadline",
        FLOAT,
        300.0,
        "Seconds one request may take in all, however slowly its bytes drip in; then it"
        " counts as a transport error and is retried.",
    ),
    Setting(
        "harvest.max_record_bytes",
        INT,
        16_000_000,
        "Largest partner record accepted; a larger one is rejected, kept raw, and the page"
        " goes on.",
    ),
    Setting(
        "harvest.max_field_bytes",
        INT,
        1_000_000,
        "Largest text of one field (element text or attribute) of a partner record.",
    ),
    Setting(
        "harvest.max_attributes",
        INT,
        256,
        "Most attributes one element of a partner record may have; a record with more is"
        " rejected (attribute values are read in time quadratic in their number).",
    ),
    Setting(
        "harvest.refetch_max",
        INT,
        100,
        "Records that failed in earlier runs asked for again, one by one, at the start of"
        " each run (OAI-PMH GetRecord, ARON by uuid), until stored or gone.",
    ),
    Setting(
        "harvest.file_roots",
        STRINGS,
        (),
        "Directories under which a files source added or edited in the browser or the API"
        " may name local paths (empty: none; sources in this file may name any path).",
    ),
    Setting(
        "harvest.private_redirects",
        BOOL,
        False,
        "Follow a redirect from a public partner to a loopback, private or link-local"
        " address (a partner on such an address may always redirect there).",
    ),
    Setting(
        "harvest.private_base_urls",
        BOOL,
        False,
        "Let sources added or edited in the browser or the API, their Test connection and"
        " harvests reach loopback, private, link-local and other non-public addresses (only"
        " this file can allow it; sources in this file may always point anywhere).",
    ),
    Setting("harvest.overlap_seconds", INT, 60, "Incremental from = last until - overlap."),
    Setting(
        "harvest.max_clock_skew",
        INT,
        86_400,
        "Seconds the partner's clock may differ from ours before the window uses ours.",
    ),
    Setting("harvest.max_empty_pages", INT, 5, "Empty pages in a row that fail a stream."),
    Setting("harvest.sweep_max_share", FLOAT, 0.10, "Most a full-harvest sweep may delete."),
    Setting(
        "harvest.workers",
        INT,
        2,
        "Processes that crosswalk and render large pages ahead (0: all in one process).",
    ),
    Setting("scheduler.misfire_grace_seconds", INT, 3600, "Late job runs still allowed."),
    Setting("scheduler.heartbeat_seconds", INT, 30, "How often a run proves it is alive."),
    Setting("scheduler.stale_after_seconds", INT, 300, "Silent runs older than this failed."),
    Setting("scheduler.max_failures", INT, 3, "Consecutive failures that mark a failing source."),
    Setting("scheduler.poll_seconds", INT, 5, "How often the queue of manual runs is read."),
    Setting(
        "scheduler.job_queue",
        BOOL,
        True,
        "On PostgreSQL, harvests run as jobs of `oai worker` processes (false: in the scheduler).",
    ),
    Setting("scheduler.worker_concurrency", INT, 2, "Harvests one `oai worker` runs at once."),
    Setting(
        "scheduler.worker_stalled_seconds",
        INT,
        60,
        "A worker silent this long is gone; its harvest is retried by another.",
    ),
    Setting("admin.password_hash", STR, "", "werkzeug password hash of the admin password."),
    Setting(
        "admin.api_tokens",
        STRINGS,
        (),
        "Read-only (viewer) tokens of the account admin for the X-API-Token header; tokens"
        " of other roles and accounts: `oai users token`.",
    ),
    Setting("admin.max_login_attempts", INT, 5, "Failed logins per client and 15 minutes."),
    Setting("admin.session_idle_minutes", INT, 60, "A session unused this long must log in again."),
    Setting("admin.session_max_hours", INT, 12, "No session lives longer, used or not."),
    Setting(
        "admin.secure_cookie",
        STR,
        "auto",
        "Session cookie only over https: true, false, or auto (when base_url is https).",
    ),
    Setting("notify.smtp_host", STR, "", "SMTP server for failure e-mails; empty: no e-mail."),
    Setting("notify.smtp_port", INT, 25, "Its port (587 with starttls, 25 without)."),
    Setting("notify.smtp_starttls", BOOL, False, "Upgrade the SMTP connection with STARTTLS."),
    Setting("notify.smtp_username", STR, "", "SMTP login; empty: none."),
    Setting("notify.smtp_password", STR, "", "SMTP password."),
    Setting("notify.mail_from", STR, "oaihub@localhost", "From address of the e-mails."),
    Setting("notify.mail_to", STRINGS, (), "Who gets the e-mails; none: no e-mail."),
    Setting("notify.webhook_urls", STRINGS, (), "http(s) URLs that get a JSON POST."),
    Setting(
        "notify.admin_url",
        STR,
        "",
        "Base URL of the admin pages for links in notifications, e.g. https://hub.example.org",
    ),
    Setting("notify.attempts", INT, 3, "Deliveries tried per notification and channel."),
    Setting("notify.timeout", FLOAT, 10.0, "Seconds a delivery may take."),
    Setting("notify.backoff_seconds", FLOAT, 2.0, "Wait before the second try; doubles."),
)

# short environment variables, besides OAI_<KEY> with "__" for each dot
ENV_ALIASES = {
    "OAI_DATABASE_URL": "database_url",
    "OAI_SECRET_KEY": "secret_key",
    "OAI_DATA_DIR": "data_dir",
    "OAI_ADMIN_PASSWORD_HASH": "admin.password_hash",
}


def settings_of(section: str) -> tuple[Setting, ...]:
    """The settings of one `[section]`; "" gives the top-level ones."""
    return tuple(s for s in SETTINGS if s.key.rpartition(".")[0] == section)


# The range of each number (bounds included): a negative page size or a zero timeout is
# refused when the configuration is read, naming the key, instead of failing later.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "repository.page_size": (1, 10_000),
    "repository.token_ttl_hours": (1, None),
    "repository.max_concurrent_lists": (1, None),
    "repository.rate_limit_per_minute": (0, None),
    "repository.retry_after_seconds": (1, None),
    "web.max_request_bytes": (1024, None),
    "web.trusted_proxies": (0, 10),
    "harvest.connect_timeout": (0.01, None),
    "harvest.read_timeout": (0.01, None),
    "harvest.max_retries": (0, 100),
    "harvest.backoff_seconds": (0, None),
    "harvest.max_retry_after": (0, None),
    "harvest.max_response_bytes": (1024, None),
    "harvest.request_deadline": (0.1, None),
    "harvest.max_record_bytes": (1024, None),
    "harvest.max_field_bytes": (64, None),
    "harvest.max_attributes": (8, None),
    "harvest.refetch_max": (0, None),
    "harvest.overlap_seconds": (0, None),
    "harvest.max_clock_skew": (60, None),
    "harvest.max_empty_pages": (1, None),
    "harvest.sweep_max_share": (0, 1),
    "harvest.workers": (0, 64),
    "scheduler.misfire_grace_seconds": (0, None),
    "scheduler.heartbeat_seconds": (1, None),
    "scheduler.stale_after_seconds": (1, None),
    "scheduler.max_failures": (1, None),
    "scheduler.poll_seconds": (1, None),
    "scheduler.worker_concurrency": (1, 64),
    "scheduler.worker_stalled_seconds": (1, None),
    "admin.max_login_attempts": (1, None),
    "admin.session_idle_minutes": (1, None),
    "admin.session_max_hours": (1, None),
    "notify.smtp_port": (1, 65_535),
    "notify.attempts": (1, 20),
    "notify.timeout": (0.1, None),
    "notify.backoff_seconds": (0, None),
}

SETTINGS: tuple[Setting, ...] = tuple(
    replace(s, at_least=RANGES[s.key][0], at_most=RANGES[s.key][1]) if s.key in RANGES else s
    for s in _SETTINGS
)
_UNKNOWN = set(RANGES) - {s.key for s in SETTINGS}
if _UNKNOWN:  # a typo in RANGES is a programming error, found at import
    raise TypeError(f"RANGES names no setting: {sorted(_UNKNOWN)}")
