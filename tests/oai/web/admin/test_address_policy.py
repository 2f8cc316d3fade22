"""Finding 1 of issue 23: a source added in the browser (or the API) cannot reach the
hub's own network, by its base URL, its Test connection, its harvests or a redirect; only
the configuration file's `harvest.private_base_urls` lets it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from lxml import etree

from oai.harvest import run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from tests.oai.harvest.faultserver import FaultServer, Partner
from tests.oai.web.admin.conftest import Data, csrf_of


@pytest.fixture
def partner() -> Iterator[FaultServer]:
    found = Partner()
    found.put("doc-1", "One")
    with FaultServer(found).start() as server:
        yield server


def _form(base_url: str, **more: str) -> dict[str, str]:
    return {"id": "inside", "base_url": base_url, "metadata_prefix": "oai_dc", **more}


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.0.0.7",
        "169.254.169.254",
        "[::1]",
        "[fd00::1]",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
    ],
)
@pytest.mark.parametrize("action", ["save", "test"])
def test_a_source_added_in_the_browser_may_not_point_inside(
    admin: FlaskClient, data: Data, partner: FaultServer, host: str, action: str
) -> None:
    port = partner.url.split(":")[-1].split("/")[0]
    token = csrf_of(admin.get("/admin/sources/new").get_data(as_text=True))
    form = _form(f"http://{host}:{port}/oai", action=action, csrf_token=token)
    response = admin.post("/admin/sources/new", data=form)
    assert response.status_code == 400
    error = str(etree.HTML(response.get_data(as_text=True)).xpath('string(//*[@id="form-error"])'))
    assert "non-public address" in error and "harvest.private_base_urls" in error
    assert partner.requests == []


def test_a_stored_source_inside_is_neither_tested_nor_harvested(
    admin: FlaskClient, admin_hub: Hub, data: Data, partner: FaultServer
) -> None:
    """A source stored before this check (or by a name that resolved elsewhere when it was
    saved) is refused where the harvester connects."""
    log = RunLog(admin_hub.engine)
    table = {"id": "inside", "base_url": partner.url, "metadata_prefix": "oai_dc"}
    log.managed.save("inside", table, who="test", action="add")
    token = csrf_of(admin.get("/admin/sources/inside").get_data(as_text=True))
    tested = admin.post("/admin/sources/inside/test", data={"csrf_token": token})
    assert tested.status_code == 302
    page = admin.get("/admin/sources/inside").get_data(as_text=True)
    assert "Test connection failed" in page and "non-public address" in page
    result = run_harvest(admin_hub, "inside", trigger="manual")
    assert result.status == "failed"
    assert "non-public address" in (log.runs.get(result.run_id).message or "")  # type: ignore[union-attr]
    assert partner.requests == []  # nothing was ever sent inside
    assert admin_hub.store.counts_of_source("inside").get("live", 0) == 0


def test_a_configured_source_may_point_anywhere(admin_hub: Hub, data: Data) -> None:
    """The configuration's own sources keep their private addresses (make run's demo)."""
    from oai.harvest.sources import address_policy, find_source

    policy = address_policy(admin_hub, find_source(admin_hub, "partner"))
    assert "127.0.0.1" in policy.trusted_hosts and policy.private_ok
