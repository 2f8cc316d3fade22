"""Finding 1 of issue 23, the harvester's side: which addresses a source may reach,
checked on the address the client connects to."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from oai.harvest.addresses import AddressPolicy, AddressRefused, is_public_address
from oai.harvest.client import Client, ClientConfig
from oai.harvest.errors import PageError
from oai.harvest.state import RAW_KEPT_BYTES, raw_of
from tests.oai.harvest.faultserver import FaultServer, Partner


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.9", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # shared address space (carrier NAT)
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),  # unique local
        ("fd12:3456::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped
        ("::127.0.0.1", False),  # IPv4-compatible
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::808:808", False),  # local-use NAT64
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:c0a8:1::1", False),  # 6to4 of 192.168.0.1
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("64:ff9b::808:808", True),  # NAT64 of a public address
        ("2002:808:808::1", True),  # 6to4 of a public address
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.fixture
def server() -> Iterator[FaultServer]:
    partner = Partner()
    partner.put("doc-1", "One")
    with FaultServer(partner).start() as running:
        yield running


def test_a_guarded_client_never_connects_to_a_private_address(server: FaultServer) -> None:
    client = Client(ClientConfig(max_retries=3), policy=AddressPolicy())
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1: a loopback, private"):
        client.get(server.url, {"verb": "Identify"})
    localhost = server.url.replace("127.0.0.1", "localhost")
    with pytest.raises(AddressRefused):
        client.get(localhost, {"verb": "Identify"})
    assert server.requests == []  # refused before connecting, and not retried
    trusted = Client(ClientConfig(), policy=AddressPolicy(trusted_hosts=frozenset({"127.0.0.1"})))
    assert b"<Identify>" in trusted.get(server.url, {"verb": "Identify"}).body
    allowed = Client(ClientConfig(), policy=AddressPolicy(private_ok=True))
    assert b"<Identify>" in allowed.get(server.url, {"verb": "Identify"}).body


def test_the_address_checked_is_the_address_connected_to(
    server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that resolves to a public address once and to 127.0.0.1 the next time (DNS
    rebinding) is checked on the resolution the connection uses."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.example":
            return real(next(answers), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    from oai.harvest.addresses import resolves_to_private

    assert not resolves_to_private("rebind.example")  # the check a form would make
    port = server.url.split(":")[2].split("/")[0]
    client = Client(ClientConfig(max_retries=0), policy=AddressPolicy())
    with pytest.raises(AddressRefused, match=r"rebind\.example is 127\.0\.0\.1"):
        client.get(f"http://rebind.example:{port}/oai", {"verb": "Identify"})
    assert server.requests == []


def test_only_xml_or_json_bodies_are_kept_raw_and_capped() -> None:
    assert raw_of(PageError("x", b"<html><body>secret</body></html>"))["raw"].startswith(b"<")
    assert raw_of(PageError("x", b'\xef\xbb\xbf {"key": "secret"}'))
    assert raw_of(PageError("x", b"key=secret\n")) == {}
    assert raw_of(PageError("x", b"\x00\x01binary")) == {}
    assert len(raw_of(PageError("x", b"<a>" + b"x" * (2 * RAW_KEPT_BYTES)))["raw"]) == (
        RAW_KEPT_BYTES
    )
