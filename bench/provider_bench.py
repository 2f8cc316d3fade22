"""OAI-PMH provider benchmark: N records served by gunicorn as in production.

    python bench/provider_bench.py N [--workers 2] [--streams 2] [--keep DIR]

Generates N records straight into a fresh SQLite store (bulk insert; oai_dc rendered by
the real crosswalk and stored, as the import writer would), starts `oai serve` (gunicorn)
on 127.0.0.1 and prints:

* full ListRecords harvest throughput in records/s, with a client that only fetches
  (and finds the resumption token in the bytes) and with one that parses every record
  with lxml; one stream, and `--streams` concurrent streams over disjoint date ranges;
* latency of the first page (which counts completeListSize), of the second page and of
  a page 90% deep (through a token made for that position);
* the server's peak memory (VmHWM of the master and of each worker).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import bulk_insert, free_port, provider_env, start_provider  # noqa: E402

from oai.hub import Hub  # noqa: E402
from oai.keys import Keys  # noqa: E402
from oai.protocol.tokens import ResumptionToken, TokenCodec  # noqa: E402
from oai.settings import load_settings  # noqa: E402
from records.model import Record  # noqa: E402

SECRET = "provider-bench-secret"
T0 = 1_600_000_000  # first datestamp (2020-09-13); one record per second after it
SETS = 10
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]*)</resumptionToken>")
OAI = "{http://www.openarchives.org/OAI/2.0/}"


# -- data ---------------------------------------------------------------------------------


def templates(hub: Hub) -> list[dict[str, tuple[etree._Element, str]]]:
    """Per demo record: its oai_dc rendered by the real crosswalk, parsed.

    The seed record is left out: its full transcript (in the native format) would make
    the generated database ten times larger than a typical catalogue's.
    """
    demo = ROOT / "oai" / "demo" / "records.jsonl"
    out = []
    for line in demo.read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        if data.get("transcript"):
            continue
        data["title"] = "BENCH-TITLE"
        xml, version = hub.render(Record.from_dict(data))["oai_dc"]
        out.append({"oai_dc": (etree.fromstring(xml), version)})
    return out


def with_title(template: etree._Element, title: str) -> bytes:
    """A copy of a rendered record with another title (set through lxml)."""
    copy = deepcopy(template)
    for element in copy.iter():
        if element.text == "BENCH-TITLE":
            element.text = title
    return etree.tostring(copy, encoding="UTF-8")


def generate(db: Path, hub: Hub, n: int) -> None:
    forms = templates(hub)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executemany(
        "INSERT INTO sets (spec, name, description) VALUES (?, ?, ?)",
        [("coll", "All collections", None)]
        + [(f"coll:{k}", f"Collection {k}", f"Generated collection {k}") for k in range(SETS)],
    )
    batch = 20_000
    for start in range(0, n, batch):
        recs, sets, rendered = [], [], []
        for i in range(start, min(n, start + batch)):
            pk, stamp, title = i + 1, T0 + i, f"Generated record {i}"
            content = json.dumps({"id": f"g{i}", "title": title}, separators=(",", ":"))
            digest = hashlib.sha256(content.encode()).hexdigest()
            recs.append((pk, f"g{i}", stamp, 0, title, content, digest, 1, stamp))
            sets.append(("coll", pk, stamp, 0))
            sets.append((f"coll:{i % SETS}", pk, stamp, 1))
            for prefix, (template, version) in forms[i % len(forms)].items():
                rendered.append((pk, prefix, with_title(template, title), version))
        bulk_insert(conn, recs, sets, rendered)
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


# -- server -------------------------------------------------------------------------------


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master and its workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    total = 0
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def peak_memory(pid: int) -> tuple[int, list[int]]:
    """VmHWM in KiB of the master and of each of its children."""

    def hwm(p: int) -> int:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return hwm(pid), [hwm(int(c)) for c in children]


# -- clients ------------------------------------------------------------------------------


def harvest(url: str, params: dict[str, str], parse: bool) -> int:
    """Follow the tokens to the end; count records (parsing each one when `parse`).

    http.client on one connection: `requests` costs the client several times more CPU
    per page, and client and server share this machine's two cores.
    """
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
    count, query = 0, urlencode(params)
    while True:
        conn.request("GET", f"{parts.path}?{query}")
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, body[:200]
        if parse:
            root = etree.fromstring(body)
            for rec in root.iter(f"{OAI}record"):
                header = rec.find(f"{OAI}header")
                assert header is not None and header.findtext(f"{OAI}identifier")
                metadata = rec.find(f"{OAI}metadata")
                assert metadata is not None and len(metadata) == 1
                count += 1
        else:
            count += body.count(b"<record>")
        match = TOKEN.search(body, max(0, len(body) - 2000))
        if match is None or not match.group(1):
            conn.close()
            return count
        query = urlencode({"verb": "ListRecords", "resumptionToken": match.group(1).decode()})


def timed_harvest(url: str, n: int, streams: int, parse: bool) -> tuple[int, float]:
    """`streams` harvesters at once over disjoint datestamp ranges; (records, seconds)."""
    bounds = [T0 + (n * k) // streams for k in range(streams + 1)]
    results: list[int] = []

    def run(k: int) -> None:
        params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
        if streams > 1:
            params["from"] = stamp(bounds[k])
            params["until"] = stamp(bounds[k + 1] - 1)
        results.append(harvest(url, params, parse))

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(streams)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(results), time.perf_counter() - started


def stamp(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def latency(fetch: Callable[[], bytes], repeat: int = 30) -> float:
    """Median milliseconds of a request (after one warm-up)."""
    fetch()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        body = fetch()
        times.append(time.perf_counter() - started)
        assert b"<record>" in body
    return statistics.median(times) * 1000


def token_at(position: int, n: int, size: int) -> str:
    """A token for the page after record number `position` (0-based), as the server makes."""
    now = int(time.time())
    state = ResumptionToken(
        "ListRecords",
        "oai_dc",
        None,
        None,
        now,
        T0 + position,
        position + 1,
        position + 1,
        n,
        now + 86_400,
    )
    return TokenCodec(Keys.from_secret(SECRET).resumption_tokens).encode(state)


# -- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--streams", type=int, default=2)
    parser.add_argument("--keep", help="keep the generated database in this folder")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="oai-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.sqlite"
    env = provider_env(db, work, SECRET, OAI_REPOSITORY__PAGE_SIZE="100")
    try:
        if not db.exists():
            settings = load_settings(env=env)
            started = time.perf_counter()
            with Hub.from_settings(settings, migrate=True) as hub:
                generate(db, hub, args.n)
            took = time.perf_counter() - started
            print(f"generated {args.n:,} records in {took:.1f} s ({db.stat().st_size >> 20} MiB)")
        port = free_port()
        server = start_provider(env, port, args.workers)
        url = f"http://127.0.0.1:{port}/oai"
        try:
            report(url, args.n, args.streams, server.pid)
        finally:
            server.terminate()
            server.wait(30)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def report(url: str, n: int, streams: int, pid: int) -> None:
    print(f"N = {n:,}, gunicorn workers = 2, 100 records a page, SQLite")
    session = requests.Session()

    def get(**params: str) -> Callable[[], bytes]:
        return lambda: session.get(url, params=params, timeout=120).content

    first = latency(get(verb="ListRecords", metadataPrefix="oai_dc"))
    second = latency(get(verb="ListRecords", resumptionToken=token_at(99, n, 100)))
    deep_at = int(n * 0.9)
    deep = latency(get(verb="ListRecords", resumptionToken=token_at(deep_at - 1, n, 100)))
    print(
        f"latency first page {first:.1f} ms (counts completeListSize), second page "
        f"{second:.1f} ms, page at 90% ({deep_at:,}) {deep:.1f} ms: "
        f"deep/first {deep / first:.2f}x, deep/second {deep / second:.2f}x"
    )
    for parse in (False, True):
        label = "parsing every record" if parse else "fetch-only"
        for k in sorted({1, streams}):
            cpu_server, cpu_client = server_cpu(pid), time.process_time()
            count, seconds = timed_harvest(url, n, k, parse)
            cpu_server = server_cpu(pid) - cpu_server
            cpu_client = time.process_time() - cpu_client
            assert count == n, f"harvested {count} of {n}"
            # What two otherwise idle cores would do (the machine this runs on is shared):
            # one stream runs client and server in turn, two or more keep both cores busy.
            idle = min(k, 2) * count / (cpu_server + cpu_client)
            print(
                f"ListRecords harvest, {label}, {k} stream(s): {count:,} records in "
                f"{seconds:.1f} s = {count / seconds:,.0f} records/s; CPU per 1,000 "
                f"records: server {1000 * cpu_server / count * 1000:.1f} ms, client "
                f"{1000 * cpu_client / count * 1000:.1f} ms; on 2 idle cores: "
                f"{idle:,.0f} records/s"
            )
    master, workers = peak_memory(pid)
    print(
        f"server peak RSS: master {master / 1024:.0f} MiB, workers "
        f"{', '.join(f'{w / 1024:.0f}' for w in workers)} MiB"
    )


if __name__ == "__main__":
    main()
