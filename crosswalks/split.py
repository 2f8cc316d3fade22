"""Cutting a container document into its records, in bytes, before anything is parsed.

An OAI-PMH response (or a file dump of one), a MARCXML `<collection>` and a MODS
`<modsCollection>` are containers of independent records. Parsed whole, such a
document costs memory in proportion to its size, and one broken record (an unescaped
`&`, a wrong end tag) ends the parse: every record after it is lost, and a
recovering parser would even keep a truncated copy of the broken one. So `Splitter`
finds each record by its start tag in the raw bytes and hands it out alone (a `Unit`);
each unit is parsed on its own (`Unit.parse`, inside the namespaces declared above
it), so a broken record costs that record only, and memory stays that of one record
plus one block, whatever the document's size.

- A record runs from its start tag to the last end tag of its name before the next
  record starts (a nested element of the same name, as MARC's `<record>` inside an
  OAI-PMH record, closes before that). An OAI-PMH record is a `<record>` whose first
  child is `<header>`, so a nested MARC record is never taken for one.
- A document that ends inside a record (a file cut short) gives that record as an
  incomplete unit (`complete` False): it is never parsed into a record.
- A record over `max_record_bytes` is given as an oversized unit holding its first
  `max_record_bytes` bytes, and the rest of it is skipped without being kept.
- The bytes outside the records (the frame: an OAI-PMH responseDate, resumptionToken
  or error) are kept (`frame`) up to `max_frame_bytes`, for the caller to parse.

Comments, CDATA sections and processing instructions are stepped over, so a record
tag inside them is not taken for a record. A prolog that declares entities is refused
before anything is read further. Documents in UTF-16 are read as UTF-8; other
ASCII-compatible encodings are declared again on each unit.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import IO

from lxml import etree

from crosswalks.errors import CrosswalkError, UnsafeXML

__all__ = [
    "CONTAINERS",
    "Container",
    "Splitter",
    "Unit",
    "parse_units",
]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
MARC_NS = "http://www.loc.gov/MARC21/slim"
MODS_NS = "http://www.loc.gov/mods/v3"
# root element (Clark name) -> (the record element's namespace, local name), and the
# element that must come first inside a record ("" for none)
CONTAINERS: dict[str, tuple[str, str, str]] = {
    f"{{{OAI_NS}}}OAI-PMH": (OAI_NS, "record", "header"),
    f"{{{MARC_NS}}}collection": (MARC_NS, "record", ""),
    f"{{{MODS_NS}}}modsCollection": (MODS_NS, "mods", ""),
}
_BLOCK = 1 << 20
_HEAD = 64 * 1024
_WRAPPER = b"oaihub-unit"
_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_XMLNS = re.compile(rb"""xmlns(?::([A-Za-z_][\w.-]*))?\s*=\s*(["'])(.*?)\2""", re.DOTALL)
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_SKIP = rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
_ENDS = (b" ", b">", b"/", b"\t", b"\r", b"\n")
_FINISH = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_IDENTIFIER = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?identifier\s*>\s*([^<]{1,1000}?)\s*</")
_CONTROL_001 = re.compile(
    rb"""<(?:[\w.-]+:)?controlfield\s+tag\s*=\s*["']001["']\s*>([^<]{1,200})<"""
)
_FIRST_CHILD = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")
_BLANKS = b" \t\r\n"
_MODS_ID = re.compile(rb"<(?:[\w.-]+:)?recordIdentifier[^>]*>([^<]{1,500})<")


@dataclass(frozen=True, slots=True)
class Container:
    """A container document: its root, its record element and what a record needs to be
    parsed alone (the namespaces declared above it, the document's encoding)."""

    root: str  # Clark name
    namespace: str
    record: str  # local name of the record element
    first_child: str  # local name of the element that opens every record ("" for any)
    namespaces: tuple[tuple[bytes, bytes], ...] = ()  # (prefix or b"", uri)
    encoding: str | None = None  # declared, when not UTF-8

    @property
    def is_oai(self) -> bool:
        return self.namespace == OAI_NS

    def wrap(self, raw: bytes) -> bytes:
        """Record bytes inside an element that declares what the document declared
        above the records (and the document's encoding, when not UTF-8)."""
        declared = b""
        if self.encoding:
            declared = b'<?xml version="1.0" encoding="' + self.encoding.encode() + b'"?>'
        names = b"".join(
            b" xmlns" + (b":" + prefix if prefix else b"") + b'="' + uri + b'"'
            for prefix, uri in self.namespaces
        )
        return declared + b"<" + _WRAPPER + names + b">" + raw + b"</" + _WRAPPER + b">"


def parse_units(container: Container, units: list[Unit]) -> list[etree._Element | CrosswalkError]:
    """Each unit's record element, or the error that takes its place.

    The units are parsed together in one document first (as fast as parsing the
    container whole); only when that fails is each parsed alone, so a broken record
    costs itself only."""
    whole = [u for u in units if u.complete and not u.oversize]
    if len(whole) == len(units) and units:
        try:
            root = etree.fromstring(container.wrap(b"".join(u.raw for u in units)), _unit_parser())
        except etree.XMLSyntaxError:
            pass
        else:
            found = [child for child in root if isinstance(child.tag, str)]
            if len(found) == len(units):
                return list(found)
    parsed: list[etree._Element | CrosswalkError] = []
    for unit in units:
        try:
            parsed.append(unit.parse(container))
        except CrosswalkError as exc:
            parsed.append(exc)
    return parsed


@dataclass(frozen=True, slots=True)
class Unit:
    """One record of a container, as bytes: its place, and whether it is whole."""

    index: int  # from 1, in document order
    raw: bytes
    line: int  # of its start tag in the document
    complete: bool = True  # False: the document ended inside it
    oversize: bool = False  # True: longer than the cap; `raw` is its first part only

    def parse(self, container: Container) -> etree._Element:
        """The record element, parsed alone; `CrosswalkError` naming the document line."""
        if not self.complete:
            raise CrosswalkError("the document ends inside this record (cut short)", line=self.line)
        if self.oversize:
            raise CrosswalkError("the record is over the size cap", line=self.line)
        wrapped = container.wrap(self.raw)
        try:
            root = etree.fromstring(wrapped, _unit_parser())
        except etree.XMLSyntaxError as exc:
            line = self.line + exc.lineno - 1 if isinstance(exc.lineno, int) else self.line
            raise UnsafeXML(f"malformed XML: {exc.msg}", line=line) from None
        found = [child for child in root if isinstance(child.tag, str)]
        if len(found) != 1:
            raise CrosswalkError("not one record element", line=self.line)
        return found[0]

    def identifier_hint(self, container: Container) -> str | None:
        """An identifier read off the bytes (for naming a record that does not parse):
        the OAI-PMH header's, MARC's 001 or MODS's recordIdentifier."""
        head = self.raw[:20_000]
        pattern = (
            _IDENTIFIER
            if container.is_oai
            else _CONTROL_001
            if container.namespace == MARC_NS
            else _MODS_ID
        )
        found = pattern.search(head)
        if found is None:
            return None
        return _unescape(found.group(1).decode("utf-8", "replace").strip()) or None


_PARSERS = threading.local()


def _unit_parser() -> etree.XMLParser:
    """This thread's parser for units (lxml parsers must not be shared by threads;
    making one per unit would cost more than the parse). No DTD, entity or network."""
    parser: etree.XMLParser | None = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            dtd_validation=False,
            remove_blank_text=False,
        )
        _PARSERS.parser = parser
    return parser


def _unescape(text: str) -> str:
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


class _UTF8:
    """A binary stream decoded from UTF-16/32 and given out as UTF-8."""

    def __init__(self, raw: IO[bytes], head: bytes, encoding: str) -> None:
        self.raw = raw
        self.decoder = codecs.getincrementaldecoder(encoding)()
        self.pending = head

    def read(self, size: int = -1) -> bytes:
        data, self.pending = self.pending + self.raw.read(size), b""
        text = self.decoder.decode(data, final=not data)
        return text.encode("utf-8")


def _open(stream: IO[bytes]) -> tuple[IO[bytes] | _UTF8, bytes]:
    """The stream as UTF-8 (UTF-16 and UTF-32 decoded), and its first block."""
    head = stream.read(_HEAD)
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        wrapped = _UTF8(stream, head, "utf-32")
        return wrapped, wrapped.read(0)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:2] in (b"<\x00", b"\x00<"):
        encoding = (
            "utf-16"
            if head[:2] in (b"\xff\xfe", b"\xfe\xff")
            else ("utf-16-le" if head[:1] == b"<" else "utf-16-be")
        )
        wrapped = _UTF8(stream, head, encoding)
        text = wrapped.read(0)
        return wrapped, _DECLARATION.sub(b"", text, count=1)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return stream, head


def _root_of(head: bytes) -> etree._Element | None:
    """The root element's start tag, parsed from the first block (None: no root yet)."""
    parser = etree.XMLPullParser(
        events=("start",), resolve_entities=False, no_network=True, load_dtd=False
    )
    # fed a little at a time: the root's start tag comes early (and may be read before
    # a fault further on)
    for start in range(0, len(head), 2048):
        with contextlib.suppress(etree.XMLSyntaxError):
            parser.feed(head[start : start + 2048])
        for _event, element in parser.read_events():
            return element if isinstance(element, etree._Element) else None
    return None


@dataclass
class Splitter:
    """Reads a document from a binary stream: a container record by record, in flat
    memory (`units`); anything else is `whole` (one document, read under a cap)."""

    stream: IO[bytes]
    max_record_bytes: int = 16 * 1024 * 1024
    max_frame_bytes: int = 4 * 1024 * 1024
    container: Container | None = None
    frame: bytes = b""  # the bytes outside the records (head and tail)
    ended: bool = False  # the document's end was reached after its last record
    head: bytes = b""
    _source: IO[bytes] | _UTF8 | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        source, head = _open(self.stream)
        stripped = head.lstrip(b" \t\r\n")
        if not stripped:
            raise UnsafeXML("empty document", line=1)
        start = re.search(rb"<[A-Za-z_]", stripped)
        prolog = stripped if start is None else stripped[: start.start()]
        if _ENTITY_DECL.search(prolog) or (start is None and len(head) >= _HEAD):
            raise UnsafeXML("DOCTYPE declares entities; refused (entity expansion / XXE)", line=1)
        self._source, self.head = source, stripped
        root = _root_of(stripped)
        if root is None or not isinstance(root.tag, str) or root.tag not in CONTAINERS:
            return
        namespace, record, first = CONTAINERS[root.tag]
        declared = _DECLARED.match(stripped[:200])
        encoding = declared.group(1).decode() if declared else None
        if encoding and encoding.lower().replace("_", "-") in ("utf-8", "utf8", "us-ascii"):
            encoding = None
        if isinstance(source, _UTF8):
            encoding = None  # given out as UTF-8 already
        self.container = Container(root.tag, namespace, record, first, (), encoding)

    def read(self, size: int) -> bytes:
        assert self._source is not None
        return self._source.read(size)

    def whole(self, max_bytes: int) -> bytes:
        """The whole document (not a container), refused past `max_bytes`."""
        data, self.head = self.head, b""
        while len(data) <= max_bytes:
            block = self.read(_BLOCK)
            if not block:
                return data
            data += block
        raise UnsafeXML(f"a document that is read whole exceeds the limit of {max_bytes} bytes")

    def units(self) -> Iterator[Unit]:
        """The container's records in document order; `frame` and `ended` are set once
        the iterator is exhausted."""
        assert self.container is not None
        return _Scan(self).run()


class _Scan:
    """The record-by-record scan of one container document.

    Offsets are into `buffer`, whose bytes before `pos` are done with (dropped in one
    copy once there are many of them, so the scan stays linear)."""

    def __init__(self, splitter: Splitter) -> None:
        assert splitter.container is not None
        self.splitter = splitter
        self.container: Container = splitter.container
        self.buffer = splitter.head
        splitter.head = b""
        self.pos = 0  # the current record (or the head) starts here
        self.line = 1  # of the byte at `pos`
        self.eof = False
        self.index = 0
        self.frame = bytearray()
        self.scanned = 0  # no record start between `pos` and this offset
        self.safe = _safe_limit(self.buffer, 0)  # scanning may go up to here
        local = re.escape(self.container.record.encode())
        self.pattern = re.compile(
            _SKIP + rb"|<((?:[A-Za-z_][\w.-]*:)?" + local + rb")(?=[\s/>])", re.DOTALL
        )
        self.name = b""  # the record element's qualified name, from the first record

    # -- reading ------------------------------------------------------------------------

    def more(self) -> bool:
        if self.eof:
            return False
        block = self.splitter.read(_BLOCK)
        if not block:
            self.eof = True
            self.safe = len(self.buffer)
            return False
        if self.pos > _BLOCK:  # forget what is done with, in one copy
            self.buffer = self.buffer[self.pos :]
            self.scanned -= self.pos
            self.pos = 0
        self.buffer += block
        self.safe = _safe_limit(self.buffer, self.scanned)
        return True

    @property
    def held(self) -> int:
        return len(self.buffer) - self.pos

    def drop(self, upto: int, *, keep: bool = False) -> None:
        """Done with the bytes up to offset `upto` (kept in the frame when `keep`)."""
        if keep and len(self.frame) + upto - self.pos <= self.splitter.max_frame_bytes:
            self.frame += self.buffer[self.pos : upto]
        self.line += self.buffer.count(b"\n", self.pos, upto)
        self.pos = upto
        self.scanned = max(self.scanned, upto)

    # -- finding records ----------------------------------------------------------------

    def next_start(self, at: int) -> int | None:
        """The offset of the next record start tag at or after `at`; None when the
        buffer holds none yet (more data may bring one)."""
        begin = max(at, self.scanned)
        if self.name:  # the common case: a plain search, unless markup may hide it
            found = self.buffer.find(b"<" + self.name, begin, self.safe)
            quiet = found >= 0 and not _may_hide(self.buffer, begin, found)
            if (
                quiet
                and self.buffer[found + 1 + len(self.name) : found + 2 + len(self.name)] in _ENDS
            ):
                opens = self._opens_record(found + 1 + len(self.name))
                if opens:
                    self.scanned = found
                    return found
        for match in self.pattern.finditer(self.buffer, begin, self.safe):
            name = match.group(1)
            if name is None or (self.name and name != self.name):
                continue  # a comment, CDATA section, processing instruction, other name
            opens = self._opens_record(match.end())
            if opens is None:
                self.scanned = match.start()
                return None  # the start tag or what follows it is not read yet
            if opens:
                self.name = name
                self.scanned = match.start()
                return match.start()
        self.scanned = max(begin, self.safe)
        return None

    def _opens_record(self, after_name: int) -> bool | None:
        """Whether a start tag of the record's name opens a record (for OAI-PMH: its
        first child is a header); None when the bytes to tell are not read yet."""
        close = self.buffer.find(b">", after_name)
        if close < 0:
            return None
        if self.buffer[close - 1 : close] == b"/":
            return not self.container.first_child  # <record/>: empty
        if not self.container.first_child:
            return True
        at = _after_blanks(self.buffer, close + 1)
        if at < 0:  # not read yet
            return None if not self.eof else False
        found = _FIRST_CHILD.match(self.buffer, at, at + 256)
        if found is None:  # not read yet, or no element follows
            return None if len(self.buffer) < at + 256 and not self.eof else False
        return found.group(1).decode() == self.container.first_child

    def record_end(self, stop: int) -> int | None:
        """The end of the record at `pos`: after the last end tag of its name before
        `stop`; None when there is none."""
        tag = b"</" + self.name
        found = self.buffer.rfind(tag, self.pos + 1, stop)
        while found >= 0:
            after = self.buffer[found + len(tag) : found + len(tag) + 1]
            if after in (b">", b" ", b"\t", b"\r", b"\n"):
                close = self.buffer.find(b">", found, stop)
                return None if close < 0 else close + 1
            found = self.buffer.rfind(tag, self.pos + 1, found)
        return None

    # -- the scan -----------------------------------------------------------------------

    def run(self) -> Iterator[Unit]:
        first = self._first_start()
        if first is None:  # a container without records: all of it is frame
            self._finish_frame(len(self.buffer))
            return
        self._learn_namespaces(first)
        self.drop(first, keep=True)
        while True:
            following = self._following_start()
            if following is None:
                yield from self._last()
                return
            yield self._unit(following)

    def _first_start(self) -> int | None:
        while True:
            found = self.next_start(0)
            if found is not None:
                return found
            if self.held > self.splitter.max_frame_bytes or not self.more():
                return None

    def _learn_namespaces(self, first: int) -> None:
        """Namespaces declared before the first record (on the root and the list around
        the records): every record is parsed inside them."""
        declared: dict[bytes, bytes] = {}
        for match in _XMLNS.finditer(self.buffer, 0, first):
            declared[match.group(1) or b""] = match.group(3)
        self.container = replace(self.container, namespaces=tuple(declared.items()))
        self.splitter.container = self.container

    def _following_start(self) -> int | None:
        """The start of the record after the one at `pos`; None at the end of the
        document; -1 for a record past the cap (cut there, the rest skipped)."""
        cap = self.splitter.max_record_bytes
        while True:
            found = self.next_start(self.pos + 1)
            if found is not None:
                return found
            if self.held > cap + _BLOCK:
                return -1
            if not self.more():
                return None

    def _unit(self, following: int) -> Unit:
        self.index += 1
        if following < 0:
            return self._oversized()
        end = self.record_end(following) or following
        unit = self._make(self.buffer[self.pos : end])
        self.drop(following)  # the record, then what lies between two records
        return unit

    def _make(self, raw: bytes, *, complete: bool = True) -> Unit:
        cap = self.splitter.max_record_bytes
        if len(raw) > cap:
            return Unit(self.index, raw[:cap], self.line, complete, oversize=True)
        return Unit(self.index, raw, self.line, complete)

    def _oversized(self) -> Unit:
        cap = self.splitter.max_record_bytes
        unit = Unit(self.index, self.buffer[self.pos : self.pos + cap], self.line, oversize=True)
        # skip to the next record, keeping only enough to find its start tag
        while True:
            found = self.next_start(self.pos + 1)
            if found is not None:
                self.drop(found)
                return unit
            self.drop(max(self.pos + 1, min(self.scanned, len(self.buffer) - 64 * 1024)))
            if not self.more():
                self.drop(len(self.buffer))
                return unit

    def _last(self) -> Iterator[Unit]:
        """The last record, up to the container's end; incomplete when the document
        ends inside it."""
        self.index += 1
        end = self.record_end(len(self.buffer))
        if end is None:
            yield self._make(self.buffer[self.pos :], complete=False)
            self.drop(len(self.buffer))
            self._finish_frame(len(self.buffer))
            return
        raw = self.buffer[self.pos : end]
        self.drop(end)
        yield self._make(raw)
        self._finish_frame(len(self.buffer))

    def _finish_frame(self, end: int) -> None:
        tail = self.buffer[self.pos : end]
        room = self.splitter.max_frame_bytes - len(self.frame)
        self.frame += tail[: max(0, room)]
        self.splitter.frame = bytes(self.frame)
        local = self.container.root.rpartition("}")[2].encode()
        closes = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?" + re.escape(local) + rb"\s*>\s*$")
        self.splitter.ended = closes.search(tail) is not None


def _after_blanks(buffer: bytes, at: int) -> int:
    """The offset of the first byte at or after `at` that is neither white space nor in
    a comment; -1 when the buffer ends before one."""
    size = len(buffer)
    while at < size:
        if buffer[at] in _BLANKS:
            at += 1
        elif buffer.startswith(b"<!--", at):
            end = buffer.find(b"-->", at + 4)
            if end < 0:
                return -1
            at = end + 3
        else:
            return at
    return -1


def _may_hide(buffer: bytes, start: int, end: int) -> bool:
    """Whether a comment, CDATA section or processing instruction may start between
    two offsets (and so hide a tag that looks like a record's)."""
    return buffer.find(b"<!", start, end) >= 0 or buffer.find(b"<?", start, end) >= 0


def _safe_limit(buffer: bytes, at: int) -> int:
    """How far the buffer can be scanned for start tags: up to an unfinished comment,
    CDATA section, processing instruction or tag at its end."""
    limit = len(buffer)
    last_open = buffer.rfind(b"<", at)
    if last_open >= 0 and buffer.find(b">", last_open) < 0:
        limit = last_open
    for opener, closer in _FINISH.items():
        found = buffer.rfind(opener, at, limit)
        if found >= 0 and buffer.find(closer, found + len(opener)) < 0:
            limit = found
    return limit
