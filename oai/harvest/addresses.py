"""Which addresses the harvester may connect to, checked on the address it connects to.

A source added or edited in the browser or the API must not make the hub reach inside
its own network (its admin pages, a database's HTTP port, a cloud metadata service) and
publish what answers. So every connection of such a source, its redirects included, goes
only to a *public* address: not loopback, private, link-local, unique-local, shared
(100.64/10), reserved, multicast or unspecified, and not an IPv6 form that carries such
an IPv4 address inside it (IPv4-mapped `::ffff:0:0/96`, IPv4-compatible `::/96`, NAT64
`64:ff9b::/96` and its local-use `64:ff9b:1::/48`, 6to4 `2002::/16`).

The check sits where the socket is made (`GuardedHTTPConnection._new_conn`): the host is
resolved once, each address is checked, and the connection goes to that very address,
so a name that resolves to a public address for a check and to 127.0.0.1 a moment later
(DNS rebinding) gains nothing. Sources of the configuration file are the operator's own:
their host may be any address, and so may their redirects when that host is private
(`harvest.private_redirects` opens redirects of every source, `harvest.private_base_urls`
lets browser and API sources reach private addresses too).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from oai.harvest.errors import UnsafeURL

__all__ = [
    "AddressPolicy",
    "AddressRefused",
    "IPAddress",
    "embedded_ipv4",
    "guarded_connection_classes",
    "is_public_address",
    "resolves_to_private",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_COMPATIBLE = ipaddress.ip_network("::/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


class AddressRefused(UnsafeURL):
    """A connection to a non-public address that the policy does not allow."""


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4), if any."""
    value = int(address)
    if address in _MAPPED or address in _COMPATIBLE or address in _NAT64:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """Whether the hub may connect to `address` for a source that must stay outside."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return False
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public_address(inner)
    return address.is_global and not address.is_multicast


def _addresses(host: str) -> list[IPAddress]:
    host = host.strip("[]")
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def resolves_to_private(host: str) -> bool:
    """Whether `host` is, or resolves to, any non-public address (a name that does not
    resolve is not: its request fails)."""
    try:
        found = _addresses(host)
    except (OSError, UnicodeError):
        return False
    return any(not is_public_address(a) for a in found)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Where one client's connections may go: `trusted_hosts` (the configured source's
    own host) to any address; every other host to public addresses only, unless
    `private_ok`."""

    trusted_hosts: frozenset[str] = field(default_factory=frozenset)
    private_ok: bool = False

    def allows(self, host: str, address: IPAddress) -> bool:
        if self.private_ok or host.strip("[]").lower() in self.trusted_hosts:
            return True
        return is_public_address(address)


def _connect(conn: Any, policy: AddressPolicy) -> socket.socket:
    """Resolve the connection's host once and connect to the first allowed address."""
    host, port = conn._dns_host, conn.port
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    refused: list[str] = []
    error: OSError | None = None
    for _family, _type, _proto, _name, sockaddr in infos:
        literal = str(sockaddr[0])
        address = ipaddress.ip_address(literal.split("%")[0])
        if not policy.allows(host, address):
            refused.append(str(address))
            continue
        try:
            return urllib3_connection.create_connection(
                (literal, port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(conn, f"connection to {host} timed out") from exc
        except OSError as exc:
            error = exc
    if error is not None:
        raise NewConnectionError(conn, f"Failed to establish a new connection: {error}")
    raise AddressRefused(
        f"{host} is {', '.join(dict.fromkeys(refused))}: a loopback, private, link-local or"
        " other non-public address, which sources added in the browser or the API may not"
        " reach (harvest.private_base_urls)"
    )


def guarded_connection_classes(policy: AddressPolicy) -> tuple[type[Any], type[Any]]:
    """HTTP and HTTPS connection classes that connect only where `policy` allows."""

    class GuardedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self, policy)

    class GuardedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _connect(self, policy)

    return GuardedHTTPConnection, GuardedHTTPSConnection
