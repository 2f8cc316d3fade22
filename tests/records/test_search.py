"""The records page's search: full text on every descriptive field, diacritics and Czech
endings folded, prefixes, ranked, with snippets; filters, keyset pages; on SQLite (FTS5,
kept current by triggers) and PostgreSQL (tsvector GIN index)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from oai.schema import upgrade
from records.bulk import BULK_FROM
from records.db import create_store_engine
from records.model import Record
from records.search import RecordSearch, SearchQuery
from records.search_text import parse_search
from records.store import Store

T0 = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_store_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _put(store: Store, local_id: str, title: str, minute: int, **more: object) -> None:
    data = {"id": local_id, "title": title, **more}
    store.put(Record.from_dict(data), now=T0 + timedelta(minutes=minute))


@pytest.fixture
def store(engine: Engine) -> Store:
    store = Store(engine)
    _put(
        store,
        "embassy-1961",
        "Report of the Soviet Embassy in Havana",
        1,
        date={"text": "1961", "start": "1961", "end": "1961", "precision": "year"},
    )
    _put(store, "letter-1", "Letter to the Central Committee", 2)
    _put(store, "narodni-1", "Zpráva Národního archivu", 3)
    harvested = {
        "kind": "harvested",
        "source_id": "partner",
        "remote_identifier": "oai:partner.example:doc-7",
    }
    _put(store, "partner:doc-7", "Minutes of a meeting", 4, origin=harvested)
    _put(
        store,
        "gone-1",
        "Report later withdrawn",
        5,
        collections=[{"spec": "cold-war", "name": "Cold War"}],
    )
    store.delete("gone-1", now=T0 + timedelta(minutes=6))
    return store


def ids(engine: Engine, **query: object) -> list[str]:
    page = RecordSearch(engine).page(SearchQuery(**query))  # type: ignore[arg-type]
    return [r.local_id for r in page.rows]


def test_words_of_titles_and_identifiers_match(engine: Engine, store: Store) -> None:
    assert ids(engine, text="report") == ["gone-1", "embassy-1961"]  # newest first
    assert ids(engine, text="soviet emb") == ["embassy-1961"]  # the last word a prefix
    assert ids(engine, text="SOVIET") == ["embassy-1961"]
    assert ids(engine, text="Národního") == ["narodni-1"]
    assert ids(engine, text="narodniho") == ["narodni-1"], "diacritics folded on both"
    assert ids(engine, text="doc-7") == ["partner:doc-7"], "the partner's identifier"
    assert ids(engine, text="oai:partner.example:doc-7") == ["partner:doc-7"]
    assert ids(engine, text="letter-1") == ["letter-1"], "the local id"
    assert ids(engine, text="zzz") == []


def test_the_index_follows_updates(engine: Engine, store: Store) -> None:
    _put(store, "letter-1", "Telegram to the Presidium", 10)
    assert ids(engine, text="central committee") == []
    assert ids(engine, text="presidium") == ["letter-1"]


def test_the_index_follows_large_batches(engine: Engine, store: Store) -> None:
    # a batch of BULK_FROM records and more is indexed in one statement (SQLite)
    n = BULK_FROM + 6
    first = [Record.from_dict({"id": f"b{i}", "title": f"Alpha dossier {i}"}) for i in range(n)]
    store.put_many(first, now=T0 + timedelta(minutes=20))
    renamed = [Record.from_dict({"id": f"b{i}", "title": f"Beta folder {i}"}) for i in range(n)]
    store.put_many(renamed[: n // 2] + first[n // 2 :], now=T0 + timedelta(minutes=21))
    assert len(ids(engine, text="alpha", limit=200)) == n - n // 2
    assert len(ids(engine, text="beta folder", limit=200)) == n // 2
    assert ids(engine, text="letter-1") == ["letter-1"], "records outside the batch kept"
    if engine.dialect.name == "sqlite":  # the index is exactly what its triggers make
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO records_fts(records_fts, rank) VALUES ('integrity-check', 1)"
            )


def test_filters(engine: Engine, store: Store) -> None:
    assert ids(engine, kind="harvested") == ["partner:doc-7"]
    assert "partner:doc-7" not in ids(engine, kind="local")
    assert ids(engine, source_id="partner") == ["partner:doc-7"]
    assert ids(engine, deleted=True) == ["gone-1"]
    assert "gone-1" not in ids(engine, deleted=False)
    assert ids(engine, set_spec="cold-war") == ["gone-1"]
    assert ids(engine, origins=(("partner", "oai:partner.example:doc-7"),)) == ["partner:doc-7"]
    assert ids(engine, origins=()) == []
    assert ids(engine, text="report", deleted=False) == ["embassy-1961"]


def test_sorted_by_title_and_paged_by_keyset(engine: Engine, store: Store) -> None:
    search = RecordSearch(engine)
    titles: list[str] = []
    after = None
    while True:
        page = search.page(SearchQuery(sort="title", after=after, limit=2))
        titles += [r.title for r in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert titles == sorted(titles, key=str.lower)
    assert len(titles) == 5
    newest: list[str] = []
    after = None
    while True:
        page = search.page(SearchQuery(after=after, limit=2))
        newest += [r.local_id for r in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert newest == ["gone-1", "partner:doc-7", "narodni-1", "letter-1", "embassy-1961"]


def test_rows_carry_what_the_page_shows(engine: Engine, store: Store) -> None:
    row = RecordSearch(engine).page(SearchQuery(text="embassy")).rows[0]
    assert (row.title, row.date, row.state) == (
        "Report of the Soviet Embassy in Havana",
        "1961",
        "live",
    )
    assert row.datestamp == T0 + timedelta(minutes=1)


def test_full_text_method_is_the_databases_own(engine: Engine, store: Store) -> None:
    method = RecordSearch(engine).page(SearchQuery(text="report")).full_text
    assert method == ("tsvector" if engine.dialect.name == "postgresql" else "fts5")


def test_search_words_are_capped_and_plain() -> None:
    assert [w.folded for w in parse_search('a "b" OR c* d')] == ["b", "or", "c", "d"]
    assert len(parse_search(" ".join(["w"] * 50))) == 8
    assert [w.folded for w in parse_search("x" * 500)] == ["x" * 64]


@pytest.fixture
def prague(store: Store) -> Store:
    """Records whose words are in other fields than the title."""
    _put(
        store,
        "ctk-1",
        "Zpráva o návštěvě delegace",
        20,
        places=["Praha"],
        summary="Delegace jednala s předsedou vlády.",
        creators=[{"name": "Československá tisková kancelář"}],
    )
    _put(store, "plan-1", "Plan of the city", 21, subjects=["Pražský hrad"])
    _put(store, "note-1", "Untitled", 22, notes=[{"text": "Found in a box of telegrams"}])
    _put(store, "ident-1", "Untitled", 23, identifiers=[{"value": "NAD 1420", "type": "fonds"}])
    return store


@pytest.mark.parametrize("words", ["Praha", "praha", "PRAHA", "Praze", "Prahy", "v Praze"])
def test_coverage_is_found_in_every_inflected_form(
    engine: Engine, prague: Store, words: str
) -> None:
    assert ids(engine, text=words) == ["ctk-1"]


def test_every_descriptive_field_is_searched(engine: Engine, prague: Store) -> None:
    assert ids(engine, text="předsedou") == ["ctk-1"], "the description"
    assert ids(engine, text="predseda") == ["ctk-1"], "another case, no diacritics"
    assert ids(engine, text="ceskoslovenska tiskova") == ["ctk-1"], "a creator"
    assert ids(engine, text="hrad") == ["plan-1"], "a subject"
    assert ids(engine, text="telegrams") == ["note-1"], "a note"
    assert ids(engine, text="1420") == ["ident-1"], "an identifier"


def test_prefixes(engine: Engine, prague: Store) -> None:
    assert ids(engine, text="Pra") == ["plan-1", "ctk-1"], "the last word is a prefix"
    assert ids(engine, text="deleg* jednala") == ["ctk-1"], "a word ending in * is one"
    assert ids(engine, text="deleg jednala") == [], "other words are whole words"
    assert ids(engine, text="telegr") == ["note-1"]


def test_ranked_best_first_and_paged(engine: Engine, store: Store) -> None:
    _put(store, "once", "A report", 30, summary="about trade")
    _put(store, "thrice", "Report", 31, summary="report on the report", notes=[{"text": "x"}])
    _put(store, "twice", "Report", 32, summary="the second report")
    search = RecordSearch(engine)
    page = search.page(SearchQuery(text="report", sort="relevance", deleted=False))
    assert page.order == "relevance"
    ranked = [r.local_id for r in page.rows]
    assert ranked[:2] == ["thrice", "twice"]
    assert set(ranked) == {"once", "thrice", "twice", "embassy-1961"}
    walked: list[str] = []
    after = None
    while True:
        query = SearchQuery(text="report", sort="relevance", deleted=False, after=after, limit=1)
        page = search.page(query)
        walked += [r.local_id for r in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert walked == ranked, "keyset pages in ranked order, none twice"


def test_ranked_order_names_an_exact_identifier_first(engine: Engine, store: Store) -> None:
    page = RecordSearch(engine).page(SearchQuery(text="letter-1", sort="relevance"))
    assert [r.local_id for r in page.rows] == ["letter-1"]
    unranked = RecordSearch(engine).page(SearchQuery(sort="relevance"))
    assert unranked.order == "datestamp", "nothing to rank: newest first"


def test_rows_carry_snippets_of_the_fields_that_matched(engine: Engine, prague: Store) -> None:
    row = RecordSearch(engine).page(SearchQuery(text="Praze")).rows[0]
    assert [(s.label, s.before, s.match, s.after) for s in row.snippets] == [
        ("coverage", "", "Praha", "")
    ]
    row = RecordSearch(engine).page(SearchQuery(text="vlada")).rows[0]
    assert row.snippets[0].label == "description"
    assert row.snippets[0].match == "vlády"
    assert row.snippets[0].before == "Delegace jednala s předsedou "


def test_too_many_hits_to_rank_come_newest_first(
    engine: Engine, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import records.search

    monkeypatch.setattr(records.search, "RANK_CAP", 1)
    page = RecordSearch(engine).page(SearchQuery(text="report", sort="relevance"))
    assert page.order == "datestamp"
    assert [r.local_id for r in page.rows] == ["gone-1", "embassy-1961"]
