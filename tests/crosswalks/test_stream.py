"""Reading documents as streams: containers record by record, in flat memory."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crosswalks import iter_document
from crosswalks.errors import UnsafeXML

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


def _titles(data: bytes, **caps: int) -> list[object]:
    out: list[object] = []
    for item in iter_document(io.BytesIO(data), **caps):  # type: ignore[arg-type]
        out.append(item.record["title"] if item.record else type(item.error).__name__)
    return out


def test_a_list_records_response_gives_each_record_and_skips_deleted_headers() -> None:
    deleted = (
        '<record><header status="deleted"><identifier>oai:p:x</identifier>'
        "<datestamp>2024-01-01</datestamp></header></record>"
    )
    data = _list_records([_record(1), deleted, _record(2)], "<resumptionToken>t</resumptionToken>")
    assert _titles(data) == ["Zpráva č. 1", "Zpráva č. 2"]


def test_a_bad_record_is_an_error_in_its_place_and_reading_goes_on() -> None:
    unknown = '<x:thing xmlns:x="urn:nothing"/>'
    items = list(
        iter_document(io.BytesIO(_list_records([_record(1), _record(2, unknown), _record(3)])))
    )
    assert [i.index for i in items] == [1, 2, 3]
    assert items[1].record is None and "urn:nothing" in str(items[1].error)
    assert items[2].record is not None and items[2].record["title"] == "Zpráva č. 3"


def test_malformed_xml_ends_the_stream_after_the_good_records_with_its_line() -> None:
    # the parser reads 32 kB at a time: the records of the blocks before the fault arrive
    long = [_record(n, DC.format(title=f"{n} " + "x" * 40_000, n=n)) for n in (1, 2)]
    data = _list_records(long).replace(b"</ListRecords>", b"\n<oops></ListRecords>")
    items = list(iter_document(io.BytesIO(data)))
    assert [i.record["title"][:2] for i in items if i.record] == ["1 ", "2 "]
    assert isinstance(items[-1].error, UnsafeXML) and items[-1].error.line == 2


def test_an_oversized_record_is_skipped_and_reported() -> None:
    big = DC.format(title="x" * 200_000, n=2)
    data = _list_records([_record(1), _record(2, big), _record(3)])
    assert _titles(data, max_record_bytes=100_000) == [
        "Zpráva č. 1",
        "CrosswalkError",
        "Zpráva č. 3",
    ]


def test_entity_declarations_are_refused_before_parsing() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><l>&b;</l>'
    with pytest.raises(UnsafeXML, match="entities"):
        list(iter_document(io.BytesIO(bomb)))
    utf16 = (
        bomb.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
    )
    assert _titles(utf16) == ["UnsafeXML"]


def test_a_marc_collection_streams_and_a_finding_aid_is_read_whole(samples_dir: Path) -> None:
    marc = (samples_dir / "nkcr_marcxml_cpk20051492461.xml").read_bytes()
    record = marc[marc.index(b"<record") if b"<record" in marc else marc.index(b"<marc:record") :]
    assert b"collection" in marc or record
    ead = (samples_dir / "ehri_ead2002_JMP-130.xml").read_bytes()
    whole = list(iter_document(io.BytesIO(ead)))
    assert whole and all(i.index == 1 and i.record for i in whole)
    too_big = list(iter_document(io.BytesIO(ead), max_document_bytes=1000))
    assert len(too_big) == 1 and "read whole" in str(too_big[0].error)


def test_memory_stays_flat_whatever_the_size() -> None:
    # a child process streams a generated response of N records and reports its peak
    # memory: ten times the records may not cost ten times the memory
    script = textwrap.dedent(
        f"""
        import resource, sys
        from crosswalks import iter_document
        n = int(sys.argv[1])
        rec = ('<record><header><identifier>oai:p:{{i}}</identifier><datestamp>2024-01-01'
               '</datestamp></header><metadata>{DC}</metadata></record>')
        class Gen:
            def __init__(self):
                self.parts = self._parts(); self.buf = b''
            def _parts(self):
                yield b'<OAI-PMH xmlns="{OAI}"><ListRecords>'
                for i in range(n):
                    yield rec.replace('{{i}}', str(i)).format(title='t' * 400, n=i).encode()
                yield b'</ListRecords></OAI-PMH>'
            def read(self, size=-1):
                while len(self.buf) < size:
                    part = next(self.parts, None)
                    if part is None: break
                    self.buf += part
                out, self.buf = self.buf[:size], self.buf[size:]
                return out
        count = sum(1 for item in iter_document(Gen()) if item.record)
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
