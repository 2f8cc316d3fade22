"""oaihub: the native format, every field of the record model, so hubs harvest each other.

One element per JSON field, in the order of `schemas/oaihub-record-1.0.xsd` (shipped in
the package). Text is kept exactly as written (no whitespace folding), so
record -> native -> record is the identity. The OAI header is not repeated here: the
envelope carries it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any, cast

from lxml import etree

from crosswalks.base import MetadataFormat
from crosswalks.draft import Draft
from crosswalks.errors import CrosswalkError
from crosswalks.parsing import element_path, line_of, local_name
from crosswalks.xmlout import XSI, XSI_SCHEMA_LOCATION, OutElement, OutRoot, serialise, sub, tree

__all__ = ["FORMAT", "NS", "SCHEMA", "build", "read", "write"]

NS = "https://oaihub.org/ns/record/1.0"
SCHEMA = "https://oaihub.org/ns/record/1.0/record.xsd"
_ROOT = f"{{{NS}}}record"
_OWN = f"{{{NS}}}"
# The record namespace is the default one.
_NSMAP: dict[str | None, str] = {None: NS, "xsi": XSI}
_LOCATION = f"{NS} {SCHEMA}"

# The record's fields by kind, in the order of the XSD (`_LISTS`: JSON key, element).
# They repeat the record's JSON Schema (records/schema/record.schema.json), which
# crosswalks may not read: tests/test_record_contract.py fails when they drift apart.
_STRINGS = ("title", "summary", "transcript", "publisher", "rights", "access_rights")
_AFTER_LANG = ("record_id", "classification")
_LISTS = (
    ("donors", "donor"),
    ("subjects", "subject"),
    ("places", "place"),
    ("people", "person"),
    ("organizations", "organization"),
    ("genres", "genre"),
)
_SOURCE_PARTS = (
    "citation",
    "archive",
    "fonds",
    "series",
    "container",
    "folder",
    "reference_code",
)
_DATE_KEYS = ("start", "end", "precision")  # attributes; the date as written is the text
_DATE_FLAGS = ("approximate", "inferred")  # boolean attributes, written only when true
_ORIGIN_KEYS = (
    "kind",
    "source_id",
    "remote_identifier",
    "remote_datestamp",
    "base_url",
    "metadata_namespace",
    "harvested_at",
)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _date(parent: OutElement, tag: str, value: Mapping[str, Any]) -> None:
    element = sub(parent, _q(tag), value.get("text", value["start"]))
    for key in _DATE_KEYS:
        if key in value:
            element.set(key, value[key])
    for flag in _DATE_FLAGS:
        if value.get(flag):
            element.set(flag, "true")


def _agent(parent: OutElement, tag: str, agent: Mapping[str, Any]) -> None:
    element = sub(parent, _q(tag), agent["name"])
    for key in ("role", "kind"):
        if agent.get(key) is not None:
            element.set(key, agent[key])


def _typed(parent: OutElement, tag: str, item: Mapping[str, Any], text_key: str) -> None:
    element = sub(parent, _q(tag), item[text_key])
    if item.get("type") is not None:
        element.set("type", item["type"])


def _related(parent: OutElement, item: Mapping[str, Any]) -> None:
    element = sub(parent, _q("related"))
    for key in ("id", "relation", "url"):
        if item.get(key) is not None:
            element.set(key, item[key])
    sub(element, _q("title"), item["title"])
    if item.get("date"):
        _date(element, "date", item["date"])
    if item.get("summary") is not None:
        sub(element, _q("summary"), item["summary"])


def _attributes(parent: OutElement, tag: str, item: Mapping[str, Any]) -> None:
    element = sub(parent, _q(tag))
    for key, value in item.items():
        element.set(key, str(value))


def _head(root: OutElement, record: Mapping[str, Any]) -> None:
    title = sub(root, _q("title"), record["title"])
    if record.get("title_devised"):
        title.set("devised", "true")
    if record.get("date"):
        _date(root, "date", record["date"])
    for key in _STRINGS[1:3]:
        if key in record:
            sub(root, _q(key), record[key])
    for agent in record.get("creators", ()):
        _agent(root, "creator", agent)
    for agent in record.get("contributors", ()):
        _agent(root, "contributor", agent)
    if "publisher" in record:
        sub(root, _q("publisher"), record["publisher"])
    source = record.get("source")
    if source:
        element = sub(root, _q("source"))
        for key in _SOURCE_PARTS:
            if key in source:
                sub(element, _q(key), source[key])


def _body(root: OutElement, record: Mapping[str, Any]) -> None:
    for key in ("rights", "access_rights"):
        if key in record:
            sub(root, _q(key), record[key])
    for code in record.get("languages", ()):
        sub(root, _q("language"), code)
    for key in _AFTER_LANG:
        if key in record:
            sub(root, _q(key), record[key])
    for key, tag in _LISTS:
        for value in record.get(key, ()):
            sub(root, _q(tag), value)
    if "dcmi_type" in record:
        sub(root, _q("dcmi_type"), record["dcmi_type"])
    for key, tag in (("formats", "format"), ("extent", "extent")):
        for value in record.get(key, ()):
            sub(root, _q(tag), value)


def _tail(root: OutElement, record: Mapping[str, Any]) -> None:
    if "level" in record:
        sub(root, _q("level"), record["level"])
    for item in record.get("collections", ()):
        _attributes(root, "collection", item)
    for item in record.get("related", ()):
        _related(root, item)
    for item in record.get("identifiers", ()):
        _typed(root, "identifier", item, "value")
    for item in record.get("notes", ()):
        _typed(root, "note", item, "text")
    for key in ("url", "uploaded"):
        if key in record:
            sub(root, _q(key), record[key])
    if record.get("origin"):
        _attributes(root, "origin", record["origin"])


def build(record: Mapping[str, Any]) -> OutRoot:
    """The native record element: every field of the JSON form, as an output tree."""
    root = tree(_ROOT, _NSMAP)
    root.set(XSI_SCHEMA_LOCATION, _LOCATION)
    root.set("id", record["id"])
    _head(root, record)
    _body(root, record)
    _tail(root, record)
    return root


def write(record: Mapping[str, Any]) -> bytes:
    """The native record element: every field of the JSON form."""
    return serialise(build(record))


# --- reading ---------------------------------------------------------------------------


def _text(element: etree._Element) -> str:
    return element.text or ""


def _read_date(element: etree._Element) -> dict[str, Any]:
    value: dict[str, Any] = {"text": _text(element)}
    for key in _DATE_KEYS:
        if element.get(key) is not None:
            value[key] = element.get(key)
    for flag in _DATE_FLAGS:
        if element.get(flag) in ("true", "1"):
            value[flag] = True
    return value


def _read_attrs(element: etree._Element, keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: element.get(k) for k in keys if element.get(k) is not None}


def _read_related(element: etree._Element) -> dict[str, Any]:
    item = _read_attrs(element, ("id", "relation", "url"))
    for child in element:
        name = local_name(child)
        if name == "date":
            item["date"] = _read_date(child)
        elif name in ("title", "summary"):
            item[name] = _text(child)
    return item


def _read_source(element: etree._Element) -> dict[str, Any]:
    return {local_name(c): _text(c) for c in element if local_name(c) in _SOURCE_PARTS}


def _appender(key: str, build: Callable[[etree._Element], Any]) -> Callable[..., None]:
    def add(data: dict[str, Any], element: etree._Element) -> None:
        data.setdefault(key, []).append(build(element))

    return add


def _setter(key: str, build: Callable[[etree._Element], Any]) -> Callable[..., None]:
    def put(data: dict[str, Any], element: etree._Element) -> None:
        data[key] = build(element)

    return put


def _agent_of(element: etree._Element) -> dict[str, Any]:
    return {"name": _text(element), **_read_attrs(element, ("role", "kind"))}


def _typed_of(text_key: str) -> Callable[[etree._Element], dict[str, Any]]:
    def build(element: etree._Element) -> dict[str, Any]:
        return {text_key: _text(element), **_read_attrs(element, ("type",))}

    return build


_HANDLERS: dict[str, Callable[[dict[str, Any], etree._Element], None]] = {
    **{key: _setter(key, _text) for key in (*_STRINGS, *_AFTER_LANG, "dcmi_type", "level")},
    **{key: _setter(key, _text) for key in ("url", "uploaded")},
    **{tag: _appender(key, _text) for key, tag in _LISTS},
    "language": _appender("languages", _text),
    "format": _appender("formats", _text),
    "extent": _appender("extent", _text),
    "date": _setter("date", _read_date),
    "creator": _appender("creators", _agent_of),
    "contributor": _appender("contributors", _agent_of),
    "source": _setter("source", _read_source),
    "collection": _appender("collections", lambda e: _read_attrs(e, ("spec", "name"))),
    "related": _appender("related", _read_related),
    "identifier": _appender("identifiers", _typed_of("value")),
    "note": _appender("notes", _typed_of("text")),
    "origin": _setter("origin", lambda e: _read_attrs(e, _ORIGIN_KEYS)),
}


@functools.cache
def _schema() -> etree.XMLSchema:
    """The packaged XSD, compiled once (read-only afterwards)."""
    path = resources.files("crosswalks") / "schemas" / "oaihub-record-1.0.xsd"
    parser = etree.XMLParser(no_network=True, load_dtd=False, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def _validate(root: etree._Element) -> None:
    # A partner hub's record must be one the model accepts: the schema carries the
    # model's patterns (ids, ISO dates, precisions, language codes, setSpecs).
    schema = _schema()
    if not schema.validate(root):
        error = cast(Any, schema.error_log).last_error
        raise CrosswalkError(
            error.message if error else "not valid against the oaihub schema",
            format="oaihub",
            path=element_path(root),
            line=error.line if error else line_of(root),
        )


def read(root: etree._Element) -> list[dict[str, Any]]:
    """The record of a native record element (or each record of a wrapper of them)."""
    if local_name(root) != "record":
        return [r for child in root if local_name(child) == "record" for r in read(child)]
    data: dict[str, Any] = {}
    if root.get("id"):
        data["id"] = root.get("id")
    for child in root:
        if not isinstance(child.tag, str) or not child.tag.startswith(_OWN):
            continue  # comments, and extensions in other namespaces: not ours to read
        handler = _HANDLERS.get(local_name(child))
        if handler is None:
            # The namespace is versioned: an unknown element of 1.0 is an error, not news.
            raise CrosswalkError(
                f"unknown element {local_name(child)!r}",
                format="oaihub",
                path=element_path(child),
                line=line_of(child),
            )
        handler(data, child)
        if local_name(child) == "title" and child.get("devised") in ("true", "1"):
            data["title_devised"] = True
    _validate(root)
    draft = Draft("oaihub", root)
    draft.data = data
    return [draft.finish(prune=False)]


FORMAT = MetadataFormat(
    prefix="oaihub",
    namespace=NS,
    schema=SCHEMA,
    version="1",
    root=_ROOT,
    write=write,
    read=read,
    xsd="oaihub-record-1.0.xsd",
    label="oaihub native record (every field of the record model)",
)
