"""A small OAI-PMH partner on 127.0.0.1 that misbehaves on purpose, at a chosen request.

`Partner` holds records in memory (record JSON forms, served as oai_dc through the
crosswalks) with a clock the test moves; `FaultServer` serves Identify and ListRecords
(from/until/set, stateless resumption tokens) and, when told, breaks request number N
in one precise way. Without faults it is a plain, correct partner ("pass-through").
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from crosswalks import default_registry, render
from tests.servers import Background

OAI = "http://www.openarchives.org/OAI/2.0/"
_O = f"{{{OAI}}}"
STAMP = "%Y-%m-%dT%H:%M:%SZ"
REPO = "partner.test"
_NSMAP: Any = {None: OAI}

ENTITY_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>&lol4;</responseDate>
</OAI-PMH>"""


def external_entity(path: str) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file://'
        + path.encode()
        + b'">]>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        b"<responseDate>&x;</responseDate></OAI-PMH>"
    )


@dataclass
class Item:
    data: dict[str, Any]
    datestamp: datetime
    sets: tuple[str, ...] = ()
    deleted: bool = False
    xml: bytes | None = None  # metadata as given (e.g. a finding aid), not oai_dc
    name: str | None = None  # an OAI identifier of the partner's own choosing

    @property
    def identifier(self) -> str:
        return self.name or f"oai:{REPO}:{self.data['id']}"


@dataclass
class Partner:
    """The partner's repository: records, a clock, a granularity and a page size."""

    page_size: int = 10
    granularity: str = "YYYY-MM-DDThh:mm:ssZ"
    prefix: str = "oai_dc"  # the partner's own label for the oai_dc it serves
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC))
    items: dict[str, Item] = field(default_factory=dict)
    # date arguments answered with badArgument (servers that advertise seconds and then
    # refuse them): "until" (any until), "seconds" (a from or until with a time of day)
    refuses: frozenset[str] = frozenset()

    def tick(self, seconds: int = 3600) -> None:
        self.now += timedelta(seconds=seconds)

    def put(self, record_id: str, title: str, *, sets: Iterable[str] = (), **more: Any) -> None:
        data = {"id": record_id, "title": title, **more}
        self.items[record_id] = Item(data, self.now, tuple(sets))

    def put_xml(
        self, record_id: str, title: str, xml: bytes, *, identifier: str | None = None
    ) -> None:
        """A record whose metadata is `xml` as given (`title` is what the hub should show);
        `identifier`: its OAI identifier, when not `oai:partner.test:<record_id>`."""
        self.items[record_id] = Item(
            {"id": record_id, "title": title}, self.now, xml=xml, name=identifier
        )

    def delete(self, record_id: str) -> None:
        item = self.items[record_id]
        item.deleted, item.datestamp = True, self.now

    def touch(self, record_id: str) -> None:
        self.items[record_id].datestamp = self.now

    def live(self) -> dict[str, Item]:
        return {i.identifier: i for i in self.items.values() if not i.deleted}

    def select(self, args: Mapping[str, str]) -> list[Item]:
        day = self.granularity == "YYYY-MM-DD"
        chosen = []
        for item in self.items.values():
            stamp = item.datestamp.strftime("%Y-%m-%d" if day else STAMP)
            if args.get("from") and stamp < args["from"][: len(stamp)]:
                continue
            if args.get("until") and stamp[: len(args["until"])] > args["until"]:
                continue
            if args.get("set") and args["set"] not in item.sets:
                continue
            chosen.append(item)
        return sorted(chosen, key=lambda i: (i.datestamp, i.identifier))


@dataclass
class Fault:
    kind: str
    options: dict[str, Any]


def _token(state: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, sort_keys=True).encode()).decode()


def _untoken(value: str) -> dict[str, Any] | None:
    try:
        return dict(json.loads(base64.urlsafe_b64decode(value.encode())))
    except ValueError:
        return None


class FaultServer:
    """The threaded HTTP server; `url` is its OAI-PMH base URL."""

    def __init__(self, partner: Partner) -> None:
        self.partner = partner
        self.faults: dict[int, Fault] = {}
        self.delay = 0.0  # seconds added to every response (a slow partner)
        self.requests: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.registry = default_registry()
        handler = type("Handler", (_Handler,), {"owner": self})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/oai"
        self.running: Background[_Server] | None = None

    def start(self) -> FaultServer:
        self.running = Background(self.httpd)
        return self

    def stop(self) -> None:
        if self.running is None:
            self.httpd.server_close()
        else:
            self.running.stop()

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, kind: str, at: int | Iterable[int], **options: Any) -> None:
        """Break request number `at` (1-based, counting every request) in the way `kind`."""
        for number in [at] if isinstance(at, int) else at:
            self.faults[number] = Fault(kind, options)

    def next_request(self) -> int:
        return len(self.requests) + 1

    # -- responses ----------------------------------------------------------------------

    def envelope(self, args: Mapping[str, str]) -> tuple[etree._Element, etree._Element]:
        root = etree.Element(f"{_O}OAI-PMH", nsmap=_NSMAP)
        etree.SubElement(root, f"{_O}responseDate").text = self.partner.now.strftime(STAMP)
        request = etree.SubElement(root, f"{_O}request")
        request.text = self.url
        for key, value in args.items():
            request.set(key, value)
        return root, request

    def error(self, args: Mapping[str, str], code: str, message: str) -> bytes:
        root, _ = self.envelope(args)
        element = etree.SubElement(root, f"{_O}error", code=code)
        element.text = message
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def identify(self, args: Mapping[str, str]) -> bytes:
        root, _ = self.envelope(args)
        body = etree.SubElement(root, f"{_O}Identify")
        earliest = min((i.datestamp for i in self.partner.items.values()), default=self.partner.now)
        day = self.partner.granularity == "YYYY-MM-DD"
        for name, value in (
            ("repositoryName", "Fault partner"),
            ("baseURL", self.url),
            ("protocolVersion", "2.0"),
            ("adminEmail", "admin@partner.test"),
            ("earliestDatestamp", earliest.strftime("%Y-%m-%d" if day else STAMP)),
            ("deletedRecord", "persistent"),
            ("granularity", self.partner.granularity),
        ):
            etree.SubElement(body, f"{_O}{name}").text = value
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def list_records(self, args: Mapping[str, str], fault: Fault | None) -> bytes:
        if "resumptionToken" in args:
            state = _untoken(args["resumptionToken"])
            if state is None or (fault is not None and fault.kind == "bad_token"):
                return self.error(args, "badResumptionToken", "unknown or expired token")
        else:
            if args.get("metadataPrefix") != self.partner.prefix:
                return self.error(args, "cannotDisseminateFormat", "unknown metadataPrefix")
            refused = self._refused_date(args)
            if refused is not None:
                return self.error(args, "badArgument", refused)
            state = {k: args[k] for k in ("from", "until", "set") if k in args}
            state["offset"] = 0
        items = self.partner.select(state)
        if not items:
            return self.error(args, "noRecordsMatch", "nothing in this window")
        offset = int(state["offset"])
        empty = fault is not None and fault.kind == "empty"
        page = [] if empty else items[offset : offset + self.partner.page_size]
        root, _ = self.envelope(args)
        listing = etree.SubElement(root, f"{_O}ListRecords")
        for item in page:
            self._record(listing, item)
        self._resumption(listing, args, state, offset + len(page), len(items), fault)
        if fault is not None and fault.kind == "bad_record":
            # the first record's metadata in a format no crosswalk reads (a record without
            # a title is not bad: it gets a devised title)
            for metadata in listing.iter(f"{_O}metadata"):
                for child in list(metadata):
                    metadata.remove(child)
                etree.SubElement(metadata, "{urn:x-unknown}thing").text = "?"
                break
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def _refused_date(self, args: Mapping[str, str]) -> str | None:
        refuses = self.partner.refuses
        if "until" in refuses and "until" in args:
            return "Illegal argument: until is not supported"
        for key in ("from", "until"):
            if "seconds" in refuses and "T" in args.get(key, ""):
                return f"The value of the '{key}' argument is not a legal date"
        return None

    def get_record(self, args: Mapping[str, str]) -> bytes:
        if args.get("metadataPrefix") != self.partner.prefix:
            return self.error(args, "cannotDisseminateFormat", "unknown metadataPrefix")
        found = [i for i in self.partner.items.values() if i.identifier == args.get("identifier")]
        if not found:
            return self.error(args, "idDoesNotExist", "no such record")
        root, _ = self.envelope(args)
        self._record(etree.SubElement(root, f"{_O}GetRecord"), found[0])
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def _record(self, listing: etree._Element, item: Item) -> None:
        record = etree.SubElement(listing, f"{_O}record")
        header = etree.SubElement(record, f"{_O}header")
        if item.deleted:
            header.set("status", "deleted")
        etree.SubElement(header, f"{_O}identifier").text = item.identifier
        day = self.partner.granularity == "YYYY-MM-DD"
        stamp = item.datestamp.strftime("%Y-%m-%d" if day else STAMP)
        etree.SubElement(header, f"{_O}datestamp").text = stamp
        for spec in item.sets:
            etree.SubElement(header, f"{_O}setSpec").text = spec
        if not item.deleted:
            metadata = etree.SubElement(record, f"{_O}metadata")
            xml = item.xml or render(self.registry, "oai_dc", item.data)
            metadata.append(etree.fromstring(xml))

    def _resumption(
        self,
        listing: etree._Element,
        args: Mapping[str, str],
        state: dict[str, Any],
        end: int,
        total: int,
        fault: Fault | None,
    ) -> None:
        if end >= total and "resumptionToken" not in args:
            return
        element = etree.SubElement(listing, f"{_O}resumptionToken")
        element.set("completeListSize", str(total))
        element.set("cursor", str(int(state["offset"])))
        if fault is not None and fault.kind == "cursor_past":
            element.set("cursor", str(total + 100))
        if end >= total:
            return  # OAI-PMH 3.5: the last page carries an empty token
        if fault is not None and fault.kind == "token_loop" and "resumptionToken" in args:
            element.text = args["resumptionToken"]
            return
        following = {**state, "offset": end}
        if fault is not None and fault.kind == "empty":
            following["nonce"] = int(state.get("nonce", 0)) + 1
        element.text = _token(following)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up (timeouts, killed harvests) are part of the tests


class _Handler(BaseHTTPRequestHandler):
    owner: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/loop":  # a redirect that leads back to itself
            with self.owner.lock:
                self.owner.requests.append({"loop": self.path})
            self._plain(302, {"Location": "/loop"})
            return
        query = parse_qs(urlsplit(self.path).query)
        args = {key: values[0] for key, values in query.items()}
        with self.owner.lock:
            self.owner.requests.append(args)
            fault = self.owner.faults.get(len(self.owner.requests))
            verb = args.get("verb")
            if verb == "Identify":
                body = self.owner.identify(args)
            elif verb == "ListRecords":
                body = self.owner.list_records(args, fault)
            elif verb == "GetRecord":
                body = self.owner.get_record(args)
            else:
                body = self.owner.error(args, "badVerb", "not served here")
        if self.owner.delay:
            time.sleep(self.owner.delay)
        self._send(body, fault)

    def _send(self, body: bytes, fault: Fault | None) -> None:
        kind = fault.kind if fault is not None else None
        options = fault.options if fault is not None else {}
        if kind == "status":
            self._plain(int(options.get("status", 500)), {})
        elif kind == "retry_after_seconds":
            self._plain(int(options.get("status", 503)), {"Retry-After": str(options["seconds"])})
        elif kind == "retry_after_date":
            when = datetime.now(UTC) + timedelta(seconds=float(options["seconds"]))
            self._plain(
                int(options.get("status", 503)), {"Retry-After": format_datetime(when, usegmt=True)}
            )
        elif kind == "redirect":
            self._plain(302, {"Location": str(options["location"])})
        elif kind == "reset":
            self._headers(200, len(body))
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self._reset()
        elif kind == "drip":  # the whole body, a few bytes at a time
            self._headers(200, len(body))
            step, pause = int(options.get("bytes", 1)), float(options.get("every", 0.1))
            try:
                for start in range(0, len(body), step):
                    self.wfile.write(body[start : start + step])
                    self.wfile.flush()
                    time.sleep(pause)
            except OSError:
                self.close_connection = True  # the harvester gave up on us
        elif kind == "drip_headers":  # the status line and headers, a few bytes at a time
            head = (
                f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n"
                f"X-Padding: {'p' * 400}\r\n\r\n"
            ).encode()
            step, pause = int(options.get("bytes", 8)), float(options.get("every", 0.05))
            self.close_connection = True
            try:
                for start in range(0, len(head), step):
                    self.wfile.write(head[start : start + step])
                    self.wfile.flush()
                    time.sleep(pause)
                self.wfile.write(body)
            except OSError:
                pass  # the harvester gave up on us
        elif kind == "stall":
            self._headers(200, len(body))
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(float(options.get("seconds", 2.0)))
            self._reset()
        else:
            self._body(_corrupt(body, kind, options))

    def _headers(self, status: int, length: int, extra: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(length))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()

    def _body(self, body: bytes) -> None:
        self._headers(200, len(body))
        self.wfile.write(body)

    def _plain(self, status: int, headers: Mapping[str, str]) -> None:
        message = b"the partner is busy"
        self._headers(status, len(message), headers)
        self.wfile.write(message)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), mid-body."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()


def _corrupt(body: bytes, kind: str | None, options: Mapping[str, Any]) -> bytes:
    title = b"<dc:title>"
    if kind == "truncate":
        return body[: len(body) * 2 // 3]
    if kind == "illegal_chars":
        return body.replace(title, title + b"\x01\x0b&#x1;&#27;", 1)
    if kind == "illegal_refs":
        return body.replace(title, title + bytes(options["refs"]), 1)
    if kind == "invalid_utf8":
        return body.replace(title, title + b"\xff\xfe", 1)
    if kind == "broken_record":  # the nth record's title made unparsable
        return _nth_title(body, int(options.get("nth", 1)), options.get("how", "amp"))
    if kind == "broken_token":  # the frame around the records made unparsable
        return body.replace(b"<resumptionToken", b"<resumptionToken & ", 1)
    if kind == "huge_field":  # the nth record's title made `size` bytes long
        size, nth = int(options["size"]), int(options.get("nth", 0))
        return _nth_title(body, nth, "huge", size)
    if kind == "entity_bomb":
        return ENTITY_BOMB
    if kind == "external_entity":
        return external_entity(str(options["path"]))
    return body


def _nth_title(body: bytes, nth: int, how: str, size: int = 0) -> bytes:
    """`body` with the title of its nth record (0-based) broken in the way `how`:
    "amp" an unescaped ampersand, "mismatch" a wrong end tag, "huge" `size` bytes."""
    start = -1
    for _ in range(nth + 1):
        start = body.find(b"<dc:title>", start + 1)
    end = body.find(b"</dc:title>", start)
    text = start + len(b"<dc:title>")
    if how == "amp":
        return body[:text] + b"Tom & Jerry " + body[text:]
    if how == "mismatch":
        return body[:end] + b"</dc:titel>" + body[end + len(b"</dc:title>") :]
    return body[:text] + b"x" * size + body[end:]
