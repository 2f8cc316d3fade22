"""`make run`: the whole service on one machine, in child processes.

`run_all(settings)` migrates the database and loads the demo records, then starts:

1. the demo partners: an oaihub on 127.0.0.1:5001 (`python -m oai.demo.partner`) and a
   fake ARON portal (a Czech archive's REST API) on 127.0.0.1:5002 (`python -m
   oai.demo.aron`), both labelled as demos,
2. the web app (provider, admin pages, API) on 127.0.0.1:5000 (`oai serve`, gunicorn),
3. the scheduler (`oai scheduler --harvest-now`), which harvests the partner at once
   and then on its schedule;
4. on PostgreSQL, one `oai worker`, which runs the harvests the scheduler queues;

prints where to log in, and stops every child on Ctrl-C (or when one of them dies).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from werkzeug.security import check_password_hash

from oai.demo import load_demo_records
from oai.demo.aron import DEFAULT_PORT as ARON_PORT
from oai.demo.aron import DEMO_COUNT
from oai.demo.partner import DEFAULT_PORT as PARTNER_PORT
from oai.hub import Hub
from oai.scheduler.queue import queue_enabled
from oai.settings import Settings

__all__ = ["DEMO_PASSWORD", "default_config", "run_all"]

# the password whose hash config/demo.toml holds; printed only when it is the one in use
DEMO_PASSWORD = "oaihub-demo"  # noqa: S105 - public on purpose, demo only
WEB_PORT = 5000


def default_config() -> Path | None:
    """config/demo.toml of a source checkout, for `oai run` without `--config`."""
    path = Path(__file__).resolve().parent.parent / "config" / "demo.toml"
    return path if path.is_file() else None


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def _start(name: str, args: list[str], env: dict[str, str]) -> Child:
    # a process group of its own: Ctrl-C in the terminal reaches us, we stop the children
    process = subprocess.Popen(args, env=env, start_new_session=True)
    return Child(name, process)


def _wait_for_port(port: int, child: Child, timeout: float = 60.0, host: str = "127.0.0.1") -> bool:
    # a server on every interface answers on the loopback one
    address = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection((address, port), 0.5):
            return True
        time.sleep(0.2)
    return False


def _environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    if settings.config_path is not None:
        env["OAI_CONFIG"] = str(settings.config_path.resolve())
    env["OAI_DATA_DIR"] = str(settings.data_dir.resolve())
    return env


def _stop(children: list[Child]) -> None:
    for child in children:
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        remaining = max(deadline - time.monotonic(), 0.1)
        try:
            child.process.wait(remaining)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def _banner(
    settings: Settings,
    echo: Callable[[str], None],
    web: int,
    partner: int,
    host: str = "127.0.0.1",
    aron: int = ARON_PORT,
) -> None:
    stored = settings.admin.password_hash
    demo = check_password_hash(stored, DEMO_PASSWORD) if stored else False
    echo("")
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104
    echo(f"  OAI-PMH endpoint   http://{shown}:{web}/oai?verb=Identify")
    if settings.repository.base_url:
        echo(f"  its base URL       {settings.repository.base_url} (repository.base_url)")
    echo(f"  admin pages        http://{shown}:{web}/admin/")
    if demo:
        echo(f"  admin password     {DEMO_PASSWORD}   (the demo password of config/demo.toml)")
    elif not stored:
        echo("  admin password     none set: put a hash in admin.password_hash to log in")
    echo(f"  demo partner       http://127.0.0.1:{partner}/oai?verb=Identify")
    echo(
        f"  demo ARON partner  http://127.0.0.1:{aron}/aron/api/v1 (ARON 2.0; the old API at"
        " /aron/api/aron; DEMO data, not the archive)"
    )
    echo("  Ctrl-C stops everything.")
    echo("")


def run_all(
    settings: Settings,
    *,
    web_port: int = WEB_PORT,
    partner_port: int = PARTNER_PORT,
    host: str = "127.0.0.1",
    aron_port: int = ARON_PORT,
    echo: Callable[[str], None] = lambda line: print(line, flush=True),
) -> int:
    """Start partner, web app and scheduler; block until Ctrl-C; the exit status.

    The `[[sources]]` entries of the demo partners (config/demo.toml) must point at
    `partner_port` and `aron_port`.
    """
    with Hub.from_settings(settings, migrate=True) as hub:
        echo(load_demo_records(hub).describe())
    env = _environment(settings)
    python = sys.executable
    data_dir = env["OAI_DATA_DIR"]
    children: list[Child] = []
    stopping = False

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        partner = _start(
            "demo partner",
            [python, "-m", "oai.demo.partner", "--data-dir", data_dir, "--port", str(partner_port)],
            env,
        )
        children.append(partner)
        aron = _start(
            "demo ARON partner",
            [python, "-m", "oai.demo.aron", "--port", str(aron_port), "--count", str(DEMO_COUNT)],
            env,
        )
        children.append(aron)
        web = _start(
            "web",
            [python, "-m", "oai", "serve", "--host", host, "--port", str(web_port)],
            env,
        )
        children.append(web)
        up = (
            _wait_for_port(partner_port, partner)
            and _wait_for_port(aron_port, aron)
            and _wait_for_port(web_port, web, host=host)
        )
        if not up:
            echo("a demo partner or the web app did not come up; stopping")
            return 1
        children.append(
            _start("scheduler", [python, "-m", "oai", "scheduler", "--harvest-now"], env)
        )
        if queue_enabled(settings):
            # on PostgreSQL the scheduler queues harvests: one worker here runs them
            children.append(_start("worker", [python, "-m", "oai", "worker"], env))
        _banner(settings, echo, web_port, partner_port, host, aron_port)
        while not stopping:
            dead = [c for c in children if c.process.poll() is not None]
            if dead:
                echo(f"{dead[0].name} exited with status {dead[0].process.returncode}; stopping")
                return 1
            time.sleep(0.5)
        return 0
    finally:
        echo("stopping ...")
        _stop(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
