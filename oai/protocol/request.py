"""Raw request arguments -> a typed `OAIRequest`, or the OAI errors they cause (spec 3.1, 3.6)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from crosswalks import NOT_XML_CHAR
from oai.errors import BadArgument, BadResumptionToken, BadVerb, IdDoesNotExist, OAIError
from oai.protocol.datestamps import parse_range
from oai.protocol.verbs import VERBS, VerbSpec

__all__ = ["OAIRequest", "parse_request"]

Pairs = Iterable[tuple[str, str]]
# The schema types of the <request> attributes that echo these arguments (OAI-PMH.xsd):
# a value outside them could not be echoed, so it is a badArgument.
_PATTERNS = {
    "metadataPrefix": re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$"),
    "set": re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$"),
}


@dataclass(frozen=True, slots=True)
class OAIRequest:
    """A syntactically valid request: one verb and its arguments, each given once."""

    verb: str
    args: dict[str, str] = field(default_factory=dict)
    from_: datetime | None = None
    until: datetime | None = None

    @property
    def spec(self) -> VerbSpec:
        return VERBS[self.verb]

    def get(self, name: str) -> str | None:
        return self.args.get(name)


def parse_request(pairs: Pairs) -> OAIRequest | list[OAIError]:
    """Check the verb, then every argument; return all the errors found, or the request."""
    items = list(pairs)
    verbs = [value for key, value in items if key == "verb"]
    if len(verbs) != 1:
        message = "the verb argument is missing" if not verbs else "the verb argument is repeated"
        return [BadVerb(message)]
    spec = VERBS.get(verbs[0])
    if spec is None:
        return [BadVerb(f"not an OAI-PMH verb: {verbs[0]!r}")]
    args: dict[str, str] = {}
    errors: list[OAIError] = []
    unreadable: set[str] = set()
    for key, value in items:
        if key == "verb":
            continue
        if key not in spec.allowed:
            errors.append(BadArgument(f"{spec.name} does not take the argument {key!r}"))
        elif key in args:
            errors.append(BadArgument(f"the argument {key!r} is repeated"))
        elif not value:
            errors.append(BadArgument(f"the argument {key!r} is empty"))
        elif NOT_XML_CHAR.search(value):
            errors.append(_unreadable(key))
            unreadable.add(key)
        elif key in _PATTERNS and not _PATTERNS[key].match(value):
            errors.append(BadArgument(f"the argument {key!r} has an illegal value: {value!r}"))
        else:
            args[key] = value
    # an argument given but unreadable is not also "missing"
    errors.extend(_combination_errors(spec, args, set(args) | unreadable))
    if errors:
        return _unique(errors)
    return _with_dates(spec, args)


# characters outside XML 1.0's Char production: no response could echo them


def _unreadable(key: str) -> OAIError:
    """The error for an argument holding characters XML cannot carry (never echoed)."""
    message = f"the argument {key!r} holds characters that XML cannot carry"
    if key == "resumptionToken":
        return BadResumptionToken(message)
    if key == "identifier":
        return IdDoesNotExist(message)
    return BadArgument(message)


def _combination_errors(spec: VerbSpec, args: dict[str, str], given: set[str]) -> list[OAIError]:
    if spec.exclusive and spec.exclusive in given:
        others = sorted(set(args) - {spec.exclusive})
        if others:
            return [BadArgument(f"{spec.exclusive} is exclusive; also given: {', '.join(others)}")]
        return []
    return [
        BadArgument(f"{spec.name} requires the argument {name!r}")
        for name in sorted(spec.required - given)
    ]


def _with_dates(spec: VerbSpec, args: dict[str, str]) -> OAIRequest | list[OAIError]:
    try:
        from_, until = parse_range(args.get("from"), args.get("until"))
    except BadArgument as exc:
        return [exc]
    return OAIRequest(spec.name, args, from_, until)


def _unique(errors: list[OAIError]) -> list[OAIError]:
    seen: set[tuple[str, str]] = set()
    out: list[OAIError] = []
    for error in errors:
        key = (error.code, error.message)
        if key not in seen:
            seen.add(key)
            out.append(error)
    return out
