"""A total deadline on one HTTP request, however slowly its bytes arrive.

`requests` times out each socket read, so a partner that sends one byte a second holds
a request for as long as it likes. `Deadline` bounds the whole request: the connections
a request uses are watched (`DeadlineAdapter` gives the pools connections that show
themselves to the request's deadline as each request starts, through urllib3's public
`ConnectionCls` and `HTTPConnection.request`), and when the deadline passes a timer
thread shuts their sockets down, which ends the blocked read at once with an error the
client then reports as a deadline.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from oai.harvest.addresses import AddressPolicy, guarded_connection_classes

__all__ = ["Deadline", "DeadlineAdapter"]

_current = threading.local()  # the Deadline of the request this thread is making


class Deadline:
    """`with Deadline(seconds):` around one request made in this thread."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _current.deadline = None

    def watch(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(connection)
            if self.expired:
                _cut(connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for connection in self._connections:
                _cut(connection)


def _cut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return  # still connecting: the connect timeout bounds that
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _watched(connection: Any) -> None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.watch(connection)


class _WatchedHTTPConnection(HTTPConnection):
    """A connection that shows itself to the thread's Deadline as each request starts
    (a new connection or one reused from the pool alike)."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self)
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self)
        super().request(*args, **kwargs)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """The HTTP adapter whose connections a `Deadline` can cut; with a `policy`, its
    connections go only to the addresses the policy allows (`oai.harvest.addresses`)."""

    def __init__(self, policy: AddressPolicy | None = None) -> None:
        self.policy = policy
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        if self.policy is None:
            pools: dict[str, type[Any]] = {"http": _HTTPPool, "https": _HTTPSPool}
        else:
            http, https = guarded_connection_classes(self.policy)
            pools = {
                "http": type("GuardedHTTPPool", (_HTTPPool,), {"ConnectionCls": http}),
                "https": type("GuardedHTTPSPool", (_HTTPSPool,), {"ConnectionCls": https}),
            }
        self.poolmanager.pool_classes_by_scheme = pools
