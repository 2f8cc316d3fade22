"""Hypothesis strategies for record JSON forms, checked by `records.model.Record`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import strategies as st

from records.model import Record

# Text XML 1.0 can carry: no lone surrogates, no C0 controls but tab, LF and CR.
xml_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Cn"), include_characters="\t\n\r"),
    max_size=25,
)
ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9\-_.:/]{0,30}", fullmatch=True)
specs = st.from_regex(r"[A-Za-z0-9\-_.]{1,8}(:[A-Za-z0-9\-_.]{1,8}){0,2}", fullmatch=True)
codes = st.from_regex(r"[a-z]{2,3}", fullmatch=True)
# The record's fields by kind: tests/test_record_contract.py checks them against the schema.
SCALARS: tuple[str, ...] = ("summary", "transcript", "publisher", "rights", "access_rights")
SCALARS += ("record_id", "classification", "dcmi_type", "level", "url")
STRING_LISTS = ("donors", "subjects", "places", "people", "organizations", "genres")
STRING_LISTS += ("formats", "extent")
SOURCE_PARTS = ("archive", "fonds", "series", "container", "folder", "reference_code")
AGENT_KINDS = ("person", "organization")
PRECISION_WIDTH = {"day": 10, "month": 7, "year": 4, "decade": 4, "century": 4}


@st.composite
def document_dates(draw: st.DrawFn, text: st.SearchStrategy[str] = xml_text) -> dict[str, Any]:
    first = draw(st.dates(min_value=date(1000, 1, 1), max_value=date(2100, 12, 31)))
    last = draw(st.dates(min_value=first, max_value=date(2100, 12, 31)))
    precision = draw(st.sampled_from(list(PRECISION_WIDTH)))
    width = PRECISION_WIDTH[precision]
    start = first.isoformat()[:width]
    end = draw(st.sampled_from([start, last.isoformat()[:width]]))
    value: dict[str, Any] = {"text": draw(text), "start": start, "end": end, "precision": precision}
    if draw(st.booleans()):
        value["approximate"] = True
    if draw(st.booleans()):
        value["inferred"] = True
    return value


def agents(text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": text},
        optional={"role": text, "kind": st.sampled_from(AGENT_KINDS)},
    )


@st.composite
def origins(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"kind": "local"}
    moment = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
    return {
        "kind": draw(st.sampled_from(("harvested", "linked"))),
        "source_id": draw(ids),
        "remote_identifier": "oai:" + draw(ids),
        "remote_datestamp": draw(xml_text),
        "base_url": "http://127.0.0.1/" + draw(ids),
        "metadata_namespace": draw(xml_text),
        "harvested_at": moment.replace(microsecond=0, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _related(text: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"title": text},
        optional={
            "id": ids,
            "relation": text,
            "date": document_dates(),
            "summary": text,
            "url": text,
        },
    )


def optional_fields(text: st.SearchStrategy[str]) -> dict[str, st.SearchStrategy[Any]]:
    """A strategy for each field of a record but `id` and `title`."""
    return {
        "date": document_dates(text),
        "creators": st.lists(agents(text), max_size=3),
        "contributors": st.lists(agents(text), max_size=3),
        "source": st.fixed_dictionaries(
            {"citation": text}, optional=dict.fromkeys(SOURCE_PARTS, text)
        ),
        "languages": st.lists(codes, max_size=3),
        "collections": st.lists(
            st.fixed_dictionaries({"spec": specs}, optional={"name": text}), max_size=2
        ),
        "related": st.lists(_related(text), max_size=2),
        "identifiers": st.lists(
            st.fixed_dictionaries({"value": text}, optional={"type": text}), max_size=2
        ),
        "notes": st.lists(
            st.fixed_dictionaries({"text": text}, optional={"type": text}), max_size=2
        ),
        "uploaded": st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
        "title_devised": st.just(True),  # false is left out of the JSON form
        "origin": origins(),
        **dict.fromkeys(SCALARS, text),
        **{key: st.lists(text, max_size=3) for key in STRING_LISTS},
    }


def full_records(text: st.SearchStrategy[str] = xml_text) -> st.SearchStrategy[dict[str, Any]]:
    """Any record the model accepts, its texts drawn from `text` (by default any
    character XML can carry), as its JSON form."""
    raw = st.fixed_dictionaries(
        {"id": ids, "title": text.filter(lambda s: bool(s.strip()))},
        optional=optional_fields(text),
    )
    return raw.map(lambda data: Record.from_dict(data).to_dict())
