"""Europeana's rules for an EDM record, checked natively (no Saxon, no XPath 2.0).

Each rule restates one assertion of Europeana's schematron (europeana/metis-schema,
`schematron/schematron.xsl`, the one Metis runs at harvest); `tests/crosswalks/
test_edm_rules.py` runs that schematron through Saxon on the same documents and checks
that both fail the same rules. The checks read any tree whose elements have `tag`,
`text`, `attrib` and children: the writer's output tree or a parsed lxml document.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crosswalks.rights import is_europeana_rights

__all__ = ["RULES", "Failure", "check"]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_EDM = "http://www.europeana.eu/schemas/edm/"
_ORE = "http://www.openarchives.org/ore/terms/"
_RESOURCE = f"{{{_RDF}}}resource"
_ABOUT = f"{{{_RDF}}}about"
_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# rule id -> what Europeana's schematron says when it fails (its wording, shortened)
RULES: dict[str, str] = {
    "one-cho": "exactly one edm:ProvidedCHO",
    "one-aggregation": "exactly one ore:Aggregation",
    "title-or-description": "a ProvidedCHO must have a non-empty dc:title or dc:description",
    "subject-type-temporal-spatial": (
        "a ProvidedCHO must have a non-empty dc:subject, dc:type, dcterms:temporal or"
        " dcterms:spatial"
    ),
    "language-for-text": "dc:language is mandatory when edm:type is TEXT",
    "shown-at-or-by": "an ore:Aggregation must have edm:isShownAt or edm:isShownBy",
    "data-provider": "an ore:Aggregation must have a non-empty edm:dataProvider",
    "provider": "an ore:Aggregation must have a non-empty edm:provider",
    "rights": "an ore:Aggregation must have edm:rights with an rdf:resource",
    "rights-value": "edm:rights must be a rights statement Europeana accepts",
    "empty-lang": "no empty xml:lang attribute",
    "empty-resource": "no empty rdf:resource attribute",
    "empty-about": "no empty rdf:about attribute",
    "resource-and-text": "no element with both rdf:resource and text",
}


@dataclass(frozen=True, slots=True)
class Failure:
    """One rule a record fails, and where."""

    rule: str
    where: str = ""

    def __str__(self) -> str:
        place = f" ({self.where})" if self.where else ""
        return f"{self.rule}: {RULES[self.rule]}{place}"


def _attr(element: Any, name: str) -> str | None:
    attrib = element.attrib
    return attrib.get(name) if attrib else None


def _children(element: Any, tag: str) -> list[Any]:
    return [child for child in element if child.tag == tag]


def _filled(elements: Iterable[Any]) -> bool:
    """An element with an rdf:resource or non-blank text (the schematron's test)."""
    return any(_attr(e, _RESOURCE) is not None or (e.text or "").strip() for e in elements)


def _walk(element: Any) -> Iterator[Any]:
    yield element
    for child in element:
        if isinstance(child.tag, str):
            yield from _walk(child)


def _named(element: Any, *tags: str) -> list[Any]:
    return [child for child in element if child.tag in tags]


def _cho(cho: Any) -> Iterator[Failure]:
    about = _attr(cho, _ABOUT) or ""
    if not _filled(_named(cho, f"{{{_DC}}}title", f"{{{_DC}}}description")):
        yield Failure("title-or-description", about)
    kinds = (
        f"{{{_DC}}}subject",
        f"{{{_DC}}}type",
        f"{{{_DCTERMS}}}temporal",
        f"{{{_DCTERMS}}}spatial",
    )
    if not _filled(_named(cho, *kinds)):
        yield Failure("subject-type-temporal-spatial", about)
    types = [(c.text or "") for c in _children(cho, f"{{{_EDM}}}type")]
    if "TEXT" in types and not _children(cho, f"{{{_DC}}}language"):
        yield Failure("language-for-text", about)


def _aggregation(aggregation: Any) -> Iterator[Failure]:
    about = _attr(aggregation, _ABOUT) or ""
    shown = [
        c
        for c in aggregation
        if c.tag in (f"{{{_EDM}}}isShownAt", f"{{{_EDM}}}isShownBy")
        and _attr(c, _RESOURCE) is not None
    ]
    if not shown:
        yield Failure("shown-at-or-by", about)
    for rule, tag in (("data-provider", "dataProvider"), ("provider", "provider")):
        if not _filled(_children(aggregation, f"{{{_EDM}}}{tag}")):
            yield Failure(rule, about)
    rights = _children(aggregation, f"{{{_EDM}}}rights")
    if not any(_attr(r, _RESOURCE) is not None for r in rights):
        yield Failure("rights", about)
    for element in rights:
        uri = _attr(element, _RESOURCE)
        if uri is not None and not is_europeana_rights(uri):
            yield Failure("rights-value", uri)


def _attributes(root: Any) -> Iterator[Failure]:
    for element in _walk(root):
        name = str(element.tag).rpartition("}")[2]
        if _attr(element, _LANG) == "":
            yield Failure("empty-lang", name)
        resource = _attr(element, _RESOURCE)
        if resource == "":
            yield Failure("empty-resource", name)
        if _attr(element, _ABOUT) == "":
            yield Failure("empty-about", name)
        if resource is not None and (element.text or "").strip():
            yield Failure("resource-and-text", name)


def check(root: Any) -> list[Failure]:
    """Every rule an rdf:RDF tree fails (an empty list: ready for Europeana)."""
    failures: list[Failure] = []
    chos = _children(root, f"{{{_EDM}}}ProvidedCHO")
    aggregations = _children(root, f"{{{_ORE}}}Aggregation")
    if len(chos) != 1:
        failures.append(Failure("one-cho", f"{len(chos)} found"))
    if len(aggregations) != 1:
        failures.append(Failure("one-aggregation", f"{len(aggregations)} found"))
    for cho in chos:
        failures.extend(_cho(cho))
    for aggregation in aggregations:
        failures.extend(_aggregation(aggregation))
    failures.extend(_attributes(root))
    return failures
