"""Who may see the admin pages and the API, and the checks on every request.

- Everything under `/admin` and `/api` is closed unless the session names an account
  (a cookie signed with `hub.keys.admin_sessions`) or, for `/api`, an `X-API-Token` header
  is a usable token of an account (`oai.web.admin.accounts`). The guard works on URL
  prefixes, not on a list of views, so a page added later is closed too. Open: the login
  page, the stylesheet and the OpenAPI document.
- Then the account's role must reach the route's (`oai.web.admin.roles`): a 403 if not.
  The account of the request is `current_account()`; every change names it.
- Every POST (any unsafe method) under `/admin` and `/api` carries the session's CSRF
  token (a hidden form field, or the `X-CSRF-Token` header); one missing or wrong is
  refused with 400. API calls with a valid `X-API-Token` need none.
- A session is valid only in the epoch of its account it was issued in (logout moves
  that epoch on, so every earlier session of the account, a captured copy of a cookie
  included, is refused), for the password it logged in with, within
  `admin.session_idle_minutes` of its last use and `admin.session_max_hours` of its
  login (`oai.web.admin.state`).
- Failed logins are kept in the database (every worker and host sees them): at
  `admin.max_login_attempts` within 15 minutes a client address is refused with 429
  until the window moves on; the account itself is only slowed down past the limit: after
  each further failure it may try again only after a pause (1, 2, 4, then 8 s at most);
  an attempt within the pause is answered at once with 429 and `Retry-After` (no request
  handler ever sleeps, so a guessed-at account never holds a worker).
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, abort, current_app, g, jsonify, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from oai.hub import Hub
from oai.web.admin.accounts import CONFIG_ADMIN, Account, AccountStore
from oai.web.admin.inputs import refuse_unstorable_text
from oai.web.admin.roles import at_least, required_role
from oai.web.admin.state import AdminStore, password_fingerprint

__all__ = [
    "LoginThrottle",
    "admin_state",
    "csrf_token",
    "current_account",
    "guard_request",
    "log_in",
    "log_out_everywhere",
    "logged_in",
    "may",
    "who",
]

WINDOW_SECONDS = 15 * 60
ACCOUNT = CONFIG_ADMIN  # the account a login form without a name means
MAX_ACCOUNT_DELAY = 8  # seconds: the most a login of the account is slowed down
PUBLIC_ENDPOINTS = frozenset({"admin.login", "admin.static", "api.openapi"})
PROTECTED_PREFIXES = ("/admin", "/api")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class LoginThrottle:
    """Failed logins, kept in the database so that every worker and host counts them.

    Per client address: at `limit` failures within the window, further attempts are
    refused (429) until the oldest leaves the window. Per account: past the limit each
    attempt is only slowed down (`delay_for`), so that nobody can lock the admin out of
    their own service by failing on purpose from many addresses."""

    store: AdminStore
    limit: int
    window: float = WINDOW_SECONDS

    def blocked_for(self, client: str, now: datetime | None = None) -> int:
        """Seconds until `client` may try again; 0 when it may now."""
        if self.limit <= 0:  # 0: no limit (not advisable)
            return 0
        now = now or datetime.now(UTC)
        span = timedelta(seconds=self.window)
        count, oldest, _ = self.store.failures(now, span, client=client)
        if count < self.limit or oldest is None:
            return 0
        return max(1, int((oldest + span - now).total_seconds()) + 1)

    def delay_for(self, account: str, now: datetime | None = None) -> float:
        """The pause `account` must leave after its last failure (0 under the limit)."""
        if self.limit <= 0:
            return 0.0
        now = now or datetime.now(UTC)
        count, _, _ = self.store.failures(now, timedelta(seconds=self.window), account=account)
        over = count - self.limit
        return 0.0 if over < 0 else float(min(2**over, MAX_ACCOUNT_DELAY))

    def account_wait(self, account: str, now: datetime | None = None) -> int:
        """Whole seconds until `account` may be tried again (0: now). Never a sleep: the
        caller answers 429 with this as Retry-After."""
        if self.limit <= 0:
            return 0
        now = now or datetime.now(UTC)
        span = timedelta(seconds=self.window)
        count, _, newest = self.store.failures(now, span, account=account)
        over = count - self.limit
        if over < 0 or newest is None:
            return 0
        pause = min(2**over, MAX_ACCOUNT_DELAY)
        left = (newest + timedelta(seconds=pause) - now).total_seconds()
        return 0 if left <= 0 else math.ceil(left)

    def failed(self, client: str, account: str = ACCOUNT, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        self.store.failed(client, account, now, timedelta(seconds=self.window))

    def succeeded(self, client: str) -> None:
        self.store.succeeded(client)


@dataclass
class AdminState:
    """Per-app state of the admin blueprint, in `app.extensions["oaihub.admin"]`."""

    throttle: LoginThrottle
    store: AdminStore
    accounts: AccountStore


def admin_state(app: Flask | None = None) -> AdminState:
    app = app or current_app
    state = app.extensions.get("oaihub.admin")
    if state is None:
        hub = _hub(app)
        store = AdminStore(hub.engine)
        throttle = LoginThrottle(store, hub.settings.admin.max_login_attempts)
        accounts = AccountStore(hub.engine, hub.settings.admin.password_hash)
        state = app.extensions.setdefault("oaihub.admin", AdminState(throttle, store, accounts))
    assert isinstance(state, AdminState)
    return state


def _hub(app: Flask) -> Hub:
    hub = app.extensions["oaihub"]
    assert isinstance(hub, Hub)
    return hub


def password_hash(app: Flask | None = None) -> str:
    return _hub(app or current_app).settings.admin.password_hash


def logins_possible() -> bool:
    """Whether anyone can log in: the configured admin or an account made with the CLI."""
    return bool(password_hash()) or len(admin_state().accounts.all()) > 0


def session_account() -> Account | None:
    """The account of a valid session: issued in the current epoch (no logout since), for
    the account's current password, used within the idle timeout and younger than the
    absolute lifetime; its role as it is now. A valid session is marked as used."""
    name = session.get("account")
    if not isinstance(name, str):
        return None
    account = admin_state().accounts.get(name)
    settings = _hub(current_app).settings.admin
    now = time.time()
    born, seen = session.get("born"), session.get("seen")
    valid = (
        account is not None
        and isinstance(born, int | float)
        and isinstance(seen, int | float)
        and now - seen <= settings.session_idle_minutes * 60
        and now - born <= settings.session_max_hours * 3600
        and session.get("pw") == password_fingerprint(account.password_hash)
        and session.get("epoch") == admin_state().store.epoch(account.name)
    )
    if not valid or account is None or not isinstance(seen, int | float):
        session.clear()
        return None
    if now - seen > 30:  # refresh the idle clock without rewriting the cookie each time
        session["seen"] = int(now)
    return account


def logged_in() -> bool:
    return session_account() is not None


def current_account() -> Account | None:
    """The account of this request (session or API token), after the guard ran."""
    found = g.get("oaihub_account")
    return found if isinstance(found, Account) else None


def who() -> str:
    """Who made a change, for the audit trail: the account, how, and from where."""
    account = current_account()
    address = request.remote_addr or "unknown address"
    name = account.name if account else "unknown"
    how = f" (API token {g.oaihub_token})" if g.get("oaihub_token") else ""
    return f"{name}{how} from {address}"


def may(endpoint: str, method: str = "GET") -> bool:
    """Whether this request's account may call `endpoint` (templates hide what it may not)."""
    account = current_account()
    return account is not None and at_least(account.role, required_role(endpoint, method))


def log_in(account: Account) -> None:
    # a fresh session on login: nothing set before it (session fixation) survives
    session.clear()
    now = int(time.time())
    session["account"] = account.name
    session["csrf"] = secrets.token_urlsafe(32)
    session["epoch"] = admin_state().store.epoch(account.name)
    session["pw"] = password_fingerprint(account.password_hash)
    session["born"] = session["seen"] = now
    session.permanent = False


def log_out_everywhere() -> None:
    """End this session and every other one of its account issued so far (copies of
    cookies too); other accounts' sessions go on."""
    account = session_account()
    if account is not None:
        admin_state().store.end_all_sessions(account.name)
    session.clear()


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


def _token_account() -> Account | None:
    """The account an `X-API-Token` header is: a usable stored token (its role, never more
    than its account's), or one of the configuration's `admin.api_tokens` (a viewer)."""
    sent = request.headers.get("X-API-Token", "")
    if not sent:
        return None
    found = admin_state().accounts.by_token(sent)
    if found is not None:
        account, token = found
        g.oaihub_token = token.id
        return account
    tokens = [t for t in _hub(current_app).settings.admin.api_tokens if t]
    # compare with every token, so the time taken does not tell which one nearly matched
    if any([hmac.compare_digest(sent.encode(), t.encode()) for t in tokens]):  # noqa: C419
        g.oaihub_token = "from the configuration"  # noqa: S105 - words for the audit
        return Account(CONFIG_ADMIN, "viewer", "")
    return None


def _protected(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PROTECTED_PREFIXES)


def _unauthorized() -> ResponseReturnValue:
    response = jsonify(error="unauthorized", message="log in or send an X-API-Token header")
    response.status_code = 401
    return response


def guard_request() -> ResponseReturnValue | None:
    """Before every request of the app: close /admin and /api to strangers; check CSRF;
    then the account's role against the route's."""
    if not _protected(request.path):
        return None
    refuse_unstorable_text()
    api = request.path.startswith("/api")
    by_token = _token_account() if api else None
    # every state-changing request carries the CSRF token, except API calls authenticated
    # by their token header (a browser never adds that header across sites by itself)
    unsafe = request.method not in SAFE_METHODS
    if api and unsafe and by_token is None and session_account() is None:
        return _unauthorized()  # a script without a token: 401 before any CSRF question
    if unsafe and by_token is None and not _csrf_ok():
        abort(400, description="missing or wrong CSRF token; reload the page and try again")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    account = session_account() or by_token
    if account is None:
        if api:
            return _unauthorized()
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    g.oaihub_account = account
    needed = required_role(request.endpoint, request.method)
    if not at_least(account.role, needed):
        abort(403, description=f"{account.name} is {account.role}; this needs {needed}")
    return None
