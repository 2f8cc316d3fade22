"""Europeana's tiers of an EDM record: content tier 0 or 1, metadata tier 0, A, B or C.

The metadata tier is the lowest of three classifiers, after Europeana's
metis-framework (`MetadataTierCalculation`), simplified to what this hub writes:

- **language**: the share of the ProvidedCHO's literal values that carry an `xml:lang`
  (a link to a contextual entity counts as tagged when its prefLabel is): A from 25%, B
  from 50%, C from 75%;
- **enabling elements**: the distinct elements used among those that let a portal
  browse by period, place, agent and concept: A with 1, B with 3 from 2 groups, C with
  4 from 2 groups and a contextual entity of each of two groups;
- **contextual classes**: entities linked from the ProvidedCHO with a label and a
  further property (TimeSpan: begin or end; Agent, Place, Concept: a label suffices
  here): A with none, B with 1, C with 2.

Content tier: this hub delivers landing pages only (`edm:isShownAt`), which is tier 1;
without one a record is tier 0 and Europeana does not publish it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Tiers", "tiers"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_EDM = "http://www.europeana.eu/schemas/edm/"
_ORE = "http://www.openarchives.org/ore/terms/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_RESOURCE = f"{{{_RDF}}}resource"
_ABOUT = f"{{{_RDF}}}about"
_ORDER = "0ABC"
# enabling elements by group (Europeana's "what, when, where, who")
_GROUPS = {
    f"{{{_DC}}}date": "period",
    f"{{{_DCTERMS}}}created": "period",
    f"{{{_DCTERMS}}}issued": "period",
    f"{{{_DCTERMS}}}temporal": "period",
    f"{{{_DC}}}coverage": "place",
    f"{{{_DCTERMS}}}spatial": "place",
    f"{{{_EDM}}}currentLocation": "place",
    f"{{{_DC}}}creator": "agent",
    f"{{{_DC}}}contributor": "agent",
    f"{{{_DC}}}subject": "concept",
    f"{{{_DC}}}type": "concept",
    f"{{{_DC}}}format": "concept",
    f"{{{_DCTERMS}}}medium": "concept",
}
# literal properties the language classifier looks at
_LANGUAGE_PROPERTIES = frozenset(
    f"{{{_DC}}}{name}"
    for name in ("title", "description", "subject", "type", "coverage", "source", "rights")
) | {f"{{{_DCTERMS}}}{name}" for name in ("alternative", "spatial", "temporal", "isPartOf")}
_ENTITIES = {
    f"{{{_EDM}}}TimeSpan": "period",
    f"{{{_EDM}}}Place": "place",
    f"{{{_EDM}}}Agent": "agent",
    f"{{{_SKOS}}}Concept": "concept",
}


@dataclass(frozen=True, slots=True)
class Tiers:
    """A record's content tier and metadata tier, with the tier of each classifier."""

    content: int
    language: str
    enabling: str
    contextual: str

    @property
    def metadata(self) -> str:
        return min((self.language, self.enabling, self.contextual), key=_ORDER.index)

    def to_dict(self) -> dict[str, Any]:
        return {
            "content_tier": self.content,
            "metadata_tier": self.metadata,
            "language": self.language,
            "enabling_elements": self.enabling,
            "contextual_classes": self.contextual,
        }


def _entities(root: Any) -> dict[str, Any]:
    return {e.get(_ABOUT): e for e in root if e.tag in _ENTITIES and e.get(_ABOUT)}


def _language_tier(cho: Any, entities: dict[str, Any]) -> str:
    values = [e for e in cho if e.tag in _LANGUAGE_PROPERTIES]
    if not values:
        return "0"
    tagged = 0
    for element in values:
        target = entities.get(element.get(_RESOURCE))
        if element.get(_LANG) or (target is not None and any(label.get(_LANG) for label in target)):
            tagged += 1
    share = tagged / len(values)
    return "C" if share >= 0.75 else "B" if share >= 0.5 else "A" if share >= 0.25 else "0"


def _useful(entity: Any) -> bool:
    names = {child.tag for child in entity if (child.text or "").strip()}
    if f"{{{_SKOS}}}prefLabel" not in names:
        return False
    if entity.tag == f"{{{_EDM}}}TimeSpan":
        return bool(names & {f"{{{_EDM}}}begin", f"{{{_EDM}}}end"})
    return True


def _linked(cho: Any, entities: dict[str, Any]) -> Iterable[Any]:
    for element in cho:
        target = entities.get(element.get(_RESOURCE))
        if target is not None and _useful(target):
            yield target


def _enabling_tier(cho: Any, linked: list[Any]) -> str:
    used = {e.tag for e in cho if e.tag in _GROUPS}
    groups = {_GROUPS[tag] for tag in used}
    entity_groups = {_ENTITIES[e.tag] for e in linked}
    if len(used) >= 4 and len(groups) >= 2 and len(entity_groups) >= 2:
        return "C"
    if len(used) >= 3 and len(groups) >= 2:
        return "B"
    return "A" if used else "0"


def tiers(root: Any) -> Tiers:
    """The tiers of a parsed EDM document (an rdf:RDF element)."""
    cho = root.find(f"{{{_EDM}}}ProvidedCHO")
    aggregation = root.find(f"{{{_ORE}}}Aggregation")
    if cho is None or aggregation is None:
        return Tiers(0, "0", "0", "0")
    entities = _entities(root)
    linked = list({id(e): e for e in _linked(cho, entities)}.values())
    shown = aggregation.find(f"{{{_EDM}}}isShownAt")
    shown_by = aggregation.find(f"{{{_EDM}}}isShownBy")
    content = 1 if shown is not None or shown_by is not None else 0
    contextual = "C" if len(linked) >= 2 else "B" if linked else "A"
    return Tiers(content, _language_tier(cho, entities), _enabling_tier(cho, linked), contextual)
