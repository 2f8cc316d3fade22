"""The provider's answers, byte for byte, for fixed data and a fixed clock.

The files in `tests/data/golden/` were written by this test from the code before a
restructuring; a change that alters what aggregators receive shows here as a diff. The
signature part of resumption tokens is masked (it depends on the key the tokens are
signed with, not on the data); everything else, the token payload included, must match.

Write the files anew (after a deliberate change of the output) with
`OAI_TEST_WRITE_GOLDEN=1 pytest tests/oai/web/test_golden.py`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oai.hub import Hub
from oai.web.oai_endpoint import build_provider
from records.jsonl import read_json_records
from records.model import Record
from tests.oai.web.conftest import make_hub

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
BASE_URL = "http://127.0.0.1:5000/oai"

REQUESTS: dict[str, list[tuple[str, str]]] = {
    "identify": [("verb", "Identify")],
    "list-metadata-formats": [("verb", "ListMetadataFormats")],
    "list-metadata-formats-id": [
        ("verb", "ListMetadataFormats"),
        ("identifier", "oai:test.oaihub.org:301006"),
    ],
    "list-sets": [("verb", "ListSets")],
    "list-identifiers": [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc")],
    "list-records-dc": [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")],
    "list-records-mods-set": [
        ("verb", "ListRecords"),
        ("metadataPrefix", "mods"),
        ("set", "cold-war"),
    ],
    "list-records-marc-window": [
        ("verb", "ListRecords"),
        ("metadataPrefix", "marcxml"),
        ("from", "2024-01-01T00:03:00Z"),
        ("until", "2024-01-01T00:08:00Z"),
    ],
    "list-records-dcterms-partner": [
        ("verb", "ListRecords"),
        ("metadataPrefix", "oai_dcterms"),
        ("set", "partners:partner"),
    ],
    "get-record-native": [
        ("verb", "GetRecord"),
        ("metadataPrefix", "oaihub"),
        ("identifier", "oai:test.oaihub.org:301006"),
    ],
    "get-record-harvested": [
        ("verb", "GetRecord"),
        ("metadataPrefix", "oai_dc"),
        ("identifier", "oai:test.oaihub.org:partner:na-uv-ksc"),
    ],
    "get-record-deleted": [
        ("verb", "GetRecord"),
        ("metadataPrefix", "oai_dc"),
        ("identifier", "oai:test.oaihub.org:gone"),
    ],
    "error-bad-argument": [("verb", "ListRecords")],
    "error-no-records": [
        ("verb", "ListRecords"),
        ("metadataPrefix", "oai_dc"),
        ("from", "2030-01-01"),
    ],
}
# a token's signature, in the <resumptionToken> element and in the <request> echo
_TOKEN_SIGNATURE = re.compile(rb"(<resumptionToken[^>]*>|resumptionToken=\")([\w-]+)\.[\w-]+")


def _records(name: str) -> list[Record]:
    found = []
    for item in read_json_records(GOLDEN / name):
        assert isinstance(item, Record), item
        found.append(item)
    return found


@pytest.fixture
def golden_hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    """The golden data on each kind of database: both must give the same bytes."""
    with make_hub(database_url, tmp_path, **{"repository.page_size": 3}) as hub:
        _fill(hub)
        yield hub


def _fill(hub: Hub) -> None:
    records = [*_records("records.jsonl"), *_records("harvested.jsonl")]
    records.append(Record.from_dict({"id": "gone", "title": "A record that was deleted"}))
    for minute, record in enumerate(records):
        hub.store.put(record, renderer=hub.render, now=T0 + timedelta(minutes=minute))
    hub.store.delete("gone", now=T0 + timedelta(minutes=30))
    hub.store.name_set("partners:partner", "A partner archive")


def _masked(body: bytes) -> bytes:
    return _TOKEN_SIGNATURE.sub(rb"\1\2.SIGNATURE", body)


def _answers(hub: Hub) -> dict[str, bytes]:
    provider = build_provider(hub)
    answers: dict[str, bytes] = {}
    for name, pairs in REQUESTS.items():
        body = provider.handle(pairs, base_url=BASE_URL, now=NOW)
        answers[name] = body
        token = re.search(rb"<resumptionToken[^>]*>([^<]+)<", body)
        if token:  # the second page, through the token just issued
            verb = dict(pairs)["verb"]
            follow = [("verb", verb), ("resumptionToken", token.group(1).decode())]
            answers[f"{name}-page-2"] = provider.handle(follow, base_url=BASE_URL, now=NOW)
    return answers


def test_responses_are_byte_identical_to_the_golden_files(golden_hub: Hub) -> None:
    answers = _answers(golden_hub)
    write = bool(os.environ.get("OAI_TEST_WRITE_GOLDEN"))
    for name, body in answers.items():
        path = GOLDEN / f"{name}.xml"
        if write:
            path.write_bytes(_masked(body))
            continue
        assert path.is_file(), (
            f"no golden file {path.name}; write them with OAI_TEST_WRITE_GOLDEN=1"
        )
        assert _masked(body) == path.read_bytes(), f"{name}: the response differs from {path}"
    assert len(answers) > len(REQUESTS), "no request was paged: the golden set tests no token"
