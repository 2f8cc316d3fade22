"""Every verb of the pure core: a dict in, XML out, no Flask and no SQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from oai.protocol.provider import Provider, ProviderOptions
from oai.protocol.repository import ListSpec, Provenance
from oai.protocol.tokens import TokenCodec
from tests.oai.protocol.memory import IDENTITY, MODS, OAI_DC, T0, MemoryRepository, populated

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
BASE = "http://127.0.0.1/oai"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
Validate = Callable[[bytes], None]


@pytest.fixture
def repo() -> MemoryRepository:
    return populated(25)


@pytest.fixture
def provider(repo: MemoryRepository) -> Provider:
    return Provider(repo, [OAI_DC, MODS], IDENTITY, TokenCodec("k"), ProviderOptions(page_size=10))


def ask(provider: Provider, check: Validate, **args: str) -> etree._Element:
    data = provider.handle(list(args.items()), base_url=BASE, now=NOW)
    check(data)
    return etree.fromstring(data)


def errors(root: etree._Element) -> list[str]:
    return [e.get("code") for e in root.findall("o:error", NS)]


def test_identify(provider: Provider, assert_valid: Validate) -> None:
    root = ask(provider, assert_valid, verb="Identify")
    body = root.find("o:Identify", NS)
    assert body is not None
    assert body.findtext("o:repositoryName", namespaces=NS) == "Test archive"
    assert body.findtext("o:baseURL", namespaces=NS) == BASE
    assert [e.text for e in body.findall("o:adminEmail", NS)] == ["a@example.org", "b@example.org"]
    assert body.findtext("o:earliestDatestamp", namespaces=NS) == "2024-01-01T00:00:00Z"
    assert body.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert body.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert [e.text for e in body.findall("o:compression", NS)] == ["gzip", "deflate"]
    assert root.find("o:request", NS).attrib == {"verb": "Identify"}
    text = etree.tostring(root)
    assert b"oai:test.example.org:demo-1" in text
    assert b"http://friend.example.org/oai" in text


def test_response_date_and_request_echo(provider: Provider, assert_valid: Validate) -> None:
    root = ask(provider, assert_valid, verb="ListIdentifiers", metadataPrefix="oai_dc", set="coll")
    assert root.findtext("o:responseDate", namespaces=NS) == "2025-01-01T00:00:00Z"
    request = root.find("o:request", NS)
    assert request.text == BASE
    assert request.attrib == {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "coll"}


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"verb": "Nope"}, "badVerb"),
        ({}, "badVerb"),
        ({"verb": "Identify", "x": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-1-1"}, "badArgument"),
    ],
)
def test_bad_verb_and_argument_have_no_request_attributes(
    provider: Provider, assert_valid: Validate, args: dict[str, str], code: str
) -> None:
    root = ask(provider, assert_valid, **args)
    assert errors(root) == [code]
    assert root.find("o:request", NS).attrib == {}


def test_list_metadata_formats(
    provider: Provider, repo: MemoryRepository, assert_valid: Validate
) -> None:
    root = ask(provider, assert_valid, verb="ListMetadataFormats")
    assert [e.text for e in root.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc", "mods"]
    one = ask(
        provider,
        assert_valid,
        verb="ListMetadataFormats",
        identifier="oai:test.example.org:rec-001",
    )
    assert [e.text for e in one.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc"]
    missing = ask(
        provider, assert_valid, verb="ListMetadataFormats", identifier="oai:test.example.org:nope"
    )
    assert errors(missing) == ["idDoesNotExist"]
    foreign = ask(
        provider, assert_valid, verb="ListMetadataFormats", identifier="oai:other.org:rec-001"
    )
    assert errors(foreign) == ["idDoesNotExist"]
    repo.add("gone", T0, deleted=True)
    none = ask(
        provider, assert_valid, verb="ListMetadataFormats", identifier="oai:test.example.org:gone"
    )
    assert errors(none) == ["noMetadataFormats"]
    assert none.find("o:request", NS).get("identifier") == "oai:test.example.org:gone"


def test_list_sets(provider: Provider, repo: MemoryRepository, assert_valid: Validate) -> None:
    root = ask(provider, assert_valid, verb="ListSets")
    assert [e.text for e in root.iterfind(".//o:setSpec", NS)] == [
        "coll",
        "coll:a",
        "partners",
        "partners:p1",
    ]
    assert root.findtext(".//o:set[2]/o:setDescription//dc:description", namespaces=NS) == (
        "The first sub-collection"
    )
    token = ask(provider, assert_valid, verb="ListSets", resumptionToken="abc")
    assert errors(token) == ["badResumptionToken"]
    repo.set_entries = []
    assert errors(ask(provider, assert_valid, verb="ListSets")) == ["noSetHierarchy"]
    listed = ask(provider, assert_valid, verb="ListRecords", metadataPrefix="oai_dc", set="coll")
    assert errors(listed) == ["noSetHierarchy"]


def test_get_record(provider: Provider, repo: MemoryRepository, assert_valid: Validate) -> None:
    ident = "oai:test.example.org:rec-002"
    root = ask(provider, assert_valid, verb="GetRecord", identifier=ident, metadataPrefix="oai_dc")
    assert root.findtext(".//o:header/o:identifier", namespaces=NS) == ident
    assert root.findtext(".//o:header/o:datestamp", namespaces=NS) == "2024-01-01T02:00:00Z"
    assert [e.text for e in root.iterfind(".//o:setSpec", NS)] == ["coll", "coll:a"]
    assert root.findtext(".//o:metadata//dc:title", namespaces=NS) == "rec-002 as oai_dc"
    assert root.find(".//o:about", NS) is None
    bad = ask(provider, assert_valid, verb="GetRecord", identifier=ident, metadataPrefix="mods")
    assert errors(bad) == ["cannotDisseminateFormat"]
    unknown = ask(provider, assert_valid, verb="GetRecord", identifier=ident, metadataPrefix="xyz")
    assert errors(unknown) == ["cannotDisseminateFormat"]
    missing = ask(
        provider, assert_valid, verb="GetRecord", identifier=ident + "x", metadataPrefix="oai_dc"
    )
    assert errors(missing) == ["idDoesNotExist"]


def test_deleted_records_are_headers_only(
    provider: Provider, repo: MemoryRepository, assert_valid: Validate
) -> None:
    repo.items.clear()
    repo.add("live", T0)
    repo.add("gone", T0 + timedelta(seconds=1), deleted=True, sets=("coll",))
    ident = "oai:test.example.org:gone"
    one = ask(provider, assert_valid, verb="GetRecord", identifier=ident, metadataPrefix="oai_dc")
    header = one.find(".//o:header", NS)
    assert header.get("status") == "deleted"
    assert one.find(".//o:metadata", NS) is None
    for verb in ("ListRecords", "ListIdentifiers"):
        root = ask(provider, assert_valid, verb=verb, metadataPrefix="oai_dc")
        headers = root.findall(".//o:header", NS)
        assert [h.get("status") for h in headers] == [None, "deleted"]
    assert (
        len(
            ask(provider, assert_valid, verb="ListRecords", metadataPrefix="oai_dc").findall(
                ".//o:metadata", NS
            )
        )
        == 1
    )


def test_provenance_about(
    provider: Provider, repo: MemoryRepository, assert_valid: Validate
) -> None:
    origin = Provenance(
        "http://partner.example.org/oai",
        "oai:partner.example.org:77",
        "2020-05-05",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
        "2024-01-02T03:04:05Z",
    )
    repo.add("harvested", T0, sets=("partners", "partners:p1"), provenance=origin)
    ident = "oai:test.example.org:harvested"
    root = ask(provider, assert_valid, verb="GetRecord", identifier=ident, metadataPrefix="oai_dc")
    prov = "{http://www.openarchives.org/OAI/2.0/provenance}"
    description = root.find(f".//o:about/{prov}provenance/{prov}originDescription", NS)
    assert description is not None
    assert description.get("harvestDate") == "2024-01-02T03:04:05Z"
    assert description.get("altered") == "true"
    assert description.findtext(f"{prov}baseURL") == "http://partner.example.org/oai"
    assert description.findtext(f"{prov}identifier") == "oai:partner.example.org:77"
    assert description.findtext(f"{prov}datestamp") == "2020-05-05"


def harvest(provider: Provider, check: Validate, verb: str, **args: str) -> list[etree._Element]:
    """Follow resumption tokens to the end; return every page."""
    pages = [ask(provider, check, verb=verb, **args)]
    while True:
        token = pages[-1].find(f".//o:{verb}/o:resumptionToken", NS)
        if token is None or not token.text:
            return pages
        pages.append(ask(provider, check, verb=verb, resumptionToken=token.text))


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_lists_page_with_tokens(provider: Provider, assert_valid: Validate, verb: str) -> None:
    pages = harvest(provider, assert_valid, verb, metadataPrefix="oai_dc")
    assert len(pages) == 3
    ids = [e.text for p in pages for e in p.iterfind(".//o:header/o:identifier", NS)]
    assert ids == [f"oai:test.example.org:rec-{n:03d}" for n in range(25)]
    tokens = [p.find(f".//o:{verb}/o:resumptionToken", NS) for p in pages]
    assert [t.get("cursor") for t in tokens] == ["0", "10", "20"]
    assert {t.get("completeListSize") for t in tokens} == {"25"}
    expiry = datetime.fromisoformat(tokens[0].get("expirationDate").replace("Z", "+00:00"))
    assert expiry >= NOW + timedelta(hours=24)
    assert tokens[-1].text is None
    assert tokens[-1].get("expirationDate") is None
    # the request of a resumed page echoes the token
    assert set(pages[1].find("o:request", NS).attrib.keys()) == {"verb", "resumptionToken"}


def test_single_page_list_has_no_token(provider: Provider, assert_valid: Validate) -> None:
    root = ask(
        provider,
        assert_valid,
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        until="2024-01-01T05:00:00Z",
    )
    assert len(root.findall(".//o:header", NS)) == 6
    assert root.find(".//o:resumptionToken", NS) is None


def test_selective_harvesting(provider: Provider, assert_valid: Validate) -> None:
    window = {"from": "2024-01-01T03:00:00Z", "until": "2024-01-01T20:00:00Z"}
    pages = harvest(
        provider, assert_valid, "ListIdentifiers", metadataPrefix="oai_dc", set="coll:a", **window
    )
    ids = [e.text for p in pages for e in p.iterfind(".//o:identifier", NS)]
    assert ids == [f"oai:test.example.org:rec-{n:03d}" for n in range(4, 21, 2)]
    day = ask(
        provider,
        assert_valid,
        verb="ListIdentifiers",
        metadataPrefix="oai_dc",
        **{"from": "2024-01-01", "until": "2024-01-01"},
    )
    token = day.find(".//o:resumptionToken", NS)
    assert token.get("completeListSize") == "24"  # the whole first day: hours 0 to 23


@pytest.mark.parametrize(
    "args",
    [
        {"metadataPrefix": "oai_dc", "from": "2030-01-01"},
        {"metadataPrefix": "oai_dc", "set": "no-such-set"},
        {"metadataPrefix": "oai_dc", "until": "2000-01-01T00:00:00Z"},
    ],
)
def test_no_records_match(provider: Provider, assert_valid: Validate, args: dict[str, str]) -> None:
    for verb in ("ListRecords", "ListIdentifiers"):
        root = ask(provider, assert_valid, verb=verb, **args)
        assert errors(root) == ["noRecordsMatch"]
        assert root.find("o:request", NS).get("verb") == verb


def test_cannot_disseminate_in_lists(provider: Provider, assert_valid: Validate) -> None:
    root = ask(provider, assert_valid, verb="ListRecords", metadataPrefix="marc")
    assert errors(root) == ["cannotDisseminateFormat"]
    # mods is a known format, but no record has it
    assert errors(ask(provider, assert_valid, verb="ListRecords", metadataPrefix="mods")) == [
        "noRecordsMatch"
    ]


def test_bad_resumption_tokens(provider: Provider, assert_valid: Validate) -> None:
    first = ask(provider, assert_valid, verb="ListRecords", metadataPrefix="oai_dc")
    token = first.find(".//o:resumptionToken", NS).text
    for bad in (token[:-2] + "xx", "garbage", token + "x"):
        root = ask(provider, assert_valid, verb="ListRecords", resumptionToken=bad)
        assert errors(root) == ["badResumptionToken"]
        assert root.find("o:request", NS).get("resumptionToken") == bad
    other = ask(provider, assert_valid, verb="ListIdentifiers", resumptionToken=token)
    assert errors(other) == ["badResumptionToken"]
    late = provider.handle(
        [("verb", "ListRecords"), ("resumptionToken", token)],
        base_url=BASE,
        now=NOW + timedelta(hours=49),
    )
    assert errors(etree.fromstring(late)) == ["badResumptionToken"]


def test_token_keeps_the_list_frozen(
    provider: Provider, repo: MemoryRepository, assert_valid: Validate
) -> None:
    """A record added after the first page (later datestamp) is not in this harvest."""
    first = ask(provider, assert_valid, verb="ListIdentifiers", metadataPrefix="oai_dc", set="coll")
    repo.add("late", NOW + timedelta(seconds=5), sets=("coll",))
    token = first.find(".//o:resumptionToken", NS).text
    pages = [first]
    while token:
        pages.append(ask(provider, assert_valid, verb="ListIdentifiers", resumptionToken=token))
        token = pages[-1].find(".//o:resumptionToken", NS).text
    ids = [e.text for p in pages for e in p.iterfind(".//o:identifier", NS)]
    assert len(ids) == 25
    assert "oai:test.example.org:late" not in ids


class _Uncounted(MemoryRepository):
    """A repository that cannot count a list cheaply (Repository.count gives None)."""

    def count(self, spec: ListSpec) -> int | None:  # type: ignore[override]
        return None


@pytest.mark.parametrize("verb", ["ListRecords", "ListIdentifiers"])
def test_a_list_of_unknown_size_leaves_completelistsize_out_until_its_end(
    assert_valid: Validate, verb: str
) -> None:
    repo = _Uncounted(items=populated(25).items, metadata=populated(25).metadata)
    provider = Provider(repo, [OAI_DC], IDENTITY, TokenCodec("k"), ProviderOptions(page_size=10))
    pages = harvest(provider, assert_valid, verb, metadataPrefix="oai_dc")
    ids = [e.text for p in pages for e in p.iterfind(".//o:header/o:identifier", NS)]
    assert len(ids) == 25
    tokens = [p.find(f".//o:{verb}/o:resumptionToken", NS) for p in pages]
    assert [t.get("completeListSize") for t in tokens] == [None, None, "25"]
    assert [t.get("cursor") for t in tokens] == ["0", "10", "20"]


def test_an_uncounted_empty_list_is_no_records_match(assert_valid: Validate) -> None:
    provider = Provider(_Uncounted(), [OAI_DC], IDENTITY, TokenCodec("k"), ProviderOptions())
    root = ask(provider, assert_valid, verb="ListRecords", metadataPrefix="oai_dc")
    assert errors(root) == ["noRecordsMatch"]
