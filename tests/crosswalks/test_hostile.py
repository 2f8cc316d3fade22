"""Bad and hostile input: a precise CrosswalkError, never a fetch, never an expansion."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from crosswalks import (
    CrosswalkError,
    UnknownFormat,
    UnsafeXML,
    parse_xml,
    read_document,
)
from crosswalks.parsing import DEFAULT_MAX_BYTES
from tests.servers import Background


class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = b'<!ENTITY leak "LEAKED">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def trap() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that records every request: none may ever arrive."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    with Background(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as running:
        yield f"http://127.0.0.1:{running.server.server_address[1]}", hits


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(UnsafeXML) as info:
        read_document(b"<dc>\n<title>unclosed\n</dc>")
    assert info.value.line is not None
    assert "malformed XML" in str(info.value)


def test_empty_and_non_bytes() -> None:
    with pytest.raises(UnsafeXML):
        read_document(b"   ")
    with pytest.raises(UnsafeXML):
        parse_xml("<a/>")  # type: ignore[arg-type]


def test_external_entity_is_refused_and_never_fetched(trap: tuple[str, list[str]]) -> None:
    url, hits = trap
    xxe = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{url}/secret">]><r>&x;</r>'
    with pytest.raises(UnsafeXML, match="entit"):
        read_document(xxe.encode())
    param = f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]><r>&leak;</r>'
    with pytest.raises(UnsafeXML):
        read_document(param.encode())
    time.sleep(0.1)
    assert hits == []


def test_external_dtd_is_never_fetched(trap: tuple[str, list[str]]) -> None:
    url, hits = trap
    ead = (
        f'<?xml version="1.0"?>\n<!DOCTYPE ead SYSTEM "{url}/ead.dtd">\n'
        "<ead><eadheader><eadid>x</eadid></eadheader><archdesc level='fonds'>"
        "<did><unittitle>Fonds</unittitle></did></archdesc></ead>"
    )
    (record,) = read_document(ead.encode())
    assert record["title"] == "Fonds"
    xinclude = (
        f'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:xi="http://www.w3.org/2001/XInclude"><dc:title>t</dc:title>'
        f'<xi:include href="{url}/inc.xml"/></oai_dc:dc>'
    )
    read_document(xinclude.encode())
    time.sleep(0.1)
    assert hits == []


def test_ehri_sample_with_relative_dtd(samples_dir: Path) -> None:
    data = (samples_dir / "ehri_ead2002_JMP-130.xml").read_bytes()
    assert b'<!DOCTYPE ead SYSTEM "ead/ead.dtd">' in data
    assert read_document(data)[0]["title"] == "Jewish Religious Community of Slaný"


def test_billion_laughs_is_refused_fast() -> None:
    lol = ['<!ENTITY lol0 "lol">']
    for n in range(1, 10):
        refs = f"&lol{n - 1};" * 10
        lol.append(f'<!ENTITY lol{n} "{refs}">')
    bomb = f"<!DOCTYPE lolz [{''.join(lol)}]><lolz>&lol9;</lolz>".encode()
    started = time.perf_counter()
    with pytest.raises(UnsafeXML):
        read_document(bomb)
    assert time.perf_counter() - started < 1.0


def test_entity_declared_in_utf16_is_refused() -> None:
    doc = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>'
    with pytest.raises(UnsafeXML, match="entit"):
        read_document(doc.encode("utf-16"))


def test_size_limit() -> None:
    big = b"<dc>" + b"x" * 200 + b"</dc>"
    with pytest.raises(UnsafeXML, match="exceeds the limit of 100 bytes"):
        read_document(big, max_bytes=100)
    assert DEFAULT_MAX_BYTES >= 10 * 1024 * 1024


def test_excessive_nesting() -> None:
    deep = b"<a>" * 5000 + b"</a>" * 5000
    with pytest.raises(UnsafeXML):
        parse_xml(deep)


def test_unknown_format_is_explicit() -> None:
    with pytest.raises(UnknownFormat) as info:
        read_document(b"<?xml version='1.0'?>\n<rdf:RDF xmlns:rdf='urn:x'/>")
    assert info.value.line == 2
    assert "unknown format" in str(info.value)
    assert isinstance(info.value, CrosswalkError)


def test_record_without_title() -> None:
    xml = (
        b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"\n'
        b' xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        b"<dc:creator>Nobody</dc:creator></oai_dc:dc>"
    )
    # issue 21: a devised title, never a refusal for want of one
    (record,) = read_document(xml)
    assert (record["title"], record["title_devised"]) == ("Untitled unit", True)
    assert record["creators"][0]["name"] == "Nobody"


def test_marc_without_title_names_the_record() -> None:
    xml = (
        b'<collection xmlns="http://www.loc.gov/MARC21/slim">\n<record>'
        b"<leader>00000nam a2200000 a 4500</leader></record>\n<record>\n"
        b"<controlfield tag='001'>2</controlfield></record></collection>"
    )
    first, second = read_document(xml)
    assert first["title_devised"] and first["id"] == "~marcxml", "no 001: positional"
    assert (second["id"], second["title"], second["title_devised"]) == ("2", "Untitled unit", True)


OAI = b"""<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2024-01-01T00:00:00Z</responseDate><request verb="ListRecords">x</request>
<ListRecords>
<record><header><identifier>oai:x:1</identifier><datestamp>2024-01-01</datestamp></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>One</dc:title></oai_dc:dc></metadata>
</record>
<record><header status="deleted"><identifier>oai:x:2</identifier>
<datestamp>2024-01-01</datestamp></header></record>
<record><header><identifier>oai:x:3</identifier><datestamp>2024-01-01</datestamp></header>
<metadata><mods xmlns="http://www.loc.gov/mods/v3"><titleInfo><title>Three</title>
</titleInfo></mods></metadata></record>
<resumptionToken/></ListRecords></OAI-PMH>"""


def test_list_records_response_is_unwrapped() -> None:
    assert [r["title"] for r in read_document(OAI)] == ["One", "Three"]


def test_unknown_metadata_in_a_response() -> None:
    bad = OAI.replace(b"http://www.loc.gov/mods/v3", b"urn:nobody")
    with pytest.raises(UnknownFormat):
        read_document(bad)


def test_oai_pmh_error_response() -> None:
    error = (
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>'
        b"2024-01-01T00:00:00Z</responseDate><request>x</request>\n"
        b'<error code="noRecordsMatch">nothing here</error></OAI-PMH>'
    )
    with pytest.raises(CrosswalkError, match="OAI-PMH error noRecordsMatch: nothing here"):
        read_document(error)


def test_blank_lines_before_the_declaration_are_tolerated() -> None:
    doc = (
        b"\n\n<?xml version='1.0' encoding='UTF-8'?>\n"
        b"<dc xmlns='http://purl.org/dc/elements/1.1/'><title>t</title></dc>"
    )
    assert read_document(doc)[0]["title"] == "t"
