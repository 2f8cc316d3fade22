"""`oai request` (one request in-process) and `oai serve` (gunicorn, real HTTP)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from lxml import etree
from sickle import Sickle

from oai.cli import main
from oai.cli.web import served
from oai.settings import load_settings
from tests.oai.web.conftest import NS, Validate, make_hub, populate

ROOT = Path(__file__).resolve().parents[3]


def env_for(tmp_path: Path) -> dict[str, str]:
    return {
        "OAI_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "OAI_DATA_DIR": str(tmp_path),
        "OAI_SECRET_KEY": "command-test-secret",
        "OAI_REPOSITORY__IDENTIFIER": "test.oaihub.org",
        "OAI_REPOSITORY__PAGE_SIZE": "10",
    }


@pytest.fixture
def filled(tmp_path: Path) -> dict[str, str]:
    env = env_for(tmp_path)
    with make_hub(env["OAI_DATABASE_URL"], tmp_path) as hub:
        populate(hub, 25)
    return env


@pytest.mark.parametrize("post", [False, True])
def test_oai_request_prints_the_response(
    filled: dict[str, str], assert_valid: Validate, post: bool
) -> None:
    args = ["request", "verb=ListIdentifiers&metadataPrefix=oai_dc&set=a:b"]
    result = CliRunner().invoke(main, [*args, "--post"] if post else args, env=filled)
    assert result.exit_code == 0, result.output
    data = result.output.encode()
    assert_valid(data)
    root = etree.fromstring(data)
    assert len(root.findall(".//o:header", NS)) == 10
    assert root.find(".//o:resumptionToken", NS).get("completeListSize") == "13"


def test_oai_request_accepts_a_whole_url(filled: dict[str, str], assert_valid: Validate) -> None:
    result = CliRunner().invoke(
        main, ["request", "http://example.org/oai?verb=Identify"], env=filled
    )
    assert result.exit_code == 0, result.output
    assert_valid(result.output.encode())
    assert "<repositoryName>" in result.output


@pytest.mark.slow
def test_oai_serve_runs_gunicorn(
    filled: dict[str, str], assert_valid: Validate, free_port: Callable[[], int]
) -> None:
    port = free_port()
    env = {**os.environ, **filled}
    env.pop("OAI_CONFIG", None)
    command = [sys.executable, "-m", "oai", "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/oai"
    try:
        for _ in range(300):
            try:
                if requests.get(base, params={"verb": "Identify"}, timeout=5).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("oai serve did not answer")
        identify = requests.get(base, params={"verb": "Identify"}, timeout=10)
        assert_valid(identify.content)
        # no base_url configured: the address served, whichever name a client used
        spoofed = requests.get(
            base, params={"verb": "Identify"}, headers={"Host": f"localhost:{port}"}, timeout=10
        )
        assert f"<baseURL>{base}</baseURL>".encode() in spoofed.content
        assert identify.headers["Content-Type"] == "text/xml; charset=utf-8"
        # tokens made by one worker are accepted by the other: the secret is shared
        records = list(Sickle(base, max_retries=0).ListRecords(metadataPrefix="oai_dc"))
        assert len({r.header.identifier for r in records}) == 25
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_the_base_url_is_the_address_served_unless_configured() -> None:
    settings = load_settings(env={})
    assert served(settings, "127.0.0.1", 5010).repository.base_url == "http://127.0.0.1:5010/oai"
    assert served(settings, "::1", 5010).repository.base_url == "http://[::1]:5010/oai"
    fixed = load_settings(env={"OAI_REPOSITORY__BASE_URL": "https://hub.example.org/oai"})
    assert served(fixed, "127.0.0.1", 5010).repository.base_url == "https://hub.example.org/oai"
