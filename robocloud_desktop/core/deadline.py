"""A total time limit for each HTTP request, however slowly the other side sends.

requests' timeouts bound one connect and each socket read, not the exchange: a server (or a
proxy) sending one byte every few seconds holds a call forever. Here each request runs inside
`deadline(seconds)`; the connections and TLS handshakes it uses are registered with one watchdog
thread, which shuts their sockets down when the deadline passes. The blocked read or write then
fails at once, and the caller, seeing `Call.expired`, reports the time limit rather than the
broken connection it caused.

Everything hooks in through public extension points: requests' transport adapter builds its own
urllib3 PoolManager / ProxyManager, whose pool classes name their connection class, and the TLS
context's wrap_socket sees each socket before its handshake. The one wait nothing can cut short
is the operating system's name lookup, which has its own time limits.
"""

from __future__ import annotations

import heapq
import itertools
import math
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import truststore
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager, ProxyManager
from urllib3.connection import HTTPConnection, HTTPSConnection


class Call:
    """One request under a deadline. `expired` is set by the watchdog once the deadline passed
    before the call ended; `sent` once a request began to go out on a connection."""

    __slots__ = ("connections", "deadline", "done", "expired", "seen", "sent", "sockets")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.done = False
        self.expired = False
        self.seen = False  # a connection of ours was used: else `sent` proves nothing
        self.sent = False
        self.connections: list[HTTPConnection] = []  # connecting: their socket, whatever it is by then
        # Duplicates of the sockets in use, owned by the call: shutting one down ends the exchange
        # on the socket it copies, and no other thread closes it (its number cannot be reused).
        self.sockets: list[socket.socket] = []

    @property
    def may_have_sent(self) -> bool:
        """False only when the call's connection is known and no request began on it."""
        return self.sent or not self.seen


def _shut(sock: Any) -> None:
    """Shut a socket down for reading and writing: safe while another thread is blocked on it (its
    read returns end-of-file, its write fails), and the socket stays its owner's to close."""
    if sock is not None and not isinstance(sock, socket.socket):
        sock = getattr(sock, "socket", None)  # urllib3's SSLTransport (TLS inside TLS) over its socket
    if isinstance(sock, socket.socket):
        with suppress(OSError):
            # The plain socket's shutdown, also for an SSLSocket: its own would also drop the TLS
            # state under the feet of the thread still reading through it.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _duplicate(sock: Any) -> socket.socket | None:
    if sock is not None and not isinstance(sock, socket.socket):
        sock = getattr(sock, "socket", None)
    if not isinstance(sock, socket.socket) or sock.fileno() < 0:
        return None
    with suppress(OSError):
        # fromfd, not dup(): an SSLSocket cannot be duplicated as one, and a plain copy is all it takes.
        return socket.fromfd(sock.fileno(), sock.family, sock.type)
    return None


class _Watchdog:
    """One daemon thread for the process: wakes at the earliest deadline of the calls under way."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self._heap: list[tuple[float, int, Call]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._wake_at = math.inf

    def begin(self, seconds: float) -> Call:
        call = Call(time.monotonic() + seconds)
        with self.lock:
            heapq.heappush(self._heap, (call.deadline, next(self._order), call))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
            # Deadlines mostly come in the order calls start: the thread is woken only when it
            # sleeps past the new one (or sleeps with nothing to watch).
            if call.deadline < self._wake_at:
                self.lock.notify()
        return call

    def end(self, call: Call) -> None:
        with self.lock:
            if call.done:
                return
            call.done = True
            for sock in call.sockets:
                sock.close()
            call.sockets.clear()
            call.connections.clear()
            # Drop ended calls from the top now, so the heap holds about the calls under way.
            while self._heap and self._heap[0][2].done:
                heapq.heappop(self._heap)

    def watch_connection(self, conn: HTTPConnection) -> None:
        """Watch a connection that is connecting, for the calling thread's call if it runs under one."""
        call: Call | None = getattr(_current, "call", None)
        if call is None:
            return
        with self.lock:
            call.seen = True
            if all(conn is not other for other in call.connections):
                call.connections.append(conn)
            if call.expired:
                _shut(conn.sock)

    def watch_socket(self, sock: Any, *, sending: bool = False) -> None:
        """Watch a connected socket for the calling thread's call, if it runs under one; `sending`
        when a request is about to go out on it."""
        call: Call | None = getattr(_current, "call", None)
        if call is None:
            return
        copy = _duplicate(sock)
        with self.lock:
            call.seen = True
            call.sent = call.sent or sending
            if copy is None:
                return
            if call.done:
                copy.close()
                return
            call.sockets.append(copy)
            if call.expired:
                _shut(copy)  # the deadline passed while this call was still looking up or connecting

    def _run(self) -> None:
        with self.lock:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
                    _, _, call = heapq.heappop(self._heap)
                    if not call.done:
                        call.expired = True
                        for conn in call.connections:
                            _shut(conn.sock)
                        for sock in call.sockets:
                            _shut(sock)
                self._wake_at = self._heap[0][0] if self._heap else math.inf
                self.lock.wait(None if math.isinf(self._wake_at) else self._wake_at - now)


_WATCHDOG = _Watchdog()
_current = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[Call]:
    """Run the requests made by this thread inside the block under one deadline, `seconds` from now."""
    call = _WATCHDOG.begin(seconds)
    _current.call = call
    try:
        yield call
    finally:
        _current.call = None
        _WATCHDOG.end(call)


def finish(call: Call) -> bool:
    """End watching `call` now (before the block ends); True when its deadline had already passed.
    After this the answer is final: the watchdog no longer touches the call's sockets."""
    _WATCHDOG.end(call)
    return call.expired


class _WatchedConnectionMixin:
    """Watched by the current call while it connects, and its socket while it sends and answers."""

    sock: Any

    def connect(self) -> None:
        # Before connecting: a proxy's CONNECT exchange runs on the socket inside connect().
        _WATCHDOG.watch_connection(self)  # type: ignore[arg-type]
        super().connect()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is None:
            # Connect first (http.client would, inside the request) so the call knows that a
            # deadline passing from here on may find the request sent.
            self.connect()
        # The socket itself, not the connection: http.client lets go of the connection's socket
        # once an answer says it will close, and the body then still comes through it.
        _WATCHDOG.watch_socket(self.sock, sending=True)
        super().request(*args, **kwargs)  # type: ignore[misc]

    def close(self) -> None:
        # Under the watchdog's lock, so it never shuts down a socket number being closed (and reused).
        with _WATCHDOG.lock:
            super().close()  # type: ignore[misc]


class _WatchedHTTPConnection(_WatchedConnectionMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnectionMixin, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPConnectionPool, "https": _WatchedHTTPSConnectionPool}


class _WatchedPoolManager(PoolManager):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool_classes_by_scheme = _WATCHED_POOLS


class _WatchedProxyManager(ProxyManager):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool_classes_by_scheme = _WATCHED_POOLS


class SystemTrustContext(truststore.SSLContext):
    """The operating system's trust store, with each TLS handshake under the current call's deadline."""

    def wrap_socket(self, sock: socket.socket, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        # The handshake runs on the socket being wrapped, which the TLS socket then takes over.
        _WATCHDOG.watch_socket(sock)
        return super().wrap_socket(sock, *args, **kwargs)


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections, direct or through a proxy, are watched by `deadline`.
    With `system_trust`, TLS is verified against the operating system's trust store instead of
    certifi's bundle."""

    def __init__(self, *, system_trust: bool = False, **kwargs: Any) -> None:
        self._system_trust = system_trust
        self._manager_args: dict[str, Any] = {}
        super().__init__(**kwargs)

    def _tls(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if self._system_trust:
            kwargs["ssl_context"] = SystemTrustContext(ssl.PROTOCOL_TLS_CLIENT)
        return kwargs

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        # requests' own keeps its bookkeeping right (it is replaced at once, before any use).
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self._manager_args = {"num_pools": connections, "maxsize": maxsize, "block": block}
        self.poolmanager = _WatchedPoolManager(**self._manager_args, **self._tls(pool_kwargs))

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # SOCKS proxies keep requests' own manager: unwatched, with only the per-read timeouts. Such a
        # call never counts as unsent (Call.may_have_sent), so a trigger through one is never resent.
        if proxy in self.proxy_manager or proxy.lower().startswith("socks"):
            return super().proxy_manager_for(proxy, **proxy_kwargs)
        manager = _WatchedProxyManager(proxy, proxy_headers=self.proxy_headers(proxy), **self._manager_args,
                                       **self._tls(proxy_kwargs))
        self.proxy_manager[proxy] = manager
        return manager

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # requests would add certifi's bundle to the context; the system store is the point.
        if self._system_trust and verify is True and url.lower().startswith("https"):
            conn.cert_reqs = "CERT_REQUIRED"
            return
        super().cert_verify(conn, url, verify, cert)  # type: ignore[no-untyped-call]  # unannotated in types-requests
