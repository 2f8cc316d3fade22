"""Partner responses -> typed pages: repaired, cut into records, parsed without DTDs or
entities, checked.

A partner's bytes are first repaired where that is safe and says so (`repair`: invalid
UTF-8, characters XML 1.0 forbids). A ListRecords page is then cut at its `<record>`
boundaries (`crosswalks.split`) before anything is parsed: the frame (responseDate,
resumptionToken, an OAI-PMH error) is parsed alone, and the records become items only
when the producer asks (`Page.items`), each parsed on its own, so one unescaped `&` costs
one record, not the page, and a page of 100,000 records is never one tree in memory.
Only a page whose frame cannot be read, or that ends inside a record, is a `PageError`,
keeping the raw bytes. OAI-PMH `<error>`s become the typed `RemoteError`s.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from lxml import etree

from crosswalks import CrosswalkError, parse_xml
from crosswalks.split import Container, Splitter, Unit
from oai.harvest.errors import PageError, remote_error
from oai.harvest.repair import repair
from oai.ingest import DEFAULT_LIMITS, Item, Limits, oai_items

__all__ = [
    "OAI_NS",
    "IdentifyInfo",
    "Page",
    "Token",
    "parse_get_record",
    "parse_identify",
    "parse_list_records",
    "parse_metadata_formats",
]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_O = f"{{{OAI_NS}}}"


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    cursor: int | None = None
    complete_list_size: int | None = None
    expiration: str | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A ListRecords (or GetRecord) page cut into its records, not yet parsed: the
    fetching side needs the count and the token; the records become items (`items`)
    where they are read."""

    response_date: str
    container: Container | None
    units: list[Unit]
    token: Token | None
    repairs: list[str] = field(default_factory=list)
    size: int = 0  # of the response

    @property
    def count(self) -> int:
        return len(self.units)

    def items(self, label: str, start: int = 0, stop: int | None = None) -> list[Item]:
        """The items of the page's records `start:stop` ("<label>, record N" each)."""
        if self.container is None:
            return []
        return oai_items(self.container, self.units[start:stop], label)


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


def parse_metadata_formats(body: bytes, *, max_bytes: int = 10_000_000) -> list[str]:
    """The metadata prefixes a ListMetadataFormats response offers."""
    root, _ = _root(body, max_bytes)
    listing = root.find(f"{_O}ListMetadataFormats")
    if listing is None:
        raise PageError("a ListMetadataFormats response without <ListMetadataFormats>", body)
    found = (f.findtext(f"{_O}metadataPrefix") for f in listing.iterfind(f"{_O}metadataFormat"))
    return [prefix.strip() for prefix in found if prefix and prefix.strip()]


def parse_list_records(
    body: bytes, *, max_bytes: int = 100_000_000, limits: Limits = DEFAULT_LIMITS
) -> Page:
    """A ListRecords page; `RemoteNoRecordsMatch` etc. when the partner answered an error."""
    return _page(body, "ListRecords", max_bytes, limits)


def parse_get_record(
    body: bytes, *, max_bytes: int = 100_000_000, limits: Limits = DEFAULT_LIMITS
) -> Page:
    """A GetRecord response as a page of one record (no token); the partner's error raised."""
    return _page(body, "GetRecord", max_bytes, limits)


def _page(body: bytes, verb: str, max_bytes: int, limits: Limits) -> Page:
    fixed, repairs = repair(body)
    try:
        splitter = Splitter(
            io.BytesIO(fixed), max_record_bytes=limits.record_bytes, max_frame_bytes=max_bytes
        )
        units = list(splitter.units()) if splitter.container is not None else []
    except CrosswalkError as exc:
        raise PageError(f"the response does not parse: {exc}", body) from None
    if splitter.container is None or not splitter.container.is_oai:
        if splitter.container is None:  # a whole document: an error, Identify, HTML ...
            _checked_root(fixed, body, max_bytes)
        raise PageError("not an OAI-PMH response", body)
    if not splitter.ended:
        raise PageError("the response does not parse: it ends before its last record does", body)
    root = _checked_root(splitter.frame, body, max_bytes)
    answer = root.find(f"{_O}{verb}")
    if answer is None:
        raise PageError(f"a {verb} response without <{verb}>", body)
    token = _token(answer) if verb == "ListRecords" else None
    return Page(_text(root, "responseDate"), splitter.container, units, token, repairs, len(body))


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
