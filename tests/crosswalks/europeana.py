"""Europeana's own checks of an EDM document, as its Metis harvester runs them.

EDM.xsd through lxml, and the schematron (XSLT 2.0, compiled to `schematron.xsl` by
Europeana) through Saxon (`saxonche`), from ../shared/schemas/edm. Test-only: the hub
decides readiness with `crosswalks.edm_rules`, which the tests hold against these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lxml import etree
from saxonche import PySaxonProcessor

__all__ = ["Europeana", "SchematronFailure", "split_documents"]

SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@dataclass(frozen=True)
class SchematronFailure:
    """One failed assertion: its XPath test and its message."""

    test: str
    text: str


class Europeana:
    """EDM.xsd and the schematron, loaded once (a session fixture)."""

    def __init__(self, edm_dir: Path) -> None:
        parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
        self.schema = etree.XMLSchema(etree.parse(str(edm_dir / "EDM.xsd"), parser))
        self._processor = PySaxonProcessor(license=False)
        compiler = self._processor.new_xslt30_processor()
        stylesheet = str(edm_dir / "schematron" / "schematron.xsl")
        self._schematron: Any = compiler.compile_stylesheet(stylesheet_file=stylesheet)

    def schema_errors(self, document: bytes) -> list[str]:
        ok = self.schema.validate(etree.fromstring(document))
        return [] if ok else [str(e) for e in cast(Any, self.schema.error_log)]

    def schematron_failures(self, document: bytes) -> list[SchematronFailure]:
        node = self._processor.parse_xml(xml_text=document.decode("utf-8"))
        report = self._schematron.transform_to_string(xdm_node=node)
        root = etree.fromstring(report.encode("utf-8"))
        return [
            SchematronFailure(
                " ".join((failed.get("test") or "").split()),
                " ".join("".join(str(t) for t in failed.itertext()).split()),
            )
            for failed in root.iter(f"{SVRL}failed-assert")
        ]


def split_documents(output: str) -> list[bytes]:
    """The rdf:RDF documents `oai crosswalk --to edm` printed one after another."""
    marker = "<rdf:RDF"
    parts = output.split(marker)
    return [(marker + part).encode("utf-8") for part in parts[1:]]
