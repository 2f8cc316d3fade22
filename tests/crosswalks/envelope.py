"""Wrap a metadata element in an OAI-PMH GetRecord response, as the provider serves it."""

from __future__ import annotations


def get_record(metadata: bytes, prefix: str) -> bytes:
    return (
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
        b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
        b'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
        b"<responseDate>2024-01-01T00:00:00Z</responseDate>"
        b'<request verb="GetRecord" identifier="oai:example.org:1" metadataPrefix="'
        + prefix.encode()
        + b'">http://127.0.0.1/oai</request><GetRecord><record><header>'
        b"<identifier>oai:example.org:1</identifier><datestamp>2024-01-01T00:00:00Z"
        b"</datestamp></header><metadata>" + metadata + b"</metadata></record></GetRecord>"
        b"</OAI-PMH>"
    )
