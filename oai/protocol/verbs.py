"""The six verbs and their arguments (spec section 4), as one explicit table."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VERBS", "VerbSpec"]


@dataclass(frozen=True, slots=True)
class VerbSpec:
    """Which arguments a verb takes; `exclusive` may only come alone (with the verb)."""

    name: str
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    exclusive: str | None = None
    is_list: bool = False

    @property
    def allowed(self) -> frozenset[str]:
        extra = {self.exclusive} if self.exclusive else set()
        return self.required | self.optional | extra


_SELECTIVE = frozenset({"from", "until", "set"})

VERBS: dict[str, VerbSpec] = {
    spec.name: spec
    for spec in (
        VerbSpec("Identify"),
        VerbSpec(
            "ListMetadataFormats",
            optional=frozenset({"identifier"}),
        ),
        VerbSpec("ListSets", exclusive="resumptionToken"),
        VerbSpec(
            "GetRecord",
            required=frozenset({"identifier", "metadataPrefix"}),
        ),
        VerbSpec(
            "ListIdentifiers",
            required=frozenset({"metadataPrefix"}),
            optional=_SELECTIVE,
            exclusive="resumptionToken",
            is_list=True,
        ),
        VerbSpec(
            "ListRecords",
            required=frozenset({"metadataPrefix"}),
            optional=_SELECTIVE,
            exclusive="resumptionToken",
            is_list=True,
        ),
    )
}
