"""Cutting documents into items: containers record by record in flat memory, a broken
record costing only itself, a finding aid read whole, hostile documents refused."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

from crosswalks import CrosswalkError, default_registry
from oai.ingest import DEFAULT_LIMITS, FileItems, Item, Reader
from oai.ingest.read import ItemRejected

OAI = "http://www.openarchives.org/OAI/2.0/"
DC = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title>'
    "<dc:identifier>id-{n}</dc:identifier></oai_dc:dc>"
)


def _record(n: int, body: str | None = None) -> str:
    metadata = body if body is not None else DC.format(title=f"Zpráva č. {n}", n=n)
    return (
        f"<record><header><identifier>oai:p:{n}</identifier>"
        f"<datestamp>2024-01-01</datestamp></header><metadata>{metadata}</metadata></record>"
    )


def _list_records(records: list[str], tail: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="{OAI}">'
        "<responseDate>2024-01-01T00:00:00Z</responseDate><request>x</request>"
        f"<ListRecords>{''.join(records)}{tail}</ListRecords></OAI-PMH>"
    ).encode()


def _items(data: bytes, **caps: int) -> tuple[list[Item], FileItems]:
    found = FileItems(
        io.BytesIO(data),
        "dump.xml",
        max_record_bytes=caps.get("max_record_bytes", 16_000_000),
        max_document_bytes=caps.get("max_document_bytes", 32_000_000),
    )
    return list(found), found


def _read(item: Item) -> list[dict[str, object]] | str:
    try:
        return Reader(default_registry(), DEFAULT_LIMITS).read(item, {})
    except (CrosswalkError, ItemRejected) as exc:
        return f"{type(exc).__name__}: {exc}"


def _titles(data: bytes, **caps: int) -> list[object]:
    out: list[object] = []
    for item in _items(data, **caps)[0]:
        if item.deleted:
            continue
        read = _read(item)
        out += [r["title"] for r in read] if isinstance(read, list) else [read.split(":")[0]]
    return out


def test_a_list_records_response_gives_each_record_and_its_deletions() -> None:
    deleted = (
        '<record><header status="deleted"><identifier>oai:p:x</identifier>'
        "<datestamp>2024-01-01</datestamp></header></record>"
    )
    data = _list_records([_record(1), deleted, _record(2)], "<resumptionToken>t</resumptionToken>")
    items, found = _items(data)
    assert [(i.identifier, i.deleted) for i in items] == [
        ("oai:p:1", False),
        ("oai:p:x", True),
        ("oai:p:2", False),
    ]
    assert _titles(data) == ["Zpráva č. 1", "Zpráva č. 2"]
    assert found.complete


def test_a_bad_record_is_an_error_in_its_place_and_reading_goes_on() -> None:
    unknown = '<x:thing xmlns:x="urn:nothing"/>'
    items, _ = _items(_list_records([_record(1), _record(2, unknown), _record(3)]))
    assert [i.where for i in items] == [f"dump.xml, record {n}" for n in (1, 2, 3)]
    assert "urn:nothing" in str(_read(items[1]))
    assert _read(items[2])[0]["title"] == "Zpráva č. 3"  # type: ignore[index]


def test_a_malformed_record_costs_that_record_only_never_a_truncated_copy() -> None:
    # issue 21: an unescaped & in one title; the record after it is stored, and the
    # broken one is not "recovered" into a truncated record
    broken = _record(2, DC.format(title="Účty & faktury 1920", n=2))
    items, found = _items(_list_records([_record(1), broken, _record(3)]))
    assert [i.identifier for i in items] == ["oai:p:1", "oai:p:2", "oai:p:3"]
    assert items[1].error and "does not parse" in items[1].error
    assert b"\xc3\x9a\xc4\x8dty & faktury" in items[1].raw
    assert _titles(_list_records([_record(1), broken, _record(3)])) == [
        "Zpráva č. 1",
        "ItemRejected",
        "Zpráva č. 3",
    ]
    assert found.complete


def test_a_file_cut_short_keeps_the_records_before_the_cut_and_no_partial_one() -> None:
    data = _list_records([_record(1), _record(2, DC.format(title="Matriky", n=2))])
    cut = data[: data.index(b"Matri") + 5]
    items, found = _items(cut)
    assert _read(items[0])[0]["title"] == "Zpráva č. 1"  # type: ignore[index]
    assert items[1].error and "cut short" in items[1].error
    assert not found.complete and "cut short" in (found.problem or "")


def test_an_oversized_record_is_skipped_and_reported() -> None:
    big = DC.format(title="x" * 200_000, n=2)
    data = _list_records([_record(1), _record(2, big), _record(3)])
    assert _titles(data, max_record_bytes=100_000) == [
        "Zpráva č. 1",
        "ItemRejected",
        "Zpráva č. 3",
    ]


def test_entity_declarations_are_refused_before_parsing() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><l>&b;</l>'
    items, found = _items(bomb)
    assert len(items) == 1 and "entities" in (items[0].error or "") and not found.complete
    utf16 = (
        bomb.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
    )
    items, found = _items(utf16)
    assert "entities" in str(_read(items[0])) and len(items) == 1


def test_a_marc_collection_streams_and_a_finding_aid_is_read_whole(samples_dir: Path) -> None:
    marc = (samples_dir / "nkcr_marcxml_cpk20051492461.xml").read_bytes()
    start = marc.index(b"<record")
    collection = (
        marc[:start]
        + b'<collection xmlns="http://www.loc.gov/MARC21/slim">'
        + marc[start:] * 3
        + b"</collection>"
    )
    items, found = _items(collection)
    assert [(i.read, i.position) for i in items] == [("xml", "1"), ("xml", "2"), ("xml", "3")]
    assert all(i.element is not None for i in items) and found.complete
    (alone,), _ = _items(marc)  # one record alone is a document
    assert alone.read == "document" and len(_read(alone)) == 1
    ead = (samples_dir / "ehri_ead2002_JMP-130.xml").read_bytes()
    (whole,), found = _items(ead)
    forms = _read(whole)
    assert whole.read == "document" and isinstance(forms, list) and len(forms) >= 1
    assert found.complete
    (too_big,), found = _items(ead, max_document_bytes=1000)
    assert "read whole" in (too_big.error or "") and not found.complete


def test_memory_stays_flat_whatever_the_size() -> None:
    # a child process streams a generated response of N records and reports its peak
    # memory: ten times the records may not cost ten times the memory
    script = textwrap.dedent(
        f"""
        import resource, sys
        from oai.ingest import FileItems
        n = int(sys.argv[1])
        rec = ('<record><header><identifier>oai:p:{{i}}</identifier><datestamp>2024-01-01'
               '</datestamp></header><metadata>{DC}</metadata></record>')
        class Gen:
            def __init__(self):
                self.parts = self._parts(); self.buf = b''; self.head = b''
            def _parts(self):
                yield b'<OAI-PMH xmlns="{OAI}"><ListRecords>'
                for i in range(n):
                    yield rec.replace('{{i}}', str(i)).format(title='t' * 400, n=i).encode()
                yield b'</ListRecords></OAI-PMH>'
            def seek(self, offset):
                assert offset == 0
                self.buf = self.head + self.buf
            def read(self, size=-1):
                while len(self.buf) < size:
                    part = next(self.parts, None)
                    if part is None: break
                    self.buf += part
                out, self.buf = self.buf[:size], self.buf[size:]
                if not self.head: self.head = out
                return out
        count = sum(1 for item in FileItems(Gen(), "g", max_record_bytes=10**6,
                                            max_document_bytes=10**6) if item.identifier)
        assert count == n, count
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        """
    )

    def peak_kib(n: int) -> int:
        done = subprocess.run(
            [sys.executable, "-c", script, str(n)], capture_output=True, text=True, check=True
        )
        return int(done.stdout.strip())

    small, large = peak_kib(2_000), peak_kib(40_000)  # about 1.2 MB and 24 MB of XML
    assert large - small < 8 * 1024, (small, large)
