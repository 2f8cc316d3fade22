"""The `files` kind: partners' exports read from disk or one URL, reconciled by record id."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select

from oai.app import create_app
from oai.harvest import run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.settings import SourceSettings, load_settings
from records import tables as t
from tests.oai.harvest.conftest import FAST
from tests.servers import Background

DC = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title>'
    "<dc:identifier>{ident}</dc:identifier></oai_dc:dc>"
)


def dump(records: dict[str, str]) -> bytes:
    """An OAI-PMH ListRecords response holding oai_dc records (id -> title)."""
    body = "".join(
        f"<record><header><identifier>{i}</identifier><datestamp>2024-01-01</datestamp>"
        f"</header><metadata>{DC.format(title=title, ident=i)}</metadata></record>"
        for i, title in records.items()
    )
    return (
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>'
        f"{body}</ListRecords></OAI-PMH>"
    ).encode()


def make(tmp_path: Path, database_url: str, where: str) -> Hub:
    overrides: dict[str, Any] = {
        **FAST,
        "data_dir": str(tmp_path / "hub"),
        "database_url": database_url,
        "harvest.sweep_max_share": 0.9,
    }
    settings = load_settings(env={}, overrides=overrides)
    source = SourceSettings(id="files", base_url=where, kind="files")
    return Hub.from_settings(settings.with_sources((source,)), migrate=True)


def live(hub: Hub) -> dict[str, str]:
    r = t.records.c
    query = select(r.remote_identifier, r.title).where(r.source_id == "files", r.deleted.is_(False))
    with hub.engine.connect() as conn:
        return dict(conn.execute(query).all())


def tombstones(hub: Hub) -> int:
    r = t.records.c
    query = select(func.count()).where(r.source_id == "files", r.deleted.is_(True))
    with hub.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_a_directory_of_exports_add_update_delete_and_no_change(
    tmp_path: Path, database_url: str, samples_dir: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.xml").write_bytes(dump({f"a{n}": f"Zpráva {n}" for n in range(30)}))
    (folder / "b.xml").write_bytes(dump({f"b{n}": f"Dopis {n}" for n in range(12)}))
    shutil.copy(samples_dir / "ehri_ead2002_JMP-130.xml", folder / "c.xml")
    with make(tmp_path, database_url, str(folder)) as hub:
        first = run_harvest(hub, "files")
        assert first.status == "ok", first.message
        added = first.counts.added
        assert added >= 42 + 1 and first.counts.failed == 0
        assert len(live(hub)) == added
        # no change: every file skipped by its hash
        again = run_harvest(hub, "files")
        assert again.status == "ok"
        assert (again.counts.added, again.counts.updated, again.counts.deleted) == (0, 0, 0)
        assert again.counts.unchanged == added
        # b changes: one record updated, one gone, one new; a and c unchanged
        records = {f"b{n}": f"Dopis {n}" for n in range(1, 12)}
        records["b5"], records["b99"] = "Dopis 5, opraveno", "Nový dopis"
        (folder / "b.xml").write_bytes(dump(records))
        third = run_harvest(hub, "files")
        assert third.status == "ok", third.message
        counts = third.counts
        assert (counts.added, counts.updated, counts.deleted) == (1, 1, 1)
        assert live(hub)["b5"] == "Dopis 5, opraveno" and "b0" not in live(hub)
        assert tombstones(hub) == 1
        # the records are served by the hub's own /oai
        client = create_app(hub=hub).test_client()
        page = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&set=partners:files")
        assert page.status_code == 200 and "Dopis 5, opraveno" in page.get_data(as_text=True)


def test_an_unreadable_file_means_no_deletions(tmp_path: Path, database_url: str) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.xml").write_bytes(dump({f"a{n}": f"A {n}" for n in range(10)}))
    (folder / "b.xml").write_bytes(dump({f"b{n}": f"B {n}" for n in range(10)}))
    with make(tmp_path, database_url, str(folder)) as hub:
        assert run_harvest(hub, "files").status == "ok"
        # b is cut off half way (a broken export): its first records are read, but the set
        # of files is not complete, so nothing is deleted
        data = dump({f"b{n}": f"B {n}, new" for n in range(10)})
        (folder / "b.xml").write_bytes(data[: len(data) // 2])
        (folder / "a.xml").write_bytes(dump({f"a{n}": f"A {n}" for n in range(5)}))
        result = run_harvest(hub, "files")
        assert result.status == "partial", result.message
        assert result.counts.deleted == 0 and tombstones(hub) == 0
        assert "not read" in (result.message or "")
        events = RunLog(hub.engine).events.of_run(result.run_id)
        assert any("cut short" in e.message for e in events)


def test_a_glob_and_the_czech_formats(tmp_path: Path, database_url: str, samples_dir: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in (
        "elza_ead3_cz_findingaid-HK01812.xml",
        "elza_edx_archdesc-PA00870_P.xml",
        "aron_apux_archdesc-PA00870_P.xml",
        "nkcr_marcxml_cpk20051492461.xml",
    ):
        shutil.copy(samples_dir / name, folder / name)
    (folder / "notes.txt").write_text("not an export", encoding="utf-8")
    with make(tmp_path, database_url, str(folder / "*.xml")) as hub:
        result = run_harvest(hub, "files")
        assert result.status == "ok", result.message
        assert result.counts.added >= 4 and result.counts.failed == 0
        titles = live(hub).values()
        assert all(titles)


class _Export(BaseHTTPRequestHandler):
    body = b""
    status = 200
    etag = '"v1"'
    requests: ClassVar[list[tuple[str | None, int]]] = []

    def do_GET(self) -> None:
        asked = self.headers.get("If-None-Match")
        if self.status == 200 and asked == self.etag:
            type(self).requests.append((asked, 304))
            self.send_response(304)
            self.send_header("ETag", self.etag)
            self.end_headers()
            return
        type(self).requests.append((asked, self.status))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("ETag", self.etag)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def export_server() -> Iterator[tuple[str, type[_Export]]]:
    handler = type("Handler", (_Export,), {"requests": []})
    with Background(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as running:
        yield f"http://127.0.0.1:{running.server.server_address[1]}/export.xml", handler


def test_one_url(
    tmp_path: Path, database_url: str, export_server: tuple[str, type[_Export]]
) -> None:
    url, handler = export_server
    handler.body = dump({f"u{n}": f"Z URL {n}" for n in range(8)})
    with make(tmp_path, database_url, url) as hub:
        first = run_harvest(hub, "files")
        assert first.status == "ok" and first.counts.added == 8
        # the second run asks with the ETag; the partner answers 304: nothing is read
        assert run_harvest(hub, "files").counts.unchanged == 8
        assert handler.requests[-2:] == [(None, 200), ('"v1"', 304)]
        # a new version of the file, with a new ETag, is read again
        handler.body, handler.etag = dump({f"u{n}": f"Z URL {n}" for n in range(9)}), '"v2"'
        third = run_harvest(hub, "files")
        assert (third.counts.added, third.counts.unchanged) == (1, 8)
        assert handler.requests[-1] == ('"v1"', 200)
        handler.status = 500  # the partner's server fails: nothing is lost or deleted
        failed = run_harvest(hub, "files")
        assert failed.status == "failed" and tombstones(hub) == 0
        assert len(live(hub)) == 9


def test_every_kind_a_source_may_name_has_a_module() -> None:
    from oai.harvest.kinds import KINDS
    from oai.settings.sources import KINDS as NAMES

    assert set(NAMES) == set(KINDS)
    assert all(kind.name == name for name, kind in KINDS.items())


_KILLME = """
import sys
from pathlib import Path
from oai.harvest import run_harvest
from tests.oai.harvest.test_files_kind import make
with make(Path(sys.argv[1]), sys.argv[2], sys.argv[3]) as hub:
    run_harvest(hub, "files")
"""


def test_a_run_killed_mid_file_is_finished_exactly_by_the_next(
    tmp_path: Path, database_url: str
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.oai.harvest.conftest import ROOT

    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "big.xml").write_bytes(dump({f"k{n}": f"Záznam {n}" for n in range(4000)}))
    with make(tmp_path, database_url, str(folder)) as hub:
        log = RunLog(hub.engine)
        process = subprocess.Popen(
            [sys.executable, "-c", _KILLME, str(tmp_path), database_url, str(folder)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            running = log.runs.running("files")
            if running is not None and running.pages >= 2:
                break
            assert process.poll() is None, "the run ended before it could be killed"
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        killed = log.runs.running("files")
        assert killed is not None and 0 < killed.counts.added < 4000
        result = run_harvest(hub, "files")
        assert result.status == "ok", result.message
        runs = log.runs.newest(source_id="files")
        assert [r.status for r in runs] == ["ok", "failed"]
        assert sum(r.counts.added for r in runs) == 4000  # each record added exactly once
        assert len(live(hub)) == 4000 and tombstones(hub) == 0
        with hub.engine.connect() as conn:
            versions = conn.execute(select(func.count()).select_from(t.record_versions))
            assert versions.scalar_one() == 4000  # none written twice
