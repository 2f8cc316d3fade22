"""Partner responses -> typed pages: repaired, parsed without DTDs or entities, checked.

A partner's bytes are first repaired where that is safe and says so (`repair`: invalid
UTF-8, characters XML 1.0 forbids). A ListRecords page that still does not parse is
split at its `<record>` boundaries (`split_page`): each record is parsed alone, the good
ones are kept and a broken one becomes a `PageRecord` with its raw bytes and the parser's
error, so one unescaped `&` costs one record, not the page. Only a page whose frame
(responseDate, resumptionToken) cannot be read is a `PageError`, keeping the raw bytes.
Records past `Limits` (the whole record, or one text or attribute of it) are rejected
the same way. OAI-PMH `<error>`s become the typed `RemoteError`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from crosswalks import CrosswalkError, parse_xml
from oai.harvest.errors import PageError, remote_error
from oai.harvest.repair import repair
from oai.settings import HarvestSettings

__all__ = [
    "DEFAULT_LIMITS",
    "OAI_NS",
    "Header",
    "IdentifyInfo",
    "Limits",
    "Page",
    "PageRecord",
    "Token",
    "parse_get_record",
    "parse_identify",
    "parse_list_records",
    "split_page",
]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_O = f"{{{OAI_NS}}}"


@dataclass(frozen=True, slots=True)
class Header:
    identifier: str
    datestamp: str
    deleted: bool
    sets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on one partner record (`harvest.max_record_bytes`, `harvest.max_field_bytes`)."""

    record_bytes: int = 16_000_000
    field_bytes: int = 1_000_000

    @classmethod
    def from_settings(cls, harvest: HarvestSettings) -> Limits:
        return cls(harvest.max_record_bytes, harvest.max_field_bytes)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class PageRecord:
    """One <record> of a page: its header, its metadata root, or what is wrong with it.

    A record that did not parse has no element, only its `source` bytes."""

    header: Header | None
    metadata: etree._Element | None
    element: etree._Element | None
    error: str | None = None
    source: bytes | None = None

    def raw(self) -> bytes:
        if self.source is not None:
            return self.source
        assert self.element is not None
        return bytes(etree.tostring(self.element, encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    cursor: int | None = None
    complete_list_size: int | None = None
    expiration: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A parsed ListRecords page. Its `<record>` elements are read into `PageRecord`s
    only when asked (`records`): the fetching side needs the count and the token, and
    a worker process reads the records."""

    response_date: str
    elements: list[etree._Element]
    token: Token | None
    repairs: list[str] = field(default_factory=list)
    broken: list[PageRecord] = field(default_factory=list)  # records that did not parse
    limits: Limits = DEFAULT_LIMITS
    size: int = 0  # of the response: no record of a smaller one can pass a cap

    @property
    def count(self) -> int:
        return len(self.elements) + len(self.broken)

    @property
    def records(self) -> list[PageRecord]:
        """The page's records, read from their elements (again on every call), then
        the ones that did not parse."""
        limits = self.limits
        check_record, check_fields = (
            self.size > limits.record_bytes,
            self.size > limits.field_bytes,
        )
        read = [
            _record(element, limits, check_record=check_record, check_fields=check_fields)
            for element in self.elements
        ]
        return read + self.broken


@dataclass(frozen=True, slots=True)
class IdentifyInfo:
    repository_name: str
    base_url: str
    granularity: str
    earliest_datestamp: str
    deleted_record: str
    response_date: str

    @property
    def day_granularity(self) -> bool:
        return self.granularity == "YYYY-MM-DD"


def _root(body: bytes, max_bytes: int) -> tuple[etree._Element, list[str]]:
    """Repair and parse a response; raise the partner's OAI-PMH error, if it answered one."""
    fixed, repairs = repair(body)
    return _checked_root(fixed, body, max_bytes), repairs


def _checked_root(fixed: bytes, body: bytes, max_bytes: int) -> etree._Element:
    """Parse repaired bytes (`body` as received is kept in a `PageError`)."""
    try:
        root = parse_xml(fixed, max_bytes=max_bytes)
    except CrosswalkError as exc:
        raise PageError(f"the response does not parse: {exc}", body) from None
    if root.tag != f"{_O}OAI-PMH":
        raise PageError(f"not an OAI-PMH response (root element {root.tag})", body)
    _raise_remote(root)
    return root


def _raise_remote(root: etree._Element) -> None:
    """Raise the partner's OAI-PMH error, if it answered one."""
    errors = root.findall(f"{_O}error")
    if errors:
        first = errors[0]
        raise remote_error(first.get("code", ""), (first.text or "").strip())


def _text(parent: etree._Element, name: str) -> str:
    found = parent.find(f"{_O}{name}")
    return "" if found is None or found.text is None else found.text.strip()


def parse_identify(body: bytes, *, max_bytes: int = 100_000_000) -> IdentifyInfo:
    root, _ = _root(body, max_bytes)
    identify = root.find(f"{_O}Identify")
    if identify is None:
        raise PageError("an Identify response without <Identify>", body)
    return IdentifyInfo(
        repository_name=_text(identify, "repositoryName"),
        base_url=_text(identify, "baseURL"),
        granularity=_text(identify, "granularity") or "YYYY-MM-DD",
        earliest_datestamp=_text(identify, "earliestDatestamp"),
        deleted_record=_text(identify, "deletedRecord"),
        response_date=_text(root, "responseDate"),
    )


def parse_list_records(
    body: bytes, *, max_bytes: int = 100_000_000, limits: Limits = DEFAULT_LIMITS
) -> Page:
    """A ListRecords page; `RemoteNoRecordsMatch` etc. when the partner answered an error.

    A page that does not parse is split at its records (`split_page`)."""
    broken: list[PageRecord] = []
    fixed, repairs = repair(body)
    try:
        root = _checked_root(fixed, body, max_bytes)
    except PageError as exc:
        split = split_page(fixed, max_bytes)
        if split is None:
            raise exc from None
        root, broken = split
        _raise_remote(root)
        repairs.append(
            f"the page does not parse ({exc}); split at its records:"
            f" {len(broken)} record(s) rejected, the others kept"
        )
    listing = root.find(f"{_O}ListRecords")
    if listing is None:
        raise PageError("a ListRecords response without <ListRecords>", body)
    elements = listing.findall(f"{_O}record")
    return Page(
        _text(root, "responseDate"),
        elements,
        _token(listing),
        repairs,
        broken,
        limits,
        len(body),
    )


def parse_get_record(
    body: bytes, *, max_bytes: int = 100_000_000, limits: Limits = DEFAULT_LIMITS
) -> Page:
    """A GetRecord response as a page of one record (no token); the partner's error raised."""
    root, repairs = _root(body, max_bytes)
    answer = root.find(f"{_O}GetRecord")
    if answer is None:
        raise PageError("a GetRecord response without <GetRecord>", body)
    records = answer.findall(f"{_O}record")
    return Page(_text(root, "responseDate"), records, None, repairs, [], limits, len(body))


def _record(
    element: etree._Element,
    limits: Limits = DEFAULT_LIMITS,
    *,
    check_record: bool = True,
    check_fields: bool = True,
) -> PageRecord:
    header = element.find(f"{_O}header")
    if header is None:
        return PageRecord(None, None, element, "a record without a <header>")
    identifier = _text(header, "identifier")
    if not identifier:
        return PageRecord(None, None, element, "a header without an <identifier>")
    sets = tuple(s.text.strip() for s in header.iterchildren(f"{_O}setSpec") if s.text)
    parsed = Header(identifier, _text(header, "datestamp"), header.get("status") == "deleted", sets)
    if parsed.deleted:
        return PageRecord(parsed, None, element)
    metadata = element.find(f"{_O}metadata")
    root = None if metadata is None else next(iter(metadata.iterchildren("{*}*")), None)
    if root is None:
        return PageRecord(parsed, None, element, "a live record without metadata")
    if check_record:
        raw = bytes(etree.tostring(element, encoding="utf-8"))
        if len(raw) > limits.record_bytes:
            return PageRecord(
                parsed,
                None,
                element,
                f"the record has {len(raw):,} bytes, more than harvest.max_record_bytes"
                f" ({limits.record_bytes:,}); kept raw up to that size",
                raw[: limits.record_bytes],
            )
    if check_fields:
        oversized = _oversized_field(root, limits.field_bytes)
        if oversized is not None:
            return PageRecord(parsed, None, element, oversized)
    return PageRecord(parsed, root, element)


def _oversized_field(root: etree._Element, cap: int) -> str | None:
    """What is wrong with the first text or attribute of `root` longer than `cap` bytes."""
    for node in root.iter():
        values: list[tuple[str, str | None]] = [("text", node.text)]
        if node is not root:
            values.append(("tail", node.tail))
        values += [(f"@{name!s}", str(value)) for name, value in node.attrib.items()]
        for where, value in values:
            # a character has at most 4 bytes in UTF-8: encode only what may be too long
            if value and len(value) * 4 > cap and len(value.encode("utf-8")) > cap:
                name = etree.QName(node).localname if isinstance(node.tag, str) else "node"
                size = len(value.encode("utf-8"))
                return (
                    f"the field <{name}> {where} has {size:,} bytes, more than"
                    f" harvest.max_field_bytes ({cap:,})"
                )
    return None


# the open and close tags of an element named record, with or without a prefix
_RECORD_TAG = re.compile(rb"<(/?)((?:[A-Za-z_][\w.-]*:)?record)(?=[\s/>])")
_LIST_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?ListRecords[\s>]")
_IDENTIFIER = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?identifier\s*>\s*([^<]{1,1000}?)\s*</")


def split_page(body: bytes, max_bytes: int) -> tuple[etree._Element, list[PageRecord]] | None:
    """A page that does not parse as a whole, read record by record.

    The bytes outside the top-level `<record>` elements (the frame: responseDate,
    request, resumptionToken) must parse on their own; each record is then parsed inside
    that frame, so it sees the namespaces declared above it. Returns the frame's root
    with the good records in place, and the broken ones; None when the page cannot be
    split (no ListRecords, records that never close, or a frame that does not parse)."""
    spans = _record_spans(body)
    if not spans:
        return None
    head, tail = body[: spans[0][0]], body[spans[-1][1] :]
    try:
        root = parse_xml(head + tail, max_bytes=max_bytes)
    except CrosswalkError:
        return None  # the token itself cannot be read
    listing = root.find(f"{_O}ListRecords")
    if root.tag != f"{_O}OAI-PMH" or listing is None:
        return None
    broken: list[PageRecord] = []
    anchor = listing.find(f"{_O}resumptionToken")
    for start, end in spans:
        chunk = body[start:end]
        try:
            alone = parse_xml(head + chunk + tail, max_bytes=max_bytes)
        except CrosswalkError as exc:
            broken.append(_broken(chunk, str(exc)))
            continue
        found = alone.find(f"{_O}ListRecords/{_O}record")
        if found is None:
            broken.append(_broken(chunk, "not an OAI-PMH record"))
        elif anchor is None:
            listing.append(found)
        else:
            anchor.addprevious(found)
    return root, broken


def _record_spans(body: bytes) -> list[tuple[int, int]]:
    """(start, end) of each top-level record element of a ListRecords page; [] when a
    record never closes (a page cut short is not a page with a broken record)."""
    listing = _LIST_START.search(body)
    if listing is None:
        return []
    spans: list[tuple[int, int]] = []
    name: bytes | None = None
    depth, start = 0, 0
    for match in _RECORD_TAG.finditer(body, listing.end()):
        closing, qname = match.group(1), match.group(2)
        if name is None:
            if closing:
                return []
            name = qname  # the page's own record element; nested ones (MARC) may share it
        if qname != name:
            continue
        tag_end = body.find(b">", match.end())
        if tag_end < 0:
            return []
        if closing:
            depth -= 1
            if depth == 0:
                spans.append((start, tag_end + 1))
            elif depth < 0:
                return []
        elif body[tag_end - 1 : tag_end] == b"/":  # <record/>
            if depth == 0:
                spans.append((match.start(), tag_end + 1))
        else:
            if depth == 0:
                start = match.start()
            depth += 1
    return spans if depth == 0 else []


def _broken(chunk: bytes, error: str) -> PageRecord:
    found = _IDENTIFIER.search(chunk)
    identifier = found.group(1).decode("utf-8", "replace").strip() if found else ""
    header = Header(identifier, "", False, ()) if identifier else None
    return PageRecord(header, None, None, f"the record does not parse: {error}", chunk)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() else None


def _token(listing: etree._Element) -> Token | None:
    found = listing.find(f"{_O}resumptionToken")
    if found is None:
        return None
    value = (found.text or "").strip()
    if not value:
        return None  # OAI-PMH 3.5: an empty resumptionToken ends the list
    return Token(
        value,
        _int(found.get("cursor")),
        _int(found.get("completeListSize")),
        found.get("expirationDate"),
    )
