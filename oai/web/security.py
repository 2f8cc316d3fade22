"""What every request of the web app passes through, before and after its view.

- **Size first.** A body larger than `web.max_request_bytes` is refused with 413 before
  anything reads it. A body without a length (`Transfer-Encoding: chunked`) is read by
  `CappedBody` before the app sees it, at most one byte past the cap: over it, 413 at
  once; within it, the app gets the bytes read with their length, as if sent so.
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

import io
import ipaddress
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from oai.errors import ConfigError
from oai.settings import Settings

__all__ = ["CappedBody", "install_security", "require_base_url", "secure_cookie"]

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
    app.wsgi_app = CappedBody(app.wsgi_app, limit)  # type: ignore[method-assign]
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


class CappedBody:
    """WSGI middleware: a request body without a Content-Length (chunked) is read up to
    `limit` + 1 bytes before the app runs; past the cap the answer is 413 and the rest is
    never read, within it the app sees an ordinary body of known length."""

    def __init__(self, app: WSGIApplication, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("CONTENT_LENGTH") or not _has_unsized_body(environ):
            return self.app(environ, start_response)
        body = _read_at_most(environ["wsgi.input"], self.limit + 1)
        if len(body) > self.limit:
            error = RequestEntityTooLarge(f"request bodies are limited to {self.limit} bytes")
            response = error.get_response(environ)
            response.headers["Connection"] = "close"  # the rest of the body stays unread
            return response(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is now of known length
        return self.app(environ, start_response)


def _has_unsized_body(environ: WSGIEnvironment) -> bool:
    # gunicorn marks every request's input terminated; only a chunked one has a body
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def _read_at_most(stream: io.BufferedIOBase, size: int) -> bytes:
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = stream.read(min(left, 65536))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


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
