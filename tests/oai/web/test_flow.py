"""Flow control and failures: HTTP 503 with Retry-After, never a 500."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from oai.app import create_app
from oai.protocol.provider import Provider
from oai.web.flow import FlowControl
from tests.oai.web.conftest import Validate, make_hub, populate


def test_rate_limit_per_client(tmp_path: Path, assert_valid: Validate) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with make_hub(url, tmp_path, **{"repository.rate_limit_per_minute": 3}) as hub:
        client = create_app(hub=hub).test_client()
        for _ in range(3):
            response = client.get("/oai?verb=Identify")
            assert response.status_code == 200
            assert_valid(response.data)
        refused = client.get("/oai?verb=Identify")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "10"
        other = client.get("/oai?verb=Identify", environ_base={"REMOTE_ADDR": "127.0.0.9"})
        assert other.status_code == 200


def test_rate_window_slides() -> None:
    now = [1000.0]
    flow = FlowControl(0, 2, clock=lambda: now[0])
    assert flow.allow("a")
    assert flow.allow("a")
    assert not flow.allow("a")
    now[0] += 61
    assert flow.allow("a")


def test_concurrent_lists_over_the_limit_get_503(tmp_path: Path, assert_valid: Validate) -> None:
    """A list request that is still running holds the only slot: the next one is refused."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with make_hub(url, tmp_path, **{"repository.max_concurrent_lists": 1}) as hub:
        populate(hub, 5)
        app = create_app(hub=hub)
        provider: Provider = app.extensions["oaihub.provider"]
        entered, release = threading.Event(), threading.Event()
        real_page = provider.repository.page

        def slow_page(*args: Any, **kwargs: Any) -> Any:
            entered.set()
            assert release.wait(30)
            return real_page(*args, **kwargs)

        provider.repository.page = slow_page  # type: ignore[method-assign]
        http = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{http.server_port}/oai"
        params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
        results: list[requests.Response] = []
        first = threading.Thread(
            target=lambda: results.append(requests.get(base, params=params, timeout=30))
        )
        try:
            first.start()
            assert entered.wait(30)
            refused = requests.get(base, params=params, timeout=30)
            assert refused.status_code == 503
            assert refused.headers["Retry-After"] == "10"
            identify = requests.get(base, params={"verb": "Identify"}, timeout=30)
            assert identify.status_code == 200  # not a list: not limited
            release.set()
            first.join(30)
            assert results[0].status_code == 200
            assert_valid(results[0].content)
            again = requests.get(base, params=params, timeout=30)  # the slot is free again
            assert again.status_code == 200
        finally:
            release.set()
            http.shutdown()
            thread.join(10)


@pytest.mark.parametrize("error", [RuntimeError("boom"), MemoryError(), KeyError("x")])
def test_unexpected_failures_are_503_not_500(
    tmp_path: Path, error: BaseException, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with make_hub(url, tmp_path) as hub:
        populate(hub, 3)
        app = create_app(hub=hub)
        provider: Provider = app.extensions["oaihub.provider"]

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise error

        provider.repository.count = broken  # type: ignore[method-assign]
        response = app.test_client().get("/oai?verb=ListRecords&metadataPrefix=oai_dc")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "10"
        assert "OAI-PMH request failed" in caplog.text


def test_database_gone_is_503(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with make_hub(url, tmp_path) as hub:
        populate(hub, 3)
        app = create_app(hub=hub)
        with hub.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE rendered_metadata")
        response = app.test_client().get("/oai?verb=ListRecords&metadataPrefix=oai_dc")
        assert response.status_code == 503
        assert "Retry-After" in response.headers


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("repository.admin_email", ["admin@localhost"]),
        ("repository.admin_email", []),
        ("repository.identifier", "not a domain"),
    ],
)
def test_settings_that_would_break_identify_fail_at_start(
    tmp_path: Path, setting: str, value: object
) -> None:
    from oai.errors import ConfigError

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with make_hub(url, tmp_path, **{setting: value}) as hub, pytest.raises(ConfigError):
        create_app(hub=hub)
