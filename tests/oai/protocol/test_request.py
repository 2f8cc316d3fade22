import pytest

from oai.protocol.request import OAIRequest, parse_request


def codes(result: object) -> list[str]:
    assert isinstance(result, list), result
    return [error.code for error in result]


@pytest.mark.parametrize(
    "pairs",
    [
        [],
        [("verb", "Foo")],
        [("verb", "Identify"), ("verb", "Identify")],
        [("verb", "identify")],
        [("metadataPrefix", "oai_dc")],
    ],
)
def test_bad_verbs(pairs: list[tuple[str, str]]) -> None:
    assert codes(parse_request(pairs)) == ["badVerb"]


@pytest.mark.parametrize(
    "pairs",
    [
        [("verb", "Identify"), ("metadataPrefix", "oai_dc")],  # illegal argument
        [("verb", "ListRecords")],  # missing required
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "oai_dc")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("resumptionToken", "x")],
        [("verb", "ListIdentifiers"), ("metadataPrefix", "oai_dc"), ("from", "2001-13-01")],
        [
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2001-01-01"),
            ("until", "2000-01-01"),
        ],
        [
            ("verb", "ListIdentifiers"),
            ("metadataPrefix", "oai_dc"),
            ("from", "2001-01-01"),
            ("until", "2002-01-01T00:00:00Z"),
        ],
        [("verb", "GetRecord"), ("identifier", "oai:x:1")],
        [("verb", "GetRecord"), ("metadataPrefix", "oai_dc")],
        [("verb", "ListSets"), ("set", "a")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "a b")],
        [("verb", "ListRecords"), ("metadataPrefix", "oai dc")],
        [("verb", "ListRecords"), ("metadataPrefix", "")],
        [("verb", "ListMetadataFormats"), ("identifier", "a"), ("identifier", "b")],
    ],
)
def test_bad_arguments(pairs: list[tuple[str, str]]) -> None:
    assert set(codes(parse_request(pairs))) == {"badArgument"}


def test_every_bad_argument_is_reported() -> None:
    result = parse_request([("verb", "GetRecord"), ("foo", "1"), ("bar", "2")])
    assert codes(result) == ["badArgument"] * 4  # foo, bar, identifier and prefix missing


def test_a_valid_request_is_typed() -> None:
    result = parse_request(
        [
            ("verb", "ListRecords"),
            ("metadataPrefix", "oai_dc"),
            ("set", "a:b"),
            ("from", "2001-01-01"),
            ("until", "2001-01-31"),
        ]
    )
    assert isinstance(result, OAIRequest)
    assert result.verb == "ListRecords"
    assert result.get("set") == "a:b"
    assert result.from_ is not None
    assert result.until is not None
    assert result.until.hour == 23


def test_resumption_token_alone_is_valid() -> None:
    result = parse_request([("verb", "ListIdentifiers"), ("resumptionToken", "abc")])
    assert isinstance(result, OAIRequest)
    assert result.args == {"resumptionToken": "abc"}
