"""A wall-clock deadline on one HTTP attempt: connecting, the headers and the whole body.

Socket timeouts bound each read, not their sum, so a server that drips a byte a second
could hold a fetch for ever. The attempt's connections hand their sockets to the deadline
active in their thread, and a watchdog timer shuts them down when it passes, which ends
any read blocked on them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class DeadlineExceeded(Exception):
    """An attempt ran out of time; deliberately outside the exceptions urllib3 and requests
    wrap or retry, so that it leaves them at once."""


_ACTIVE = threading.local()  # the deadline of the attempt running in this thread


def active_deadline() -> Deadline | None:
    """The deadline of the attempt running in this thread, if one is."""
    return getattr(_ACTIVE, "deadline", None)


def _shutdown(sock) -> None:
    # socket.socket.shutdown, not SSLSocket.shutdown: only wake the reader, leave the TLS
    # state alone; the reading thread then sees the end of the stream.
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError, ValueError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class Deadline:
    """A wall-clock limit on one attempt, enforced by a watchdog timer.

    Socket timeouts bound each read, not their sum. The connections of an attempt hand
    their sockets to the active deadline (see :func:`adapter_class`); when it passes, the
    watchdog shuts them down, which ends any read blocked on them.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self.ends = 0.0
        self._lock = threading.Lock()
        self._sockets: list = []
        self._timer: threading.Timer | None = None
        self._generation = 0
        self._closed = False

    def __enter__(self) -> Deadline:
        _ACTIVE.deadline = self
        self.restart()
        return self

    def __exit__(self, *exc_info) -> None:
        _ACTIVE.deadline = None
        with self._lock:
            self._closed = True
            self._stop_timer()
            self._sockets.clear()

    def restart(self) -> None:
        """Start the clock again, for a new attempt inside urllib3's retries."""
        with self._lock:
            self._stop_timer()
            self.expired = False
            self._sockets.clear()
            self.ends = time.monotonic() + self.seconds
            self._timer = threading.Timer(self.seconds, self._expire, (self._generation,))
            self._timer.daemon = True
            self._timer.start()

    def pause(self) -> None:
        """Stop the clock while waiting between attempts (the wait is not the server's)."""
        with self._lock:
            self._stop_timer()

    def watch(self, sock) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it has)."""
        with self._lock:
            if self._closed or sock is None:
                return
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.ends

    def _stop_timer(self) -> None:
        self._generation += 1  # a timer already firing must not expire the next attempt
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self, generation: int) -> None:
        with self._lock:
            if self._closed or generation != self._generation:
                return
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _watch(sock) -> None:
    deadline = active_deadline()
    if deadline is not None:
        deadline.watch(sock)


_ADAPTER = None


def adapter_class():
    """requests' HTTPAdapter whose connections give their sockets to the active deadline."""
    global _ADAPTER
    if _ADAPTER is not None:
        return _ADAPTER
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Watched:
        def _new_conn(self):  # a new socket: connect and the TLS handshake
            sock = super()._new_conn()
            _watch(sock)
            return sock

        def request(self, *args, **kwargs):  # a kept-alive connection's socket
            _watch(self.sock)
            return super().request(*args, **kwargs)

        def getresponse(self, *args, **kwargs):  # after TLS, the socket object changed
            _watch(self.sock)
            return super().getresponse(*args, **kwargs)

    class WatchedHTTPConnection(Watched, HTTPConnection):
        pass

    class WatchedHTTPSConnection(Watched, HTTPSConnection):
        pass

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    pools = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}

    class BoundedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy, **kwargs):
            manager = super().proxy_manager_for(proxy, **kwargs)
            if not proxy.lower().startswith("socks"):  # SOCKS pools are their own classes
                manager.pool_classes_by_scheme = pools
            return manager

    _ADAPTER = BoundedAdapter
    return _ADAPTER
