"""Demo data: the seed document and its seven related documents, shipped with the package.

The seed is a 1961 report of the Soviet Embassy in Cuba, kept by the National Archives
of the Czech Republic and published, translated, by the History and Public Policy
Program Digital Archive (record 301006). Each related document it lists is a record
of its own, with the date, title and summary the seed gives.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from oai.hub import Hub
from oai.importing import ImportSummary, import_records
from records.errors import ImportFileError
from records.jsonl import read_json_records
from records.model import Record

__all__ = ["demo_records", "demo_records_path", "load_demo_records"]


def demo_records_path() -> Path:
    return Path(str(resources.files("oai.demo").joinpath("records.jsonl")))


def demo_records() -> list[Record]:
    """The 8 demo records; an error here is a packaging bug, so it is raised."""
    records: list[Record] = []
    for item in read_json_records(demo_records_path()):
        if isinstance(item, ImportFileError):
            raise item
        records.append(item)
    return records


def load_demo_records(hub: Hub) -> ImportSummary:
    """Write the demo records; loading them again changes nothing."""
    summary = ImportSummary()
    import_records(hub, demo_records(), summary, actor="oai demo load")
    return summary
