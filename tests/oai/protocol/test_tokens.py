from datetime import UTC, datetime

import pytest

from oai.errors import BadResumptionToken
from oai.protocol.tokens import ResumptionToken, TokenCodec

NOW = datetime(2024, 5, 1, tzinfo=UTC)
TOKEN = ResumptionToken(
    "ListRecords",
    "oai_dc",
    "coll:a",
    None,
    1_714_000_000,
    1_713_000_000,
    42,
    100,
    1234,
    int(NOW.timestamp()) + 3600,
)


def test_round_trip() -> None:
    codec = TokenCodec("secret")
    text = codec.encode(TOKEN)
    assert codec.decode(text, verb="ListRecords", now=NOW) == TOKEN
    assert all(c.isalnum() or c in "-_." for c in text)


def test_another_key_rejects_it() -> None:
    text = TokenCodec("secret").encode(TOKEN)
    with pytest.raises(BadResumptionToken):
        TokenCodec("other").decode(text, verb="ListRecords", now=NOW)


@pytest.mark.parametrize("position", [0, 5, 20, -3])
def test_any_changed_character_is_rejected(position: int) -> None:
    codec = TokenCodec("secret")
    text = codec.encode(TOKEN)
    changed = "A" if text[position] != "A" else "B"
    tampered = text[:position] + changed + text[position + 1 :]
    with pytest.raises(BadResumptionToken):
        codec.decode(tampered, verb="ListRecords", now=NOW)


@pytest.mark.parametrize("text", ["", "abc", "abc.def", ".", "x" * 500, "é.é"])
def test_malformed_tokens(text: str) -> None:
    with pytest.raises(BadResumptionToken):
        TokenCodec("secret").decode(text, verb="ListRecords", now=NOW)


def test_signed_garbage_is_malformed() -> None:
    codec = TokenCodec("secret")
    body = "WzEsMiwzXQ"  # [1,2,3]
    signature = codec.encode(TOKEN).split(".")[1]
    forged = f"{body}.{signature}"
    with pytest.raises(BadResumptionToken):
        codec.decode(forged, verb="ListRecords", now=NOW)
    import base64
    import hashlib
    import hmac

    good_sig = hmac.new(b"secret", body.encode(), hashlib.sha256).digest()[:18]
    text = f"{body}.{base64.urlsafe_b64encode(good_sig).rstrip(b'=').decode()}"
    with pytest.raises(BadResumptionToken, match="malformed"):
        codec.decode(text, verb="ListRecords", now=NOW)


def test_expired_token() -> None:
    codec = TokenCodec("secret")
    text = codec.encode(TOKEN)
    later = datetime.fromtimestamp(TOKEN.expires + 1, UTC)
    with pytest.raises(BadResumptionToken, match="expired"):
        codec.decode(text, verb="ListRecords", now=later)


def test_token_of_another_verb() -> None:
    codec = TokenCodec("secret")
    with pytest.raises(BadResumptionToken, match="belongs"):
        codec.decode(codec.encode(TOKEN), verb="ListIdentifiers", now=NOW)
