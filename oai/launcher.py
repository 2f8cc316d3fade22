"""`make run`: the whole service on one machine, in child processes.

`run_all(settings)` migrates the database and loads the demo records, then starts:

1. the demo partners: an oaihub on 127.0.0.1:5001 (`python -m oai.demo.partner`) and a
   fake ARON portal (a Czech archive's REST API) on 127.0.0.1:5002 (`python -m
   oai.demo.aron`), both labelled as demos,
2. the web app (provider, admin pages, API) on 127.0.0.1:5000 (`oai serve`, gunicorn),

(another web port P moves the demo partners to P+1 and P+2, and the sources that name
them at their usual addresses follow: see `moved_config`),
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
from oai.errors import ConfigError
from oai.hub import Hub
from oai.scheduler.queue import queue_enabled
from oai.settings import Settings

__all__ = ["DEMO_PASSWORD", "default_config", "run_all"]

# the password whose hash config/demo.toml holds; printed only when it is the one in use
DEMO_PASSWORD = "oaihub-demo"  # noqa: S105 - public on purpose, demo only
WEB_PORT = 5000


def demo_ports(web_port: int) -> tuple[int, int]:
    """The ports of the demo partner and the demo ARON partner beside a web port."""
    return web_port + 1, web_port + 2


def moved_config(
    settings: Settings, partner_port: int, aron_port: int, web_port: int
) -> Path | None:
    """A copy of the configuration file whose sources name the demo partners on their
    moved ports (None: nothing moved). The copy sits beside the file, so its relative
    paths mean what the file's mean."""
    path = settings.config_path
    if path is None or (partner_port, aron_port) == (PARTNER_PORT, ARON_PORT):
        return None
    text = path.read_text(encoding="utf-8")
    moved = text
    for usual, port in ((PARTNER_PORT, partner_port), (ARON_PORT, aron_port)):
        moved = moved.replace(f"//127.0.0.1:{usual}/", f"//127.0.0.1:{port}/")
    if moved == text:
        return None
    copy = path.resolve().with_name(f".{path.stem}.port-{web_port}.toml")
    header = f"# made by `oai run --port {web_port}` from {path.name}; removed when it stops\n"
    try:
        copy.write_text(header + moved, encoding="utf-8")
    except OSError as exc:  # a folder we may not write to: say so rather than half-move
        raise ConfigError(
            f"cannot write {copy} (the configuration with the demo partners on ports"
            f" {partner_port} and {aron_port}): {exc.strerror}; run with the usual ports"
        ) from exc
    return copy


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


def _environment(settings: Settings, config: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    config = config or settings.config_path
    if config is not None:
        env["OAI_CONFIG"] = str(config.resolve())
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
    else:
        echo(f"  its base URL       http://{shown}:{web}/oai (the address served)")
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
    partner_port: int | None = None,
    host: str = "127.0.0.1",
    aron_port: int | None = None,
    echo: Callable[[str], None] = lambda line: print(line, flush=True),
) -> int:
    """Start partner, web app and scheduler; block until Ctrl-C; the exit status.

    The demo partners listen beside the web port (`demo_ports`) unless given ports of
    their own; sources naming them at their usual ports (config/demo.toml's) are moved
    with them (`moved_config`).
    """
    partner_port = partner_port or demo_ports(web_port)[0]
    aron_port = aron_port or demo_ports(web_port)[1]
    with Hub.from_settings(settings, migrate=True) as hub:
        echo(load_demo_records(hub).describe())
    moved = moved_config(settings, partner_port, aron_port, web_port)
    try:
        return _run_children(settings, moved, web_port, partner_port, host, aron_port, echo)
    finally:
        if moved is not None:
            moved.unlink(missing_ok=True)


def _run_children(
    settings: Settings,
    moved: Path | None,
    web_port: int,
    partner_port: int,
    host: str,
    aron_port: int,
    echo: Callable[[str], None],
) -> int:
    env = _environment(settings, moved)
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
