"""One HTTP exchange over a shared requests.Session, with failures sorted by what they mean.

The sorting matters for triggers: a request that provably never reached the server may be sent
again; one that may have reached it must not be, or the process could run twice.

Every exchange ends within `request_timeout` seconds however slowly the server sends (see
core/deadline.py), and reads at most MAX_BODY_BYTES of an answer.
"""

from __future__ import annotations

import http.client
import logging
import math
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import DecodeError, HTTPError, InvalidHeader, NameResolutionError, NewConnectionError

from robocloud_desktop import __version__
from robocloud_desktop.core.deadline import Call, DeadlineAdapter, deadline, finish
from robocloud_desktop.core.errors import (
    CannotConnect,
    OutcomeUnknown,
    ProcessApiError,
    RequestTimeout,
    SecretRejected,
    UnexpectedAnswer,
)
from robocloud_desktop.core.logs import mask_in_logs
from robocloud_desktop.core.redact import SECRET_HEADER, install_log_redaction
from robocloud_desktop.core.target import Target
from robocloud_desktop.core.timeouts import DEFAULT_REQUEST_TIMEOUT, DEFAULT_TIMEOUT

log = logging.getLogger(__name__)

USER_AGENT = f"robocloud-desktop/{__version__} python-requests/{requests.__version__}"
MAX_BODY_BYTES = 2 * 1024 * 1024
# An error answer is read for its message only: proxies' error pages are a few kilobytes.
MAX_ERROR_BODY_BYTES = 64 * 1024
_CONTENT_LENGTH = re.compile(r"\s*(\d{1,18})\s*")
KEY_SCHEME = "RC-WSKEY"
# Control Room's secrets are a few dozen characters; servers refuse headers of tens of kilobytes.
MAX_SECRET_CHARS = 1024
# The words of Control Room's routes (both APIs). A log line shows a URL's path with every other part,
# the ids of workspaces, processes, runs and work items, as `*`: ids are not secrets, but a log sent
# to support needs none of them to tell which call failed.
ROUTE_WORDS = frozenset({"api", "v1", "workspace-v1", "workspaces", "processes", "runs", "process-runs",
                         "step-runs", "console-messages", "artifacts", "work-items", "batch", "outputs", "stop"})


class NeverSent(CannotConnect):
    """The connection was never made (DNS failure, refused): sending again cannot duplicate."""


class TruncatedAnswer(UnexpectedAnswer):
    """Headers arrived but the body was cut off: the connection dropped mid-answer."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # case-insensitive, as requests reads them
    body: bytes
    elapsed: float


def seconds_text(seconds: float) -> str:
    """60 -> '60', 1.5 -> '1.5': whole seconds once they are many, a fraction when few."""
    return f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.2g}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and those it wraps: requests and urllib3 nest the cause in args and reasons."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 20:
        item = todo.pop()
        if any(item is other for other in seen):
            continue
        seen.append(item)
        yield item
        nested = [*item.args, getattr(item, "reason", None), item.__cause__, item.__context__]
        todo.extend(x for x in nested if isinstance(x, BaseException))


def route_of(url: str) -> str:
    """Where a request goes, for the log: host, port when not the scheme's own, and the path's shape
    (`api.eu1.robocloud.eu /workspace-v1/workspaces/*/processes/*/runs`). Never the query string,
    nor anything of the URL but the words of Control Room's routes."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "?", parts.port
    except ValueError:
        return "(an unreadable URL)"
    where = host if port is None or (parts.scheme, port) in (("https", 443), ("http", 80)) else f"{host}:{port}"
    shape = "/".join(word if word in ROUTE_WORDS else "*" for word in parts.path.strip("/").split("/") if word)
    return f"{where} /{shape}"


def _printable_ascii(secret: str) -> bool:
    return bool(secret) and secret.isascii() and secret.isprintable() and secret == secret.strip()


class Transport:
    """Sends requests for the client. Thread-safe: requests' session pools are shared safely.

    `timeout` is (connect, per read) in seconds, `request_timeout` the most one whole exchange may
    take (both waits are capped at it); ValueError when it is not a number of seconds above 0."""

    def __init__(
        self,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        pool_size: int = 16,
    ) -> None:
        install_log_redaction()
        self._waits = timeout
        self.set_request_timeout(request_timeout)
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.mount("https://", DeadlineAdapter(system_trust=True, pool_connections=4, pool_maxsize=pool_size))
        self._session.mount("http://", DeadlineAdapter(pool_connections=4, pool_maxsize=pool_size))
        self._lock = threading.Lock()

    def set_request_timeout(self, request_timeout: float) -> None:
        """From the next request on, each exchange ends within `request_timeout` seconds."""
        if isinstance(request_timeout, bool) or not isinstance(request_timeout, int | float) or not (
                math.isfinite(request_timeout) and request_timeout > 0):
            raise ValueError(f"request_timeout must be a number of seconds above 0, not {request_timeout!r}")
        self.request_timeout = float(request_timeout)
        # No single wait may outlast the whole exchange.
        self.timeout = (min(self._waits[0], self.request_timeout), min(self._waits[1], self.request_timeout))

    def close(self) -> None:
        with self._lock:
            self._session.close()

    def send(self, method: str, target: Target, url: str, secret: str, body: bytes | None = None) -> Answer:
        """One exchange with `url` on `target`'s host, carrying `secret` as the target's API wants it:
        a workspace API key in `Authorization: RC-WSKEY`, a process secret in its own header or the
        query string."""
        what = "workspace API key" if target.uses_key else "process secret"
        if not _printable_ascii(secret):
            # requests would refuse it with the secret quoted in its message.
            raise SecretRejected(
                f"The {what} holds spaces at its ends, line breaks, or characters other than plain "
                "letters, digits and punctuation, so it cannot be sent. Copy it from Control Room again and "
                "store it again."
            )
        if len(secret) > MAX_SECRET_CHARS:
            raise SecretRejected(
                f"The {what} is {len(secret):,} characters long, far longer than Control Room's. "
                "Copy it from Control Room again and store it again."
            )
        mask_in_logs(secret)
        headers = {"Accept": "application/json"}
        params = None
        if target.uses_key:
            headers["Authorization"] = f"{KEY_SCHEME} {secret}"
        elif target.secret_in_query:
            params = {SECRET_HEADER: secret}
        else:
            headers[SECRET_HEADER] = secret
        if body is not None:
            headers["Content-Type"] = "application/json"
        # Environment proxies apply to real hosts, never to this computer: a corporate proxy
        # cannot reach the emulator on loopback.
        proxies = {"no_proxy": target.host} if target.is_loopback else None
        started = time.monotonic()
        failure: ProcessApiError | None = None
        content = b""
        with deadline(self.request_timeout) as call:
            try:
                response = self._session.request(
                    method, url, params=params, data=body, headers=headers, timeout=self.timeout,
                    allow_redirects=False, stream=True, proxies=proxies,
                )
            except (requests.exceptions.RequestException, HTTPError, http.client.HTTPException, OSError,
                    ValueError) as exc:
                failure = self._request_failure(method, target, exc, call)
            else:
                failure, content = self._read_body(method, target, response, call)
        # Raised out here, not in the handlers: the error keeps no link to the library's exception,
        # whose text may hold the URL with a query-string secret.
        elapsed = time.monotonic() - started
        if failure is not None:
            status = f", HTTP {failure.status}" if failure.status is not None else ""
            log.warning("%s %s failed after %.0f ms: %s%s", method, route_of(url), elapsed * 1000,
                        type(failure).__name__, status)
            raise failure
        log.info("%s %s -> %s in %.0f ms", method, route_of(url), response.status_code, elapsed * 1000)
        return Answer(response.status_code, response.headers, content, elapsed)

    def _read_body(
        self, method: str, target: Target, response: requests.Response, call: Call
    ) -> tuple[ProcessApiError | None, bytes]:
        status = response.status_code
        limit = MAX_BODY_BYTES if 200 <= status < 300 else MAX_ERROR_BODY_BYTES
        try:
            content = response.raw.read(limit + 1, decode_content=True) or b""
            received = response.raw.tell()
        except Exception as exc:
            if finish(call):
                return self._expired(method, target, call), b""
            if any(isinstance(c, DecodeError) for c in _chain(exc)):
                return UnexpectedAnswer(
                    f"{target.host} answered HTTP {status} with a compressed body that could not be "
                    f"decompressed.{self._after(method, status)}",
                    status=status,
                ), b""
            # Headers arrived, the body did not: a truncated answer or a connection dropped mid-way.
            return self._truncated(method, target, status), b""
        finally:
            response.close()
        if finish(call):
            return self._expired(method, target, call), b""
        if len(content) > limit:
            if limit == MAX_BODY_BYTES:
                return UnexpectedAnswer(
                    f"{target.host} answered HTTP {status} with more than {MAX_BODY_BYTES // (1024 * 1024)} MB, far "
                    f"more than the Process API sends.{self._after(method, status)}",
                    status=status,
                ), b""
            content = content[:limit]  # enough for the message of an error
        else:
            length = _CONTENT_LENGTH.fullmatch(response.headers.get("Content-Length") or "")
            if length and int(length.group(1)) > received:
                return self._truncated(method, target, status), b""
        return None, content

    @staticmethod
    def _after(method: str, status: int) -> str:
        return (" The run may have started: check Control Room before triggering again."
                if method == "POST" and status < 300 else " Try again.")

    def _truncated(self, method: str, target: Target, status: int) -> TruncatedAnswer:
        return TruncatedAnswer(
            f"{target.host} answered HTTP {status} but the body was cut off.{self._after(method, status)}",
            status=status,
        )

    def _expired(self, method: str, target: Target, call: Call) -> ProcessApiError:
        within = seconds_text(self.request_timeout)
        if not call.may_have_sent:
            return NeverSent(
                f"Could not connect to {target.host} within {within} s. "
                "Check your network, VPN or proxy, and try again."
            )
        if method == "POST":
            return OutcomeUnknown(
                f"The trigger was sent, but {target.host} did not answer within {within} s: the run may or "
                "may not have started. Check Control Room before triggering again."
            )
        return RequestTimeout(
            f"{target.host} did not answer within {within} s. Check your network and try again, "
            "or allow more time if the connection is slow."
        )

    def _request_failure(self, method: str, target: Target, exc: Exception, call: Call) -> ProcessApiError:
        if finish(call):
            return self._expired(method, target, call)
        if isinstance(exc, requests.exceptions.SSLError):
            return CannotConnect(
                f"The secure connection to {target.host} failed (TLS certificate or handshake). If you are "
                "behind a company proxy, make sure its certificate is trusted by this computer."
            )
        if isinstance(exc, requests.exceptions.ProxyError):
            return CannotConnect(
                f"The proxy refused or failed the connection to {target.host}. "
                "Check the HTTPS_PROXY / NO_PROXY settings and that the proxy is running."
            )
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return NeverSent(
                f"Could not connect to {target.host} within {seconds_text(self.timeout[0])} s. "
                "Check your network, VPN or proxy, and try again."
            )
        if isinstance(exc, requests.exceptions.ReadTimeout):
            if method == "POST":
                return OutcomeUnknown(
                    f"The trigger was sent, but {target.host} did not answer within "
                    f"{seconds_text(self.timeout[1])} s: the run may or may not have started. "
                    "Check Control Room before triggering again."
                )
            return RequestTimeout(
                f"{target.host} did not answer within {seconds_text(self.timeout[1])} s. "
                "Check your network and try again."
            )
        causes = list(_chain(exc))
        if any(isinstance(c, NameResolutionError) for c in causes):
            return NeverSent(
                f"The host name {target.host} could not be resolved. "
                "Check the base URL for typos and that you are online (and on the VPN if one is needed)."
            )
        if any(isinstance(c, NewConnectionError) for c in causes):
            return NeverSent(
                f"{target.host} refused the connection or could not be reached. "
                "Check the base URL and port, and your network."
            )
        if call.may_have_sent and any(isinstance(c, http.client.HTTPException | InvalidHeader)
                                      and not isinstance(c, ConnectionError) for c in causes):
            # A status line or headers that are not HTTP (or far too long): not a dropped connection.
            after = (" The run may have started: check Control Room before triggering again." if method == "POST"
                     else " Check the base URL, or try again.")
            return UnexpectedAnswer(f"{target.host} answered with something that is not a valid HTTP answer.{after}")
        if method == "POST":
            return OutcomeUnknown(
                f"The connection to {target.host} was lost after the trigger was sent: the run may or may "
                "not have started. Check Control Room before triggering again."
            )
        return CannotConnect(f"The connection to {target.host} was lost before an answer arrived. Try again.")
