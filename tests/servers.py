"""Servers of the tests on 127.0.0.1: ports kept for them, and threads that stop at once.

`reserve_port()` binds a socket to a free port and keeps it bound (not listening) until
it is closed, so no other test, worker or process is given that port in the meantime;
a server that sets SO_REUSEADDR, as `http.server`, werkzeug, gunicorn and asyncio do,
can still bind it and listen (Linux lets sockets that all set SO_REUSEADDR share a port
while none of them listens). A port found free, closed and bound later by a child
process could meanwhile go to anyone: under pytest-xdist it does.

`Background(server)` runs a `socketserver` server (`ThreadingHTTPServer`, werkzeug's
`make_server`) in a daemon thread. `stop()` returns at once: `serve_forever` looks at
its shutdown flag only when its `select` wakes, every 0.5 s by default, so `stop` also
shuts the listening socket, which wakes it.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from typing import Generic, TypeVar

__all__ = ["Background", "ReservedPort", "reserve_port"]

Server = TypeVar("Server", bound=socketserver.BaseServer)


class ReservedPort:
    """A port on 127.0.0.1 that nobody else is given while this is open."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.number: int = self._socket.getsockname()[1]

    def close(self) -> None:
        self._socket.close()

    def __enter__(self) -> ReservedPort:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def reserve_port() -> ReservedPort:
    return ReservedPort()


class Background(Generic[Server]):
    """`server.serve_forever()` in a daemon thread, started at once; `stop()` ends it."""

    def __init__(self, server: Server, name: str | None = None) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, daemon=True, name=name)
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and close the server's socket, without waiting for a poll."""
        stopper = threading.Thread(target=self.server.shutdown, daemon=True)
        stopper.start()
        # wakes the serving loop: it finds the shutdown flag (or, if it wakes first, a
        # failed accept, which it ignores, and it looks again at once)
        with contextlib.suppress(OSError):
            self.server.socket.shutdown(socket.SHUT_RDWR)  # type: ignore[attr-defined]
        stopper.join(timeout)
        self.thread.join(timeout)
        self.server.server_close()

    def __enter__(self) -> Background[Server]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
