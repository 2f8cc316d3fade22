"""The demo partner: a second, local oaihub that `make run` harvests, labelled as a demo.

It serves a handful of archival descriptions written for this project (shipped as
`partner_records.jsonl`): the fonds, series, box and folder of the Národní archiv that
the seed document comes from (ÚV KSČ, Antonín Novotný – Zahraničí, Karton 121,
Komunistická strana Kuby). They are demo data, not the archive's own descriptions,
and the partner's repositoryName says so. It has its own SQLite database in
`<data_dir>/demo-partner/` and listens on 127.0.0.1:5001.

Run it alone with `python -m oai.demo.partner [--data-dir var] [--port 5001]`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from importlib import resources
from pathlib import Path
from types import FrameType

from werkzeug.serving import BaseWSGIServer, make_server

from oai.app import create_app
from oai.hub import Hub
from oai.importing import ImportSummary, import_records
from oai.settings import Settings, load_settings
from records.errors import ImportFileError
from records.jsonl import read_json_records
from records.model import Record

__all__ = [
    "DEFAULT_PORT",
    "PARTNER_ID",
    "REPOSITORY_NAME",
    "build_partner",
    "partner_records",
    "partner_server",
    "partner_settings",
]

PARTNER_ID = "demo-partner"
DEFAULT_PORT = 5001
REPOSITORY_NAME = (
    "DEMO partner archive (not a real archive): sample descriptions of Národní archiv "
    "holdings written for the oaihub demo"
)


def partner_records() -> list[Record]:
    """The partner's records; an error here is a packaging bug, so it is raised."""
    path = Path(str(resources.files("oai.demo").joinpath("partner_records.jsonl")))
    out: list[Record] = []
    for item in read_json_records(path):
        if isinstance(item, ImportFileError):
            raise item
        out.append(item)
    return out


def partner_settings(data_dir: Path, port: int = DEFAULT_PORT) -> Settings:
    """Settings of the partner: its own folder, name, identifier and base URL."""
    folder = Path(data_dir) / PARTNER_ID
    return load_settings(
        env={},
        overrides={
            "data_dir": str(folder),
            "repository.name": REPOSITORY_NAME,
            "repository.identifier": "demo-partner.localhost",
            "repository.base_url": f"http://127.0.0.1:{port}/oai",
            "repository.admin_email": ["demo-partner@example.org"],
            "public_url": "",
        },
    )


def build_partner(data_dir: Path, port: int = DEFAULT_PORT) -> tuple[Hub, ImportSummary]:
    """The partner's hub, migrated and holding its records (loading again changes nothing)."""
    hub = Hub.from_settings(partner_settings(data_dir, port), migrate=True)
    summary = ImportSummary()
    import_records(hub, partner_records(), summary, actor="demo partner")
    return hub, summary


def partner_server(hub: Hub, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> BaseWSGIServer:
    """A threaded WSGI server of the partner's app (call `serve_forever`, then `shutdown`)."""
    return make_server(host, port, create_app(hub=hub), threaded=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m oai.demo.partner", description=__doc__)
    parser.add_argument("--data-dir", default="var", type=Path)
    parser.add_argument("--port", default=DEFAULT_PORT, type=int)
    args = parser.parse_args(argv)
    # one line per harvest request would drown the output of `make run`
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    hub, summary = build_partner(args.data_dir, args.port)
    server = partner_server(hub, args.port)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to end, so it must not run on its thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"demo partner: {summary.describe()}; http://127.0.0.1:{args.port}/oai", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        hub.close()


if __name__ == "__main__":
    main()
