"""The emulator's file storage: artifacts are downloaded from here through short-lived presigned
URLs, as Control Room hands out URLs of its cloud storage, on another host than the API.

The server listens on 127.0.0.1 but is addressed as `localhost` (another host name than the
API's), so a client that sends its API key only to the API's host sends none here. A URL reads
`http://localhost:<port>/storage/<random>/<name>?X-Expires=<epoch>&X-Signature=<hmac>`; it serves
the bytes while the signature holds and the time has not passed, and answers 403 otherwise,
with an XML error as cloud storage does. A request that carries an Authorization header is
refused with 400, as S3 refuses a second way of authenticating. Every request is recorded
(never a query string, so never a signature).
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import hmac
import math
import secrets
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

PATH_PREFIX = "/storage/"
# How often a server's loop looks whether it is asked to stop, when nothing wakes it sooner.
POLL_INTERVAL = 0.05


def stop_serving(server: TCPServer) -> None:
    """`server.shutdown()` without waiting for its loop to look: a connection that says nothing wakes
    the loop's wait at once (a test suite starts and stops a server for every test)."""
    stopping = threading.Thread(target=server.shutdown, name=f"{type(server).__name__}-shutdown", daemon=True)
    stopping.start()
    address = (str(server.server_address[0]), int(server.server_address[1]))
    while stopping.is_alive():
        with contextlib.suppress(OSError), socket.create_connection(address, timeout=POLL_INTERVAL):
            pass
        stopping.join(0.001)


@dataclass(frozen=True)
class StorageRequest:
    """One request the storage server got: no query string, and of an Authorization header only
    whether there was one and its scheme."""

    method: str
    path: str
    authorization: bool
    scheme: str | None  # "RC-WSKEY", "Bearer", ...; None without the header
    status: int
    fault: str | None = None


@dataclass(frozen=True)
class _Stored:
    size: int
    chunks: Callable[[], Iterable[bytes]] = field(repr=False)


def _xml_error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>\n").encode()


class Storage:
    """Presigns URLs and serves them. `cut` answers, for a download of `size` bytes, after how
    many bytes to drop the connection (None: send it all); the emulator's fault queue backs it."""

    def __init__(self, cut: Callable[[int], int | None]) -> None:
        self._cut = cut
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._stored: dict[str, _Stored] = {}
        self._expiries: list[tuple[int, str]] = []
        self._records: list[StorageRequest] = []
        self._server: _StorageServer | None = None
        self._thread: threading.Thread | None = None
        self.closing = threading.Event()

    # -- life -------------------------------------------------------------------------------

    def start(self) -> None:
        if self._server is not None:
            return
        self.closing.clear()
        server = _StorageServer(("127.0.0.1", 0), self)
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_INTERVAL},
                                        name=f"emulator-storage:{server.server_port}", daemon=True)
        self._server = server
        self._thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        self.closing.set()  # ends downloads under way between two chunks
        stop_serving(server)
        server.server_close()
        thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        server = self._server
        if server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return f"http://localhost:{server.server_port}"

    # -- presigning -----------------------------------------------------------------------------

    def _signature(self, path: str, expires: int) -> str:
        return hmac.new(self._key, f"GET\n{path}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def presign(self, name: str, size: int, chunks: Callable[[], Iterable[bytes]], ttl: float) -> str:
        """A URL that serves `size` bytes from `chunks()` for `ttl` seconds (rounded down to the
        whole second it expires at)."""
        now = time.time()
        expires = math.floor(now + ttl)
        path = f"{PATH_PREFIX}{secrets.token_urlsafe(16)}/{quote(name, safe='')}"
        with self._lock:
            while self._expiries and self._expiries[0][0] < now:  # expired URLs fail before the lookup
                self._stored.pop(heapq.heappop(self._expiries)[1], None)
            self._stored[path] = _Stored(size, chunks)
            heapq.heappush(self._expiries, (expires, path))
        return f"{self.base_url}{path}?X-Expires={expires}&X-Signature={self._signature(path, expires)}"

    # -- what happened ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[StorageRequest]:
        with self._lock:
            return list(self._records)

    def clear_requests(self) -> None:
        with self._lock:
            self._records = []

    def record(self, request: StorageRequest) -> None:
        with self._lock:
            self._records.append(request)

    # -- used by the handler ----------------------------------------------------------------------

    def check(self, method: str, path: str, query: str, authorization: str | None) -> tuple[int, bytes, _Stored | None]:
        """(status, error body, what to serve) for a request."""
        if method not in ("GET", "HEAD"):
            return 405, _xml_error("MethodNotAllowed", "The specified method is not allowed"), None
        if authorization is not None:
            return 400, _xml_error("InvalidArgument", "Only one auth mechanism allowed: a presigned URL "
                                   "or the Authorization header"), None
        params = parse_qs(query, keep_blank_values=True)
        expires_text = params.get("X-Expires", [""])[0]
        signature = params.get("X-Signature", [""])[0]
        if not (expires_text.isascii() and expires_text.isdigit() and len(expires_text) < 16 and signature):
            return 403, _xml_error("AccessDenied", "Query-string authentication requires X-Expires "
                                   "and X-Signature"), None
        expires = int(expires_text)
        if not hmac.compare_digest(signature.encode(), self._signature(path, expires).encode()):
            return 403, _xml_error("SignatureDoesNotMatch", "The request signature we calculated does not "
                                   "match the signature you provided"), None
        if time.time() >= expires:
            return 403, _xml_error("AccessDenied", "Request has expired"), None
        with self._lock:
            stored = self._stored.get(path)
        if stored is None:
            return 404, _xml_error("NoSuchKey", "The specified key does not exist."), None
        return 200, b"", stored

    def cut_after(self, size: int) -> int | None:
        return self._cut(size)


class _StorageHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "emulator-storage/0.1"
    sys_version = ""
    server: _StorageServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a URL with its signature must not reach any output."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _serve(self) -> None:
        storage = self.server.storage
        self.close_connection = True  # one download per connection: nothing lingers after stop()
        url = urlsplit(self.path)
        authorization = self.headers.get("Authorization")
        scheme = authorization.strip().partition(" ")[0] if authorization is not None else None
        status, body, stored = storage.check(self.command, url.path, url.query, authorization)
        cut = None
        if stored is not None and self.command == "GET":
            cut = storage.cut_after(stored.size)
        storage.record(StorageRequest(self.command, url.path, authorization is not None, scheme, status,
                                      "storage_cut" if cut is not None else None))
        size = stored.size if stored is not None else len(body)
        kind = "application/octet-stream" if stored is not None else "application/xml"
        head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nServer: {self.server_version}\r\n"
                f"Date: {self.date_time_string()}\r\nContent-Type: {kind}\r\nContent-Length: {size}\r\n"
                "Connection: close\r\n\r\n").encode("latin-1")
        try:
            if stored is None or self.command == "HEAD":
                self.wfile.write(head + (b"" if self.command == "HEAD" else body))
                return
            self._stream(head, stored, cut)
        except OSError:
            pass

    def _stream(self, head: bytes, stored: _Stored, cut: int | None) -> None:
        left = stored.size if cut is None else min(cut, stored.size)
        self.wfile.write(head)
        for chunk in stored.chunks():
            if left <= 0 or self.server.storage.closing.is_set():
                break
            piece = chunk[:left]
            self.wfile.write(piece)
            left -= len(piece)
        if cut is not None:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)


class _StorageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], storage: Storage) -> None:
        self.storage = storage
        super().__init__(address, _StorageHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name with getfqdn, which can stall on DNS.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
