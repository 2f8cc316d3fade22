"""Crosswalk throughput: records/s for record -> each outbound format and for each inbound
format, on one core.

    .venv/bin/python bench/crosswalk_bench.py [--seconds 1.0]

Outbound uses generated records shaped like the archive's (title, date, summary,
classification, donor, agents, source citation, subjects, places, related documents).
Inbound reads what the writers produce and, when ../shared is beside the project, every
sample file (a finding aid counts one record per component). Figures are medians of a
few timed rounds of CPU time of this one process (`time.process_time`), so that other
work on the small shared machine (2 cores, noisy) does not count against us; expect
+-15% between runs all the same.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crosswalks import default_registry, parse_xml, read_element, render  # noqa: E402
from crosswalks.ape_ead import FINDING_AID_LEVELS, write_finding_aid  # noqa: E402
from crosswalks.edm import EdmOptions, EdmSource, assess  # noqa: E402
from crosswalks.hierarchy import Hierarchy  # noqa: E402

SHARED = Path(os.environ.get("OAI_TEST_SHARED", ROOT.parent / "shared"))


def make_record(n: int) -> dict[str, Any]:
    """A record like the archive's, varied by `n`."""
    month = n % 12 + 1
    return {
        "id": f"{300000 + n}",
        "title": f"Document {n} from the Soviet Embassy in Cuba Requesting Soviet Support",
        "date": {
            "text": f"{month}/1961",
            "start": f"1961-{month:02d}",
            "end": f"1961-{month:02d}",
            "precision": "month",
        },
        "summary": "In a 1961 top secret report, the Soviet embassy painted a very dire "
        "situation on the island with US-backed counter-revolutionary forces gaining momentum",
        "transcript": "The Cuban leadership is seriously alarmed ... (p. 1) ... " * 20,
        "creators": [{"name": "Soviet Embassy in Cuba", "kind": "organization"}],
        "contributors": [{"name": "Radoslav Yordanov", "role": "translator", "kind": "person"}],
        "publisher": "Wilson Center Digital Archive",
        "source": {
            "citation": "Národní Archiv České Republiky (National Archives of the Czech "
            "Republic), ÚV KSČ, Antonín Novotný – Zahraničí, Karton 121, Komunistická "
            "strana Kuby.",
            "archive": "Národní Archiv České Republiky",
            "container": "Karton 121",
        },
        "rights": "The History and Public Policy Program welcomes reuse of Digital Archive "
        "materials for research and educational purposes.",
        "languages": ["eng"],
        "record_id": f"{300000 + n}",
        "classification": "Top Secret",
        "donors": ["Blavatnik Family Foundation"],
        "subjects": ["Cuban Missile Crisis", "Bay of Pigs Invasion, 1961"],
        "places": ["Cuba"],
        "people": ["Castro, Fidel", "Khrushchev, Nikita"],
        "genres": ["Report"],
        "dcmi_type": "Text",
        "collections": [{"spec": "cuban-missile-crisis", "name": "Cuban Missile Crisis"}],
        "related": [
            {
                "relation": "references",
                "title": f"Related document {n + k}",
                "url": f"https://digitalarchive.example.org/document/{n + k}",
            }
            for k in range(1, 4)
        ],
        "url": f"https://digitalarchive.example.org/document/{300000 + n}",
        "uploaded": "2024-09-19",
    }


def rate(work: Callable[[], int], seconds: float, rounds: int = 5) -> float:
    """Median records per second of `work` (which returns how many records it did)."""
    work()  # warm up
    results = []
    for _ in range(rounds):
        done, started = 0, time.process_time()
        while (elapsed := time.process_time() - started) < seconds / rounds:
            done += work()
        results.append(done / elapsed)
    return statistics.median(results)


def outbound(seconds: float) -> None:
    registry = default_registry()
    records = [make_record(n) for n in range(500)]
    print("record -> format (generated archive-like records)")
    for fmt in registry.outbound():

        def work(prefix: str = fmt.prefix) -> int:
            for record in records:
                render(registry, prefix, record)
            return len(records)

        print(f"  {fmt.prefix:<12} {rate(work, seconds):>10,.0f} records/s")


def _inbound_inputs() -> list[tuple[str, bytes]]:
    registry = default_registry()
    inputs = [
        (f"{f.prefix} (own output)", render(registry, f.prefix, make_record(7)))
        for f in registry.outbound()
    ]
    fixtures = ROOT / "tests" / "crosswalks" / "data"  # the project's own partner-like files
    inputs += [(p.name, p.read_bytes()) for p in sorted(fixtures.glob("*.xml"))]
    samples = SHARED / "samples"
    if samples.is_dir():
        inputs += [(p.name, p.read_bytes()) for p in sorted(samples.glob("*.xml"))]
    else:
        print(f"  ({samples} absent: partner samples skipped)")
    return inputs


def inbound(seconds: float) -> None:
    registry = default_registry()
    print("format -> record (parse + detect + read)")
    for name, data in _inbound_inputs():

        def work(data: bytes = data) -> int:
            return len(read_element(parse_xml(data), registry))

        print(f"  {name:<42} {rate(work, seconds):>10,.0f} records/s")


def _finding_aid() -> tuple[Mapping[str, Any], Hierarchy]:
    """The largest sample finding aid (ELZA EAD3, 449 units), else a generated one."""
    sample = SHARED / "samples" / "elza_ead3_cz_findingaid-HK01812.xml"
    if sample.is_file():
        forms = read_element(parse_xml(sample.read_bytes()), default_registry())
    else:
        forms = [{**make_record(0), "id": "fonds", "level": "fonds"}]
        forms += [
            {
                **make_record(n),
                "id": f"u{n}",
                "level": "file",
                "related": [{"relation": "isPartOf", "id": "fonds", "title": "fonds"}],
            }
            for n in range(1, 450)
        ]
    hierarchy = Hierarchy(forms)
    return hierarchy.roots()[0], hierarchy


def aggregators(seconds: float) -> None:
    """edm per record (the writer and Europeana's rules), ape_ead per unit of a finding aid."""
    options = EdmOptions(
        provider="bench aggregator",
        default_rights="http://rightsstatements.org/vocab/CNE/1.0/",
        local=EdmSource(name="bench hub"),
    )
    records = [make_record(n) for n in range(500)]
    assert all(assess(r, options).ready for r in records[:5])

    def edm_work() -> int:
        for record in records:
            assess(record, options)
        return len(records)

    head, hierarchy = _finding_aid()
    units = len(hierarchy.by_id)

    def ape_work() -> int:
        write_finding_aid(head, hierarchy.children_of)
        return units

    print("aggregators (µs per record, CPU of one core)")
    for label, work, unit in (
        ("edm", edm_work, "record (EDM with Europeana's rules checked)"),
        ("ape_ead", ape_work, f"unit of a finding aid of {units} units"),
    ):
        per_second = rate(work, seconds)
        print(f"  {label:<12} {1e6 / per_second:>10,.1f} µs per {unit}")


def hub_finding_aid(seconds: float) -> None:
    """A finding aid in the hub: assembled from the store, and a unit written with it.

    The ELZA sample (449 units) imported into a SQLite hub in a temporary directory; a
    finding aid is read from `record_parents` and rendered (`FindingAids.render`), and a
    changed unit is written with the renderer the imports use, which renders the unit,
    makes its EDM with what it inherits and assembles its fonds' finding aid again."""
    sample = SHARED / "samples" / "elza_ead3_cz_findingaid-HK01812.xml"
    if not sample.is_file():
        print("hub finding aid: no sample (set OAI_TEST_SHARED)")
        return
    from dataclasses import replace

    from oai.hub import Hub
    from oai.importing import import_paths
    from oai.rendering import StoreRenderer
    from oai.settings import load_settings
    from records.hierarchy import descendants, heads_of

    with tempfile.TemporaryDirectory() as tmp:
        overrides = {
            "database_url": f"sqlite:///{tmp}/bench.sqlite",
            "data_dir": tmp,
            "secret_key": "bench",
            "edm.provider": "bench aggregator",
            "edm.default_rights": "http://rightsstatements.org/vocab/CNE/1.0/",
        }
        with Hub.from_settings(load_settings(env={}, overrides=overrides), migrate=True) as hub:
            import_paths(hub, [sample])
            aids = hub.finding_aids
            assert aids is not None
            ids = [r.id for r in hub.store.iter_records()]
            with hub.engine.connect() as conn:
                heads = sorted(heads_of(conn, ids, FINDING_AID_LEVELS))
                below = descendants(conn, heads[0])
            units = sum(len(v) for v in below.values())
            leaf = next(u for v in below.values() for u in v if u["id"] not in below)
            record = hub.store.get(leaf["id"])

            def assemble() -> int:
                with hub.engine.connect() as conn:
                    aids.render(conn, heads[0])
                return 1

            count = [0]

            def write_unit() -> int:
                count[0] += 1
                changed = replace(record, title=f"{record.title} ({count[0]})", header=None)
                renderer = StoreRenderer(hub.render_context)
                hub.store.put(changed, renderer=renderer)
                return 1

            print(f"hub finding aid ({units} units, SQLite; ms, CPU of one core)")
            for label, work, what in (
                ("assemble", assemble, "finding aid read from the store and rendered"),
                ("unit write", write_unit, "unit written, its fonds' finding aid re-assembled"),
            ):
                per_second = rate(work, seconds)
                print(f"  {label:<12} {1e3 / per_second:>10,.1f} ms per {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    args = parser.parse_args()
    cpus = os.cpu_count()
    print(
        f"machine: {platform.machine()}, {cpus} cores (shared, noisy), Python "
        f"{platform.python_version()}, lxml {__import__('lxml.etree').etree.__version__}; "
        "CPU time of one process on one core"
    )
    outbound(args.seconds)
    inbound(args.seconds)
    aggregators(args.seconds)
    hub_finding_aid(args.seconds)


if __name__ == "__main__":
    main()
