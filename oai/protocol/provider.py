"""`Provider`: one OAI-PMH request in, one response document out (spec section 4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from oai.errors import (
    BadResumptionToken,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoMetadataFormats,
    NoRecordsMatch,
    NoSetHierarchy,
    OAIError,
)
from oai.protocol.render import Document
from oai.protocol.repository import FormatInfo, Identity, Item, ListSpec, Repository
from oai.protocol.request import OAIRequest, parse_request
from oai.protocol.tokens import UNKNOWN_SIZE, ResumptionToken, TokenCodec

__all__ = ["Provider", "ProviderOptions"]


@dataclass(frozen=True, slots=True)
class ProviderOptions:
    """Tunables of the provider."""

    page_size: int = 100
    token_ttl: timedelta = timedelta(hours=48)
    stylesheet: str | None = None


def _epoch(value: datetime) -> int:
    return int(value.timestamp())


def _from_epoch(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class Provider:
    """Answers OAI-PMH requests from a `Repository`; holds no per-request state."""

    def __init__(
        self,
        repository: Repository,
        formats: Sequence[FormatInfo],
        identity: Identity,
        codec: TokenCodec,
        options: ProviderOptions | None = None,
    ) -> None:
        self.repository = repository
        self.formats = {fmt.prefix: fmt for fmt in formats}
        self.identity = identity
        self.codec = codec
        self.options = options or ProviderOptions()
        self.identifier_prefix = f"oai:{identity.repository_identifier}:"
        self._verbs: dict[str, Callable[[Document, OAIRequest, datetime], None]] = {
            "Identify": self._identify,
            "ListMetadataFormats": self._list_metadata_formats,
            "ListSets": self._list_sets,
            "GetRecord": self._get_record,
            "ListIdentifiers": self._list,
            "ListRecords": self._list,
        }

    def handle(
        self, pairs: Iterable[tuple[str, str]], *, base_url: str, now: datetime | None = None
    ) -> bytes:
        """The response to the request arguments `pairs` (as sent, repeated keys included)."""
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        items = list(pairs)
        base_url = self.identity.base_url or base_url
        parsed = parse_request(items)
        if isinstance(parsed, list):
            document = self._document(now, base_url, None)
            document.errors(parsed)
            return document.tostring()
        document = self._document(now, base_url, items)
        try:
            self._verbs[parsed.verb](document, parsed, now)
        except OAIError as error:
            document = self._document(now, base_url, items)
            document.errors([error])
        return document.tostring()

    def _document(
        self, now: datetime, base_url: str, items: Sequence[tuple[str, str]] | None
    ) -> Document:
        return Document(now, base_url, items, self.options.stylesheet)

    # -- identifiers ----------------------------------------------------------------------

    def identifier(self, local_id: str) -> str:
        return f"{self.identifier_prefix}{local_id}"

    def local_id(self, identifier: str) -> str:
        if not identifier.startswith(self.identifier_prefix):
            raise IdDoesNotExist(f"not an identifier of this repository: {identifier}")
        return identifier[len(self.identifier_prefix) :]

    def _format(self, prefix: str) -> FormatInfo:
        fmt = self.formats.get(prefix)
        if fmt is None:
            raise CannotDisseminateFormat(f"metadataPrefix {prefix!r} is not supported")
        return fmt

    # -- verbs ----------------------------------------------------------------------------

    def _identify(self, document: Document, request: OAIRequest, now: datetime) -> None:
        earliest = self.repository.earliest_datestamp() or now
        sample = self.identifier(self.identity.sample_local_id)
        document.identify(self.identity, document.base_url, earliest, sample)

    def _list_metadata_formats(
        self, document: Document, request: OAIRequest, now: datetime
    ) -> None:
        formats = list(self.formats.values())
        identifier = request.get("identifier")
        if identifier is not None:
            prefixes = self.repository.prefixes_of(self.local_id(identifier))
            if prefixes is None:
                raise IdDoesNotExist(f"no record has the identifier {identifier}")
            formats = [fmt for fmt in formats if fmt.prefix in prefixes]
            if not formats:
                raise NoMetadataFormats(f"no metadata formats are available for {identifier}")
        document.metadata_formats(formats)

    def _list_sets(self, document: Document, request: OAIRequest, now: datetime) -> None:
        if request.get("resumptionToken") is not None:
            # every set is sent in one response, so no ListSets token was ever issued
            raise BadResumptionToken("ListSets never issues resumption tokens")
        sets = self.repository.sets()
        if not sets:
            raise NoSetHierarchy("this repository has no sets yet")
        document.sets(sets)

    def _get_record(self, document: Document, request: OAIRequest, now: datetime) -> None:
        identifier = request.args["identifier"]
        prefix = request.args["metadataPrefix"]
        local_id = self.local_id(identifier)
        self._format(prefix)
        item = self.repository.item(local_id, prefix)
        if item is None:
            raise IdDoesNotExist(f"no record has the identifier {identifier}")
        if not item.deleted and item.metadata is None:
            raise CannotDisseminateFormat(f"{identifier} is not available as {prefix}")
        document.record(document.verb("GetRecord"), item, identifier)

    def _list(self, document: Document, request: OAIRequest, now: datetime) -> None:
        """ListIdentifiers and ListRecords: one keyset page and the token for the next."""
        token = request.get("resumptionToken")
        state = self.codec.decode(token, verb=request.verb, now=now) if token else None
        spec = self._list_spec(request, state, now)
        if state is None:
            total = self.repository.count(spec)
            if total == 0:
                raise NoRecordsMatch("no records match the request")
            after, cursor = None, 0
        else:
            total = None if state.total == UNKNOWN_SIZE else state.total
            cursor = state.cursor
            after = (datetime.fromtimestamp(state.stamp, UTC), state.pk)
        size = self.options.page_size
        with_metadata = request.verb == "ListRecords"
        # one row more than a page tells whether another page follows
        items = self.repository.page(spec, after, size + 1, metadata=with_metadata)
        if not items:
            if state is None:  # a list of unknown size that turns out empty
                raise NoRecordsMatch("no records match the request")
            # possible only when the records after the cursor changed since the last page
            raise NoRecordsMatch("no further records match the request")
        more, items = len(items) > size, items[:size]
        body = document.verb(request.verb)
        for item in items:
            if with_metadata:
                document.record(body, item, self.identifier(item.local_id))
            else:
                document.header(body, item, self.identifier(item.local_id))
        sent = cursor + len(items)
        if more:
            known = None if total is None else max(total, sent + 1)
            new = self._next_state(request.verb, spec, items[-1], sent, known, now)
            document.resumption_token(body, self.codec.encode(new), new, cursor=cursor, total=known)
        elif state is not None:
            # OAI-PMH 3.5: the last page of a multi-page list carries an empty token
            # at the end the size is known, counted or not
            document.resumption_token(body, "", None, cursor=cursor, total=max(total or 0, sent))

    def _list_spec(
        self, request: OAIRequest, state: ResumptionToken | None, now: datetime
    ) -> ListSpec:
        if state is not None:
            return ListSpec(
                state.prefix, state.set_spec, _from_epoch(state.from_), _from_epoch(state.until)
            )
        prefix = request.args["metadataPrefix"]
        self._format(prefix)
        set_spec = request.get("set")
        if set_spec is not None and not self.repository.has_sets():
            raise NoSetHierarchy("this repository has no sets yet")
        # without an `until` the list is frozen at the first request: the harvest ends,
        # and records changed after `now` are found by the next harvest from `now`
        return ListSpec(prefix, set_spec, request.from_, request.until or now)

    def _next_state(
        self, verb: str, spec: ListSpec, last: Item, sent: int, total: int | None, now: datetime
    ) -> ResumptionToken:
        return ResumptionToken(
            verb=verb,
            prefix=spec.prefix,
            set_spec=spec.set_spec,
            from_=_epoch(spec.from_) if spec.from_ else None,
            until=_epoch(spec.until or now),
            stamp=_epoch(last.datestamp),
            pk=last.pk,
            cursor=sent,
            total=UNKNOWN_SIZE if total is None else total,
            expires=_epoch(now + self.options.token_ttl),
        )
