"""The `/oai` endpoint: HTTP in, `Provider.handle` out; the protocol lives in oai.protocol.

GET and POST (form-urlencoded) are the same request (OAI-PMH 3.1.1). OAI errors are
HTTP 200 with `<error>` elements; flow control and any unexpected failure are HTTP 503
with Retry-After, never a 500 (OAI-PMH 3.1.2.2), so harvesters retry rather than stop.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urljoin

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from crosswalks import MetadataFormat
from oai.errors import ConfigError
from oai.hub import Hub
from oai.protocol.provider import Provider, ProviderOptions
from oai.protocol.repository import FormatInfo, Identity
from oai.protocol.tokens import TokenCodec
from oai.web.compression import ENCODINGS, choose_encoding, compress
from oai.web.context import current_hub, hub_of
from oai.web.flow import FlowControl
from oai.web.repository import StoreRepository

__all__ = ["build_provider", "create_oai_blueprint"]

_PROVIDER = "oaihub.provider"
_FLOW = "oaihub.flow"
XML_TYPE = "text/xml; charset=utf-8"
# relative, so that it also resolves when the app is mounted below a path prefix
STYLESHEET = "oai/static/oai2.xsl"
_LIST_VERBS = frozenset({"ListRecords", "ListIdentifiers"})


# the schema patterns of adminEmail (OAI-PMH.xsd) and repositoryIdentifier (oai-identifier.xsd)
_EMAIL = re.compile(r"^\S+@(\S+\.)+\S+$")
_REPOSITORY_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+$")


def _check_identity(identity: Identity) -> None:
    """Settings that would make Identify invalid are a configuration error, found at start."""
    for email in identity.admin_emails:
        if not _EMAIL.match(email):
            raise ConfigError(f"repository.admin_email: {email!r} is not an e-mail address")
    if not identity.admin_emails:
        raise ConfigError("repository.admin_email: at least one address is required")
    if not _REPOSITORY_ID.match(identity.repository_identifier):
        raise ConfigError(
            f"repository.identifier: {identity.repository_identifier!r} is not a domain name"
        )


def _schema_url(base_url: str, fmt: MetadataFormat) -> str:
    """Where a format's schema is: the hub's own copy (`/schemas/<file>`, beside `/oai`)
    for the formats it defines, so that every schema URL it advertises resolves; the
    format's canonical URL for the others, or when the base URL is not configured."""
    if fmt.xsd and base_url:
        return urljoin(base_url, f"schemas/{fmt.xsd}")
    return fmt.schema


def build_provider(hub: Hub) -> Provider:
    """A provider over the hub's store, formats and `[repository]` settings."""
    settings = hub.settings.repository
    identity = Identity(
        name=settings.name,
        repository_identifier=settings.identifier,
        admin_emails=settings.admin_email,
        base_url=settings.base_url,
        friends=settings.friends,
        compression=ENCODINGS,
        sample_local_id="301006",
    )
    _check_identity(identity)
    formats = [
        FormatInfo(f.prefix, _schema_url(settings.base_url, f), f.namespace)
        for f in hub.registry.outbound()
    ]
    options = ProviderOptions(
        page_size=settings.page_size,
        token_ttl=timedelta(hours=settings.token_ttl_hours),
        stylesheet=STYLESHEET,
    )
    codec = TokenCodec(hub.keys.resumption_tokens)
    return Provider(StoreRepository(hub.store), formats, identity, codec, options)


def create_oai_blueprint() -> Blueprint:
    """The blueprint serving `/oai` and its stylesheet at `/oai/static/oai2.xsl`."""
    blueprint = Blueprint(
        "oai", __name__, url_prefix="/oai", static_folder="static", static_url_path="/static"
    )
    blueprint.record_once(_setup)
    blueprint.add_url_rule("", "endpoint", _endpoint, methods=["GET", "POST"])
    return blueprint


def _setup(state: BlueprintSetupState) -> None:
    app = state.app
    assert isinstance(app, Flask)
    hub = hub_of(app)
    app.extensions[_PROVIDER] = build_provider(hub)
    app.extensions[_FLOW] = FlowControl(
        hub.settings.repository.max_concurrent_lists,
        hub.settings.repository.rate_limit_per_minute,
    )


def _retry_later(reason: str) -> Response:
    hub = current_hub()
    seconds = hub.settings.repository.retry_after_seconds
    response = Response(reason + "\n", status=503, content_type="text/plain; charset=utf-8")
    response.headers["Retry-After"] = str(seconds)
    return response


def _endpoint() -> Response:
    try:
        return _answer()
    except Exception:  # the one place that turns any failure into a retryable 503
        current_app.logger.exception("OAI-PMH request failed: %s", request.full_path)
        return _retry_later("Service temporarily unavailable; please retry.")


def _answer() -> Response:
    flow: FlowControl = current_app.extensions[_FLOW]
    if not flow.allow(request.remote_addr or "unknown"):
        return _retry_later("Too many requests from this client; please slow down.")
    source = request.form if request.method == "POST" else request.args
    pairs = list(source.items(multi=True))
    provider: Provider = current_app.extensions[_PROVIDER]
    if not any(key == "verb" and value in _LIST_VERBS for key, value in pairs):
        return _xml(provider.handle(pairs, base_url=request.base_url))
    with flow.list_slot() as admitted:
        if not admitted:
            return _retry_later("Too many list requests at once; please retry.")
        return _xml(provider.handle(pairs, base_url=request.base_url))


def _xml(body: bytes) -> Response:
    response = Response(body, content_type=XML_TYPE)
    response.headers["Vary"] = "Accept-Encoding"
    encoding = choose_encoding(request.accept_encodings)
    if encoding is not None:
        response.set_data(compress(body, encoding))
        response.headers["Content-Encoding"] = encoding
    return response
