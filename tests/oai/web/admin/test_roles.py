"""Finding 2 of issue 23: named accounts with roles, and tokens of accounts.

The role matrix: every admin and API route x method x role (anonymous, viewer, editor,
admin) against the table below, written out here independently of the code's
`ROUTE_ROLES`; a route added later fails the test until it is listed. The README's
table is checked against the code's too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from oai.app import create_app
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.web.admin.accounts import AccountStore, admin_api_tokens
from oai.web.admin.auth import PUBLIC_ENDPOINTS
from oai.web.admin.roles import ROUTE_ROLES
from tests.oai.web.admin.conftest import Data, csrf_of, make_admin_hub, populate

ROOT = Path(__file__).resolve().parents[4]
PASSWORDS = {"vera": "viewer-password", "ed": "editor-password", "ada": "admin-password"}
ROLE_OF = {"vera": "viewer", "ed": "editor", "ada": "admin"}

# endpoint -> {method: least role}, as the issue states it
EXPECTED: dict[str, dict[str, str]] = {
    **{
        e: {"GET": "viewer"}
        for e in (
            "admin.dashboard",
            "admin.chart_svg",
            "admin.runs_page",
            "admin.run_page",
            "admin.event_raw",
            "admin.report_csv",
            "admin.report_json",
            "admin.records_page",
            "admin.record_page",
            "admin.sources_page",
            "admin.source_page",
            "api.sources",
            "api.runs",
            "api.workers",
            "api.run",
            "api.event_raw",
            "api.report",
            "api.failing",
            "api.record",
            "admin.source_readiness_csv",
            "api.source_readiness",
        )
    },
    "admin.logout": {"POST": "viewer"},
    "admin.reharvest": {"POST": "editor"},
    "admin.harvest_action": {"GET": "editor", "POST": "editor"},
    "admin.source_new": {"GET": "editor", "POST": "editor"},
    "admin.source_edit": {"GET": "editor", "POST": "editor"},
    "admin.source_enabled": {"POST": "editor"},
    "admin.source_test": {"POST": "editor"},
    "admin.source_remove": {"GET": "admin", "POST": "admin"},
    "admin.accounts_page": {"GET": "admin"},
    "admin.token_new": {"POST": "admin"},
    "admin.token_revoke": {"POST": "admin"},
    "admin.withdraw": {"POST": "editor"},
    "admin.reinstate": {"POST": "editor"},
    "admin.source_export": {"GET": "viewer"},
    "admin.sets_page": {"GET": "viewer"},
    "admin.add_set": {"POST": "editor"},
    "admin.remove_set": {"POST": "editor"},
    "api.withdraw": {"POST": "editor"},
    "api.reinstate": {"POST": "editor"},
    "api.source_add": {"POST": "editor"},
    "api.source_edit": {"PATCH": "editor"},
    "api.source_delete": {"DELETE": "admin"},
    "api.source_harvest": {"POST": "editor"},
}
RANK = {"viewer": 0, "editor": 1, "admin": 2}


def add_accounts(hub: Hub) -> AccountStore:
    store = AccountStore(hub.engine, hub.settings.admin.password_hash)
    for name, password in PASSWORDS.items():
        store.add(name, password, ROLE_OF[name])
    return store


@pytest.fixture
def roles_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    overrides = {"harvest.max_retries": 0, "harvest.connect_timeout": 0.5}
    with make_admin_hub(database_url, tmp_path, **overrides) as hub:
        populate(hub)
        add_accounts(hub)
        table = {"id": "web", "base_url": "http://127.0.0.1:9/oai", "metadata_prefix": "oai_dc"}
        RunLog(hub.engine).managed.save("web", table, who="test", action="add")
        app = create_app(hub=hub)
        app.config["TESTING"] = True
        yield app


def sign_in(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    token = csrf_of(client.get("/admin/login").get_data(as_text=True))
    form = {"name": name, "password": PASSWORDS[name], "csrf_token": token}
    assert client.post("/admin/login", data=form).status_code == 302
    return client


def _url(endpoint: str, rule: str, data: Data) -> str:
    values = {
        "run_id": str(data.failed_run),
        "event_id": str(data.raw_event),
        "record_id": data.record_id,
        "token_id": "1",
        "suffix": "jsonl",
        "spec": "no-such-set",
        "source_id": "web" if endpoint.startswith("admin.source_") else "partner",
    }
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        path = str(rule)
        if path.startswith(("/admin", "/api")) and rule.endpoint not in PUBLIC_ENDPOINTS:
            for method in sorted((rule.methods or set()) & {"GET", "POST", "PATCH", "DELETE"}):
                found.append((rule.endpoint, path, method))
    return found


def test_the_role_table_lists_every_route_as_the_issue_says(roles_app: Flask) -> None:
    listed = {(e, m) for e, methods in EXPECTED.items() for m in methods}
    assert {(e, m) for e, _, m in _routes(roles_app)} == listed
    assert ROUTE_ROLES == EXPECTED


def test_every_route_method_and_role(roles_app: Flask, data: Data) -> None:
    # reads data of the populated hub: the fixture `data` gives its ids
    routes = sorted(_routes(roles_app), key=lambda r: r[0] == "admin.logout")  # logout last
    anon = roles_app.test_client()
    for endpoint, rule, method in routes:
        url = _url(endpoint, rule, data)
        answer = anon.open(url, method=method)
        assert answer.status_code in (302, 400, 401), (endpoint, method, answer.status_code)
    for name, role in ROLE_OF.items():
        client = sign_in(roles_app, name)
        token = csrf_of(client.get("/admin/sources/web").get_data(as_text=True))
        for endpoint, rule, method in routes:
            url = _url(endpoint, rule, data)
            if method == "GET":
                answer = client.get(url)
            else:
                form = {"csrf_token": token, "confirmed": "yes"}
                answer = client.open(url, method=method, data=form)
            allowed = RANK[role] >= RANK[EXPECTED[endpoint][method]]
            refused = answer.status_code == 403 and b"this needs" in answer.data
            assert refused is not allowed, (name, endpoint, method, answer.status_code)
            assert answer.status_code < 500, (name, endpoint, method)
            if endpoint != "admin.logout":  # which leads to the login page, as it should
                signed_out = "/admin/login" in (answer.location or "")
                assert answer.status_code != 401 and not signed_out, (name, endpoint)


@pytest.fixture
def data(roles_app: Flask) -> Data:
    """The ids `populate` made (the first runs and event of a fresh database)."""
    log = RunLog(roles_app.extensions["oaihub"].engine)
    runs = log.runs.newest(limit=10)
    failed = next(r.id for r in runs if r.status == "failed")
    ok = next(r.id for r in runs if r.status == "ok")
    event = next(e.id for e in log.events.of_run(failed, limit=10) if e.has_raw)
    return Data(ok, failed, event, "partner-1")


def test_api_tokens_belong_to_accounts_expire_are_revoked_and_stored_hashed(
    roles_app: Flask,
) -> None:
    hub = roles_app.extensions["oaihub"]
    store = AccountStore(hub.engine, hub.settings.admin.password_hash)
    api = roles_app.test_client()
    token_id, token = store.make_token("ed", label="script")
    assert api.get("/api/runs", headers={"X-API-Token": token}).status_code == 200
    with hub.engine.connect() as conn:
        digests = conn.execute(select(admin_api_tokens.c.digest)).scalars().all()
    assert token not in digests and all(len(d) == 64 for d in digests)
    with pytest.raises(ValueError, match="cannot be admin"):
        store.make_token("vera", "admin")
    # a token never carries more than its account: lowering the account lowers it
    store.set_role("ed", "viewer")
    found = store.by_token(token)
    assert found is not None and found[0].role == "viewer"
    store.revoke(token_id)
    assert api.get("/api/runs", headers={"X-API-Token": token}).status_code == 401
    _, old = store.make_token("vera", days=1, now=datetime.now(UTC) - timedelta(days=2))
    assert api.get("/api/runs", headers={"X-API-Token": old}).status_code == 401
    _, gone = store.make_token("vera")
    store.remove("vera")
    assert api.get("/api/runs", headers={"X-API-Token": gone}).status_code == 401


def test_the_audit_names_the_account_and_a_removed_account_is_logged_out(
    roles_app: Flask,
) -> None:
    editor = sign_in(roles_app, "ed")
    token = csrf_of(editor.get("/admin/sources/web").get_data(as_text=True))
    form = {"enabled": "off", "csrf_token": token}
    assert editor.post("/admin/sources/web/enabled", data=form).status_code == 302
    hub = roles_app.extensions["oaihub"]
    (change, *_) = RunLog(hub.engine).managed.changes("web")
    assert change.who.startswith("ed from ")
    harvest = {"csrf_token": token, "action": "now"}
    assert editor.post("/admin/sources/partner/harvest", data=harvest).status_code == 302
    (queued,) = RunLog(hub.engine).queue.pending("partner")
    assert queued.requested_by == "ed"
    AccountStore(hub.engine).remove("ed")
    assert editor.get("/admin/").status_code == 302  # back to the login page


def test_oai_users_commands(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from oai.cli import main

    monkeypatch.setenv("OAI_DATABASE_URL", database_url)
    monkeypatch.setenv("OAI_DATA_DIR", str(tmp_path / "var"))
    cli = CliRunner()

    def run(*args: str, code: int = 0, stdin: str | None = None) -> str:
        result = cli.invoke(main, list(args), input=stdin, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    run("users", "add", "vera", "--role", "viewer", "--password", "viewer-password")
    run("users", "add", "vera", "--role", "viewer", "--password", "viewer-password", code=1)
    run("users", "add", "bob", "--role", "chief", "--password", "x" * 9, code=2)
    run("users", "add", "short", "--role", "viewer", "--password", "short", code=1)
    run("users", "passwd", "vera", stdin="another-password\nanother-password\n")
    run("users", "role", "vera", "editor")
    assert "vera\teditor" in run("users", "list")
    made = run("users", "token", "vera", "--days", "30", "--label", "nightly")
    token = made.strip().rsplit(" ", 1)[1]
    assert token.startswith("oaih_")
    listed = run("users", "tokens", "vera")
    assert "\tvera\teditor\t" in listed and "active" in listed and token not in listed
    run("users", "token", "vera", "--role", "admin", code=1)
    token_id = listed.split("\t", 1)[0]
    run("users", "revoke", token_id)
    assert "revoked" in run("users", "tokens")
    run("users", "remove", "vera")
    assert "vera" not in run("users", "list")
    run("users", "remove", "vera", code=1)


def test_the_readme_table_is_the_code_table() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    found = {
        (e, m): r
        for e, m, r in re.findall(
            r"^\| `([\w.]+)` \| (GET|POST|PATCH|DELETE) \| (\w+) \|", readme, re.M
        )
    }
    assert found == {(e, m): r for e, methods in ROUTE_ROLES.items() for m, r in methods.items()}


def test_a_logout_ends_the_sessions_of_its_account_only(roles_app: Flask) -> None:
    viewer, editor = sign_in(roles_app, "vera"), sign_in(roles_app, "ed")
    thief = roles_app.test_client()
    cookie = viewer.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    token = csrf_of(viewer.get("/admin/").get_data(as_text=True))
    assert viewer.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    assert thief.get("/admin/").status_code == 302  # the captured copy is refused
    assert editor.get("/admin/").status_code == 200  # another account goes on
