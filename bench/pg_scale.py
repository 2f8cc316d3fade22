"""PostgreSQL at scale: load N records, serve them, harvest them, EXPLAIN every query.

    .venv/bin/python bench/pg_scale.py N [--workers 2] [--postgres URL] [--keep]
                                         [--skip-sqlite] [--skip-harvest]

1. Loads N records (about 1.9 kB of oai_dc each, the provider benchmark's records) into
   a PostgreSQL schema `scale_<N>` with COPY, in batches of 50,000 (the triggers that
   keep the list sizes run once per batch), and the same records into a SQLite file.
2. Serves each with `oai serve --workers W` and prints the latency of the first page of
   a list (plain, with a set, with a `from` half way), the second page and a page 90%
   deep; then harvests every record with a fetch-only client and a parsing client and
   prints records/s, and PostgreSQL's rate as a share of SQLite's in the same run.
3. Prints the server's peak memory and the database size per record.
4. Runs what the provider, the harvester (a harvest of the demo partner into the
   PostgreSQL hub of N records) and the admin (its dashboard and lists) ask of the
   database, captures every SELECT, and EXPLAINs each at N records: a sequential scan
   of a record table or a sort of more rows than a page is flagged.

`--keep` keeps the loaded schema and SQLite file (under /tmp/pg_scale_<N>) for the next
run. At 1,000,000 records it needs about 6 GB of disk and a quarter of an hour on two
cores; at 10,000,000 ten times that (see the README).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import Engine, create_engine, event, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import provider_bench as pb
from _common import free_port, provider_env, start_provider

from oai.hub import Hub
from oai.settings import load_settings

BIG_TABLES = {"records", "record_sets", "rendered_metadata", "record_versions"}
BATCH = 50_000


# -- loading ------------------------------------------------------------------------------


def schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def load_postgres(url: str, hub: Hub, n: int) -> None:
    """N records into the migrated schema with COPY, in batches (one trigger run each)."""
    forms = pb.templates(hub)
    engine = create_engine(url)
    raw: Any = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            sets = [("coll", "All collections", None)] + [
                (f"coll:{k}", f"Collection {k}", f"Generated collection {k}")
                for k in range(pb.SETS)
            ]
            cur.executemany("INSERT INTO sets (spec, name, description) VALUES (%s, %s, %s)", sets)
            for start in range(0, n, BATCH):
                rows = list(_rows(forms, start, min(n, start + BATCH)))
                with cur.copy(
                    "COPY records (pk, local_id, datestamp, deleted, title, content,"
                    " content_hash, version, created_at) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row[0])
                with cur.copy(
                    "COPY record_sets (set_spec, record_pk, datestamp, direct) FROM STDIN"
                ) as copy:
                    for row in rows:
                        for member in row[1]:
                            copy.write_row(member)
                with cur.copy(
                    "COPY rendered_metadata (record_pk, prefix, xml, crosswalk_version) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row[2])
                raw.commit()
                print(f"  loaded {min(n, start + BATCH):,} of {n:,}", flush=True)
            cur.execute("SELECT setval(pg_get_serial_sequence('records', 'pk'), %s)", (n,))
        raw.commit()
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    finally:
        raw.close()
        engine.dispose()


def _rows(forms: list[Any], start: int, stop: int) -> Iterator[tuple[Any, list[Any], Any]]:
    import hashlib

    for i in range(start, stop):
        pk, stamp, title = i + 1, pb.T0 + i, f"Generated record {i}"
        content = json.dumps({"id": f"g{i}", "title": title}, separators=(",", ":"))
        digest = hashlib.sha256(content.encode()).hexdigest()
        record = (pk, f"g{i}", stamp, False, title, content, digest, 1, stamp)
        members = [("coll", pk, stamp, False), (f"coll:{i % pb.SETS}", pk, stamp, True)]
        template, version = forms[i % len(forms)]["oai_dc"]
        yield record, members, (pk, "oai_dc", pb.with_title(template, title), version)


def postgres_size(url: str, schema: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(
            text(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                " JOIN pg_namespace s ON s.oid = c.relnamespace"
                " WHERE s.nspname = :schema AND c.relkind = 'r'"
            ),
            {"schema": schema},
        ).scalar_one()
    engine.dispose()
    return int(size)


def loaded(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM records").scalar_one())
    except Exception:
        return -1
    finally:
        engine.dispose()


# -- serving and harvesting ---------------------------------------------------------------


def serve_and_harvest(label: str, env: dict[str, str], n: int, workers: int) -> dict[str, float]:
    port = free_port()
    server = start_provider(env, port, workers)
    url = f"http://127.0.0.1:{port}/oai"
    session = requests.Session()
    figures: dict[str, float] = {}
    try:

        def get(**params: str) -> Callable[[], bytes]:
            return lambda: session.get(url, params=params, timeout=300).content

        half = pb.stamp(pb.T0 + n // 2)
        figures["first"] = pb.latency(get(verb="ListRecords", metadataPrefix="oai_dc"))
        figures["first_set"] = pb.latency(
            get(verb="ListRecords", metadataPrefix="oai_dc", set="coll:3")
        )
        figures["first_from"] = pb.latency(
            get(verb="ListRecords", metadataPrefix="oai_dc", **{"from": half})
        )
        figures["second"] = pb.latency(
            get(verb="ListRecords", resumptionToken=pb.token_at(99, n, 100))
        )
        deep_at = int(n * 0.9)
        figures["deep"] = pb.latency(
            get(verb="ListRecords", resumptionToken=pb.token_at(deep_at - 1, n, 100))
        )
        print(
            f"{label:<10} first page {figures['first']:.1f} ms (set {figures['first_set']:.1f},"
            f" from half way {figures['first_from']:.1f}) | second {figures['second']:.1f} ms"
            f" | 90% deep {figures['deep']:.1f} ms: deep/second"
            f" {figures['deep'] / figures['second']:.2f}x,"
            f" first/deep {figures['first'] / figures['deep']:.2f}x",
            flush=True,
        )
        if not os.environ.get("PG_SCALE_SKIP_HARVEST"):
            for parse in (False, True):
                name = "parsing" if parse else "fetch-only"
                count, seconds = pb.timed_harvest(url, n, 1, parse)
                assert count == n, f"{label}: harvested {count} of {n}"
                figures[name] = count / seconds
                print(
                    f"{label:<10} ListRecords {name}: {count:,} records in {seconds:.1f} s"
                    f" = {count / seconds:,.0f} records/s",
                    flush=True,
                )
        master, worker_rss = pb.peak_memory(server.pid)
        print(
            f"{label:<10} server peak RSS: master {master / 1024:.0f} MiB, workers "
            f"{', '.join(f'{w / 1024:.0f}' for w in worker_rss)} MiB",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(30)
    return figures


# -- EXPLAIN ------------------------------------------------------------------------------


class Captured:
    """Every SELECT an engine runs, with its parameters, per activity."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.activity = ""
        self.seen: dict[str, tuple[str, str, Any]] = {}
        event.listen(engine, "before_cursor_execute", self._capture)

    def _capture(self, _conn: Any, _cur: Any, sql: str, params: Any, *_: Any) -> None:
        if not sql.lstrip().upper().startswith("SELECT"):
            return
        if "pg_catalog" in sql or "alembic_version" in sql or "information_schema" in sql:
            return
        key = re.sub(r"\s+", " ", sql)
        self.seen.setdefault(key, (self.activity, sql, params))


def explain(engine: Engine, captured: Captured) -> int:
    """EXPLAIN each captured statement; print one line each; the number flagged."""
    flagged = 0
    with engine.connect() as conn:
        for activity, sql, params in captured.seen.values():
            try:
                # ANALYZE: a plan that walks the wrong index and filters looks fine
                # unexecuted; executed, it shows the rows it threw away
                plan = conn.exec_driver_sql(
                    f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params
                ).scalar_one()
            except Exception as exc:
                conn.rollback()
                print(f"  ?    {activity:<10} {_short(sql)}  (EXPLAIN failed: {exc})")
                continue
            nodes = list(_nodes(plan[0]["Plan"]))
            problems = (
                [
                    f"Seq Scan on {node['Relation Name']}"
                    for node in nodes
                    if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG_TABLES
                ]
                + [
                    f"Sort of {int(node['Actual Rows']):,} rows"
                    for node in nodes
                    if node["Node Type"] == "Sort" and node["Actual Rows"] > 10_000
                ]
                + [
                    f"{node['Node Type']} threw away {removed:,} rows"
                    for node in nodes
                    if (removed := int(node.get("Rows Removed by Filter", 0))) > 10_000
                ]
            )
            scans = sorted(
                {
                    f"{node['Node Type']} {node.get('Index Name') or node.get('Relation Name')}"
                    for node in nodes
                    if "Scan" in node["Node Type"] and node.get("Relation Name") in BIG_TABLES
                }
            )
            verdict = "FLAG" if problems else "ok"
            took = plan[0].get("Execution Time", 0.0)
            scans.append(f"{took:.1f} ms")
            flagged += bool(problems)
            detail = "; ".join(problems or scans) or "no record table"
            print(f"  {verdict:<4} {activity:<10} {_short(sql)}  [{detail}]")
    return flagged


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _short(sql: str, width: int = 90) -> str:
    one = re.sub(r"\s+", " ", sql).strip()
    return one if len(one) <= width else one[: width - 3] + "..."


def exercise(url: str, data_dir: Path, n: int) -> None:
    """Run what the provider, the harvester and the admin ask of the database, with
    every SELECT captured, then EXPLAIN each at N records."""
    from oai.app import create_app
    from oai.demo.partner import build_partner, partner_server
    from oai.harvest import run_harvest
    from oai.web.admin import queries

    port = free_port()
    partner_hub, _summary = build_partner(data_dir / "partner", port)
    partner = partner_server(partner_hub, port)
    thread = threading.Thread(target=partner.serve_forever, daemon=True)
    thread.start()
    env = {
        "OAI_DATABASE_URL": url,
        "OAI_DATA_DIR": str(data_dir),
        "OAI_SECRET_KEY": pb.SECRET,
        "OAI_REPOSITORY__BASE_URL": "http://127.0.0.1/oai",
    }
    config = data_dir / "pg_scale.toml"
    config.write_text(
        "[[sources]]\n"
        'id = "demo-partner"\n'
        f'base_url = "http://127.0.0.1:{port}/oai"\n'
        'metadata_prefix = "oaihub"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, env=env)
    try:
        with Hub.from_settings(settings) as hub:
            captured = Captured(hub.engine)
            client = create_app(hub=hub).test_client()
            captured.activity = "provider"
            half = pb.stamp(pb.T0 + n // 2)
            for args in (
                {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
                {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "coll:3"},
                {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": half},
                {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": half},
                {"verb": "ListRecords", "resumptionToken": pb.token_at(int(n * 0.9), n, 100)},
                {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "g5"},
                {"verb": "ListSets"},
                {"verb": "Identify"},
                {"verb": "ListMetadataFormats", "identifier": "g5"},
            ):
                client.get("/oai", query_string=args)
            captured.activity = "harvester"
            result = run_harvest(hub, "demo-partner")
            print(f"harvest of the demo partner into {n:,} records: {result.status}")
            captured.activity = "admin"
            queries.record_counts(hub.engine)
            queries.source_overviews(hub)
            queries.hub_totals(hub.engine, hub.store.stats())
            hub.store.sets(limit=100)
            hub.store.listing.page(pb_selection(), None, 50, title=True)
            flagged = explain(hub.engine, captured)
            print(f"EXPLAIN: {len(captured.seen)} statements, {flagged} flagged")
    finally:
        partner.shutdown()
        partner_hub.close()


def pb_selection() -> Any:
    from records.listing import Selection

    return Selection()


# -- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "OAI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the data")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-harvest", action="store_true", help="latency and EXPLAIN only")
    args = parser.parse_args()
    if args.skip_harvest:
        os.environ["PG_SCALE_SKIP_HARVEST"] = "1"
    n = args.n
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}")
    schema = f"scale_{n}"
    url = schema_url(args.postgres, schema)
    work = Path(f"/tmp/pg_scale_{n}") if args.keep else Path(tempfile.mkdtemp(prefix="pg-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    admin = create_engine(args.postgres)
    try:
        if loaded(url) != n:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            env = provider_env(work / "unused.sqlite", work, pb.SECRET)
            env["OAI_DATABASE_URL"] = url
            started = time.perf_counter()
            with Hub.from_settings(load_settings(env=env), migrate=True) as hub:
                load_postgres(url, hub, n)
            took = time.perf_counter() - started
            print(f"postgresql loaded {n:,} records in {took:.0f} s ({n / took:,.0f} records/s)")
        db = work / "bench.sqlite"
        if not args.skip_sqlite and not db.exists():
            env = provider_env(db, work, pb.SECRET)
            started = time.perf_counter()
            with Hub.from_settings(load_settings(env=env), migrate=True) as hub:
                pb.generate(db, hub, n)
            print(f"sqlite     loaded {n:,} records in {time.perf_counter() - started:.0f} s")
        size = postgres_size(args.postgres, schema)
        print(f"postgresql size {size / n:,.0f} bytes a record ({size >> 20:,} MiB)")
        if db.exists():
            print(f"sqlite     size {db.stat().st_size / n:,.0f} bytes a record")
        env = provider_env(db, work, pb.SECRET, OAI_REPOSITORY__PAGE_SIZE="100")
        pg_env = {**env, "OAI_DATABASE_URL": url}
        pg = serve_and_harvest("postgresql", pg_env, n, args.workers)
        if not args.skip_sqlite:
            lite = serve_and_harvest("sqlite", env, n, args.workers)
            for name in ("fetch-only", "parsing"):
                if name in pg and name in lite:
                    print(f"postgresql/sqlite {name}: {pg[name] / lite[name]:.0%}")
        exercise(url, work, n)
    finally:
        if not args.keep:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
