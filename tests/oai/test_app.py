"""The application factory."""

from __future__ import annotations

from pathlib import Path

from oai.app import create_app, hub_of
from oai.keys import ADMIN_SESSIONS, derive_key
from oai.settings import load_settings


def test_two_apps_share_nothing(tmp_path: Path) -> None:
    first = create_app(load_settings(env={"OAI_DATA_DIR": str(tmp_path / "a")}))
    second = create_app(load_settings(env={"OAI_DATA_DIR": str(tmp_path / "b")}))
    assert hub_of(first) is not hub_of(second)
    assert hub_of(first).store.engine.url != hub_of(second).store.engine.url
    hub_of(first).close()
    hub_of(second).close()


def test_the_root_leads_to_the_admin_pages(tmp_path: Path) -> None:
    app = create_app(load_settings(env={"OAI_DATA_DIR": str(tmp_path)}))
    response = app.test_client().get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    hub_of(app).close()


def test_the_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings(env={"OAI_DATA_DIR": str(tmp_path)})
    first = create_app(settings).config["SECRET_KEY"]
    again = create_app(settings).config["SECRET_KEY"]
    secret = (tmp_path / "secret_key").read_text().strip()
    assert len(secret) == 64
    assert first == again == derive_key(secret, ADMIN_SESSIONS)
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
