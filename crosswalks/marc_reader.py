"""MARCXML -> records, after LoC's MARC -> Dublin Core crosswalk.

Namespace variants are accepted (NK ČR writes `http://www.loc.gov/MARC21/slim/` with a
trailing slash; some exporters use no namespace): fields are matched by local name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from crosswalks.base import DONOR_PREFIX
from crosswalks.dates import date_range, parse_date
from crosswalks.draft import Draft
from crosswalks.languages import to_iso639_3
from crosswalks.parsing import local_name

__all__ = ["COLLECTION", "read"]

COLLECTION = "collection"
# ISBD punctuation that ends a MARC subfield: " /", " :", " ;", ",", "." ...
_TRAILING = re.compile(r"\s*[/:;,=]\s*$|(?<=[^.\s]{3})\.$")
_SYSTEM = re.compile(r"^\(([^)]+)\)\s*(.+)$")
_RELATORS = {
    "aut": "author",
    "cre": "creator",
    "ctb": "contributor",
    "trl": "translator",
    "edt": "editor",
    "ill": "illustrator",
    "pht": "photographer",
    "rcp": "recipient",
}
_CREATOR_ROLES = frozenset({"author", "creator", "aut", "cre"})
_RESOURCE = {
    "a": "Text",
    "t": "Text",
    "c": "Text",
    "d": "Text",
    "e": "Image",
    "f": "Image",
    "g": "MovingImage",
    "i": "Sound",
    "j": "Sound",
    "k": "StillImage",
    "m": "Software",
    "o": "Collection",
    "p": "Collection",
    "r": "PhysicalObject",
}
_NOTE_TYPES = {
    "504": "bibliography",
    "505": "contents",
    "541": "acquisition",
    "545": "biographical/historical",
    "546": "language",
    "561": "ownership",
    "351": "arrangement",
    "555": "finding aids",
    "583": "action",
    "524": "citation",
}
_LINKS = {
    "765": "isVersionOf",
    "767": "hasVersion",
    "775": "hasVersion",
    "776": "hasFormat",
    "780": "replaces",
    "785": "isReplacedBy",
    "787": "relation",
    "773": "isPartOf",
}

Field = tuple[str, str, str, list[tuple[str, str]]]


def _clean(value: str) -> str:
    return _TRAILING.sub("", " ".join(value.split())).strip()


def _fields(root: etree._Element) -> tuple[dict[str, str], list[Field], str]:
    controls: dict[str, str] = {}
    data: list[Field] = []
    leader = ""
    for child in root:
        name = local_name(child)
        if name == "leader":
            leader = child.text or ""
        elif name == "controlfield":
            controls.setdefault(child.get("tag", ""), child.text or "")
        elif name == "datafield":
            subs = [(s.get("code", ""), s.text or "") for s in child if local_name(s) == "subfield"]
            data.append(
                (
                    child.get("tag", ""),
                    child.get("ind1", " "),
                    child.get("ind2", " "),
                    [(c, v.strip()) for c, v in subs if v.strip()],
                )
            )
    return controls, data, leader


def _sub(subfields: list[tuple[str, str]], codes: str) -> str:
    return " ".join(v for c, v in subfields if c in codes)


def _first(subfields: list[tuple[str, str]], code: str) -> str | None:
    return next((_clean(v) for c, v in subfields if c == code), None)


def _agent(draft: Draft, tag: str, subfields: list[tuple[str, str]]) -> None:
    role_text = _first(subfields, "e")
    code = _first(subfields, "4")
    role = role_text or (_RELATORS.get(code.lower(), code) if code else None)
    kind = {"0": "person", "1": "organization"}.get(tag[1])
    if tag[1:] == "20":
        kind = None
    name = ", ".join(_clean(v) for c, v in subfields if c in "abcqd" and _clean(v))
    agent = {"name": name, "role": role, "kind": kind}
    is_creator = tag[0] == "1" or (role or "").lower() in _CREATOR_ROLES
    draft.add_object("creators" if is_creator else "contributors", agent)


def _heading(subfields: list[tuple[str, str]]) -> str:
    parts = [_clean(v) for c, v in subfields if c in "abcdqtxyzvp"]
    return " -- ".join(p for p in parts if p)


def _title(subfields: list[tuple[str, str]]) -> str:
    """245 $a, then ' : ' $b (remainder), '. ' $n $p (part number and name)."""
    title = ""
    for code, value in subfields:
        value = _clean(value)
        if not value or code not in "abnp":
            continue
        separator = {"a": " ", "b": " : "}.get(code, ". ")
        title = f"{title}{separator}{value}" if title else value
    return title


def _subject(draft: Draft, tag: str, subfields: list[tuple[str, str]]) -> None:
    key = {
        "600": "people",
        "610": "organizations",
        "611": "organizations",
        "651": "places",
        "655": "genres",
    }.get(tag, "subjects")
    value = _clean(_sub(subfields, "a")) if key in ("people", "organizations") else None
    draft.add(key, value or _heading(subfields))


def _publication(draft: Draft, tag: str, ind2: str, subfields: list[tuple[str, str]]) -> None:
    draft.set("publisher", _first(subfields, "b"))
    date_text = _first(subfields, "c")
    if not date_text:
        return
    if tag == "264" and ind2 == "1" and "date" in draft.data:
        parsed = parse_date(date_text)
        if parsed and parsed["start"] == parsed["end"] and parsed["precision"] == "day":
            draft.set("uploaded", parsed["start"])
        return
    draft.set("date", parse_date(date_text.strip("., ")))


def _link(draft: Draft, tag: str, subfields: list[tuple[str, str]]) -> None:
    relation = _first(subfields, "i") or _LINKS[tag]
    title = _first(subfields, "t") or _first(subfields, "a") or _first(subfields, "n")
    if relation == COLLECTION and _first(subfields, "o"):
        draft.add_object("collections", {"spec": _first(subfields, "o"), "name": title})
        return
    date = parse_date(_first(subfields, "d"))
    draft.add_object(
        "related",
        {
            "relation": relation,
            "title": title,
            "date": date,
            "summary": _first(subfields, "n") if title != _first(subfields, "n") else None,
            "url": _first(subfields, "o"),
            "id": _first(subfields, "w"),
        },
    )


def _note(draft: Draft, tag: str, subfields: list[tuple[str, str]]) -> None:
    text = " ".join(_sub(subfields, "abcdefghijklmnopqrstuvwxyz").split())
    if tag == "520":
        if "summary" in draft.data:
            draft.add_object("notes", {"type": "abstract", "text": text})
        draft.set("summary", text)
    elif tag == "506":
        draft.set("access_rights", text)
    elif tag == "540":
        draft.set("rights", text)
    elif tag == "536" and text.startswith(DONOR_PREFIX):
        draft.add("donors", text.removeprefix(DONOR_PREFIX))
    else:
        draft.add_object("notes", {"type": _NOTE_TYPES.get(tag), "text": text})


def _identifier(draft: Draft, tag: str, ind1: str, subfields: list[tuple[str, str]]) -> None:
    value = _first(subfields, "a")
    if not value:
        return
    if tag == "035":
        match = _SYSTEM.match(value)
        if match:
            draft.add_object(
                "identifiers", {"type": match.group(1).lower(), "value": match.group(2)}
            )
        else:
            draft.set("record_id", value)
        return
    kind = {"020": "isbn", "022": "issn", "015": "ccnb"}.get(tag) or _first(subfields, "2")
    if tag in ("020", "022"):
        value = value.split()[0]
    draft.add_object("identifiers", {"type": kind, "value": value})


def _location(draft: Draft, subfields: list[tuple[str, str]], citation: str | None) -> None:
    parts = {c: _clean(v) for c, v in subfields}
    source = {
        "citation": citation or ", ".join(v for v in parts.values() if v),
        "archive": parts.get("a"),
        "fonds": parts.get("b"),
        "container": parts.get("c"),
        "reference_code": parts.get("j"),
    }
    draft.set("source", {k: v for k, v in source.items() if v})


def _dispatch(draft: Draft, fields: list[Field]) -> None:
    citation = next((_first(s, "n") for t, _, _, s in fields if t == "786"), None)
    handlers: dict[str, Callable[[str, str, str, list[tuple[str, str]]], None]] = {}
    for tag in ("100", "110", "111", "700", "710", "711", "720"):
        handlers[tag] = lambda t, i1, i2, s: _agent(draft, t, s)
    for tag in ("600", "610", "611", "630", "650", "651", "653", "655", "656", "657"):
        handlers[tag] = lambda t, i1, i2, s: _subject(draft, t, s)
    for tag in ("260", "264"):
        handlers[tag] = lambda t, i1, i2, s: _publication(draft, t, i2, s)
    for tag in _LINKS:
        handlers[tag] = lambda t, i1, i2, s: _link(draft, t, s)
    for tag in ("015", "020", "022", "024", "035"):
        handlers[tag] = lambda t, i1, i2, s: _identifier(draft, t, i1, s)
    for t, i1, i2, s in fields:
        if t in handlers:
            handlers[t](t, i1, i2, s)
        elif t == "245":
            draft.set("title", _title(s))
        elif t == "041":
            draft.add_all("languages", (to_iso639_3(v) for c, v in s if c in "ad"))
        elif t == "300":
            draft.add("extent", _clean(_sub(s, "abcefg")))
        elif t == "340":
            draft.add("formats", _first(s, "a"))
        elif t == "355":
            draft.set("classification", _first(s, "a"))
        elif t == "856":
            _url(draft, s)
        elif t == "852":
            _location(draft, s, citation)
        elif t in ("080", "082", "084", "050"):
            draft.add("subjects", _first(s, "a"))
        elif t.startswith("5") or t == "351":
            _note(draft, t, s)
    if citation and "source" not in draft.data:
        draft.set("source", {"citation": citation})


def _url(draft: Draft, subfields: list[tuple[str, str]]) -> None:
    for code, value in subfields:
        if code == "u" and "url" not in draft.data:
            draft.set("url", value)
        elif code == "u":
            draft.add_object("identifiers", {"type": "url", "value": value})
        elif code == "q":
            draft.add("formats", value)


def _fixed(draft: Draft, controls: dict[str, str], leader: str) -> None:
    f008 = controls.get("008", "")
    if len(f008) >= 15 and "date" not in draft.data:
        start, end = f008[7:11], f008[11:15]
        if start.isdigit():
            end = end if end.isdigit() and f008[6] in "ikmq" else start
            draft.set("date", date_range(start, end, start if start == end else f"{start}-{end}"))
    if len(f008) >= 38 and not draft.data.get("languages"):
        code = to_iso639_3(f008[35:38].replace("|", "").replace("-", "").strip())
        if code not in ("und", "zxx"):  # "undetermined" / "no linguistic content"
            draft.add("languages", code)
    if len(leader) > 6:
        draft.set("dcmi_type", _RESOURCE.get(leader[6]))


def _one(root: etree._Element) -> dict[str, Any]:
    draft = Draft("marcxml", root)
    controls, fields, leader = _fields(root)
    _dispatch(draft, fields)
    _fixed(draft, controls, leader)
    # 001 is unique only within the agency 003 names: together they identify the record
    number, agency = controls.get("001", "").strip(), controls.get("003", "").strip()
    identity = f"{agency}:{number}" if number and agency else number
    return draft.finish(identity, draft.data.get("record_id"), draft.data.get("url"))


def read(root: etree._Element) -> list[dict[str, Any]]:
    """The records of a MARCXML record or collection element."""
    if local_name(root) == "collection":
        return [_one(child) for child in root if local_name(child) == "record"]
    return [_one(root)]
