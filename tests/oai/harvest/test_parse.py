"""Partner responses -> pages: repairs, typed errors, odd records, tokens (unit tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oai.harvest.errors import (
    PageError,
    RemoteBadResumptionToken,
    RemoteConfigError,
)
from oai.harvest.parse import parse_identify, parse_list_records
from oai.harvest.repair import repair

DATA = Path(__file__).parent / "data"


def test_repair_leaves_good_bytes_alone() -> None:
    body = "<a>Národní Archiv</a>".encode()
    assert repair(body) == (body, [])


def test_repair_removes_illegal_characters_and_references() -> None:
    fixed, notes = repair(b"<a>x\x01y\x0b&#x1;&#27;&#9;z\xef\xbf\xbe</a>")
    assert fixed == b"<a>xy&#9;z</a>"  # tab is legal; U+FFFE is not
    assert notes == ["5 XML-illegal character(s) removed"]


def test_repair_replaces_invalid_utf8() -> None:
    fixed, notes = repair(b"<a>ok\xff\xfe</a>")
    assert fixed == "<a>ok\ufffd\ufffd</a>".encode()
    assert notes[0].startswith("invalid UTF-8 replaced by U+FFFD (first at byte 5)")


def test_repair_respects_another_declared_encoding() -> None:
    body = '<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>'.encode("latin-1")
    assert repair(body) == (body, [])
    with pytest.raises(PageError):  # parsed in its own encoding, then: not OAI-PMH
        parse_list_records(body)


def test_partner_errors_are_typed() -> None:
    with pytest.raises(RemoteBadResumptionToken):
        parse_list_records((DATA / "badResumptionToken.xml").read_bytes())
    with pytest.raises(RemoteConfigError) as caught:
        parse_list_records((DATA / "cannotDisseminateFormat.xml").read_bytes())
    assert caught.value.code == "cannotDisseminateFormat"


def test_odd_records_are_told_apart() -> None:
    page = parse_list_records((DATA / "ListRecords-odd-records.xml").read_bytes())
    deleted, no_metadata, no_identifier = page.items("page 1")
    assert deleted.identifier is not None
    assert deleted.deleted
    assert deleted.error is None
    assert no_metadata.error == "a live record without metadata"
    assert no_metadata.identifier == "oai:p:nometa"
    assert no_identifier.error == "a header without an <identifier>"
    assert page.token is not None
    assert (page.token.value, page.token.cursor, page.token.complete_list_size) == (
        "next-page",
        0,
        30,
    )
    assert b"oai:p:nometa" in no_metadata.raw


def test_empty_token_ends_the_list() -> None:
    page = parse_list_records((DATA / "ListRecords-last-page.xml").read_bytes())
    assert page.token is None
    assert page.items("page 1") == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>Service unavailable</body></html>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
        b"<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'><ListRecords>",
    ],
)
def test_unusable_pages_keep_their_bytes(body: bytes) -> None:
    with pytest.raises(PageError) as caught:
        parse_list_records(body)
    assert caught.value.raw == body


def test_identify_without_identify_is_a_page_error() -> None:
    with pytest.raises(PageError):
        parse_identify((DATA / "ListRecords-last-page.xml").read_bytes())


_PREFIXED_PAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<oai:OAI-PMH xmlns:oai="http://www.openarchives.org/OAI/2.0/">
<oai:responseDate>2026-01-01T00:00:00Z</oai:responseDate>
<oai:request verb="ListRecords">http://partner.test/oai</oai:request>
<oai:ListRecords>
 <oai:record><oai:header><oai:identifier>oai:p:1</oai:identifier>
  <oai:datestamp>2026-01-01</oai:datestamp></oai:header>
  <oai:metadata><record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam</leader>
   <datafield tag="245" ind1="0" ind2="0"><subfield code="a">One</subfield></datafield>
  </record></oai:metadata></oai:record>
 <oai:record><oai:header><oai:identifier>oai:p:2</oai:identifier>
  <oai:datestamp>2026-01-01</oai:datestamp></oai:header>
  <oai:metadata><record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam</leader>
   <datafield tag="245" ind1="0" ind2="0"><subfield code="a">Tom & Jerry</subfield>
   </datafield></record></oai:metadata></oai:record>
 <oai:record><oai:header status="deleted"><oai:identifier>oai:p:3</oai:identifier>
  <oai:datestamp>2026-01-01</oai:datestamp></oai:header></oai:record>
 <oai:resumptionToken cursor="0" completeListSize="9">next-page</oai:resumptionToken>
</oai:ListRecords>
</oai:OAI-PMH>"""


def test_a_page_with_a_broken_record_is_split_even_with_prefixes_and_nested_records() -> None:
    page = parse_list_records(_PREFIXED_PAGE)
    assert page.token is not None and page.token.value == "next-page"
    assert page.count == 3
    records = page.items("page 1")
    good = [r.identifier for r in records if not r.error]
    assert good == ["oai:p:1", "oai:p:3"]
    (bad,) = [r for r in records if r.error]
    assert bad.identifier == "oai:p:2" and bad.where == "page 1, record 2"
    assert "does not parse" in bad.error and "Tom & Jerry" in bad.raw.decode()
    assert bad.raw.startswith(b"<oai:record>") and bad.raw.endswith(b"</oai:record>")


def test_a_page_cut_short_is_not_split() -> None:
    with pytest.raises(PageError, match="does not parse"):
        parse_list_records(_PREFIXED_PAGE[: len(_PREFIXED_PAGE) // 2])


def test_a_page_whose_token_is_broken_is_not_split() -> None:
    broken = _PREFIXED_PAGE.replace(b"next-page<", b"next & page<")
    with pytest.raises(PageError, match="does not parse"):
        parse_list_records(broken)


def test_split_tracks_nested_records_of_the_same_name() -> None:
    plain = _PREFIXED_PAGE.replace(b"oai:", b"").replace(b"xmlns:oai=", b"xmlns=")
    plain = plain.replace(b"identifier>p:", b"identifier>oai:p:")
    page = parse_list_records(plain)
    records = page.items("page 1")
    assert [r.identifier for r in records if not r.error] == ["oai:p:1", "oai:p:3"]
    (bad,) = [r for r in records if r.error]
    assert bad.raw.startswith(b"<record>") and bad.raw.count(b"<record") == 2
