"""Whatever text partners put in their fields, a reader gives records the model accepts
or a CrosswalkError: never another exception."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from crosswalks import CrosswalkError, default_registry, read_document
from records.model import Record

REGISTRY = default_registry()
junk = st.one_of(
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), max_size=30),
    st.from_regex(r"\[?(ca\. )?\d{1,6}([-./ ]\d{1,5}){0,4}\]?\??", fullmatch=True),
    st.sampled_from(
        [
            "January 9, 12345",
            "31.2.1945",
            "0000",
            "99999",
            "-1",
            "XXX. století",
            "19.2. - 14.3.",
            "1961-00",
            "cs-CZ",
            "Latn",
            "zz",
            "u",
            "@@@",
            "",
        ]
    ),
)


def _esc(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text, {'"': "&quot;"})


def _dc(values: list[str]) -> bytes:
    names = [
        "title",
        "date",
        "language",
        "identifier",
        "type",
        "description",
        "relation",
        "source",
        "creator",
        "rights",
        "coverage",
        "subject",
    ]
    body = "".join(f"<dc:{n}>{_esc(v)}</dc:{n}>" for n, v in zip(names, values, strict=False))
    return (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/">{body}</oai_dc:dc>'
    ).encode()


def _mods(values: list[str]) -> bytes:
    v = [_esc(x) for x in values] + [""] * 12
    return (
        f'<mods xmlns="http://www.loc.gov/mods/v3"><titleInfo><title>{v[0]}</title></titleInfo>'
        f'<originInfo><dateCreated point="start">{v[1]}</dateCreated>'
        f'<dateCreated point="end">{v[2]}</dateCreated><dateIssued>{v[3]}</dateIssued>'
        f'</originInfo><language><languageTerm type="code">{v[4]}</languageTerm></language>'
        f'<identifier type="{v[5]}">{v[6]}</identifier><recordInfo><recordIdentifier>{v[7]}'
        f"</recordIdentifier></recordInfo><name><namePart>{v[8]}</namePart></name>"
        f'<relatedItem type="host"><titleInfo><title>{v[9]}</title></titleInfo></relatedItem>'
        "</mods>"
    ).encode()


def _marc(values: list[str]) -> bytes:
    v = [_esc(x) for x in values] + [""] * 12
    return (
        f'<record xmlns="http://www.loc.gov/MARC21/slim"><leader>{v[0][:24]}</leader>'
        f'<controlfield tag="001">{v[1]}</controlfield>'
        f'<controlfield tag="008">{v[2]}</controlfield>'
        f'<datafield tag="245" ind1="1" ind2="0"><subfield code="a">{v[3]}</subfield>'
        f'</datafield><datafield tag="260" ind1=" " ind2=" "><subfield code="c">{v[4]}'
        f'</subfield></datafield><datafield tag="041" ind1=" " ind2=" "><subfield code="a">'
        f'{v[5]}</subfield></datafield><datafield tag="773" ind1="0" ind2=" ">'
        f'<subfield code="t">{v[6]}</subfield><subfield code="d">{v[7]}</subfield></datafield>'
        "</record>"
    ).encode()


def _ead(values: list[str]) -> bytes:
    v = [_esc(x) for x in values] + [""] * 12
    return (
        f"<ead><eadheader><eadid>{v[0]}</eadid></eadheader><archdesc level='{v[1]}'><did>"
        f"<unittitle>{v[2]}</unittitle><unitdate normal='{v[3]}'>{v[4]}</unitdate>"
        f"<langmaterial><language langcode='{v[5]}'>{v[6]}</language></langmaterial></did>"
        f"<dsc><c id='{v[7]}'><did><unitid>{v[8]}</unitid><unitdate>{v[9]}</unitdate></did>"
        "</c></dsc></archdesc></ead>"
    ).encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([_dc, _mods, _marc, _ead]), st.lists(junk, min_size=10, max_size=12))
def test_readers_never_crash(build: Callable[[list[str]], bytes], values: list[str]) -> None:
    document = build(values)
    try:
        records = read_document(document, REGISTRY)
    except CrosswalkError:
        return
    except etree.LxmlError as exc:  # pragma: no cover - reported with the document
        raise AssertionError(f"lxml error escaped: {exc!r} for {document!r}") from exc
    for record in records:
        Record.from_dict(record)
