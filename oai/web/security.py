"""What every request of the web app passes through, before and after its view.

- **Size first.** A body larger than `web.max_request_bytes` is refused with 413 before
  anything reads it (Flask's MAX_CONTENT_LENGTH is set too, so a body without a length
  that grows past the cap is cut off the same way).
- **Known hosts only.** The provider writes its base URL into every response; without
  `repository.base_url` it takes the request's host, which a client chooses. Only the
  hosts of `repository.base_url` and `public_url`, loopback, and `web.allowed_hosts`
  are answered; any other Host header gets 400. `oai serve` on a non-loopback address
  without `repository.base_url` refuses to start (see `require_base_url`).
- **Headers on every response**: a Content-Security-Policy that allows nothing inline
  (the pages and the /oai stylesheet view use files of their own), nosniff, no framing,
  no referrer beyond this site; `Cache-Control: no-store` on the admin pages and the API.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

from oai.errors import ConfigError
from oai.settings import Settings

__all__ = ["install_security", "require_base_url", "secure_cookie"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PRIVATE_PREFIXES = ("/admin", "/api")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def install_security(app: Flask, settings: Settings) -> None:
    """Register the size and host checks and the response headers on the app."""
    limit = settings.web.max_request_bytes
    app.config["MAX_CONTENT_LENGTH"] = limit
    proxies = settings.web.trusted_proxies
    if proxies > 0:
        # the client's address, scheme and host as the proxies in front saw them
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    hosts = allowed_hosts(settings)

    @app.before_request
    def _check_request() -> None:
        length = request.content_length
        if length is not None and length > limit:
            abort(413, description=f"request bodies are limited to {limit} bytes")
        if not _host_allowed(request.host, hosts):
            abort(400, description="unknown host; set repository.base_url or web.allowed_hosts")

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if _private(request.path):
            headers["Cache-Control"] = "no-store"
        return response


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """Host names (lower case, no port) the app answers besides loopback addresses."""
    names = {h.lower() for h in settings.web.allowed_hosts if h}
    for url in (settings.repository.base_url, settings.public_url):
        host = urlsplit(url).hostname if url else None
        if host:
            names.add(host.lower())
    return frozenset(names)


def _host_allowed(host_header: str, allowed: frozenset[str]) -> bool:
    host = urlsplit(f"//{host_header}").hostname or ""
    return host in allowed or is_loopback(host)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _private(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PRIVATE_PREFIXES)


def require_base_url(settings: Settings, bind_host: str) -> None:
    """`oai serve` on an address others reach needs `repository.base_url`: otherwise the
    base URL in every response would be whatever Host a client sends."""
    if settings.repository.base_url or is_loopback(bind_host):
        return
    raise ConfigError(
        f"repository.base_url is not set, and the web app would listen on {bind_host}: set"
        " repository.base_url (OAI_REPOSITORY__BASE_URL) to the URL harvesters use"
    )


def secure_cookie(settings: Settings) -> bool:
    """Whether the session cookie is sent over https only: `admin.secure_cookie` true or
    false, or "auto": when `repository.base_url` (or `public_url`) is https."""
    choice = settings.admin.secure_cookie.strip().lower()
    if choice in ("true", "yes", "1"):
        return True
    if choice in ("false", "no", "0"):
        return False
    if choice != "auto":
        raise ConfigError(f"admin.secure_cookie must be true, false or auto, not {choice!r}")
    url = settings.repository.base_url or settings.public_url
    return url.lower().startswith("https://")
