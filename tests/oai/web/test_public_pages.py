"""`/records/<id>`: the public page of a record, its Signposting links and JSON-LD."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import html

from oai.app import create_app
from oai.demo import load_demo_records
from oai.hub import Hub
from tests.oai.web.conftest import REPO_ID, T0, make_hub, put, record

SETTINGS = {
    "public_url": "http://hub.example.org",
    "repository.base_url": "http://hub.example.org/oai",
    "edm.provider": "Czech aggregator",
    "edm.default_rights": "http://rightsstatements.org/vocab/CNE/1.0/",
    "web.allowed_hosts": ["hub.example.org"],
}


@pytest.fixture
def public_hub(database_url: str, tmp_path: Path) -> Iterator[Hub]:
    with make_hub(database_url, tmp_path, **SETTINGS) as hub:
        load_demo_records(hub)
        fonds = record(
            "fonds-1",
            level="fonds",
            rights="CC BY 4.0",
            related=[{"relation": "hasPart", "id": "unit-1", "title": "Unit one"}],
        )
        unit = record(
            "unit-1",
            level="file",
            url="https://partner.example.org/apu/unit-1",
            related=[{"relation": "isPartOf", "id": "fonds-1", "title": "Title of fonds-1"}],
        )
        put(hub, fonds, T0)
        put(hub, unit, T0 + timedelta(minutes=1))
        put(hub, record("gone-1"), T0)
        hub.store.delete("gone-1", now=T0 + timedelta(minutes=2))
        yield hub


@pytest.fixture
def client(public_hub: Hub) -> FlaskClient:
    return create_app(hub=public_hub).test_client()


def _page(data: bytes) -> Any:
    """An HTML page parsed (lxml.html's elements, which its stubs do not describe)."""
    return html.fromstring(data)


def _links(header: str) -> list[tuple[str, str, str]]:
    """(target, rel, rest) of each link of a Link header."""
    return [
        (m.group(1), m.group(2), m.group(3))
        for m in re.finditer(r'<([^>]+)>; rel="([^"]+)"([^,]*)', header)
    ]


def test_the_seed_records_page_shows_what_a_reader_needs(client: FlaskClient) -> None:
    response = client.get("/records/301006", base_url="http://hub.example.org")
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    page = _page(response.data)
    assert page.findtext(".//h1").startswith("Document from the Soviet Embassy in Cuba")
    text = page.text_content()
    for expected in ("1961", "Soviet Embassy in Cuba", "English", "History and Public Policy"):
        assert expected in text
    assert "<script>" not in response.get_data(as_text=True)  # no executable script


def test_signposting_links_name_every_format_the_citation_and_the_licence(
    client: FlaskClient,
) -> None:
    response = client.get("/records/301006", base_url="http://hub.example.org")
    links = _links(response.headers["Link"])
    rels = [rel for _url, rel, _rest in links]
    assert rels.count("cite-as") == 1
    assert ("http://hub.example.org/records/301006", "cite-as", "") in links
    described = {url for url, rel, _rest in links if rel == "describedby"}
    for prefix in ("oai_dc", "mods", "marcxml", "oaihub", "edm"):
        assert (
            "http://hub.example.org/oai?verb=GetRecord&identifier="
            f"oai%3A{REPO_ID}%3A301006&metadataPrefix={prefix}"
        ) in described
    licensed = client.get("/records/fonds-1", base_url="http://hub.example.org")
    assert ("http://creativecommons.org/licenses/by/4.0/", "license", "") in _links(
        licensed.headers["Link"]
    )


def test_json_ld_describes_the_record_in_schema_org(client: FlaskClient) -> None:
    response = client.get("/records/unit-1", base_url="http://hub.example.org")
    page = _page(response.data)
    [script] = page.xpath("//script[@type='application/ld+json']")
    data = json.loads(script.text)
    assert data["@context"] == "https://schema.org/"
    assert data["name"] == "Title of unit-1"
    assert data["@id"] == "https://partner.example.org/apu/unit-1"  # the partner's permalink
    assert data["url"] == "http://hub.example.org/records/unit-1"
    assert data["isPartOf"] == {"@id": "http://hub.example.org/records/fonds-1"}
    cite = [u for u, rel, _ in _links(response.headers["Link"]) if rel == "cite-as"]
    assert cite == ["https://partner.example.org/apu/unit-1"]


def test_the_hierarchy_links_up_and_down(client: FlaskClient) -> None:
    unit = _page(client.get("/records/unit-1").data)
    assert unit.xpath("//a[@rel='up']/@href") == ["http://hub.example.org/records/fonds-1"]
    assert unit.xpath("//a[@rel='up']/text()") == ["Title of fonds-1"]
    assert unit.xpath("//a[@class='partner']/@href") == ["https://partner.example.org/apu/unit-1"]
    fonds = _page(client.get("/records/fonds-1").data)
    assert fonds.xpath("//section[@class='parts']//a/@href") == [
        "http://hub.example.org/records/unit-1"
    ]
    assert fonds.xpath("//section[@class='parts']//a/text()") == ["Unit one"]


def test_a_deleted_record_is_gone_and_an_unknown_one_not_found(client: FlaskClient) -> None:
    assert client.get("/records/gone-1").status_code == 410
    assert client.get("/records/nope").status_code == 404
    assert client.get("/records/%3Cscript%3E").status_code == 404
    assert client.post("/records/301006").status_code == 405


def test_the_page_is_edm_is_shown_at_of_records_without_a_permalink(public_hub: Hub) -> None:
    from lxml import etree

    xml = public_hub.render(public_hub.store.get("301006"))["edm"][0]
    shown = etree.fromstring(xml).find(
        "{http://www.openarchives.org/ore/terms/}Aggregation/"
        "{http://www.europeana.eu/schemas/edm/}isShownAt"
    )
    assert shown is not None
    resource = shown.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource")
    assert resource == "http://hub.example.org/records/301006"


def test_every_schema_url_listmetadataformats_names_on_the_hub_resolves(
    client: FlaskClient,
) -> None:
    from lxml import etree

    response = client.get(
        "/oai", query_string={"verb": "ListMetadataFormats"}, base_url="http://hub.example.org"
    )
    root = etree.fromstring(response.data)
    schemas = [e.text or "" for e in root.iter("{http://www.openarchives.org/OAI/2.0/}schema")]
    own = [url for url in schemas if url.startswith("http://hub.example.org/")]
    assert sorted(own) == [
        "http://hub.example.org/schemas/oai_dcterms.xsd",
        "http://hub.example.org/schemas/oaihub-record-1.0.xsd",
    ]
    for url in own:
        fetched = client.get(url.removeprefix("http://hub.example.org"))
        assert fetched.status_code == 200
        assert etree.fromstring(fetched.data).tag == "{http://www.w3.org/2001/XMLSchema}schema"
    assert client.get("/schemas/..%2Fsettings.py").status_code == 404
    assert client.get("/schemas/nope.xsd").status_code == 404


def test_a_partners_hostile_url_and_rights_do_not_break_the_page(
    public_hub: Hub, client: FlaskClient
) -> None:
    hostile = record(
        "hostile-1",
        url='https://partner.example.org/a b>"<script>\r\nSet-Cookie: x=1',
        rights="http://[::1",
        title='<script>alert("x")</script>',
    )
    put(public_hub, hostile, T0)
    response = client.get("/records/hostile-1")
    assert response.status_code == 200
    header = response.headers["Link"]
    assert "\n" not in header and "\r" not in header and "<script>" not in header
    cite = [url for url, rel, _rest in _links(header) if rel == "cite-as"]
    assert cite == ["https://partner.example.org/a%20b%3E%22%3Cscript%3E%0D%0ASet-Cookie:%20x=1"]
    assert "Set-Cookie" not in response.headers
    body = response.get_data(as_text=True)
    assert '<script>alert("x")</script>' not in body
