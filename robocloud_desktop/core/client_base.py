"""What both Control Room clients share: one Transport, the retry rules, the answers every route
may give (429, 5xx), and reading a JSON object with the credential masked.

Retry rules: a GET is retried with backoff on 429 (honouring Retry-After, capped at
MAX_RETRY_AFTER), 5xx, timeouts and dropped connections, within a bounded number of tries and
seconds. A POST is retried only when it provably never reached the server, or the server refused
it with 429: there is no idempotency key, so a trigger sent twice starts two runs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from robocloud_desktop.core.answers import decode_json, retry_after_seconds, server_message, snippet
from robocloud_desktop.core.errors import (
    MAX_RETRY_AFTER,
    CannotConnect,
    ProcessApiError,
    RateLimited,
    RequestTimeout,
    ServerError,
    UnexpectedAnswer,
)
from robocloud_desktop.core.json_text import JsonProblem
from robocloud_desktop.core.redact import redact, redact_json
from robocloud_desktop.core.retry import RetryPolicy
from robocloud_desktop.core.target import Target
from robocloud_desktop.core.timeouts import DEFAULT_REQUEST_TIMEOUT, DEFAULT_TIMEOUT
from robocloud_desktop.core.transport import (
    Answer,
    NeverSent,
    Transport,
    TruncatedAnswer,
    seconds_text,
)

log = logging.getLogger(__name__)

MAYBE_STARTED = " The run may have started: check Control Room before triggering again."


class BaseClient:
    """One keep-alive session and the retry loop; subclasses say what each status means for their
    API (`_raise_for_status`). Holds no credential: it is passed per call.

    `timeout` is (connect, per read) in seconds; `request_timeout` bounds each whole request in
    seconds, however slowly the server answers (a slow VPN may need more than the default).
    `transport` and `closing` let a second client share the first one's session and close."""

    def __init__(
        self,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        retry: RetryPolicy | None = None,
        pool_size: int = 16,
        transport: Transport | None = None,
        closing: threading.Event | None = None,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._transport = transport or Transport(timeout=timeout, request_timeout=request_timeout,
                                                 pool_size=pool_size)
        self._closing = closing or threading.Event()

    @property
    def request_timeout(self) -> float:
        return self._transport.request_timeout

    def set_request_timeout(self, seconds: float) -> None:
        """Requests sent from now on end within `seconds`; ValueError when it is not above 0."""
        self._transport.set_request_timeout(seconds)

    def close(self) -> None:
        """Stop waiting between retries and close connections."""
        self._closing.set()
        self._transport.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(
        self, method: str, target: Target, url: str, secret: str, body: bytes | None, policy: RetryPolicy
    ) -> Answer:
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = self._transport.send(method, target, url, secret, body)
                self._check_status(answer, target, method, url, secret)
                return answer
            except ProcessApiError as error:
                delay = self._retry_delay(method, error, attempt, policy, time.monotonic() - started)
                if delay is None:
                    raise
                log.info("%s %s failed (%s); retry %d in %.1f s", method, target.host,
                         type(error).__name__, attempt, delay)
                if self._closing.wait(delay):
                    raise

    @staticmethod
    def _retry_delay(
        method: str, error: ProcessApiError, attempt: int, policy: RetryPolicy, elapsed: float
    ) -> float | None:
        if attempt >= policy.attempts:
            return None
        if method == "POST":
            retryable = isinstance(error, RateLimited | NeverSent)
        else:
            retryable = isinstance(
                error, RateLimited | ServerError | RequestTimeout | CannotConnect | TruncatedAnswer
            )
        if not retryable:
            return None
        delay = policy.backoff(attempt)
        if isinstance(error, RateLimited) and error.retry_after is not None:
            delay = error.retry_after
        if elapsed + delay > policy.budget:
            return None
        return delay

    def _check_status(self, answer: Answer, target: Target, method: str, url: str, secret: str) -> None:
        status = answer.status
        if 200 <= status < 300:
            return
        said = server_message(answer.body)
        shown = snippet(said.encode(), secret) if said else ""
        if status == 429:
            raise rate_limited(answer.headers.get("Retry-After"))
        if status >= 500:
            maybe_started = " Check Control Room before triggering again." if method == "POST" else ""
            content_type = answer.headers.get("Content-Type", "")
            detail = f": {shown}" if said and "json" in content_type else f": {snippet(answer.body, secret)}"
            raise ServerError(
                f"Control Room or a proxy failed with HTTP {status}{detail}. "
                f"Try again in a few minutes.{maybe_started}",
                status=status,
            )
        self._raise_for_status(answer, target, method, url, secret, shown)

    def _raise_for_status(
        self, answer: Answer, target: Target, method: str, url: str, secret: str, said: str
    ) -> None:
        """Raise the error a 1xx, 3xx or 4xx other than 429 means on this API; `said` is the
        server's own message, masked ('' when it gave none)."""
        raise NotImplementedError

    @staticmethod
    def _json_value(answer: Answer, target: Target, method: str, secret: str, *, kinds: type | tuple[type, ...] = dict
                    ) -> Any:
        """The answer's JSON (an object unless `kinds` says otherwise) with the secret masked in every
        string (keys too): what the client returns, and the run history keeps, can never hold it."""
        problem: JsonProblem | None = None
        try:
            data = decode_json(answer.body)
        except JsonProblem as error:
            problem, data = error, None
        if isinstance(data, kinds):
            return redact_json(data, secret)
        after = MAYBE_STARTED if method == "POST" else " Check the base URL, or try again."
        kind = snippet(answer.headers.get("Content-Type", "no content type").encode("utf-8", "replace"), secret,
                       limit=60)
        if problem is not None and problem.line is None:
            # Read as JSON, refused for its shape (nesting, number length, encoding): say which.
            said = snippet(redact(problem.message, secret).encode(), limit=120)
            raise UnexpectedAnswer(
                f"{target.host} answered HTTP {answer.status} ({kind}) with JSON the app cannot read: {said}.{after}",
                status=answer.status,
            )
        raise UnexpectedAnswer(
            f"{target.host} answered HTTP {answer.status} ({kind}) with something that is not the expected "
            f"JSON: {snippet(answer.body, secret)}.{after}",
            status=answer.status,
        )


def rate_limited(header: str | None) -> RateLimited:
    """The 429's error, with its wait capped at MAX_RETRY_AFTER; the message says when it was."""
    asked = retry_after_seconds(header)
    bound = f"{MAX_RETRY_AFTER:.0f} s"
    if asked is None:
        text = "Try again in a minute."
    elif asked > MAX_RETRY_AFTER:
        text = (f"It asked to wait {_long_wait(asked)}; the app waits at most {bound}, so try again in "
                f"{MAX_RETRY_AFTER / 60:.0f} minutes.")
    else:
        text = f"Try again in {seconds_text(asked)} s."
    return RateLimited(f"Control Room is limiting requests (HTTP 429). {text}", retry_after=asked)


def _long_wait(seconds: float) -> str:
    """A wait beyond the cap in the unit a person reads it in: '7200 s (2 hours)'."""
    if seconds >= 2 * 365 * 86400:
        return f"{seconds / (365 * 86400):,.0f} years"
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds:,.0f} s ({seconds / size:,.0f} {unit})"
    return f"{seconds:,.0f} s"
