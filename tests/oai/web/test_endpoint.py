"""/oai through Flask's test client and a real server: every verb, argument and error."""

from __future__ import annotations

import gzip
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from oai.hub import Hub
from oai.protocol.tokens import ResumptionToken
from records.writer import ASSEMBLED
from tests.oai.web.conftest import (
    NS,
    REPO_ID,
    T0,
    Ask,
    Server,
    Validate,
    errors,
    identifiers,
    populate,
    put,
    record,
    token_of,
)


def test_identify(hub: Hub, ask: Ask) -> None:
    populate(hub, 3)
    root = ask(verb="Identify")
    body = root.find("o:Identify", NS)
    assert body is not None
    assert body.findtext("o:repositoryName", namespaces=NS) == "Test hub"
    assert body.findtext("o:baseURL", namespaces=NS) == "http://localhost/oai"
    assert body.findtext("o:earliestDatestamp", namespaces=NS) == "2024-01-01T00:00:00Z"
    assert [e.text for e in body.iterfind("o:adminEmail", NS)] == [
        "one@example.org",
        "two@example.org",
    ]
    assert [e.text for e in body.iterfind("o:compression", NS)] == ["gzip", "deflate"]
    text = etree.tostring(root).decode()
    assert f"oai:{REPO_ID}:301006" in text
    assert "http://friend.example.org/oai" in text


def test_base_url_from_settings(database_url: str, tmp_path: Path, assert_valid: Validate) -> None:
    from oai.app import create_app
    from tests.oai.web.conftest import make_hub

    with make_hub(
        database_url, tmp_path, **{"repository.base_url": "https://oai.example.org/oai"}
    ) as hub:
        response = create_app(hub=hub).test_client().get("/oai?verb=Identify")
        assert_valid(response.data)
        root = etree.fromstring(response.data)
        assert root.findtext(".//o:baseURL", namespaces=NS) == "https://oai.example.org/oai"
        assert root.findtext("o:request", namespaces=NS) == "https://oai.example.org/oai"


def test_list_metadata_formats(hub: Hub, ask: Ask) -> None:
    populate(hub, 1)
    prefixes = [f.prefix for f in hub.registry.outbound()]
    root = ask(verb="ListMetadataFormats")
    assert [e.text for e in root.iterfind(".//o:metadataPrefix", NS)] == prefixes
    one = ask(verb="ListMetadataFormats", identifier=f"oai:{REPO_ID}:r0000")
    assert [e.text for e in one.iterfind(".//o:metadataPrefix", NS)] == [
        p for p in prefixes if p in hub.store.prefixes_of("r0000")
    ]
    assert "oai_dc" in [e.text for e in one.iterfind(".//o:metadataPrefix", NS)]
    assert errors(ask(verb="ListMetadataFormats", identifier=f"oai:{REPO_ID}:nope")) == [
        "idDoesNotExist"
    ]
    hub.store.delete("r0000")
    assert errors(ask(verb="ListMetadataFormats", identifier=f"oai:{REPO_ID}:r0000")) == [
        "noMetadataFormats"
    ]


def test_sets(hub: Hub, ask: Ask) -> None:
    assert errors(ask(verb="ListSets")) == ["noSetHierarchy"]
    assert errors(ask(verb="ListIdentifiers", metadataPrefix="oai_dc", set="a")) == [
        "noSetHierarchy"
    ]
    populate(hub, 4)
    harvested = record(
        "h1",
        origin={"kind": "harvested", "source_id": "p1", "remote_identifier": "oai:p:1"},
    )
    put(hub, harvested, T0 + timedelta(hours=1))
    root = ask(verb="ListSets")
    specs = [e.text for e in root.iterfind(".//o:setSpec", NS)]
    assert specs == ["a", "a:b", "a:c", "partners", "partners:p1"]
    names = {
        s.findtext("o:setSpec", namespaces=NS): s.findtext("o:setName", namespaces=NS)
        for s in root.iterfind(".//o:set", NS)
    }
    assert names["a:b"] == "Set a:b"
    assert root.find(".//o:set/o:setDescription", NS) is not None
    in_b = ask(verb="ListIdentifiers", metadataPrefix="oai_dc", set="a:b")
    assert identifiers(in_b) == [f"oai:{REPO_ID}:r0000", f"oai:{REPO_ID}:r0002"]
    # a parent set holds the records of its children; every header lists all sets
    in_a = ask(verb="ListRecords", metadataPrefix="oai_dc", set="a")
    assert len(identifiers(in_a)) == 4
    first = in_a.find(".//o:header", NS)
    assert [e.text for e in first.iterfind("o:setSpec", NS)] == ["a", "a:b"]
    partner = ask(verb="ListIdentifiers", metadataPrefix="oai_dc", set="partners")
    assert identifiers(partner) == [f"oai:{REPO_ID}:h1"]
    assert errors(ask(verb="ListIdentifiers", metadataPrefix="oai_dc", set="zzz")) == [
        "noRecordsMatch"
    ]


def test_get_record_and_its_errors(hub: Hub, ask: Ask) -> None:
    populate(hub, 2)
    ident = f"oai:{REPO_ID}:r0001"
    root = ask(verb="GetRecord", identifier=ident, metadataPrefix="oai_dc")
    assert root.findtext(".//o:metadata//dc:title", namespaces=NS) == "Title of r0001"
    assert root.findtext(".//o:datestamp", namespaces=NS) == "2024-01-01T00:01:00Z"
    assert root.find("o:request", NS).attrib == {
        "verb": "GetRecord",
        "identifier": ident,
        "metadataPrefix": "oai_dc",
    }
    # every format of every record; a finding aid (ape_ead) is one per fonds only
    for prefix in (f.prefix for f in hub.registry.outbound() if f.prefix not in ASSEMBLED):
        one = ask(verb="GetRecord", identifier=ident, metadataPrefix=prefix)
        assert len(one.find(".//o:metadata", NS)) == 1
        listed = ask(verb="ListRecords", metadataPrefix=prefix)
        assert identifiers(listed) == [f"oai:{REPO_ID}:r0000", ident]
    cases = {
        "cannotDisseminateFormat": {"identifier": ident, "metadataPrefix": "nope"},
        "idDoesNotExist": {"identifier": f"oai:{REPO_ID}:zz", "metadataPrefix": "oai_dc"},
        "badArgument": {"identifier": ident},
    }
    for code, args in cases.items():
        assert errors(ask(verb="GetRecord", **args)) == [code]


def test_deleted_records(hub: Hub, ask: Ask) -> None:
    populate(hub, 3)
    hub.store.delete("r0001", now=T0 + timedelta(days=1))
    ident = f"oai:{REPO_ID}:r0001"
    root = ask(verb="GetRecord", identifier=ident, metadataPrefix="oai_dc")
    assert root.find(".//o:header", NS).get("status") == "deleted"
    assert root.find(".//o:metadata", NS) is None
    for verb in ("ListRecords", "ListIdentifiers"):
        page = ask(verb=verb, metadataPrefix="oai_dc")
        headers = page.findall(".//o:header", NS)
        assert [h.findtext("o:identifier", namespaces=NS) for h in headers][-1] == ident
        assert [h.get("status") for h in headers] == [None, None, "deleted"]
        # the tombstone keeps its sets and moved to the time of deletion
        assert headers[-1].findtext("o:datestamp", namespaces=NS) == "2024-01-02T00:00:00Z"
        assert [e.text for e in headers[-1].iterfind("o:setSpec", NS)] == ["a", "a:c"]
    assert len(ask(verb="ListRecords", metadataPrefix="oai_dc").findall(".//o:metadata", NS)) == 2


def test_provenance_of_harvested_records(hub: Hub, ask: Ask) -> None:
    origin = {
        "kind": "harvested",
        "source_id": "p1",
        "remote_identifier": "oai:partner.example.org:77",
        "remote_datestamp": "2020-05-05T10:00:00Z",
        "base_url": "http://partner.example.org/oai",
        "metadata_namespace": "http://www.openarchives.org/OAI/2.0/oai_dc/",
        "harvested_at": "2024-02-02T02:02:02Z",
    }
    put(hub, record("h1", origin=origin), T0)
    put(hub, record("local"), T0)
    root = ask(verb="ListRecords", metadataPrefix="oai_dc")
    prov = "{http://www.openarchives.org/OAI/2.0/provenance}"
    abouts = root.findall(".//o:record/o:about", NS)
    assert len(abouts) == 1
    description = abouts[0].find(f"{prov}provenance/{prov}originDescription")
    assert description.get("harvestDate") == "2024-02-02T02:02:02Z"
    assert description.get("altered") == "true"
    assert [c.text for c in description] == [
        "http://partner.example.org/oai",
        "oai:partner.example.org:77",
        "2020-05-05T10:00:00Z",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
    ]


def test_list_paging_cursor_and_last_token(hub: Hub, ask: Ask) -> None:
    ids = populate(hub, 25)
    seen: list[str] = []
    root = ask(verb="ListRecords", metadataPrefix="oai_dc")
    tokens = []
    while True:
        seen += identifiers(root)
        token = token_of(root)
        tokens.append(token)
        if token is None or not token.text:
            break
        root = ask(verb="ListRecords", resumptionToken=token.text)
    assert seen == ids
    assert [t.get("cursor") for t in tokens] == ["0", "10", "20"]
    assert [t.get("completeListSize") for t in tokens] == ["25"] * 3
    for token in tokens[:-1]:
        expires = datetime.fromisoformat(token.get("expirationDate").replace("Z", "+00:00"))
        assert expires > datetime.now(UTC) + timedelta(hours=24)
    assert tokens[-1].text is None


def test_selective_harvesting_by_date(hub: Hub, ask: Ask) -> None:
    populate(hub, 5)  # 00:00 .. 00:04
    put(hub, record("next-day"), T0 + timedelta(days=1))

    def listed(**args: str) -> list[str]:
        root = ask(verb="ListIdentifiers", metadataPrefix="oai_dc", **args)
        return [] if errors(root) else [i.rsplit(":", 1)[1] for i in identifiers(root)]

    assert listed(**{"from": "2024-01-01T00:01:00Z", "until": "2024-01-01T00:03:00Z"}) == [
        "r0001",
        "r0002",
        "r0003",
    ]
    assert listed(until="2024-01-01") == ["r0000", "r0001", "r0002", "r0003", "r0004"]
    assert listed(**{"from": "2024-01-02"}) == ["next-day"]
    assert listed(**{"from": "2024-01-03"}) == []
    for bad in (
        {"from": "2024-01-02", "until": "2024-01-01"},
        {"from": "2024-01-01", "until": "2024-01-01T00:00:00Z"},
        {"from": "01/01/2024"},
    ):
        assert errors(ask(verb="ListIdentifiers", metadataPrefix="oai_dc", **bad)) == [
            "badArgument"
        ]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "badVerb"),
        ("verb=Nope", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=Identify&extra=1", "badArgument"),
        ("verb=ListRecords", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x", "badArgument"),
        ("verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-02-31", "badArgument"),
        ("verb=ListSets&resumptionToken=x", "badResumptionToken"),
        ("verb=ListRecords&resumptionToken=bm9wZQ.bm9wZQ", "badResumptionToken"),
        ("verb=ListRecords&metadataPrefix=nope", "cannotDisseminateFormat"),
        ("verb=ListIdentifiers&metadataPrefix=oai_dc", "noRecordsMatch"),
    ],
)
def test_errors_are_http_200_and_echo_as_specified(
    client: FlaskClient, assert_valid: Validate, query: str, code: str
) -> None:
    response = client.get(f"/oai?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert_valid(response.data)
    root = etree.fromstring(response.data)
    assert errors(root) == [code]
    request = root.find("o:request", NS)
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}
    else:
        assert dict(request.attrib) == dict(p.split("=", 1) for p in query.split("&"))


def _normalised(data: bytes) -> bytes:
    """A response without what depends on the second it was made in."""
    root = etree.fromstring(data)
    root.find("o:responseDate", NS).text = ""
    for token in root.iterfind(".//o:resumptionToken", NS):
        token.text = ""
        token.attrib.pop("expirationDate", None)
    return etree.tostring(root)


@pytest.mark.parametrize(
    "args",
    [
        {"verb": "Identify"},
        {"verb": "ListMetadataFormats"},
        {"verb": "ListSets"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "a:b"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": f"oai:{REPO_ID}:r0003"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "bad"},
        {"verb": "Bogus"},
    ],
)
def test_post_equals_get(hub: Hub, ask: Ask, args: dict[str, str]) -> None:
    populate(hub, 12)
    got = ask("GET", **args)
    posted = ask("POST", **args)
    assert _normalised(etree.tostring(got)) == _normalised(etree.tostring(posted))


def test_post_of_a_resumption_token(hub: Hub, ask: Ask) -> None:
    ids = populate(hub, 15)
    first = ask("POST", verb="ListIdentifiers", metadataPrefix="oai_dc")
    second = ask("POST", verb="ListIdentifiers", resumptionToken=token_of(first).text)
    assert identifiers(first) + identifiers(second) == ids


def test_expired_and_tampered_tokens(hub: Hub, app: Flask, ask: Ask) -> None:
    populate(hub, 15)
    first = ask(verb="ListRecords", metadataPrefix="oai_dc")
    text = token_of(first).text
    codec = app.extensions["oaihub.provider"].codec
    state = codec.decode(text, verb="ListRecords", now=datetime.now(UTC))
    fields = {name: getattr(state, name) for name in ResumptionToken.__slots__}
    fields["expires"] = int((datetime.now(UTC) - timedelta(seconds=1)).timestamp())
    expired = codec.encode(ResumptionToken(**fields))
    root = ask(verb="ListRecords", resumptionToken=expired)
    assert errors(root) == ["badResumptionToken"]
    assert "expired" in root.findtext("o:error", namespaces=NS)
    body, signature = text.split(".")
    fields["expires"] = state.expires
    fields["set_spec"] = "a:b"  # a re-signed body with another key would be needed
    other = codec.encode(ResumptionToken(**fields)).split(".")[0]
    for bad in (f"{other}.{signature}", text[:-1] + ("A" if text[-1] != "A" else "B"), body):
        assert errors(ask(verb="ListRecords", resumptionToken=bad)) == ["badResumptionToken"]
    assert identifiers(ask(verb="ListRecords", resumptionToken=text))  # the real one works


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip", "gzip"),
        ("deflate", "deflate"),
        ("gzip;q=0.5, deflate", "deflate"),
        ("identity", None),
        ("gzip;q=0", None),
        ("br", None),
        ("*", "gzip"),
    ],
)
def test_compression(
    hub: Hub, client: FlaskClient, assert_valid: Validate, accept: str, encoding: str | None
) -> None:
    populate(hub, 3)
    response = client.get(
        "/oai?verb=ListRecords&metadataPrefix=oai_dc", headers={"Accept-Encoding": accept}
    )
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    data = response.data
    if encoding == "gzip":
        data = gzip.decompress(data)
    elif encoding == "deflate":
        data = zlib.decompress(data)
    assert_valid(data)
    assert len(identifiers(etree.fromstring(data))) == 3


def test_compression_over_real_http(hub: Hub, server: Server, assert_valid: Validate) -> None:
    populate(hub, 3)
    for accept in ("gzip", "deflate"):
        response = requests.get(
            server.url,
            params={"verb": "ListRecords", "metadataPrefix": "oai_dc"},
            headers={"Accept-Encoding": accept},
            timeout=30,
        )
        assert response.headers["Content-Encoding"] == accept
        assert_valid(response.content)  # requests decodes both


def test_stylesheet_is_linked_and_served(client: FlaskClient) -> None:
    response = client.get("/oai?verb=Identify")
    assert b'<?xml-stylesheet type="text/xsl" href="oai/static/oai2.xsl"?>' in response.data
    with client.get("/oai/static/oai2.xsl") as sheet:
        assert sheet.status_code == 200
        etree.XSLT(etree.fromstring(sheet.data))  # compiles


@pytest.mark.parametrize(
    "query",
    [
        "verb=Identify",
        "verb=ListSets",
        "verb=ListMetadataFormats",
        "verb=ListRecords&metadataPrefix=oai_dc",
        "verb=ListIdentifiers&metadataPrefix=oai_dc",
        f"verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:{REPO_ID}:r0001",
        "verb=Nope",
    ],
)
def test_stylesheet_renders_every_verb(hub: Hub, client: FlaskClient, query: str) -> None:
    populate(hub, 12)
    hub.store.delete("r0000")
    with client.get("/oai/static/oai2.xsl") as sheet:
        transform = etree.XSLT(etree.fromstring(sheet.data))
    html = str(transform(etree.fromstring(client.get(f"/oai?{query}").data)))
    assert "<h1>OAI-PMH 2.0" in html
    assert 'href="?verb=Identify"' in html
    if "ListRecords" in query or "GetRecord" in query:
        assert "Title of r0001" in html
        assert "verb=GetRecord&amp;metadataPrefix=oai_dc&amp;identifier=oai:" in html
    if "List" in query and "Sets" not in query and "Formats" not in query:
        assert "Next page" in html
    if query == "verb=Nope":
        assert "badVerb" in html


def test_stylesheet_links_survive_ids_with_query_characters(hub: Hub, client: FlaskClient) -> None:
    """An id with + & = ? # % or a space gets percent-encoded in the page's links, so
    following the link asks for that very record."""
    local_id = "a+b&c=d?e%f"
    put(hub, record(local_id), T0)
    with client.get("/oai/static/oai2.xsl") as sheet:
        transform = etree.XSLT(etree.fromstring(sheet.data))
    listing = client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc").data
    html = etree.HTML(str(transform(etree.fromstring(listing))))
    (link,) = [a.get("href") for a in html.iter("a") if "verb=GetRecord" in a.get("href", "")]
    assert link.endswith("identifier=oai:" + REPO_ID + ":a%2Bb%26c%3Dd%3Fe%25f")
    answer = etree.fromstring(client.get("/oai" + link).data)
    identifiers = answer.findall(".//{http://www.openarchives.org/OAI/2.0/}identifier")
    assert [i.text for i in identifiers] == [f"oai:{REPO_ID}:{local_id}"]


def test_real_server_answers_every_verb(hub: Hub, server: Server, assert_valid: Validate) -> None:
    populate(hub, 12)
    for params in (
        {"verb": "Identify"},
        {"verb": "ListMetadataFormats"},
        {"verb": "ListSets"},
        {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "a:c"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": f"oai:{REPO_ID}:r0001"},
        {"verb": "Nope"},
    ):
        response = server.get(**params)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert_valid(response.content)
    posted = requests.post(server.url, data={"verb": "Identify"}, timeout=30)
    assert_valid(posted.content)
    root = etree.fromstring(posted.content)
    assert root.findtext(".//o:baseURL", namespaces=NS) == server.url


def test_tokens_keep_set_from_and_until(hub: Hub, ask: Ask) -> None:
    ids = populate(hub, 60)  # a:b holds the even ones, one a minute from 00:00
    args = {"from": "2024-01-01T00:10:00Z", "until": "2024-01-01T00:49:00Z", "set": "a:b"}
    root = ask(verb="ListIdentifiers", metadataPrefix="oai_dc", **args)
    seen = identifiers(root)
    while (token := token_of(root)) is not None and token.text:
        assert token.get("completeListSize") == "20"
        root = ask(verb="ListIdentifiers", resumptionToken=token.text)
        seen += identifiers(root)
    assert seen == ids[10:50:2]
    assert token is not None
    assert token.get("cursor") == "10"  # the last page starts after 10 records
