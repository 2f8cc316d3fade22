"""`make run` in small: run_all starts partner, web app and scheduler, which harvests the
partner at once; Ctrl-C stops every child."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from oai.demo.aron import DEMO_COUNT
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.launcher import DEMO_PASSWORD, default_config, demo_ports, moved_config
from oai.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_run_all_brings_everything_up_harvests_and_stops_on_ctrl_c(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    demo = default_config()
    assert demo is not None, "config/demo.toml is in the checkout"
    web, partner, aron = free_port(), free_port(), free_port()
    config = tmp_path / "demo.toml"
    text = demo.read_text().replace("127.0.0.1:5001", f"127.0.0.1:{partner}")
    config.write_text(text.replace("127.0.0.1:5002", f"127.0.0.1:{aron}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OAI_")}
    env.update(OAI_CONFIG=str(config), OAI_DATA_DIR=str(tmp_path / "var"))
    code = (
        "import sys; from oai.launcher import run_all; from oai.settings import load_settings; "
        f"sys.exit(run_all(load_settings(), web_port={web}, partner_port={partner}, "
        f"aron_port={aron}))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C stops everything" in line:
                break
        banner = "".join(lines)
        assert f"http://127.0.0.1:{web}/admin/" in banner
        assert DEMO_PASSWORD in banner
        assert requests.get(f"http://127.0.0.1:{web}/admin/", timeout=30).history
        identify = requests.get(f"http://127.0.0.1:{partner}/oai?verb=Identify", timeout=30)
        assert "DEMO partner" in identify.text
        with Hub.from_settings(load_settings(config, env=env)) as hub:
            log = RunLog(hub.engine)
            deadline = time.monotonic() + 120
            while not log.runs.newest(source_id="demo-partner", status="ok"):
                assert time.monotonic() < deadline, "the partner was not harvested at start"
                time.sleep(0.3)
            (run,) = log.runs.newest(source_id="demo-partner", status="ok")
            assert run.counts.added == 4
            while not log.runs.newest(source_id="demo-aron", status="ok"):
                assert time.monotonic() < deadline, "the ARON partner was not harvested"
                time.sleep(0.3)
            (aron_run,) = log.runs.newest(source_id="demo-aron", status="ok")
            assert aron_run.counts.added == DEMO_COUNT
            # demo records + partner records + the ARON partner's entities
            assert hub.store.stats()["records"] == 8 + 4 + DEMO_COUNT
    finally:
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=60)
        process.stdout.close()
    assert status == 0
    assert _closed(web)
    assert _closed(partner)
    assert _closed(aron)


def test_the_demo_partners_listen_beside_the_web_port() -> None:
    assert demo_ports(5000) == (5001, 5002)
    assert demo_ports(5010) == (5011, 5012)


def test_a_moved_port_moves_the_sources_of_the_demo_partners(tmp_path: Path) -> None:
    demo = default_config()
    assert demo is not None
    config = tmp_path / "demo.toml"
    config.write_text(demo.read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings(config, env={})
    assert moved_config(settings, 5001, 5002, 5000) is None, "the usual ports: the file itself"
    copy = moved_config(settings, 5011, 5012, 5010)
    assert copy is not None and copy.parent == tmp_path, "beside the file: same relative paths"
    moved = load_settings(copy, env={})
    assert moved.source("demo-partner").base_url == "http://127.0.0.1:5011/oai"
    assert moved.source("demo-aron").base_url == "http://127.0.0.1:5012/aron/api/v1"
    assert moved.data_dir == settings.data_dir
    assert moved.repository.base_url == "", "the demo fixes no base URL: the address served"
