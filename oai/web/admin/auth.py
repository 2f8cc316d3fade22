"""Who may see the admin pages and the API, and the checks on every request.

- Everything under `/admin` and `/api` is closed unless the session says "logged in"
  (a cookie signed with `hub.keys.admin_sessions`) or, for `/api`, an `X-API-Token` header
  matches one of `admin.api_tokens`. The guard works on URL prefixes, not on a list of
  views, so a page added later is closed too. Open: the login page, the stylesheet and
  the OpenAPI document.
- Every POST (any unsafe method) under `/admin` and `/api` carries the session's CSRF
  token (a hidden form field, or the `X-CSRF-Token` header); one missing or wrong is
  refused with 400. API calls with a valid `X-API-Token` need none.
- Failed logins are counted per client address; at `admin.max_login_attempts` within
  15 minutes further attempts are refused with 429 until the window moves on. The count
  lives in the worker's memory: with N gunicorn workers a client gets at most N times
  the limit, still far too few for guessing a password.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from flask import Flask, abort, current_app, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.security import check_password_hash

from oai.hub import Hub

__all__ = [
    "LoginThrottle",
    "admin_state",
    "check_password",
    "csrf_token",
    "guard_request",
    "log_in",
    "logged_in",
]

WINDOW_SECONDS = 15 * 60
PUBLIC_ENDPOINTS = frozenset({"admin.login", "admin.static", "api.openapi"})
PROTECTED_PREFIXES = ("/admin", "/api")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class LoginThrottle:
    """Failed logins per client in a sliding window."""

    limit: int
    window: float = WINDOW_SECONDS
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked_for(self, client: str, now: float | None = None) -> int:
        """Seconds until `client` may try again; 0 when it may now."""
        if self.limit <= 0:  # 0: no limit (not advisable)
            return 0
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) < self.limit:
                return 0
            return max(1, int(failures[0] + self.window - now) + 1)

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._recent(client, now).append(now)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


@dataclass
class AdminState:
    """Per-app state of the admin blueprint, in `app.extensions["oaihub.admin"]`."""

    throttle: LoginThrottle


def admin_state(app: Flask | None = None) -> AdminState:
    app = app or current_app
    state = app.extensions.get("oaihub.admin")
    if state is None:
        limit = _hub(app).settings.admin.max_login_attempts
        state = app.extensions.setdefault("oaihub.admin", AdminState(LoginThrottle(limit)))
    assert isinstance(state, AdminState)
    return state


def _hub(app: Flask) -> Hub:
    hub = app.extensions["oaihub"]
    assert isinstance(hub, Hub)
    return hub


def password_hash(app: Flask | None = None) -> str:
    return _hub(app or current_app).settings.admin.password_hash


def check_password(password: str) -> bool:
    """The password against `admin.password_hash` (always False when none is set)."""
    stored = password_hash()
    if not stored or not password:
        return False
    try:
        return check_password_hash(stored, password)
    except ValueError:  # a malformed hash in the config
        return False


def logged_in() -> bool:
    return session.get("admin") is True


def log_in() -> None:
    # a fresh session on login: nothing set before it (session fixation) survives
    session.clear()
    session["admin"] = True
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = False


def csrf_token() -> str:
    """The session's CSRF token, made on first use (the login form needs one too)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    return isinstance(expected, str) and bool(sent) and hmac.compare_digest(expected, sent)


def _api_token_ok() -> bool:
    sent = request.headers.get("X-API-Token", "")
    if not sent:
        return False
    tokens = [t for t in _hub(current_app).settings.admin.api_tokens if t]
    # compare with every token, so the time taken does not tell which one nearly matched
    return any([hmac.compare_digest(sent.encode(), t.encode()) for t in tokens])  # noqa: C419


def _protected(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PROTECTED_PREFIXES)


def guard_request() -> ResponseReturnValue | None:
    """Before every request of the app: close /admin and /api to strangers; check CSRF."""
    if not _protected(request.path):
        return None
    # every state-changing request carries the CSRF token, except API calls authenticated
    # by their token header (a browser never adds that header across sites by itself)
    unsafe = request.method not in SAFE_METHODS
    by_token = request.path.startswith("/api") and _api_token_ok()
    if unsafe and not by_token and not _csrf_ok():
        abort(400, description="missing or wrong CSRF token; reload the page and try again")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if logged_in():
        return None
    if request.path.startswith("/api"):
        if _api_token_ok():
            return None
        response = jsonify(error="unauthorized", message="log in or send an X-API-Token header")
        response.status_code = 401
        return response
    return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
