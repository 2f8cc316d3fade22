"""The /oai browser view's stylesheet shows formats other than oai_dc (MODS, MARCXML,
the native format) as indented XML, one element a line, not as one run of text."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree

from oai.hub import Hub
from tests.oai.web.conftest import T0, put, record

XSL = Path(__file__).resolve().parents[3] / "oai" / "web" / "static" / "oai2.xsl"


@pytest.mark.parametrize("prefix", ["mods", "marcxml", "oaihub"])
def test_other_formats_are_indented_xml(client: FlaskClient, hub: Hub, prefix: str) -> None:
    put(hub, record("r1", title="Title <with> markup", subjects=["One", "Two"]), T0)
    identifier = hub.store.identifier_prefix + "r1"
    response = client.get(
        "/oai",
        query_string={"verb": "GetRecord", "identifier": identifier, "metadataPrefix": prefix},
    )
    html = etree.XSLT(etree.parse(str(XSL)))(etree.fromstring(response.data))
    pre = etree.HTML(str(html)).xpath("//pre[@class='xml']")
    assert pre, "the metadata is shown as XML"
    lines = pre[0].text.splitlines()
    assert len(lines) > 5, "one element a line"
    assert lines[0].startswith("<") and "xmlns" in lines[0]
    assert any(line.startswith("  <") for line in lines), "children are indented"
    assert any("Title <with> markup" in line for line in lines), "text shown, not markup"
    assert lines[-1].startswith("</")
