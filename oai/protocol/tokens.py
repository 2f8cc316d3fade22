"""Stateless, signed resumption tokens carrying a keyset cursor (spec 3.5).

A token is `base64url(JSON payload) "." base64url(HMAC-SHA256)`: everything the next
page needs travels in it (verb, format, set, from, until, the last (datestamp, pk) sent,
the cursor and the list size), so any worker can answer it and nothing is stored. The
HMAC makes a tampered token a `badResumptionToken` instead of a different query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from oai.errors import BadResumptionToken

__all__ = ["UNKNOWN_SIZE", "ResumptionToken", "TokenCodec"]

UNKNOWN_SIZE = -1  # a list whose size was not counted (completeListSize left out)

_FIELDS = (
    "verb",
    "prefix",
    "set_spec",
    "from_",
    "until",
    "stamp",
    "pk",
    "cursor",
    "total",
    "expires",
)


@dataclass(frozen=True, slots=True)
class ResumptionToken:
    """The state of a list between two pages; times are whole UTC seconds since the epoch."""

    verb: str
    prefix: str
    set_spec: str | None
    from_: int | None
    until: int
    stamp: int  # datestamp of the last record sent
    pk: int  # its primary key: (stamp, pk) is the keyset position
    cursor: int  # how many records were sent before the next page
    total: int  # completeListSize, counted at the first request; UNKNOWN_SIZE if not
    expires: int

    @property
    def expiration(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)


class TokenCodec:
    """Signs and checks tokens with a secret key."""

    def __init__(self, secret: bytes | str) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        if not key:
            raise ValueError("a resumption token secret may not be empty")
        self._key = key

    def encode(self, token: ResumptionToken) -> str:
        payload = json.dumps([getattr(token, name) for name in _FIELDS], separators=(",", ":"))
        body = _b64(payload.encode())
        return f"{body}.{_b64(self._sign(body))}"

    def decode(self, text: str, *, verb: str, now: datetime) -> ResumptionToken:
        """The token's state; badResumptionToken if tampered, malformed, expired or misused."""
        body, dot, signature = text.partition(".")
        if not dot or not hmac.compare_digest(_unb64(signature), self._sign(body)):
            raise BadResumptionToken("the resumption token is invalid")
        token = _token_from(_unb64(body))
        if token.verb != verb:
            raise BadResumptionToken(f"the resumption token belongs to {token.verb}, not {verb}")
        if token.expires < now.timestamp():
            raise BadResumptionToken("the resumption token has expired")
        return token

    def _sign(self, body: str) -> bytes:
        return hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:18]


def _token_from(payload: bytes) -> ResumptionToken:
    try:
        values = json.loads(payload)
        token = ResumptionToken(*values)
    except (ValueError, TypeError):
        raise BadResumptionToken("the resumption token is malformed") from None
    ints = (token.until, token.stamp, token.pk, token.cursor, token.total, token.expires)
    well_typed = (
        all(type(v) is int for v in ints)
        and isinstance(token.verb, str)
        and isinstance(token.prefix, str)
        and (token.set_spec is None or isinstance(token.set_spec, str))
        and (token.from_ is None or type(token.from_) is int)
    )
    if not well_typed:
        raise BadResumptionToken("the resumption token is malformed")
    return token


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""
