"""The hub's native Europeana rules fail exactly where Europeana's schematron fails.

Each case breaks a ready EDM document one way; Saxon runs Europeana's schematron on it,
`crosswalks.edm_rules.check` runs on the same parsed document, and both must name the
same rules (the schematron's asserts mapped to our rule ids by their XPath test).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from lxml import etree

from crosswalks import edm_rules
from crosswalks.edm import EdmOptions, EdmSource, write
from tests.crosswalks.europeana import Europeana, SchematronFailure

ROOT = Path(__file__).resolve().parents[2]
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS = {
    "rdf": RDF,
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "edm": "http://www.europeana.eu/schemas/edm/",
    "ore": "http://www.openarchives.org/ore/terms/",
}
OPTIONS = EdmOptions(
    provider="Czech aggregator",
    default_rights="http://rightsstatements.org/vocab/InC/1.0/",
    public_url="http://hub.example.org",
    local=EdmSource(name="Test hub"),
)
# The schematron's assertion (its XPath test, whitespace folded) -> our rule id.
SCHEMATRON_RULES = [
    ("count(edm:ProvidedCHO) = 1", "one-cho"),
    ("count(ore:Aggregation) = 1", "one-aggregation"),
    ("dc:title or dc:description", "title-or-description"),
    ("(dc:title and dc:title[normalize-space(text())!=''])", "title-or-description"),
    ("(dc:title and normalize-space(dc:title)!='')", "title-or-description"),
    ("dc:subject or dc:type or dct:temporal or dct:spatial", "subject-type-temporal-spatial"),
    ("dc:subject[@rdf:resource]", "subject-type-temporal-spatial"),
    ("((dc:subject and", "subject-type-temporal-spatial"),
    ("not(edm:type='TEXT')", "language-for-text"),
    ("(edm:isShownAt and", "shown-at-or-by"),
    ("edm:dataProvider", "data-provider"),
    ("edm:provider", "provider"),
    ("edm:rights and exists(edm:rights/@rdf:resource)", "rights"),
    ("lib:isValidRightsField(@rdf:resource)", "rights-value"),
    ("not(@xml:lang = '')", "empty-lang"),
    ("not(@rdf:resource = '')", "empty-resource"),
    ("not(@rdf:resource and text())", "resource-and-text"),
    # two assertions carry no test attribute: matched by the start of their message
    ("A ProvidedCHO must have at least one of dc:subject", "subject-type-temporal-spatial"),
    ("A ProvidedCHO must have a non empty dc:title", "title-or-description"),
]


def _rule_of(failure: SchematronFailure) -> str:
    test = failure.test or failure.text
    for start, rule in SCHEMATRON_RULES:
        if test.startswith(start):
            return rule
    if test == "exists(./@rdf:resource) or normalize-space(.)!=''":  # present but blank
        return "data-provider" if "dataProvider" in failure.text else "provider"
    raise AssertionError(f"a schematron assertion without a rule here: {test}")


def _ready_document() -> etree._Element:
    with (ROOT / "oai" / "demo" / "records.jsonl").open(encoding="utf-8") as lines:
        record = json.loads(next(lines))
    return etree.fromstring(write(record, OPTIONS))


def _found(root: etree._Element, path: str) -> list[etree._Element]:
    return cast(list[etree._Element], root.xpath(path, namespaces=NS))


def _remove(path: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for element in _found(root, path):
            parent = element.getparent()
            assert parent is not None
            parent.remove(element)

    return mutate


def _set(path: str, attribute: str, value: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for element in _found(root, path):
            element.set(attribute, value)

    return mutate


def _text(path: str, value: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        for element in _found(root, path):
            element.text = value

    return mutate


def _twice(path: str) -> Callable[[etree._Element], None]:
    def mutate(root: etree._Element) -> None:
        element = _found(root, path)[0]
        root.append(etree.fromstring(etree.tostring(element)))

    return mutate


def _blank_title(root: etree._Element) -> None:
    _remove("edm:ProvidedCHO/dc:description")(root)
    _text("edm:ProvidedCHO/dc:title", "  ")(root)


CASES: dict[str, Callable[[etree._Element], None]] = {
    "nothing broken": lambda root: None,
    "no title or description": _remove("edm:ProvidedCHO/dc:title|edm:ProvidedCHO/dc:description"),
    "blank title, no description": _blank_title,
    "no subject, type, temporal or spatial": _remove(
        "edm:ProvidedCHO/dc:subject|edm:ProvidedCHO/dc:type"
        "|edm:ProvidedCHO/dcterms:temporal|edm:ProvidedCHO/dcterms:spatial"
    ),
    "text without a language": _remove("edm:ProvidedCHO/dc:language"),
    "no landing page": _remove("ore:Aggregation/edm:isShownAt"),
    "no data provider": _remove("ore:Aggregation/edm:dataProvider"),
    "blank data provider": _text("ore:Aggregation/edm:dataProvider", " "),
    "blank provider": _text("ore:Aggregation/edm:provider", ""),
    "rights not Europeana's": _set(
        "ore:Aggregation/edm:rights", f"{{{RDF}}}resource", "https://example.org/licence"
    ),
    "rights with https": _set(
        "ore:Aggregation/edm:rights",
        f"{{{RDF}}}resource",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "empty xml:lang": _set(
        "edm:ProvidedCHO/dc:title", "{http://www.w3.org/XML/1998/namespace}lang", ""
    ),
    "empty rdf:resource": _set("edm:ProvidedCHO/dc:type", f"{{{RDF}}}resource", ""),
    "resource and text": _text("edm:ProvidedCHO/dc:type", "Text"),
    "two aggregations": _twice("ore:Aggregation"),
    "two provided CHOs": _twice("edm:ProvidedCHO"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_native_rules_agree_with_europeanas_schematron(europeana: Europeana, case: str) -> None:
    root = _ready_document()
    CASES[case](root)
    document = etree.tostring(root)
    theirs = {_rule_of(f) for f in europeana.schematron_failures(document)}
    ours = {f.rule for f in edm_rules.check(etree.fromstring(document))}
    assert ours == theirs
    assert (case == "nothing broken") == (not ours)
