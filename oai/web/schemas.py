"""`/schemas/<file>`: the XML Schemas of the formats this hub defines (oaihub, oai_dcterms).

ListMetadataFormats names these URLs (with `repository.base_url` set), so a harvester
that fetches a format's schema gets it from the hub itself.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

__all__ = ["schemas_blueprint"]


def _schema(filename: str) -> Response:
    hub = current_app.extensions["oaihub"]
    files = {fmt.xsd: fmt.schema_file() for fmt in hub.registry.outbound() if fmt.xsd}
    path = files.get(filename)
    if path is None:
        abort(404)
    return Response(path.read_bytes(), mimetype="application/xml")


def schemas_blueprint() -> Blueprint:
    blueprint = Blueprint("schemas", __name__, url_prefix="/schemas")
    blueprint.add_url_rule("/<filename>", "schema", _schema)
    return blueprint
