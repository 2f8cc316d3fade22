"""`/records/<id>`: the public page of a record, for people and for machines.

The page an aggregator's user lands on (`edm:isShownAt` when the partner gives no
permalink): title, dates, the hierarchy up and down, creators, description, rights and
the partner's own page, server-rendered HTML without scripts; Signposting `Link`
headers and schema.org JSON-LD for machines (`linked_data.py`). A deleted record's page
is 410 Gone, an unknown one 404.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from crosswalks.languages import english_name
from oai.hub import Hub
from oai.web.admin.records import Link, finding_aid_links, landing_page
from oai.web.public.linked_data import PageLinks, json_ld, link_header
from oai.withdrawals import withdrawal_of
from records.errors import RecordNotFound
from records.model import Record

__all__ = ["register_pages"]


def _hub() -> Hub:
    hub = current_app.extensions["oaihub"]
    assert isinstance(hub, Hub)
    return hub


def _page_url(hub: Hub, record_id: str) -> str:
    public = hub.settings.public_url.rstrip("/")
    if public:
        return f"{public}/records/{quote(record_id, safe='')}"
    return url_for("public.record", record_id=record_id, _external=True)


def _oai_base(hub: Hub) -> str:
    if hub.settings.repository.base_url:
        return hub.settings.repository.base_url
    try:
        return url_for("oai.endpoint", _external=True)
    except BuildError:
        return request.url_root.rstrip("/") + "/oai"


def _formats(hub: Hub, record: Record) -> dict[str, tuple[str, str]]:
    identifier = hub.store.identifier_prefix + record.id
    base = _oai_base(hub)
    found: dict[str, tuple[str, str]] = {}
    for prefix in sorted(hub.store.prefixes_of(record.id)):
        if prefix not in hub.registry:
            continue
        query = urlencode({"verb": "GetRecord", "identifier": identifier, "metadataPrefix": prefix})
        found[prefix] = (f"{base}?{query}", hub.registry.get(prefix).namespace)
    return found


def _local_links(hub: Hub, record: Record) -> tuple[Link | None, tuple[Link, ...]]:
    """Parent and parts of a local record, by the ids its relations name."""
    parent = None
    for related in record.related:
        if related.relation == "isPartOf" and related.id and hub.store.exists(related.id):
            parent = Link(related.id, related.title)
            break
    parts = tuple(
        Link(r.id, r.title)
        for r in record.related
        if r.relation == "hasPart" and r.id and hub.store.exists(r.id)
    )
    return parent, parts


def _hierarchy(hub: Hub, record: Record) -> tuple[Link | None, tuple[Link, ...]]:
    parent, parts = finding_aid_links(hub, record)
    if parent is None and not parts:
        return _local_links(hub, record)
    return parent, parts


def record(record_id: str) -> tuple[str, int] | Response:
    """The public page of one record."""
    hub = _hub()
    try:
        found = hub.store.get(record_id)
    except RecordNotFound:
        abort(404)
    if found.header is not None and found.header.deleted:
        withdrawal = withdrawal_of(hub, found.id)
        gone = render_template("public/gone.html", record=found, withdrawal=withdrawal)
        if withdrawal is None:
            return gone, 410
        # a withdrawal can be undone: browsers and caches must not keep the 410 (RFC 9111
        # lets them cache it by heuristic otherwise)
        response = current_app.make_response((gone, 410))
        response.headers["Cache-Control"] = "no-cache"
        return response
    parent, parts = _hierarchy(hub, found)
    page = _page_url(hub, found.id)
    partner = landing_page(found)
    links = PageLinks(
        page=page,
        cite_as=partner or page,
        formats=_formats(hub, found),
        parent=_page_url(hub, parent.local_id) if parent else None,
        parts=[_page_url(hub, part.local_id) for part in parts],
    )
    body = render_template(
        "public/record.html",
        record=found,
        parent=parent,
        parts=parts,
        partner=partner,
        links=links,
        languages=[english_name(code) or code for code in found.languages],
        linked_data=json_ld(found, links),
    )
    response = current_app.make_response(body)
    response.headers["Link"] = link_header(found, links)
    return response


def register_pages(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/records/<path:record_id>", "record", record)
