"""One key per purpose: tokens and sessions are signed with keys derived from the secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from lxml import etree
from werkzeug.security import generate_password_hash

from oai.app import create_app
from oai.hub import Hub
from oai.keys import ADMIN_SESSIONS, RESUMPTION_TOKENS, Keys, derive_key
from oai.protocol.tokens import TokenCodec
from tests.oai.web.conftest import NS, make_hub, populate

SECRET = "web-test-secret"  # the secret make_hub configures


def test_each_purpose_has_its_own_key() -> None:
    keys = Keys.from_secret(SECRET)
    assert keys.resumption_tokens != keys.admin_sessions
    assert SECRET.encode() not in (keys.resumption_tokens, keys.admin_sessions)
    assert len(keys.resumption_tokens) == len(keys.admin_sessions) == 32
    assert keys == Keys.from_secret(SECRET)  # the same in every worker
    assert keys != Keys.from_secret(SECRET + "x")
    assert repr(keys) == "Keys(...)"


def test_the_documented_scheme() -> None:
    expected = hmac.new(SECRET.encode(), b"oaihub/resumption-tokens/v1", hashlib.sha256)
    assert derive_key(SECRET, RESUMPTION_TOKENS) == expected.digest()
    assert ADMIN_SESSIONS == "oaihub/admin-sessions/v1"
    with pytest.raises(ValueError, match="empty secret"):
        derive_key("", RESUMPTION_TOKENS)


@pytest.fixture
def hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    # the configuration's admin account, whose session the forged cookies claim
    admin = {"admin.password_hash": generate_password_hash("keys-test", method="scrypt:1024:8:1")}
    with make_hub(database_url, tmp_path, **admin) as hub:
        yield hub


def _list(app: Flask, **args: str) -> etree._Element:
    response = app.test_client().get("/oai", query_string=args)
    assert response.status_code == 200
    return etree.fromstring(response.data)


def test_tokens_are_signed_with_the_token_key_only(hub: Hub) -> None:
    populate(hub, 15)  # two pages of ten
    app = create_app(hub=hub)
    first = _list(app, verb="ListIdentifiers", metadataPrefix="oai_dc")
    text = first.findtext(".//o:resumptionToken", namespaces=NS)
    assert text
    keys = hub.keys
    state = TokenCodec(keys.resumption_tokens).decode(
        text, verb="ListIdentifiers", now=datetime.now(UTC)
    )
    for key in (keys.admin_sessions, SECRET.encode(), keys.resumption_tokens):
        resigned = TokenCodec(key).encode(state)
        page = _list(app, verb="ListIdentifiers", resumptionToken=resigned)
        codes = [e.get("code") for e in page.findall("o:error", NS)]
        if key == keys.resumption_tokens:
            assert codes == []
            assert len(page.findall(".//o:header", NS)) == 5  # the second page
        else:
            assert codes == ["badResumptionToken"]


def test_sessions_are_signed_with_the_session_key_only(hub: Hub) -> None:
    app = create_app(hub=hub)
    assert app.secret_key == hub.keys.admin_sessions
    for key, status in (
        (hub.keys.resumption_tokens, 401),
        (SECRET.encode(), 401),
        (hub.keys.admin_sessions, 200),
    ):
        client = app.test_client()
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], _session_cookie(key, hub))
        assert client.get("/api/sources").status_code == status


def _session_cookie(key: bytes, hub: Hub) -> str:
    """A valid logged-in admin session (see oai.web.admin.auth), signed as Flask signs
    it, with `key`."""
    import time

    from oai.web.admin.state import AdminStore, password_fingerprint

    now = int(time.time())
    session = {
        "account": "admin",  # the configuration's account (admin.password_hash)
        "epoch": AdminStore(hub.engine).epoch("admin"),
        "pw": password_fingerprint(hub.settings.admin.password_hash),
        "born": now,
        "seen": now,
    }
    forger = Flask("forger")
    forger.secret_key = key
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    assert serializer is not None
    return str(serializer.dumps(session))
