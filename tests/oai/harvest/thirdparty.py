"""Two OAI-PMH data providers written by others, installed from PyPI, for the harvester tests.

Both serve the same `Catalogue` (records with titles, datestamps and sets, changed by the
test between runs) in oai_dc, with second granularity and pages of `PAGE` records, on
127.0.0.1. Neither library ships an HTTP server: each turns a dict of request arguments
into an XML answer, so `serve` puts one small WSGI function (werkzeug, as Flask has it)
in front of either, and keeps the arguments of every request it answered.

- `oaipmh` (the ETH Library's maintained fork of Infrae's pyoai, `oaipmh.server.Server`):
  the oldest Python OAI-PMH toolkit. We implement its IOAI backend (identify,
  listMetadataFormats, listRecords, ...); its `Server` parses and validates the
  arguments, does the resumption tokens (the query redone for every page, sliced by the
  token's cursor) and writes oai_dc with its own writer. It supports deleted records
  (a header's `status="deleted"`): Identify says deletedRecord "persistent".
- `oai-repo` (Michigan State University Libraries, `oai_repo.OAIRepository`): an
  unrelated code base. We implement its `DataInterface` (identifiers page by page,
  headers, metadata elements); it validates the arguments and dates against the
  granularity and writes base64 resumption tokens with cursor and completeListSize. Its
  record headers never carry `status="deleted"` (0.5.2 ignores `RecordHeader.status`),
  so Identify says deletedRecord "no" and a deleted record simply vanishes from its lists.

`pyoai` itself (2.5.0, 2022) installs the same `oaipmh` module, so only the fork is used;
`django-oai-pmh` was not chosen: it pins lxml and psycopg to versions other than ours and
needs a Django project with its database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import oai_repo
from lxml import etree
from oaipmh import common, error, metadata, server
from werkzeug.serving import make_server

from tests.servers import Background

PAGE = 10  # records per page on both servers
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
SECONDS = "YYYY-MM-DDThh:mm:ssZ"
OAI_DC = (
    "oai_dc",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/",
)
DC = "http://purl.org/dc/elements/1.1/"
SETS = {"even": "Even numbers", "odd": "Odd numbers"}


@dataclass
class Item:
    identifier: str
    title: str
    datestamp: datetime  # UTC, whole seconds
    sets: tuple[str, ...]
    deleted: bool = False


@dataclass
class Catalogue:
    """The records a server serves; `put` and `delete` date the change now."""

    items: dict[str, Item] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, identifier: str, title: str, when: datetime | None = None) -> None:
        with self.lock:
            sets = self.items[identifier].sets if identifier in self.items else ()
            self.items[identifier] = Item(identifier, title, _now(when), sets)

    def delete(self, identifier: str) -> None:
        with self.lock:
            item = self.items[identifier]
            item.deleted, item.datestamp = True, _now(None)

    def live(self) -> dict[str, str]:
        """identifier -> title of the records not deleted."""
        return {i.identifier: i.title for i in self.items.values() if not i.deleted}

    def select(
        self,
        from_: datetime | None = None,
        until: datetime | None = None,
        set_spec: str | None = None,
        with_deleted: bool = True,
    ) -> list[Item]:
        """The matching records, oldest first (`from_`, `until`: aware or naive UTC)."""
        low, high = _aware(from_), _aware(until)
        with self.lock:
            found = [
                item
                for item in self.items.values()
                if (low is None or item.datestamp >= low)
                and (high is None or item.datestamp <= high)
                and (set_spec is None or set_spec in item.sets)
                and (with_deleted or not item.deleted)
            ]
        return sorted(found, key=lambda i: (i.datestamp, i.identifier))


def make_catalogue(count: int) -> Catalogue:
    """`count` records "oai:thirdparty.test:doc-NNN" titled "Document N", a minute apart
    from T0 (long before any test runs), each in the set "even" or "odd"."""
    catalogue = Catalogue()
    for n in range(count):
        identifier = f"oai:thirdparty.test:doc-{n:03d}"
        when = T0 + timedelta(minutes=n)
        sets = ("even",) if n % 2 == 0 else ("odd",)
        catalogue.items[identifier] = Item(identifier, f"Document {n}", when, sets)
    return catalogue


def _now(when: datetime | None) -> datetime:
    return (when or datetime.now(UTC)).replace(microsecond=0)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _naive(value: datetime) -> datetime:
    """pyoai takes and gives naive datetimes, meant as UTC."""
    return value.astimezone(UTC).replace(tzinfo=None)


# --- oaipmh (pyoai) ---------------------------------------------------------------


class PyoaiBackend:
    """The IOAI interface of `oaipmh.server.Server` over a catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.base_url = ""

    def identify(self) -> common.Identify:
        return common.Identify(
            repositoryName="pyoai test repository",
            baseURL=self.base_url,
            protocolVersion="2.0",
            adminEmails=["admin@thirdparty.test"],
            earliestDatestamp=_naive(T0),
            deletedRecord="persistent",
            granularity=SECONDS,
            compression=["identity"],
        )

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        if identifier is not None and identifier not in self.catalogue.items:
            raise error.IdDoesNotExistError(identifier)
        return [OAI_DC]

    def listSets(self) -> list[tuple[str, str, None]]:
        return [(spec, name, None) for spec, name in SETS.items()]

    def listIdentifiers(self, metadataPrefix: str, **kw: Any) -> list[common.Header]:
        return [header for header, _, _ in self.listRecords(metadataPrefix, **kw)]

    def listRecords(
        self,
        metadataPrefix: str,
        set: str | None = None,
        from_: datetime | None = None,
        until: datetime | None = None,
    ) -> list[tuple[common.Header, common.Metadata | None, None]]:
        self._check(metadataPrefix)
        if set is not None and set not in SETS:
            raise error.NoRecordsMatchError(f"no set {set}")
        return [self._record(i) for i in self.catalogue.select(from_, until, set)]

    def getRecord(
        self, metadataPrefix: str, identifier: str
    ) -> tuple[common.Header, common.Metadata | None, None]:
        self._check(metadataPrefix)
        item = self.catalogue.items.get(identifier)
        if item is None:
            raise error.IdDoesNotExistError(identifier)
        return self._record(item)

    @staticmethod
    def _check(prefix: str) -> None:
        if prefix != "oai_dc":
            raise error.CannotDisseminateFormatError(prefix)

    @staticmethod
    def _record(item: Item) -> tuple[common.Header, common.Metadata | None, None]:
        header = common.Header(
            None, item.identifier, _naive(item.datestamp), list(item.sets), item.deleted
        )
        if item.deleted:
            return header, None, None
        fields = {"title": [item.title], "identifier": [item.identifier]}
        return header, common.Metadata(None, fields), None


def pyoai_provider(catalogue: Catalogue) -> tuple[Callable[[dict[str, str]], bytes], Any]:
    """The request handler and the backend (its `base_url` set once the port is known)."""
    backend = PyoaiBackend(catalogue)
    registry = metadata.MetadataRegistry()
    registry.registerWriter("oai_dc", server.oai_dc_writer)
    oai = server.Server(backend, registry, resumption_batch_size=PAGE)
    return oai.handleRequest, backend


# --- oai-repo ---------------------------------------------------------------------


class OaiRepoData(oai_repo.DataInterface):
    """The `DataInterface` of `oai_repo.OAIRepository` over a catalogue. Deleted
    records are left out: oai-repo cannot mark a header deleted."""

    limit = PAGE

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.base_url = ""

    def get_identify(self) -> oai_repo.Identify:
        return oai_repo.Identify(
            repository_name="oai-repo test repository",
            base_url=self.base_url,
            admin_email=["admin@thirdparty.test"],
            earliest_datestamp=T0.strftime("%Y-%m-%dT%H:%M:%SZ"),
            deleted_record="no",
            granularity=SECONDS,
        )

    def _live(self, identifier: str) -> Item | None:
        item = self.catalogue.items.get(identifier)
        return None if item is None or item.deleted else item

    def is_valid_identifier(self, identifier: str) -> bool:
        return self._live(identifier) is not None

    def get_metadata_formats(self, identifier: str | None = None) -> list[Any]:
        return [oai_repo.MetadataFormat(*OAI_DC)]

    def get_record_header(self, identifier: str) -> oai_repo.RecordHeader:
        item = self.catalogue.items[identifier]
        return oai_repo.RecordHeader(identifier, item.datestamp, list(item.sets))

    def get_record_metadata(self, identifier: str, metadataprefix: str) -> Any:
        item = self._live(identifier)
        if item is None or metadataprefix != "oai_dc":
            return None
        dc = etree.Element(f"{{{OAI_DC[2]}}}dc", nsmap={"oai_dc": OAI_DC[2], "dc": DC})
        etree.SubElement(dc, f"{{{DC}}}title").text = item.title
        etree.SubElement(dc, f"{{{DC}}}identifier").text = item.identifier
        return dc

    def get_record_abouts(self, identifier: str) -> list[Any]:
        return []

    def list_set_specs(self, identifier: str | None = None, cursor: int = 0) -> tuple[Any, ...]:
        return list(SETS), len(SETS), None

    def get_set(self, setspec: str) -> Any:
        return oai_repo.Set(setspec, SETS[setspec], [])

    def list_identifiers(
        self,
        metadataprefix: str,
        filter_from: datetime | None = None,
        filter_until: datetime | None = None,
        filter_set: str | None = None,
        cursor: int = 0,
    ) -> tuple[Any, ...]:
        items = self.catalogue.select(filter_from, filter_until, filter_set, with_deleted=False)
        page = [i.identifier for i in items[cursor : cursor + self.limit]]
        return page, len(items), None


def oai_repo_provider(catalogue: Catalogue) -> tuple[Callable[[dict[str, str]], bytes], Any]:
    data = OaiRepoData(catalogue)
    repository = oai_repo.OAIRepository(data)
    return (lambda args: bytes(repository.process(args))), data


PROVIDERS = {"oaipmh": pyoai_provider, "oai-repo": oai_repo_provider}
DELETIONS = {"oaipmh": True, "oai-repo": False}  # whether the server reports deletions


# --- HTTP -------------------------------------------------------------------------


@dataclass
class Served:
    """A provider answering on 127.0.0.1; `requests` holds the arguments of each request."""

    name: str
    url: str
    catalogue: Catalogue
    requests: list[dict[str, str]]


@dataclass
class _App:
    handle: Callable[[dict[str, str]], bytes]
    requests: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        query = environ.get("QUERY_STRING", "")
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            query = environ["wsgi.input"].read(length).decode("utf-8")
        args = {key: values[0] for key, values in parse_qs(query).items()}
        self.requests.append(dict(args))
        body = self.handle(args)  # both libraries may change the dict they are given
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
        return [body]


def serve(name: str, catalogue: Catalogue) -> Iterator[Served]:
    """Serve `catalogue` with the provider `name` (a key of PROVIDERS) while the
    generator is suspended (a fixture's body)."""
    handle, backend = PROVIDERS[name](catalogue)
    app = _App(handle)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{http.server_port}/oai"
    backend.base_url = url
    running = Background(http, name=f"oai-{name}")
    try:
        yield Served(name, url, catalogue, app.requests)
    finally:
        running.stop()
