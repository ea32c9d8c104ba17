"""The Process API client: trigger a run, read a run's status.

Retry rules: a status read is retried with backoff on 429 (honouring Retry-After, capped at
MAX_RETRY_AFTER), 5xx, timeouts and dropped connections, within a bounded number of tries and
seconds. A trigger is retried only when it provably never reached the server, or the server
refused it with 429: there is no idempotency key, so a trigger sent twice starts two runs.

Nothing in an answer is trusted: the secret is masked wherever it may be echoed, ids must be
plain tokens, codes lose control and invisible characters, JSON is read with limits, and every
request ends within the client's `request_timeout`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from robocloud_desktop.core.answers import (
    decode_json,
    duration_seconds,
    plain_token,
    retry_after_seconds,
    server_message,
    shown_code,
    snippet,
)
from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
from robocloud_desktop.core.errors import (
    MAX_RETRY_AFTER,
    NotFound,
    PayloadRejected,
    ProcessApiError,
    RateLimited,
    RequestTimeout,
    SecretRejected,
    ServerError,
    UnexpectedAnswer,
)
from robocloud_desktop.core.json_text import JsonProblem
from robocloud_desktop.core.payload import encode_payload
from robocloud_desktop.core.redact import redact, redact_json
from robocloud_desktop.core.retry import NO_RETRY, RetryPolicy
from robocloud_desktop.core.target import Target
from robocloud_desktop.core.timeouts import DEFAULT_REQUEST_TIMEOUT, DEFAULT_TIMEOUT
from robocloud_desktop.core.transport import (
    Answer,
    CannotConnect,
    NeverSent,
    Transport,
    TruncatedAnswer,
    seconds_text,
)

log = logging.getLogger(__name__)

PAYLOAD_STATUSES = frozenset({400, 409, 413, 415, 422})
MAYBE_STARTED = " The run may have started: check Control Room before triggering again."


class ProcessApiClient:
    """Talks to one or many processes over one keep-alive session. Holds no secret.

    `timeout` is (connect, per read) in seconds; `request_timeout` bounds each whole request in
    seconds, however slowly the server answers (a slow VPN may need more than the default).
    Answers come back with the secret masked wherever the server may have echoed it, and their
    ids and codes free of control and invisible characters.
    """

    def __init__(
        self,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        retry: RetryPolicy | None = None,
        pool_size: int = 16,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._transport = Transport(timeout=timeout, request_timeout=request_timeout, pool_size=pool_size)
        self._closing = threading.Event()

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

    def __enter__(self) -> ProcessApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def trigger(self, target: Target, secret: str, payload: dict[str, Any]) -> TriggeredRun:
        """Start a run with `payload` as its first work item."""
        body = encode_payload(payload)
        answer = self._call("POST", target, target.runs_url(), secret, body, self.retry)
        data = self._json_object(answer, target, "POST", secret)
        run_id = plain_token(data.get("processRunId"))
        if run_id is None:
            what = "no run id" if data.get("processRunId") in (None, "") else "a run id that is not a plain id"
            raise UnexpectedAnswer(
                f"{target.host} accepted the trigger (HTTP {answer.status}) but sent {what}: "
                f"{snippet(answer.body, secret)}.{MAYBE_STARTED}",
                status=answer.status,
            )
        return TriggeredRun(
            run_id=run_id,
            work_item_id=plain_token(data.get("workItemId")) or "",
            process_id=plain_token(data.get("processId")) or target.process_id,
            workspace_id=plain_token(data.get("workspaceId")) or target.workspace_id,
            raw=data,
        )

    def get_run(
        self, target: Target, secret: str, run_id: str, *, retry: RetryPolicy | None = None
    ) -> RunStatus:
        """Read a run's status. `retry=NO_RETRY` leaves retrying to the caller (the monitor)."""
        answer = self._call("GET", target, target.run_url(run_id), secret, None, retry or self.retry)
        data = self._json_object(answer, target, "GET", secret)
        return RunStatus(
            # The run asked for, whatever id the answer names: it is the one this reading is about.
            run_id=run_id,
            state=shown_code(data.get("state")),
            result=shown_code(data.get("result")),
            error_code=shown_code(data.get("errorCode")),
            duration=duration_seconds(data.get("duration")),
            raw=data,
        )

    def _call(
        self, method: str, target: Target, url: str, secret: str, body: bytes | None, policy: RetryPolicy
    ) -> Answer:
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = self._transport.send(method, target, url, secret, body)
                self._raise_for_status(answer, target, method, secret)
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

    @staticmethod
    def _raise_for_status(answer: Answer, target: Target, method: str, secret: str) -> None:
        status = answer.status
        if 200 <= status < 300:
            return
        said = server_message(answer.body)
        shown = snippet(said.encode(), secret) if said else ""
        said_part = f": {shown}" if said else ""
        maybe_started = " Check Control Room before triggering again." if method == "POST" else ""
        if status in (401, 403):
            raise SecretRejected(
                f"Control Room rejected the process secret (HTTP {status}){said_part}. Check the secret, or "
                "generate a new one under the process's API access in Control Room and store it again.",
                status=status,
            )
        if status == 404:
            what = "workspace, process or run" if method == "GET" else "workspace or process"
            raise NotFound(
                f"Control Room does not know this {what} (HTTP 404){said_part}. Check the ids against "
                "Control Room; the process may have been deleted or its API access turned off.",
                status=status,
            )
        if status in PAYLOAD_STATUSES:
            raise PayloadRejected(
                f"Control Room refused the request (HTTP {status}){said_part}. "
                "Fix the payload and try again.",
                status=status, server_message=shown,
            )
        if status == 429:
            raise _rate_limited(answer.headers.get("Retry-After"))
        if status >= 500:
            content_type = answer.headers.get("Content-Type", "")
            detail = said_part if said and "json" in content_type else f": {snippet(answer.body, secret)}"
            raise ServerError(
                f"Control Room or a proxy failed with HTTP {status}{detail}. "
                f"Try again in a few minutes.{maybe_started}",
                status=status,
            )
        raise UnexpectedAnswer(
            f"{target.host} answered HTTP {status}, which the Process API does not use: "
            f"{snippet(answer.body, secret)}. Check the base URL.{maybe_started}",
            status=status,
        )

    @staticmethod
    def _json_object(answer: Answer, target: Target, method: str, secret: str) -> dict[str, Any]:
        """The answer's JSON object with the secret masked in every string (keys too): what the
        client returns, and the run history keeps, can never hold it."""
        problem: JsonProblem | None = None
        try:
            data = decode_json(answer.body)
        except JsonProblem as error:
            problem, data = error, None
        if isinstance(data, dict):
            return redact_json(data, secret)  # type: ignore[no-any-return]
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


def _rate_limited(header: str | None) -> RateLimited:
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


__all__ = ["NO_RETRY", "ProcessApiClient", "RetryPolicy", "Target"]
