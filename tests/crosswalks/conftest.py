"""Fixtures of the crosswalk tests: the archive's sample record, schemas, the registry."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, cast

import pytest
from lxml import etree

from crosswalks import Registry, default_registry
from records.model import Record
from tests.crosswalks.europeana import Europeana

DATA = Path(__file__).parent / "data"


@pytest.fixture
def registry() -> Registry:
    return default_registry()


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def archive_record() -> dict[str, Any]:
    """The archive's record of the seed document, in its JSON form (every field used)."""
    record = Record.from_dict(
        {
            "id": "301006",
            "title": "Document from the Soviet Embassy in Cuba Requesting Soviet Support "
            "Against 'Counter-revolutionary Gangs'",
            "date": {
                "text": "April 1961",
                "start": "1961-04",
                "end": "1961-04",
                "precision": "month",
            },
            "summary": "In a 1961 top secret report, the Soviet embassy painted a very dire "
            "situation on the island with US-backed counter-revolutionary forces gaining "
            "momentum",
            "transcript": "The Cuban leadership is seriously alarmed ...\n\n(p. 1)\n\n...",
            "creators": [{"name": "Soviet Embassy in Cuba", "kind": "organization"}],
            "contributors": [{"name": "Radoslav Yordanov", "role": "translator", "kind": "person"}],
            "publisher": "Wilson Center Digital Archive",
            "source": {
                "citation": "Národní Archiv České Republiky (National Archives of the Czech "
                "Republic), ÚV KSČ, Antonín Novotný – Zahraničí, Karton 121, Komunistická "
                "strana Kuby. Contributed and translated by Radoslav Yordanov.",
                "archive": "Národní Archiv České Republiky",
                "fonds": "ÚV KSČ",
                "series": "Antonín Novotný – Zahraničí",
                "container": "Karton 121",
                "folder": "Komunistická strana Kuby",
            },
            "rights": "The History and Public Policy Program welcomes reuse of Digital "
            "Archive materials for research and educational purposes.",
            "access_rights": "Open access",
            "languages": ["eng"],
            "record_id": "301006",
            "classification": "Top Secret",
            "donors": ["Blavatnik Family Foundation"],
            "subjects": ["Cuban Missile Crisis", "Bay of Pigs Invasion, 1961"],
            "places": ["Cuba", "Havana"],
            "people": ["Castro, Fidel", "Khrushchev, Nikita Sergeevich, 1894-1971"],
            "organizations": ["United Nations. General Assembly"],
            "genres": ["Report"],
            "formats": ["application/pdf"],
            "extent": ["3 pages"],
            "level": "item",
            "collections": [{"spec": "cuban-missile-crisis", "name": "Cuban Missile Crisis"}],
            "related": [
                {
                    "relation": "references",
                    "title": "Information of the Soviet Ambassador in Cuba on 18 April",
                    "date": {
                        "text": "April 1961",
                        "start": "1961-04",
                        "end": "1961-04",
                        "precision": "month",
                    },
                    "url": "https://digitalarchive.example.org/document/118019",
                    "id": "118019",
                },
                {
                    "relation": "references",
                    "title": "J. Miller, 'The Danger of Military Aggression against Cuba'",
                    "date": {
                        "text": "January 9, 1961",
                        "start": "1961-01-09",
                        "end": "1961-01-09",
                        "precision": "day",
                    },
                },
            ],
            "identifiers": [{"type": "uuid", "value": "9b0f6a1e-3c55-4a4e-8f3b-2d1c0e9a7f11"}],
            "notes": [{"type": "language", "text": "Translated from Russian"}],
            "url": "https://digitalarchive.example.org/document/301006",
            "uploaded": "2024-09-19",
        }
    )
    return record.to_dict()


class _SchemaResolver(etree.Resolver):
    """Serves DCMI's canonical qdc schema URLs from ../shared/schemas; nothing else."""

    def __init__(self, schemas: Path) -> None:
        super().__init__()
        self.schemas = schemas

    def resolve(  # type: ignore[override]  # lxml-stubs omit the context argument
        self, system_url: str, public_id: str, context: object
    ) -> Any:
        prefix = "http://dublincore.org/schemas/xmls/qdc/"
        if system_url.startswith(prefix):
            name = system_url.rsplit("/", 1)[-1]
            return cast(Any, self).resolve_filename(str(self.schemas / name), context)
        return None


def _schema_from(path: str, schemas: Path | None) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    if schemas is not None:
        parser.resolvers.add(_SchemaResolver(schemas))
    return etree.XMLSchema(etree.parse(path, parser))


@pytest.fixture(scope="session")
def dcterms_schema(schemas_dir: Path) -> etree.XMLSchema:
    """The packaged oai_dcterms container schema, with DCMI's dcterms.xsd from ../shared."""
    path = resources.files("crosswalks") / "schemas" / "oai_dcterms.xsd"
    return _schema_from(str(path), schemas_dir)


@pytest.fixture(scope="session")
def native_schema() -> etree.XMLSchema:
    path = resources.files("crosswalks") / "schemas" / "oaihub-record-1.0.xsd"
    return _schema_from(str(path), None)


@pytest.fixture(scope="session")
def check_schema() -> Callable[[etree.XMLSchema, bytes], None]:
    def check(schema: etree.XMLSchema, document: bytes) -> None:
        ok = schema.validate(etree.fromstring(document))
        assert ok, "\n".join(str(e) for e in cast(Any, schema.error_log))

    return check


@pytest.fixture(scope="session")
def europeana(schemas_dir: Path) -> Europeana:
    """Europeana's EDM.xsd and schematron (through Saxon), loaded once."""
    return Europeana(schemas_dir / "edm")
