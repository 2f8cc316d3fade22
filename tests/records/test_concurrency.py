"""Writers in several threads (harvest, import, admin) on one SQLite file never trip
over each other: a write transaction that reads first must not fail with SQLITE_BUSY."""

from __future__ import annotations

import threading
from pathlib import Path

from oai.schema import upgrade
from records.db import create_store_engine
from records.model import Record
from records.store import Store


def test_concurrent_read_then_write_batches_all_land(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'c.sqlite'}")
    upgrade(engine)
    store = Store(engine)
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for batch in range(30):
                records = [
                    Record.from_dict({"id": f"{prefix}-{batch}-{i}", "title": "T"})
                    for i in range(20)
                ]
                store.put_many(records)
                # a second pass: every record is read, found unchanged, nothing written
                store.put_many(records)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.stats()["records"] == 3 * 30 * 20
    engine.dispose()
