"""The harvester on the wire (issue 13): drip-fed responses, dead partners, redirects.

Every case runs against a real HTTP server on 127.0.0.1 (the fault server) or a port
nobody listens on; after each, the hub equals the partner.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from oai.harvest import run_harvest
from oai.harvest.client import Client, ClientConfig, is_private_host, short_reason
from oai.harvest.errors import TooManyRedirects, UnsafeURL
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from tests.databases import migrated_sqlite
from tests.oai.harvest.conftest import ROOT, Harvest, assert_mirrors, events, make_hub
from tests.oai.harvest.faultserver import FaultServer, Partner

PUBLIC_HOME = "http://8.8.8.8/oai"  # a public address, only compared, never contacted


def _dead_port() -> int:
    """A port on 127.0.0.1 that refuses connections."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_drip_fed_response_ends_at_the_request_deadline_and_is_retried(
    partner: Partner, server: FaultServer, tmp_path: Path
) -> None:
    # 64 bytes every 50 ms: each read is quick, the whole page would take seconds
    server.inject("drip", at=3, bytes=64, every=0.05)
    settings = {"harvest.request_deadline": 1.0, "harvest.read_timeout": 0.5}
    with make_hub(server.url, tmp_path, settings=settings) as hub:
        result = run_harvest(hub, "partner")
        assert (result.status, result.counts.added) == ("ok", 25)
        (retry,) = events(hub, result.run_id, "retry")
        assert retry.message.startswith("took longer than harvest.request_deadline (1s)")
        assert len(server.requests) == 5  # Identify, 3 pages, 1 retry
        assert_mirrors(hub, partner)


def test_drip_fed_headers_end_at_the_request_deadline_too(
    partner: Partner, server: FaultServer, tmp_path: Path
) -> None:
    server.inject("drip_headers", at=2, bytes=8, every=0.05)  # about 3 s of headers
    settings = {"harvest.request_deadline": 1.0, "harvest.read_timeout": 0.5}
    with make_hub(server.url, tmp_path, settings=settings) as hub:
        result = run_harvest(hub, "partner")
        assert (result.status, result.counts.added) == ("ok", 25)
        (retry,) = events(hub, result.run_id, "retry")
        assert "request_deadline" in retry.message
        assert_mirrors(hub, partner)


def test_a_dead_partner_gets_one_short_event_per_retry(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_dead_port()}/oai"
    with make_hub(url, tmp_path) as hub:
        result = run_harvest(hub, "partner")
        assert result.status == "failed"
        retries = [e.message for e in events(hub, result.run_id, "retry")]
    # Identify only: a partner that cannot be reached is not asked for its lists too
    assert len(retries) == 3
    assert "Identify failed: " in (result.message or "")
    for message in retries:
        assert re.fullmatch(r"connection refused; retry [123] of 3 in \d+\.\ds", message), message


def test_oai_harvest_prints_each_retry_as_it_happens(tmp_path: Path) -> None:
    config = tmp_path / "oaihub.toml"
    migrated_sqlite(tmp_path / "oaihub.sqlite")  # a command never makes a new database
    config.write_text(
        f'data_dir = "{tmp_path}"\n'
        "[harvest]\nbackoff_seconds = 1.0\nmax_retries = 2\n"
        f'[[sources]]\nid = "dead"\nbase_url = "http://127.0.0.1:{_dead_port()}/oai"\n'
    )
    command = [str(Path(sys.executable).with_name("oai")), "--config", str(config)]
    with subprocess.Popen(
        [*command, "harvest", "dead"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        assert process.stderr is not None
        try:
            first = process.stderr.readline()
            assert first.startswith("dead: harvesting http://127.0.0.1:")
            retry = process.stderr.readline()
            # shown while the harvest still waits for its next attempt, not at its end
            assert process.poll() is None
            assert re.fullmatch(r"warning: connection refused; retry 1 of 2 in \d+\.\ds\n", retry)
            rest = process.stderr.read()
        finally:
            process.kill()
    assert "retry 2 of 2" in rest
    assert "urllib3" not in retry + rest and "HTTPConnectionPool" not in retry + rest


def test_a_redirect_loop_stops_and_is_not_retried(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    server.inject("redirect", at=3, location="/loop")
    first = harvest()
    assert (first.status, first.counts.added) == ("failed", 10)
    run = RunLog(hub.engine).runs.get(first.run_id)
    assert run is not None and run.retries == 0
    (failure,) = events(hub, first.run_id, "stream")
    assert "redirects (a loop?)" in failure.message
    assert sum("loop" in args for args in server.requests) == 5  # MAX_REDIRECTS hops
    second = harvest()
    assert (second.status, second.counts.added) == ("ok", 15)
    assert_mirrors(hub, partner)


def test_a_public_partner_may_not_redirect_to_a_private_address(server: FaultServer) -> None:
    port = server.url.split(":")[2].split("/")[0]
    target = f"http://localhost:{port}/oai?verb=Identify"
    server.inject("redirect", at=1, location=target)
    client = Client(ClientConfig(max_retries=2), home=PUBLIC_HOME)
    with pytest.raises(UnsafeURL, match="private or link-local"):
        client.get(server.url, {"verb": "Identify"})
    assert len(server.requests) == 1  # refused, not fetched, not retried

    server.inject("redirect", at=2, location=target)
    allowed = Client(ClientConfig(private_redirects=True), home=PUBLIC_HOME)
    assert b"<Identify>" in allowed.get(server.url, {"verb": "Identify"}).body


def test_a_partner_on_a_private_address_may_redirect_within_it(
    hub: Hub, partner: Partner, server: FaultServer, harvest: Harvest
) -> None:
    port = server.url.split(":")[2].split("/")[0]
    server.inject(
        "redirect",
        at=2,
        location=f"http://localhost:{port}/oai?verb=ListRecords&metadataPrefix=oai_dc",
    )
    result = harvest(full=True)
    assert (result.status, result.counts.added) == ("ok", 25)
    assert_mirrors(hub, partner)


def test_a_redirect_loop_client_error_type(server: FaultServer) -> None:
    server.inject("redirect", at=1, location="/loop")
    with pytest.raises(TooManyRedirects):
        Client(ClientConfig(max_retries=3)).get(server.url, {"verb": "Identify"})
    assert len(server.requests) == 6  # the first request and 5 hops, no retry


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("192.168.0.9", True),
        ("169.254.169.254", True),  # cloud metadata
        ("::1", True),
        ("[fe80::1]", True),
        ("0.0.0.0", True),
        ("localhost", True),
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
    ],
)
def test_private_hosts(host: str, private: bool) -> None:
    assert is_private_host(host) is private


def test_short_reasons_name_the_problem_in_a_few_words() -> None:
    import requests

    refused = requests.ConnectionError(
        "HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: /oai"
        " (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object>: Failed"
        " to establish a new connection: [Errno 111] Connection refused'))"
    )
    assert short_reason(refused) == "connection refused"
    assert short_reason(requests.ReadTimeout("whatever")) == "read timed out"
    assert short_reason(requests.exceptions.ChunkedEncodingError("x")) == "the body was cut short"


def test_oai_harvest_of_a_dead_partner_says_so_in_its_summary(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from oai.cli import main

    config = tmp_path / "oaihub.toml"
    migrated_sqlite(tmp_path / "oaihub.sqlite")  # a command never makes a new database
    config.write_text(
        f'data_dir = "{tmp_path}"\n[harvest]\nbackoff_seconds = 0.01\nmax_retries = 1\n'
        f'[[sources]]\nid = "dead"\nbase_url = "http://127.0.0.1:{_dead_port()}/oai"\n'
    )
    result = CliRunner().invoke(main, ["--config", str(config), "harvest", "dead"])
    assert result.exit_code == 1
    assert "error: the partner could not be reached" in result.stderr
    assert "failed in" in result.stdout and "no window" in result.stdout
    assert "None" not in result.stdout
