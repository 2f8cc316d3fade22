"""The provider's repository: its pages and counts are the store's listing, as items."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest

from oai.hub import Hub
from oai.protocol.repository import ListSpec
from oai.web.repository import StoreRepository, strip_declaration
from records.listing import Selection
from records.model import Record
from records.store import Rendering
from tests.databases import unchanged
from tests.oai.protocol.memory import oai_dc
from tests.oai.web.conftest import T0, make_hub, populate, record

FAR = datetime(2099, 1, 1, tzinfo=UTC)


def only_dc(rec: Record) -> Mapping[str, Rendering]:
    return {"oai_dc": (oai_dc(rec.title), "1")}


@pytest.fixture(scope="module")
def filled(shared_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """Records in sets, tombstones, and records that lack a format (once a module)."""
    with make_hub(shared_database_url, tmp_path_factory.mktemp("hub")) as hub:
        populate(hub, 30)
        for i in (3, 4, 17):
            hub.store.delete(f"r{i:04d}", now=T0 + timedelta(days=1, minutes=i))
        for i in range(5):
            hub.store.put(record(f"dc-only-{i}"), renderer=only_dc, now=T0 + timedelta(hours=i))
        yield hub


@pytest.fixture
def mixed(filled: Hub) -> Iterator[Hub]:
    """The filled hub, which the tests only read."""
    with unchanged(filled.engine):
        yield filled


@pytest.mark.parametrize("prefix", ["oai_dc", "oaihub"])
@pytest.mark.parametrize(
    ("set_spec", "from_", "until"),
    [
        (None, None, FAR),
        (None, None, T0 + timedelta(minutes=20)),
        ("a:b", None, FAR),
        (None, T0 + timedelta(minutes=5), FAR),
        ("a", T0, T0 + timedelta(days=1, minutes=4)),
    ],
)
@pytest.mark.parametrize("metadata", [True, False])
def test_pages_and_counts_are_the_listing_s(
    mixed: Hub,
    prefix: str,
    set_spec: str | None,
    from_: datetime | None,
    until: datetime,
    metadata: bool,
) -> None:
    repo = StoreRepository(mixed.store)
    spec = ListSpec(prefix, set_spec, from_, until)
    got, after = [], None
    while page := repo.page(spec, after, 7, metadata=metadata):
        got += page
        after = (page[-1].datestamp, page[-1].pk)
    listed = mixed.store.listing.page(Selection(prefix, set_spec, from_, until), None, 1000)
    assert [(i.pk, i.local_id, i.datestamp, i.deleted, i.sets) for i in got] == [
        (r.pk, r.local_id, r.datestamp, r.deleted, r.sets) for r in listed
    ]
    if metadata:
        stored = [mixed.store.listing.get(i.local_id, prefix) for i in got]
        assert [i.metadata for i in got] == [strip_declaration(r.xml) for r in stored if r]
        assert all(i.metadata for i in got if not i.deleted)
    else:
        assert all(i.metadata is None for i in got)
    assert len(got) == repo.count(spec) > 0


def test_an_item_is_the_listed_record(mixed: Hub) -> None:
    repo = StoreRepository(mixed.store)
    item = repo.item("r0001", "oai_dc")
    assert item is not None and item.sets == ("a", "a:c") and item.metadata
    assert not item.metadata.startswith(b"<?xml") and item.provenance is None
    gone = repo.item("r0003", "oai_dc")
    assert gone is not None and gone.deleted and gone.metadata is None
    assert repo.item("missing", "oai_dc") is None


def test_a_declaration_is_stripped() -> None:
    assert strip_declaration(b'<?xml version="1.0"?>\n<dc/>') == b"<dc/>"
    assert strip_declaration(b"<dc/>") == b"<dc/>" and strip_declaration(None) is None
