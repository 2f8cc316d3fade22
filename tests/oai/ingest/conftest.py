"""The ingest path's tests use the harvester's partner and fault server."""

from __future__ import annotations

from tests.oai.harvest.conftest import partner, server

__all__ = ["partner", "server"]
