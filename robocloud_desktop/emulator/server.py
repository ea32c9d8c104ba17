"""HTTP side of the Process API emulator: routing, secrets, faults and the Emulator itself.

Stdlib only, so tests, demo mode and benchmarks need nothing beyond Python.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import math
import secrets
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .answers import MAX_PAYLOAD, Answer, error, json_answer, too_large
from .runs import STARTED_BY, EmulatedProcess, RunStore
from .schedule import Scheduler
from .storage import POLL_INTERVAL, Storage, StorageRequest, stop_serving
from .story import StoryBook
from .v1 import PREFIX as V1_PREFIX
from .v1 import V1Api, is_v1

SECRET_NAME = "robocloud-process-secret"
# Oversized bodies up to this size are read before the 413 goes out: closing a socket with
# unread data makes the client see a reset instead of the answer.
READ_CAP = 16 * 1024 * 1024
FAULT_KINDS = frozenset({"status", "html", "drop", "drop_after_create", "empty", "truncated", "delay", "trickle",
                         "raw", "storage_cut"})
# Faults the storage server takes (the API never does): the API's faults stay queued for the API.
STORAGE_FAULTS = frozenset({"storage_cut"})
# Where a trickled answer starts to come a byte at a time: the status line, the headers, or the body.
TRICKLE_PARTS = ("status", "headers", "body")
_HEADER_NAME = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_PREFIX = ("", "workspace-v1", "workspaces")
# Lets a benchmark in another process count what its client sent; needs no secret (loopback tool).
STATS_PATH = "/_emulator/stats"
DEFAULT_USER = ("u-1", "Ada", "Lovelace")


@dataclass(frozen=True)
class Fault:
    """A misbehaviour queued with `Emulator.inject`; matched FIFO against arriving requests.

    Kinds:
      status      answer `status` with `body` (JSON or text; a default error body when None) and
                  `headers`, which replace the emulator's own of the same name (Content-Length...)
      html        a proxy's HTML error page with `status`
      empty       200 with no body
      drop        close the connection unanswered
      drop_after_create   start the run, then close the connection unanswered
      truncated   a 200 whose body stops half-way
      delay       wait `seconds`, then answer as usual
      trickle     answer as usual (a trigger starts its run), but a byte at a time with `seconds`
                  between bytes from `where` on: the "status" line, the "headers" or the "body"
      raw         send `body` as the whole answer, status line and headers included, then close
      storage_cut on the storage server, not the API: a download that stops after `cut_after`
                  bytes of its body (half when None) and the connection is closed

    `body` and `headers` stay out of the repr: tests put echoed secrets in them.
    """

    kind: str
    status: int = 503
    retry_after: str | None = None
    body: str | bytes | None = field(default=None, repr=False)
    method: str | None = None
    times: int = 1
    seconds: float = 0.0
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    where: str = "body"
    cut_after: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {sorted(FAULT_KINDS)}")
        if not 100 <= self.status <= 599:
            raise ValueError(f"fault status must be 100..599, not {self.status}")
        if self.times < 1 or self.seconds < 0:
            raise ValueError("fault times must be >= 1 and seconds >= 0")
        value = self.retry_after
        if value is not None and not (value.isascii() and value.isprintable()):
            raise ValueError("retry_after must be printable ASCII on one line")
        for name, text in self.headers:
            if not name or not set(name) <= _HEADER_NAME:
                raise ValueError("a header name must be a token (letters, digits and !#$%&'*+-.^_`|~)")
            if not (text.isprintable() and text.encode("latin-1", "replace").decode("latin-1") == text):
                raise ValueError("a header value must be printable Latin-1 text on one line")
        if self.where not in TRICKLE_PARTS:
            raise ValueError(f"where must be one of {TRICKLE_PARTS}, not {self.where!r}")
        if self.cut_after is not None and self.cut_after < 0:
            raise ValueError("cut_after must be a number of bytes >= 0")
        if self.kind == "raw" and not self.body:
            raise ValueError("a raw fault needs the answer to send as its body")
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator saw it; `path` has no query string so no secret leaks."""

    method: str
    path: str
    time: float
    secret_via: str | None
    status: int  # 0 while unanswered, or when a fault dropped the connection
    fault: str | None
    client_port: int = 0  # tells keep-alive reuse apart from new connections
    user_agent: str = ""


@dataclass
class _PendingFault:
    fault: Fault
    remaining: int


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _fault_answer(fault: Fault) -> Answer:
    if fault.kind == "html":
        text = (
            f"<html><head><title>{fault.status} {_phrase(fault.status)}</title></head><body>"
            f"<h1>{fault.status} {_phrase(fault.status)}</h1><hr><p>emulated proxy</p></body></html>"
        )
        return Answer(fault.status, text.encode(), "text/html; charset=utf-8")
    if fault.kind == "empty":
        return Answer(200)
    headers: tuple[tuple[str, str], ...] = ()
    if fault.retry_after is not None:
        headers = (("Retry-After", fault.retry_after),)
    headers += fault.headers
    if fault.body is None:
        try:
            code = HTTPStatus(fault.status).name
        except ValueError:
            code = f"HTTP_{fault.status}"
        return error(fault.status, code, f"Emulated {fault.status} {_phrase(fault.status)}", headers)
    body = fault.body.encode() if isinstance(fault.body, str) else fault.body
    looks_json = body.lstrip()[:1] in (b"{", b"[", b'"')
    kind = "application/json" if looks_json else "text/plain; charset=utf-8"
    return Answer(fault.status, body, kind, headers)


def _truncated_answer(method: str, path: str) -> Answer:
    """A plausible 200 body of which only the first half will be sent."""
    if is_v1(path):
        obj: dict[str, Any] = {"started": True, "id": str(uuid.uuid4())} if method == "POST" else {
            "id": str(uuid.uuid4()), "state": "in_progress", "duration": 1}
    elif method == "POST":
        obj = {"message": "OK", "processRunId": str(uuid.uuid4()), "workItemId": ""}
    else:
        obj = {"id": str(uuid.uuid4()), "result": "", "state": "IP", "errorCode": "", "duration": 1}
    return json_answer(200, obj)


def _route(path: str) -> tuple[str, str, str | None] | None:
    """(workspace, process, run id or None) for the two API paths, else None."""
    parts = path.rstrip("/").split("/")
    if tuple(parts[:3]) != _PREFIX or len(parts) not in (7, 8) or not all(parts[3:]):
        return None
    if parts[4] != "processes" or parts[6] != "runs":
        return None
    return parts[3], parts[5], parts[7] if len(parts) == 8 else None


class _BodyError(Exception):
    """The body could not be read; `answer` None means the client went away mid-body."""

    def __init__(self, answer: Answer | None) -> None:
        super().__init__()
        self.answer = answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "robocloud-emulator/0.1"
    sys_version = ""
    server: _Server
    _token: tuple[int, int] | None

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: a benchmark's thousands of requests must not flood stderr."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def __getattr__(self, name: str) -> Any:
        # http.server answers 501 to methods without a do_* method; the emulator answers 405.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        emu = self.server.emulator
        method = self.command
        url = urlsplit(self.path)
        if method == "GET" and url.path == STATS_PATH:
            self._token = None  # left unrecorded, so asking does not change the answer
            self._send(json_answer(200, emu.stats()))
            return
        authorization = self.headers.get("Authorization")
        if is_v1(url.path):
            via = "authorization" if authorization is not None else None

            def dispatch() -> Answer:
                return emu._v1.answer(method, url.path, url.query, authorization, body)
        else:
            header_secret = self.headers.get(SECRET_NAME)
            query_secret = parse_qs(url.query, keep_blank_values=True).get(SECRET_NAME, [None])[0]
            secret = header_secret if header_secret is not None else query_secret
            via = "header" if header_secret is not None else "query" if query_secret is not None else None

            def dispatch() -> Answer:
                return emu._dispatch(method, url.path, secret, body)
        body_error: _BodyError | None = None
        body = b""
        try:
            body = self._read_body()
        except _BodyError as exc:
            body_error = exc
        fault = None if body_error else emu._take_fault(method)
        self._token = emu._record(
            method, url.path, via, fault.kind if fault else None,
            self.client_address[1], self.headers.get("User-Agent", ""),
        )
        if emu.latency > 0:
            time.sleep(emu.latency)
        if body_error is None:
            self._answer(method, url.path, dispatch, fault)
        elif body_error.answer is not None:
            self._send(body_error.answer)

    def _answer(self, method: str, path: str, dispatch: Callable[[], Answer], fault: Fault | None) -> None:
        """Send the answer, or misbehave as the fault says."""
        kind = fault.kind if fault else None
        if fault is not None and kind == "delay":
            time.sleep(fault.seconds)
        if kind in (None, "delay", "drop_after_create"):
            answer = dispatch()
            if kind == "drop_after_create":
                self._drop()
            else:
                self._send(answer)
        elif kind == "drop":
            self._drop()
        elif kind == "truncated":
            answer = _truncated_answer(method, path)
            self._send(answer, cut=len(answer.body) // 2)
        elif kind == "trickle":
            assert fault is not None
            self._trickle(dispatch(), fault)
        elif kind == "raw":
            assert fault is not None and fault.body
            with contextlib.suppress(OSError):
                self.wfile.write(fault.body.encode() if isinstance(fault.body, str) else fault.body)
            self._drop()
        else:
            assert fault is not None
            self._send(_fault_answer(fault))

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise _BodyError(error(400, "INVALID_REQUEST", "Invalid Content-Length"))
        if length > READ_CAP:
            self.close_connection = True
            raise _BodyError(too_large(length))
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            raise _BodyError(None)
        return body

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            try:
                size = int(self.rfile.readline(1024).split(b";")[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                raise _BodyError(error(400, "INVALID_REQUEST", "Invalid chunked body")) from None
            if size == 0:
                break
            total += size
            if total > READ_CAP:
                self.close_connection = True
                raise _BodyError(too_large(total))
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
            pass  # trailers carry nothing the emulator uses
        return b"".join(chunks)

    def _head(self, answer: Answer) -> bytes:
        """Status line and headers; the answer's own headers replace the defaults of the same name."""
        own = {name.lower() for name, _ in answer.headers}
        defaults = [("Server", self.server_version), ("Date", self.date_time_string()),
                    ("Content-Type", answer.content_type), ("Content-Length", str(len(answer.body)))]
        lines = [
            f"HTTP/1.1 {answer.status} {_phrase(answer.status)}",
            *(f"{name}: {value}" for name, value in defaults if name.lower() not in own),
            *(f"{name}: {value}" for name, value in answer.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, answer: Answer, cut: int | None = None) -> None:
        """Write status line, headers and body in one write: separate writes on a keep-alive
        socket stall ~40 ms per answer (Nagle + delayed ACK)."""
        body = b"" if self.command == "HEAD" else answer.body
        if cut is not None:
            body = body[:cut]
            self.close_connection = True
        head = self._head(answer)
        # Recorded before the write so a client that has its answer also finds it in `requests`.
        self.server.emulator._finish(self._token, answer.status)
        try:
            self.wfile.write(head + body)
        except OSError:
            self.close_connection = True
        if cut is not None:
            self._drop()

    def _trickle(self, answer: Answer, fault: Fault) -> None:
        """Send the answer a byte at a time from `fault.where` on, until it is out or the client
        (or the emulator stopping) closes the connection."""
        self.close_connection = True  # a client that gave up must not find the rest on its next request
        head = self._head(answer)
        data = head + answer.body
        start = {"status": 0, "headers": head.index(b"\r\n") + 2, "body": len(head)}[fault.where]
        self.server.emulator._finish(self._token, answer.status)
        try:
            if start:
                self.wfile.write(data[:start])
            for index in range(start, len(data)):
                time.sleep(fault.seconds)
                self.wfile.write(data[index:index + 1])
        except OSError:
            pass

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name with getfqdn, which can stall on DNS.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._open_lock:
            self._open.add(sock)
        return sock, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that stops reading (its answer was too long, its time ran out) resets the
        # connection: for a server that is the end of that connection, not an error to print.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake idle keep-alive handlers; each closes its own socket on the way out."""
        with self._open_lock:
            open_now = list(self._open)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Emulator:
    """A Process API on loopback: `with Emulator() as emu: ... emu.base_url ...`.

    Checks run in this order: method and path (405 / 404), process (404 whatever the secret),
    secret (401), then run id (404) or payload (413, 400). So a 413 or 400 needs the right secret.
    Control Room API v1 is served under `v1_base_url`, with workspace keys (see `v1.py`).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, run_duration: float = 2.0) -> None:
        if run_duration < 0:
            raise ValueError("run_duration must be >= 0")
        self.host = host
        self.port = port
        self.run_duration = float(run_duration)
        self.latency = 0.0
        self._lock = threading.Lock()
        self._life_lock = threading.Lock()
        self._processes: dict[tuple[str, str], EmulatedProcess] = {}
        self._faults: deque[_PendingFault] = deque()
        self._records: list[RecordedRequest] = []
        self._method_counts: dict[str, int] = {}
        self._generation = 0
        self._runs = RunStore()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._v1 = V1Api(self)
        self._stories = StoryBook()
        self._storage = Storage(self._storage_cut)
        # Seconds a presigned artifact URL stays valid (rounded down to a whole second of expiry).
        self.presign_ttl = 60.0
        # Longest a stopped run stays `stopping` (it is also at most half the time it had left).
        self.stop_seconds = 0.5
        # How long a retried work item takes: pending for a third of it, then in progress, then done.
        self.retry_seconds = 0.3
        self._scheduler = Scheduler(lambda process, started_by: self.start_run(process, started_by=started_by))
        # Off: a 403 says only that a permission is missing, and the client infers which from the route.
        self.name_permission_in_403 = True
        self.default_process = self.add_process()
        self.default_key = self.add_key()

    # -- life -------------------------------------------------------------------------------

    def start(self) -> Emulator:
        with self._life_lock:
            if self._server is None:
                server = _Server((self.host, self.port), self)
                self._thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": POLL_INTERVAL},
                    name=f"process-api-emulator:{server.server_port}",
                    daemon=True,
                )
                self._server = server
                self._thread.start()
                self._storage.start()
        return self

    def stop(self) -> None:
        with self._life_lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        self._scheduler.stop()
        self._storage.stop()
        if server is None or thread is None:
            return
        stop_serving(server)
        server.server_close()
        server.close_connections()
        thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        server = self._server
        if server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        host = server.server_name
        return (
            f"http://[{host}]:{server.server_port}" if ":" in host else f"http://{host}:{server.server_port}"
        )

    @property
    def v1_base_url(self) -> str:
        return self.base_url + V1_PREFIX

    @property
    def storage_base_url(self) -> str:
        """Where artifacts are downloaded from: `http://localhost:<port>`, another host than the API's."""
        return self._storage.base_url

    # -- setup ------------------------------------------------------------------------------

    def add_process(
        self,
        workspace_id: str | None = None,
        process_id: str | None = None,
        secret: str | None = None,
        run_duration: float | None = None,
        name: str | None = None,
    ) -> EmulatedProcess:
        """Add a process; the same ids again replace the old one (how tests rotate a secret), which
        keeps its name unless given another."""
        workspace_id = workspace_id or str(uuid.uuid4())
        process_id = process_id or str(uuid.uuid4())
        with self._lock:
            old = self._processes.get((workspace_id, process_id))
            if name is None:
                name = old.name if old is not None else f"Process {len(self._processes) + 1}"
            process = EmulatedProcess(
                workspace_id=workspace_id,
                process_id=process_id,
                secret=secret if secret is not None else secrets.token_urlsafe(32),
                run_duration=run_duration,
                name=name,
            )
            self._processes[(workspace_id, process_id)] = process
        self._v1.know_workspace(workspace_id)
        return process

    def add_key(self, workspace_id: str | None = None, permissions: Iterable[str] | None = None) -> str:
        """A new Control Room API v1 key for the workspace (default: the default process's), with
        `permissions` (default: all six)."""
        workspace_id = workspace_id or self.default_process.workspace_id
        self._v1.know_workspace(workspace_id)
        return self._v1.keys.add(workspace_id, permissions)

    def revoke_key(self, key: str) -> None:
        self._v1.keys.revoke(key)

    def queue_input(self, process: EmulatedProcess, payload: Any) -> None:
        """A work item waiting in the process's input queue, for a v1 trigger `with_inputs`."""
        self._v1.queue_input(process, payload)

    def start_run(
        self,
        process: EmulatedProcess,
        *,
        started_by: str = "schedule",
        user: tuple[str, str, str] | None = None,
        payloads: list[Any] | None = None,
        duration: float | None = None,
    ) -> str:
        """Start a run as Control Room does without either API (a schedule, a user, an email) and
        return its id. A user's run names `user` (id, first name, last name)."""
        if started_by not in STARTED_BY:
            raise ValueError(f"started_by must be one of {STARTED_BY}, not {started_by!r}")
        if started_by == "user":
            user = user or DEFAULT_USER
        elif user is not None:
            raise ValueError("only a run started by a user names one")
        if duration is not None and not (math.isfinite(duration) and duration >= 0):
            raise ValueError("duration must be a finite number of seconds >= 0")
        run = self._runs.create(process, payloads if payloads is not None else [{}], self.run_duration,
                                started_by=started_by, user=user, duration=duration)
        return run.id

    def schedule(self, process: EmulatedProcess, every: float, started_by: str = "schedule") -> None:
        """Start a run of `process` every `every` seconds, the first after `every`, until
        `unschedule` or `stop()`."""
        if not (math.isfinite(every) and every > 0):
            raise ValueError("every must be a finite number of seconds > 0")
        if started_by not in STARTED_BY or started_by == "user":
            raise ValueError(f"a schedule starts runs as one of api, schedule or email, not {started_by!r}")
        self._scheduler.add(process, every, started_by)

    def unschedule(self, process: EmulatedProcess) -> None:
        self._scheduler.remove(process)

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(_PendingFault(fault, fault.times))

    # -- what happened ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def count(self, method: str | None = None, path_contains: str | None = None) -> int:
        wanted = method.upper() if method else None
        return sum(
            1
            for r in self.requests
            if (wanted is None or r.method == wanted) and (path_contains is None or path_contains in r.path)
        )

    @property
    def open_connections(self) -> int:
        """Client connections whose handler has not finished yet (idle keep-alive ones included)."""
        server = self._server
        if server is None:
            return 0
        with server._open_lock:
            return len(server._open)

    @property
    def runs_created(self) -> int:
        return len(self._runs)

    def work_items_of(self, run_id: str) -> int:
        """How many work items a run was started with (an array payload gives one per element); 0 for
        a run it does not know."""
        run = self._runs.get(run_id)
        return run.work_items if run is not None else 0

    # -- a v1 run's story (see story.py) ----------------------------------------------------------

    def run_state(self, run_id: str) -> str | None:
        """A run's v1 state as the API answers it now, stops and work item changes included;
        None for a run it does not know."""
        run = self._runs.get(run_id)
        return None if run is None else self._stories.story(run).state()

    def step_runs_of(self, run_id: str) -> list[dict[str, Any]]:
        """A run's step runs ("Producer", then "Consumer") as the API answers them now; [] for a
        run it does not know."""
        run = self._runs.get(run_id)
        if run is None:
            return []
        story = self._stories.story(run)
        return [story.step_dict(step) for step in range(len(run.step_run_ids))]

    def work_item_states(self, run_id: str) -> dict[str, str]:
        """Work item id -> state (new, pending, in_progress, failed, done) of a run, in its order,
        deleted items left out; {} for a run it does not know."""
        run = self._runs.get(run_id)
        if run is None:
            return {}
        return {run.item_ids[index]: state.state for index, state in self._stories.story(run).items()}

    def stop_run(self, run_id: str, *, terminate: bool = False, remaining_done: bool = False,
                 reason: str = "") -> bool:
        """Stop a run as a person does in Control Room (or terminate it); False when it had already
        ended. Raises KeyError for a run it does not know."""
        run = self._runs.get(run_id)
        if run is None:
            raise KeyError(run_id)
        return self._stories.stop(run, terminate=terminate, remaining_done=remaining_done, reason=reason,
                                  cap=self.stop_seconds)

    def artifact_content(self, step_run_id: str, name: str) -> bytes:
        """The bytes storage serves for a step run's artifact `name` ("log.html" or "output.xml").
        Raises KeyError when the step run is unknown or has not started (it has no artifacts yet)."""
        found = self._runs.step_run(step_run_id)
        if found is None:
            raise KeyError(step_run_id)
        artifacts = self._stories.story(found[0]).artifacts(found[1])
        artifact = next((a for a in artifacts if a.name == name), None)
        if artifact is None:
            raise KeyError(name)
        return artifact.content()

    @property
    def storage_requests(self) -> list[StorageRequest]:
        """Requests the storage server got, in order: method, path (never the query, so never the
        signature), whether an Authorization header came along and its scheme, the status."""
        return self._storage.requests

    def clear_storage_requests(self) -> None:
        self._storage.clear_requests()

    def stats(self) -> dict[str, Any]:
        """Requests received by method since start (`clear_requests` does not reset it), runs created."""
        with self._lock:
            by_method = {"GET": 0, "POST": 0, **self._method_counts}
        return {"requests": by_method, "runs": self.runs_created}

    def clear_requests(self) -> None:
        with self._lock:
            self._records = []
            self._generation += 1

    # -- used by the handler ----------------------------------------------------------------

    def _take_fault(self, method: str, storage: bool = False) -> Fault | None:
        with self._lock:
            for pending in self._faults:
                if (pending.fault.kind in STORAGE_FAULTS) == storage and pending.fault.method in (None, method):
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        self._faults.remove(pending)
                    return pending.fault
        return None

    def _storage_cut(self, size: int) -> int | None:
        """After how many bytes a download of `size` bytes is cut, when a storage_cut fault is queued."""
        fault = self._take_fault("GET", storage=True)
        if fault is None:
            return None
        return size // 2 if fault.cut_after is None else min(fault.cut_after, size)

    def _record(
        self, method: str, path: str, via: str | None, fault: str | None, port: int, agent: str
    ) -> tuple[int, int]:
        """Record on arrival so the list keeps arrival order; `_finish` fills in the status."""
        record = RecordedRequest(method, path, time.monotonic(), via, 0, fault, port, agent)
        with self._lock:
            self._records.append(record)
            self._method_counts[method] = self._method_counts.get(method, 0) + 1
            return self._generation, len(self._records) - 1

    def _finish(self, token: tuple[int, int] | None, status: int) -> None:
        if token is None:
            return
        generation, index = token
        with self._lock:
            if generation == self._generation and status:
                self._records[index] = replace(self._records[index], status=status)

    def _process(self, workspace_id: str, process_id: str) -> EmulatedProcess | None:
        with self._lock:
            return self._processes.get((workspace_id, process_id))

    def _processes_in(self, workspace_id: str) -> list[EmulatedProcess]:
        with self._lock:
            return [p for p in self._processes.values() if p.workspace_id == workspace_id]

    def _dispatch(self, method: str, path: str, secret: str | None, body: bytes) -> Answer:
        if method not in ("GET", "POST"):
            return error(405, "METHOD_NOT_ALLOWED", f"{method} is not supported", (("Allow", "GET, POST"),))
        route = _route(path)
        if route is None:
            return error(404, "NOT_FOUND", "No such endpoint")
        workspace_id, process_id, run_id = route
        allowed = "POST" if run_id is None else "GET"
        if method != allowed:
            return error(405, "METHOD_NOT_ALLOWED", f"Use {allowed} on this path", (("Allow", allowed),))
        with self._lock:
            process = self._processes.get((workspace_id, process_id))
        # A secret is scoped to its process, so for an unknown process there is nothing to check
        # it against: 404 whatever the secret. For a known one the secret comes before anything
        # else (run ids, payload checks), so nothing about the process shows without it.
        if process is None:
            return error(404, "NOT_FOUND", "Process not found")
        if secret is None or not hmac.compare_digest(secret.encode(), process.secret.encode()):
            return error(401, "UNAUTHORIZED", "Invalid or missing process secret")
        if run_id is None:
            return self._trigger(process, body)
        run = self._runs.get(run_id)
        if run is None or (run.workspace_id, run.process_id) != (workspace_id, process_id):
            return error(404, "NOT_FOUND", "Process run not found")
        return json_answer(200, run.status())

    def _trigger(self, process: EmulatedProcess, body: bytes) -> Answer:
        if len(body) > MAX_PAYLOAD:
            return too_large(len(body))
        if not body.strip():
            payload: Any = {}
        else:
            try:
                payload = json.loads(body)
            except (ValueError, RecursionError):
                return error(400, "INVALID_PAYLOAD", "Payload is not valid JSON")
            if not isinstance(payload, dict):
                return error(400, "INVALID_PAYLOAD", "Payload must be a JSON object")
        run = self._runs.create(process, [payload], self.run_duration)
        return json_answer(
            200,
            {
                "message": "OK",
                "processRunId": run.id,
                "processId": process.process_id,
                "workspaceId": process.workspace_id,
                "workItemId": run.work_item_id,
            },
        )


__all__ = ["Emulator", "Fault", "RecordedRequest", "StorageRequest"]
