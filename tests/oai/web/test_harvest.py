"""Whole harvests over real HTTP: Sickle gets every record; concurrent updates lose nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import requests
from lxml import etree
from sickle import Sickle

from oai.hub import Hub
from tests.oai.web.conftest import (
    NS,
    REPO_ID,
    T0,
    Server,
    Validate,
    errors,
    populate,
    put,
    record,
)


def test_sickle_harvests_exactly_every_record(hub: Hub, server: Server) -> None:
    ids = populate(hub, 57)
    for local_id in ("r0003", "r0040"):
        hub.store.delete(local_id, now=T0 + timedelta(days=2))
    sickle = Sickle(server.url, max_retries=0)
    records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    got = [r.header.identifier for r in records]
    assert sorted(got) == sorted(ids)
    assert len(got) == len(set(got)) == 57
    deleted = {r.header.identifier for r in records if r.header.deleted}
    assert deleted == {f"oai:{REPO_ID}:r0003", f"oai:{REPO_ID}:r0040"}
    live = [r for r in records if not r.header.deleted]
    assert all(
        r.metadata["title"] == [f"Title of {r.header.identifier.split(':')[-1]}"] for r in live
    )
    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set="a:b"))
    assert sorted(h.identifier for h in headers) == sorted(ids[0::2])
    assert [s.setSpec for s in sickle.ListSets()] == ["a", "a:b", "a:c"]
    assert sickle.Identify().repositoryName == "Test hub"
    one = sickle.GetRecord(identifier=ids[5], metadataPrefix="oai_dc")
    assert one.header.identifier == ids[5]


class Harvest:
    """A minimal harvester that keeps every header it sees, page by page."""

    def __init__(self, server: Server, check: Validate) -> None:
        self.server, self.check = server, check
        self.seen: list[tuple[str, str]] = []
        self.response_date = ""

    def page(self, **params: str) -> str | None:
        response = self.server.get(verb="ListIdentifiers", **params)
        self.check(response.content)
        root = etree.fromstring(response.content)
        assert not errors(root), response.text
        self.response_date = self.response_date or str(
            root.findtext("o:responseDate", namespaces=NS)
        )
        for header in root.iterfind(".//o:header", NS):
            self.seen.append(
                (
                    header.findtext("o:identifier", namespaces=NS),
                    header.findtext("o:datestamp", namespaces=NS),
                )
            )
        token = root.find(".//o:resumptionToken", NS)
        return token.text if token is not None else None

    def run(self, between_pages: object = None, **params: str) -> None:
        token = self.page(metadataPrefix="oai_dc", **params)
        while token:
            if callable(between_pages):
                between_pages()
            token = self.page(resumptionToken=token)


def latest(hub: Hub) -> dict[str, str]:
    """identifier -> current datestamp, tombstones included."""
    from records.listing import Selection

    rows, after = [], None
    while page := hub.store.listing.page(Selection(), after, 500):
        rows += page
        after = page[-1].cursor
    return {f"oai:{REPO_ID}:{r.local_id}": r.datestamp.strftime("%Y-%m-%dT%H:%M:%SZ") for r in rows}


def test_a_changed_record_moves_behind_the_cursor(
    hub: Hub, server: Server, assert_valid: Validate
) -> None:
    """With an explicit until, records changed during the harvest reappear later in it."""
    ids = populate(hub, 40)
    changes = iter([("r0001", "harvested already"), ("r0035", "not yet harvested")])

    def change() -> None:
        item = next(changes, None)
        if item is not None:
            put(hub, record(item[0], summary=item[1]), datetime.now(UTC))

    harvest = Harvest(server, assert_valid)
    harvest.run(change, until="2099-01-01T00:00:00Z")
    seen_ids = [i for i, _ in harvest.seen]
    assert set(seen_ids) == set(ids)  # nothing lost
    assert len(set(harvest.seen)) == len(harvest.seen)  # no header twice
    assert seen_ids.count(ids[1]) == 2  # the old and the new version
    assert seen_ids.count(ids[35]) == 1  # only at its new place
    assert seen_ids[-2:] == [ids[1], ids[35]]
    current = latest(hub)
    assert dict(harvest.seen) == current  # the last version of each is the current


def test_harvest_during_concurrent_writes(hub: Hub, server: Server, assert_valid: Validate) -> None:
    """A writer changes, adds and deletes records while a harvester pages through.

    The first harvest (until frozen at its first request) plus the next incremental harvest
    (from = the first responseDate, as OAI-PMH 3.3.1 tells harvesters) see the final state
    of every record, and neither harvest lists one version of a record twice.
    """
    ids = populate(hub, 80)
    stop = threading.Event()
    failures: list[BaseException] = []
    touched: set[str] = set()

    def writer() -> None:
        n = 0
        try:
            while not stop.is_set() and n < 200:
                target = f"r{(n * 7) % 80:04d}"
                touched.add(f"oai:{REPO_ID}:{target}")
                if n % 10 == 9:
                    hub.store.delete(target)
                elif n % 10 == 5:
                    put(hub, record(f"new{n}"), datetime.now(UTC))
                else:
                    put(hub, record(target, summary=f"edit {n}"), datetime.now(UTC))
                n += 1
                stop.wait(0.002)
        except BaseException as exc:  # surfaced below
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    first = Harvest(server, assert_valid)
    try:
        first.run()
    finally:
        stop.set()
        thread.join(30)
    assert not failures
    assert len(set(first.seen)) == len(first.seen)
    seen_ids = [i for i, _ in first.seen]
    assert all(seen_ids.count(i) == 1 for i in set(ids) - touched)
    second = Harvest(server, assert_valid)
    second.run(**{"from": first.response_date})
    assert len(set(second.seen)) == len(second.seen)
    final: dict[str, str] = {}
    for identifier, stamp in first.seen + second.seen:
        final[identifier] = max(stamp, final.get(identifier, ""))
    assert final == latest(hub)


def test_gzip_harvest_with_requests(hub: Hub, server: Server, assert_valid: Validate) -> None:
    ids = populate(hub, 23)
    params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    got: list[str] = []
    while True:
        response = requests.get(
            server.url, params=params, timeout=30, headers={"Accept-Encoding": "gzip"}
        )
        assert response.headers["Content-Encoding"] == "gzip"
        assert_valid(response.content)
        root = etree.fromstring(response.content)
        got += [e.text for e in root.iterfind(".//o:header/o:identifier", NS)]
        token = root.find(".//o:resumptionToken", NS)
        if token is None or not token.text:
            break
        params = {"verb": "ListRecords", "resumptionToken": token.text}
    assert got == ids
