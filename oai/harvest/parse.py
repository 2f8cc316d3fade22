"""Partner responses -> typed pages: repaired, parsed without DTDs or entities, checked.

A partner's bytes are first repaired where that is safe and says so: invalid UTF-8
sequences become U+FFFD and characters XML 1.0 forbids (control characters, also as
character references) are removed. What still does not parse is a `PageError` that
keeps the raw bytes. OAI-PMH `<error>`s become the typed `RemoteError`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from crosswalks import CrosswalkError, parse_xml
from oai.harvest.errors import PageError, remote_error

__all__ = [
    "OAI_NS",
    "Header",
    "IdentifyInfo",
    "Page",
    "PageRecord",
    "Token",
    "parse_get_record",
    "parse_identify",
    "parse_list_records",
    "repair",
]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
_O = f"{{{OAI_NS}}}"
# Characters outside the XML 1.0 Char production (section 2.2).
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Character references to such characters: &#1; &#x1F; ... (lxml rejects them).
# a numeric character reference; whether it names a character XML allows is decided by
# its value (`_legal_ref`): C0 controls, surrogates, U+FFFE/U+FFFF and beyond U+10FFFF
# make lxml refuse the whole page ("xmlParseCharRef: invalid xmlChar value")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_C0_ILLEGAL = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass(frozen=True, slots=True)
class Header:
    identifier: str
    datestamp: str
    deleted: bool
    sets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PageRecord:
    """One <record> of a page: its header, its metadata root, or what is wrong with it."""

    header: Header | None
    metadata: etree._Element | None
    element: etree._Element
    error: str | None = None

    def raw(self) -> bytes:
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

    @property
    def count(self) -> int:
        return len(self.elements)

    @property
    def records(self) -> list[PageRecord]:
        """The page's records, read from their elements (again on every call)."""
        return [_record(element) for element in self.elements]


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


def repair(body: bytes) -> tuple[bytes, list[str]]:
    """Fix invalid UTF-8 and remove XML-illegal characters; say what was done."""
    declared = _DECLARED.match(body[:200])
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return body, []  # another declared encoding: lxml decodes it
    if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return body, []  # UTF-16 with a BOM
    repairs: list[str] = []
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = body.decode("utf-8", errors="replace")
        repairs.append(f"invalid UTF-8 replaced by U+FFFD (first at byte {exc.start})")
    # the full scan for illegal characters only when a cheap test says there may be some
    found = len(_ILLEGAL.findall(text)) if repairs or _may_be_illegal(body, text) else 0
    refs = [m for m in _CHAR_REF.finditer(text) if not _legal_ref(m)] if "&#" in text else []
    found += len(refs)
    if found:
        text = _ILLEGAL.sub("", text)
        if refs:
            text = _CHAR_REF.sub(lambda m: m.group(0) if _legal_ref(m) else "", text)
        repairs.append(f"{found} XML-illegal character(s) removed")
    return (text.encode("utf-8") if repairs else body), repairs


def _legal_ref(match: re.Match[str]) -> bool:
    """Whether a character reference names a character of XML 1.0's Char production."""
    hex_digits, digits = match.group(1), match.group(2)
    value = int(hex_digits, 16) if hex_digits else int(digits)
    return (
        value in (0x9, 0xA, 0xD)
        or 0x20 <= value <= 0xD7FF
        or 0xE000 <= value <= 0xFFFD
        or 0x10000 <= value <= 0x10FFFF
    )


def _may_be_illegal(body: bytes, text: str) -> bool:
    """False when `text`, decoded strictly from `body`, has no XML-illegal character.

    Strict UTF-8 decoding rules out surrogates; what is left are C0 controls (bytes
    that stand for themselves in UTF-8) and U+FFFE/U+FFFF (found at once in a text
    whose widest character is narrower)."""
    return (
        len(body.translate(None, _C0_ILLEGAL)) != len(body) or "\ufffe" in text or "\uffff" in text
    )


def _root(body: bytes, max_bytes: int) -> tuple[etree._Element, list[str]]:
    """Parse a response and raise the partner's OAI-PMH error, if it answered one."""
    fixed, repairs = repair(body)
    try:
        root = parse_xml(fixed, max_bytes=max_bytes)
    except CrosswalkError as exc:
        raise PageError(f"the response does not parse: {exc}", body) from None
    if root.tag != f"{_O}OAI-PMH":
        raise PageError(f"not an OAI-PMH response (root element {root.tag})", body)
    errors = root.findall(f"{_O}error")
    if errors:
        first = errors[0]
        raise remote_error(first.get("code", ""), (first.text or "").strip())
    return root, repairs


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


def parse_list_records(body: bytes, *, max_bytes: int = 100_000_000) -> Page:
    """A ListRecords page; `RemoteNoRecordsMatch` etc. when the partner answered an error."""
    root, repairs = _root(body, max_bytes)
    listing = root.find(f"{_O}ListRecords")
    if listing is None:
        raise PageError("a ListRecords response without <ListRecords>", body)
    elements = listing.findall(f"{_O}record")
    return Page(_text(root, "responseDate"), elements, _token(listing), repairs)


def parse_get_record(body: bytes, *, max_bytes: int = 100_000_000) -> Page:
    """A GetRecord response as a page of one record (no token); the partner's error raised."""
    root, repairs = _root(body, max_bytes)
    answer = root.find(f"{_O}GetRecord")
    if answer is None:
        raise PageError("a GetRecord response without <GetRecord>", body)
    return Page(_text(root, "responseDate"), answer.findall(f"{_O}record"), None, repairs)


def _record(element: etree._Element) -> PageRecord:
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
    return PageRecord(parsed, root, element)


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
