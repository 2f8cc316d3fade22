"""The state a web app carries, behind one accessor: the hub it was built with.

`oai.app.create_app` attaches the hub; views, the API and the OAI-PMH endpoint reach it
through `current_hub()` while they answer a request, and through `hub_of(app)` while
the app is being built.
"""

from __future__ import annotations

from flask import Flask, current_app

from oai.hub import Hub

__all__ = ["attach_hub", "current_hub", "hub_of"]

_HUB = "oaihub"


def attach_hub(app: Flask, hub: Hub) -> None:
    """Make `hub` the one the app serves."""
    app.extensions[_HUB] = hub


def hub_of(app: Flask) -> Hub:
    """The hub an app was built with."""
    hub = app.extensions[_HUB]
    assert isinstance(hub, Hub)
    return hub


def current_hub() -> Hub:
    """The hub of the app answering the current request."""
    return hub_of(current_app)
