"""The same scenarios through every way records come in: an OAI-PMH partner, an ARON
portal, a files source and `oai records import` (issue 21: one ingest path, nothing lost).

Each kind is driven by a small adapter over real parts: the fault-injecting OAI-PMH
server and the fake ARON portal on 127.0.0.1 (its old API and ARON 2.0's), export files
on disk, the import of the same files. A scenario that does not apply to a kind says
why (`pytest.skip`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select

from oai.demo.aron import AronState, running
from oai.demo.aron_data import unit_date
from oai.harvest import run_harvest
from oai.harvest.runlog import RunLog
from oai.hub import Hub
from oai.importing import import_paths
from oai.ingest.identity import import_id
from oai.settings import SourceSettings, load_settings
from records import tables as t
from records.model import Record
from tests.databases import hub_at_head
from tests.oai.harvest.conftest import FAST
from tests.oai.harvest.faultserver import FaultServer, Partner

KINDS = ("oai-pmh", "aron", "aron-v1", "files", "import")
CAP = 4_000  # harvest.max_field_bytes in these tests
DC_NS = (
    'xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


@dataclass
class Doc:
    """One partner record, as every kind delivers it."""

    key: str  # the partner's identifier (for ARON: made into a uuid)
    title: str
    year: str | None = None
    dc_identifier: str | None = None
    broken: bool = False  # delivered with an unescaped '&' (XML) / over the cap (ARON)
    attributes: int = 0  # an element with this many attributes

    def dc(self) -> str:
        """The record as oai_dc (raw: a broken one is not well-formed)."""
        parts = []
        if self.title:
            title = escape(self.title)
            if self.broken:
                title += " & faktury"  # an unescaped ampersand
            extra = "".join(f' a{n}="x"' for n in range(self.attributes))
            parts.append(f"<dc:title{extra}>{title}</dc:title>")
        if self.year:
            parts.append(f"<dc:date>{self.year}</dc:date>")
        if self.dc_identifier:
            parts.append(f"<dc:identifier>{escape(self.dc_identifier)}</dc:identifier>")
        return f"<oai_dc:dc {DC_NS}>{''.join(parts)}</oai_dc:dc>"


class Kind(Protocol):
    name: str
    hub: Hub

    def identity(self, key: str) -> str: ...
    def put(self, doc: Doc) -> None: ...
    def delete(self, key: str) -> None: ...
    def run(self) -> tuple[str, dict[str, int]]: ...
    def stored(self) -> dict[str, tuple[str, bool]]: ...
    def record(self, key: str) -> Record: ...


def _hub(tmp_path: Path, source: SourceSettings | None, **settings: Any) -> Hub:
    overrides = {**FAST, "data_dir": str(tmp_path), "harvest.max_field_bytes": CAP, **settings}
    loaded = load_settings(env={}, overrides=overrides)
    if source is not None:
        loaded = loaded.with_sources((source,))
    return hub_at_head(loaded)


class _Harvested:
    """What the harvest kinds share: runs of source "p", its records by identity."""

    name = ""
    hub: Hub

    def identity(self, key: str) -> str:
        return key

    def run(self) -> tuple[str, dict[str, int]]:
        result = run_harvest(self.hub, "p")
        return result.status, result.counts.to_dict()

    def stored(self) -> dict[str, tuple[str, bool]]:
        r = t.records.c
        query = select(r.remote_identifier, r.title, r.deleted).where(r.source_id == "p")
        with self.hub.engine.connect() as conn:
            return {row[0]: (row[1], bool(row[2])) for row in conn.execute(query)}

    def record(self, key: str) -> Record:
        r = t.records.c
        query = select(r.local_id).where(r.remote_identifier == self.identity(key))
        with self.hub.engine.connect() as conn:
            local_id = conn.execute(query).scalar_one()
        return self.hub.store.get(local_id)


class OaiKind(_Harvested):
    name = "oai-pmh"

    def __init__(self, tmp_path: Path, match: tuple[str, ...]) -> None:
        self.partner = Partner(page_size=50)
        self.server = FaultServer(self.partner).start()
        source = SourceSettings(id="p", base_url=self.server.url, match=match)
        self.hub = _hub(tmp_path, source)
        self.docs: dict[str, Doc] = {}

    def put(self, doc: Doc) -> None:
        self.partner.tick(5)
        good = Doc(doc.key, doc.title, doc.year, doc.dc_identifier, attributes=doc.attributes)
        self.partner.put_xml(doc.key, doc.title, good.dc().encode(), identifier=doc.key)
        self.docs[doc.key] = doc
        if doc.broken:  # the partner's next page carries it broken; GetRecord does not
            ordered = sorted(
                self.partner.live().values(), key=lambda i: (i.datestamp, i.identifier)
            )
            nth = [i.identifier for i in ordered].index(doc.key)
            self.server.inject("broken_record", at=self.server.next_request() + 1, nth=nth)

    def delete(self, key: str) -> None:
        self.partner.tick(5)
        self.partner.delete(key)

    def close(self) -> None:
        self.server.stop()
        self.hub.close()


def _uuid(key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, key))


class AronKind(_Harvested):
    name = "aron"
    api = "old"

    def __init__(self, tmp_path: Path, match: tuple[str, ...]) -> None:
        self.state = AronState()
        self.portal = running(self.state, api=self.api)
        url = self.portal.__enter__()
        source = SourceSettings(id="p", base_url=url, kind="aron", pause_seconds=0.0, match=match)
        self.hub = _hub(tmp_path, source, **{"harvest.workers": 0})

    def identity(self, key: str) -> str:
        return _uuid(key)

    def put(self, doc: Doc) -> None:
        assert not doc.attributes, "ARON entities are JSON: no XML attributes"
        items = []
        if doc.year:
            date = unit_date(int(doc.year), int(doc.year))
            items.append({"id": _uuid(doc.key + "d"), "type": "UNIT~DATE", "value": date})
        if doc.dc_identifier:
            items.append(
                {"id": _uuid(doc.key + "i"), "type": "INV~CISLO", "value": doc.dc_identifier}
            )
        name = "x" * (CAP + 10) if doc.broken else doc.title
        entity = {
            "id": _uuid(doc.key),
            "name": name,
            "type": "ARCH_DESC",
            "parent": None,
            "order": 1,
            "depth": 0,
            "pos": 1,
            "childCnt": 0,
            "published": False,
            "attachments": [],
            "digitalObjects": [],
            "parts": [{"id": _uuid(doc.key + "p"), "type": "PT~ARCH~DESC", "items": items}],
        }
        self.state.load([entity])

    def delete(self, key: str) -> None:
        self.state.delete(_uuid(key))

    def close(self) -> None:
        self.portal.__exit__(None, None, None)
        self.hub.close()


class AronV1Kind(AronKind):
    """The same portal over ARON 2.0's API (`/api/v1`)."""

    name = "aron-v1"
    api = "v1"


@dataclass
class _Dump:
    """An OAI-PMH ListRecords dump on disk, as partners export them."""

    path: Path
    docs: dict[str, Doc] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    cut_at: str | None = None  # the file ends inside this record

    def write(self) -> None:
        records = []
        for key, doc in self.docs.items():
            header = (
                f"<header><identifier>{escape(key)}</identifier>"
                "<datestamp>2024-01-01</datestamp></header>"
            )
            if key in self.deleted:
                records.append(f'<record><header status="deleted">{header[8:]}</record>')
            else:
                records.append(f"<record>{header}<metadata>{doc.dc()}</metadata></record>")
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
            "<responseDate>2024-01-01T00:00:00Z</responseDate><request>x</request><ListRecords>"
            + "\n".join(records)
            + "</ListRecords></OAI-PMH>"
        ).encode()
        if self.cut_at is not None:
            body = body[: body.index(escape(self.cut_at).encode()) + 40]
        self.path.write_bytes(body)


class FilesKind(_Harvested):
    name = "files"

    def __init__(self, tmp_path: Path, match: tuple[str, ...]) -> None:
        folder = tmp_path / "exports"
        folder.mkdir()
        self.dump = _Dump(folder / "dump.xml")
        source = SourceSettings(id="p", base_url=str(folder), kind="files", match=match)
        self.hub = _hub(tmp_path, source)

    def put(self, doc: Doc) -> None:
        self.dump.docs[doc.key] = doc
        self.dump.deleted.discard(doc.key)

    def delete(self, key: str) -> None:
        del self.dump.docs[key]  # an export lists what there is

    def run(self) -> tuple[str, dict[str, int]]:
        self.dump.write()
        return super().run()

    def close(self) -> None:
        self.hub.close()


class ImportKind(FilesKind):
    name = "import"

    def __init__(self, tmp_path: Path, match: tuple[str, ...]) -> None:
        folder = tmp_path / "exports"
        folder.mkdir()
        self.dump = _Dump(folder / "dump.xml")
        self.hub = _hub(tmp_path, None)

    def delete(self, key: str) -> None:
        self.dump.deleted.add(key)

    def identity(self, key: str) -> str:
        return import_id(key, "")

    def run(self) -> tuple[str, dict[str, int]]:
        self.dump.write()
        summary = import_paths(self.hub, [self.dump.path])
        counts = {
            "added": summary.added,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "deleted": 0,
            "failed": summary.failed,
        }
        return ("partial" if summary.failed else "ok"), counts

    def stored(self) -> dict[str, tuple[str, bool]]:
        r = t.records.c
        query = select(r.local_id, r.title, r.deleted).where(r.source_id.is_(None))
        with self.hub.engine.connect() as conn:
            return {row[0]: (row[1], bool(row[2])) for row in conn.execute(query)}

    def record(self, key: str) -> Record:
        return self.hub.store.get(self.identity(key))


def _make(name: str, tmp_path: Path, match: tuple[str, ...] = ()) -> Any:
    made = {
        "oai-pmh": OaiKind,
        "aron": AronKind,
        "aron-v1": AronV1Kind,
        "files": FilesKind,
        "import": ImportKind,
    }
    return made[name](tmp_path, match)


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    made = _make(request.param, tmp_path)
    yield made
    made.close()


# the kinds whose records are XML (an ARON entity is JSON: no attributes, no malformed
# record in a well-formed response, and a uuid for an identifier)
@pytest.fixture(params=("oai-pmh", "files", "import"))
def xml_kind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    made = _make(request.param, tmp_path)
    yield made
    made.close()


# the kinds that read files (a page cut short is a fault of an OAI-PMH stream, tested
# with the fault server in tests/oai/harvest/test_faults.py)
@pytest.fixture(params=("files", "import"))
def file_kind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    made = _make(request.param, tmp_path)
    yield made
    made.close()


def _live(kind: Any) -> dict[str, str]:
    return {k: title for k, (title, dead) in kind.stored().items() if not dead}


def _versions(hub: Hub) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.record_versions)).scalar_one())


# -- the scenarios ----------------------------------------------------------------------


def test_identity_never_from_the_title(kind: Any) -> None:
    # two different records titled alike, with no identifier of their own in the record
    kind.put(Doc("oai:x:protokol-1930", "Jednací protokol", "1930"))
    kind.put(Doc("oai:x:protokol-1950", "Jednací protokol", "1950"))
    status, counts = kind.run()
    assert (status, counts["added"]) == ("ok", 2)
    live = _live(kind)
    assert len(live) == 2 and set(live.values()) == {"Jednací protokol"}
    years = {kind.record(k).date.start for k in ("oai:x:protokol-1930", "oai:x:protokol-1950")}
    assert years == {"1930", "1950"}


def test_a_corrected_title_updates_the_same_record(kind: Any) -> None:
    kind.put(Doc("oai:x:matrika", "Matrika narozených", "1800"))
    kind.run()
    before = kind.record("oai:x:matrika").id
    kind.put(Doc("oai:x:matrika", "Matrika narozených a zemřelých", "1800"))
    _status, counts = kind.run()
    assert (counts["added"], counts["updated"]) == (0, 1)
    assert list(_live(kind).values()) == ["Matrika narozených a zemřelých"]
    assert kind.record("oai:x:matrika").id == before


def test_distinct_partner_identifiers_are_distinct_records(xml_kind: Any) -> None:
    kind = xml_kind
    for key, title in (("oai:x:dup", "X"), ("dup", "plain"), ("oai:y:dup", "Y")):
        kind.put(Doc(key, title))
    status, counts = kind.run()
    assert (status, counts["added"]) == ("ok", 3)
    assert sorted(_live(kind).values()) == ["X", "Y", "plain"]
    ids = {kind.record(k).id for k in ("oai:x:dup", "dup", "oai:y:dup")}
    assert len(ids) == 3
    assert kind.run()[1]["unchanged"] == 3


def test_a_broken_record_costs_that_record_only(kind: Any) -> None:
    kind.put(Doc("oai:x:1", "Účty 1910", "1910"))
    kind.put(Doc("oai:x:2", "Účty", "1920", broken=True))
    kind.put(Doc("oai:x:3", "Účty 1930", "1930"))
    status, counts = kind.run()
    assert status == "partial"
    assert (counts["added"], counts["failed"]) == (2, 1)
    live = _live(kind)
    assert sorted(live.values()) == ["Účty 1910", "Účty 1930"], "stored exactly"
    assert kind.identity("oai:x:2") not in live, "no truncated copy"
    if kind.name != "import":
        log = RunLog(kind.hub.engine)
        (run,) = log.runs.newest(source_id="p", limit=1)
        (bad,) = log.events.of_run(run.id, kind="record")
        assert bad.identifier == kind.identity("oai:x:2")
        if not kind.name.startswith("aron"):  # an ARON unit is named by its uuid
            assert "record 2" in bad.message and log.events.raw(bad.id)


def test_a_file_cut_short_stores_no_partial_record_and_deletes_nothing(file_kind: Any) -> None:
    kind = file_kind
    for n in range(1, 5):
        kind.put(Doc(f"oai:x:{n}", f"Matriky {n}", "1900"))
    assert kind.run()[0] == "ok"
    kind.put(Doc("oai:x:3", "Matriky 3, opraveno", "1900"))
    kind.dump.cut_at = "oai:x:3"
    status, counts = kind.run()
    assert status == "partial" and counts["deleted"] == 0
    live = _live(kind)
    assert len(live) == 4, "nothing deleted"
    assert live[kind.identity("oai:x:3")] == "Matriky 3", "the cut record is not stored"


def test_a_unit_without_a_title_gets_a_devised_one(kind: Any) -> None:
    kind.put(Doc("oai:x:listina", "", "1620", dc_identifier="15"))
    status, counts = kind.run()
    assert (status, counts["added"], counts["failed"]) == ("ok", 1, 0)
    record = kind.record("oai:x:listina")
    assert record.title_devised and record.title.strip() and "1620" in record.title


def test_caps_apply_to_every_kind(kind: Any) -> None:
    kind.put(Doc("oai:x:ok", "Dobrý záznam"))
    kind.put(Doc("oai:x:huge", "x" * (CAP + 100)))
    _status, counts = kind.run()
    assert (counts["added"], counts["failed"]) == (1, 1)
    assert list(_live(kind).values()) == ["Dobrý záznam"]


def test_an_element_with_too_many_attributes_is_refused_at_once(xml_kind: Any) -> None:
    kind = xml_kind
    kind.put(Doc("oai:x:ok", "Dobrý záznam"))
    kind.put(Doc("oai:x:crowded", "Mnoho atributů", attributes=400))
    _status, counts = kind.run()
    assert (counts["added"], counts["failed"]) == (1, 1)


@pytest.mark.parametrize("name", ["oai-pmh", "aron", "files"])
def test_a_partner_may_update_a_matched_local_record_but_never_delete_it(
    name: str, tmp_path: Path
) -> None:
    kind = _make(name, tmp_path, match=("identifier",))
    try:
        local = Record.from_dict(
            {"id": "seed-5", "title": "Náš popis", "identifiers": [{"value": "doc-5"}]}
        )
        kind.hub.store.put(local)
        kind.put(Doc("oai:x:5", "Popis partnera", "1905", dc_identifier="doc-5"))
        assert kind.run()[0] == "ok"
        linked = kind.hub.store.get("seed-5")
        assert linked.origin.kind == "linked" and linked.title == "Náš popis"
        assert linked.date is not None, "the partner filled a gap"
        kind.delete("oai:x:5")
        for _ in range(2 if name == "aron" else 1):  # ARON deletes after two sweeps
            kind.run()
        kept = kind.hub.store.get("seed-5")
        assert kept.origin.kind == "local", "unlinked"
        assert kept.header is not None and not kept.header.deleted, "not a tombstone"
    finally:
        kind.close()


def test_a_failed_record_is_fetched_again_until_stored(kind: Any) -> None:
    kind.put(Doc("oai:x:1", "Kniha 1"))
    kind.put(Doc("oai:x:2", "Kniha 2", broken=True))
    status, counts = kind.run()
    assert counts["failed"] == 1
    if kind.name != "import":
        failing = RunLog(kind.hub.engine).failing.of_source("p")
        assert [f.identifier for f in failing] == [kind.identity("oai:x:2")]
    # the partner's record is fine again (not touched: no incremental window brings it)
    if kind.name != "oai-pmh":  # the OAI-PMH partner's page was broken in transit only
        kind.put(Doc("oai:x:2", "Kniha 2"))
    status, counts = kind.run()
    assert status == "ok" and counts["added"] == 1
    assert _live(kind)[kind.identity("oai:x:2")] == "Kniha 2"
    if kind.name != "import":
        assert RunLog(kind.hub.engine).failing.of_source("p") == []


def test_a_run_without_changes_writes_nothing(kind: Any) -> None:
    for n in range(5):
        kind.put(Doc(f"oai:x:{n}", f"Spis {n}", "1950"))
    assert kind.run()[1]["added"] == 5
    versions = _versions(kind.hub)
    status, counts = kind.run()
    assert status == "ok"
    assert (counts["added"], counts["updated"], counts["deleted"], counts["failed"]) == (0, 0, 0, 0)
    assert _versions(kind.hub) == versions


def test_the_failing_records_are_listed_for_the_admin(tmp_path: Path) -> None:
    kind = _make("files", tmp_path)
    try:
        kind.put(Doc("oai:x:1", "A", broken=True))
        kind.run()
        (failing,) = RunLog(kind.hub.engine).failing.of_source("p")
        assert failing.identifier == "oai:x:1" and "does not parse" in failing.message
        assert failing.place.endswith("dump.xml, record 1") and failing.attempts == 1
        kind.run()  # the file did not change, but it holds a failing record: read again
        (again,) = RunLog(kind.hub.engine).failing.of_source("p")
        assert again.attempts == 2
    finally:
        kind.close()
