"""The Process API client: trigger a run, read a run's status.

Retry rules: a status read is retried with backoff on 429 (honouring Retry-After), 5xx, timeouts
and dropped connections, within a bounded number of tries and seconds. A trigger is retried only
when it provably never reached the server, or the server refused it with 429: there is no
idempotency key, so a trigger sent twice starts two runs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from robocloud_desktop.core.answers import decode_json, retry_after_seconds, server_message, snippet
from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
from robocloud_desktop.core.errors import (
    NotFound,
    PayloadRejected,
    ProcessApiError,
    RateLimited,
    RequestTimeout,
    SecretRejected,
    ServerError,
    UnexpectedAnswer,
)
from robocloud_desktop.core.payload import encode_payload
from robocloud_desktop.core.retry import NO_RETRY, RetryPolicy
from robocloud_desktop.core.target import Target
from robocloud_desktop.core.transport import (
    DEFAULT_TIMEOUT,
    Answer,
    CannotConnect,
    NeverSent,
    Transport,
    TruncatedAnswer,
)

log = logging.getLogger(__name__)

PAYLOAD_STATUSES = frozenset({400, 409, 413, 415, 422})




class ProcessApiClient:
    """Talks to one or many processes over one keep-alive session. Holds no secret."""

    def __init__(
        self,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        pool_size: int = 16,
    ) -> None:
        self.retry = retry or RetryPolicy()
        self._transport = Transport(timeout=timeout, pool_size=pool_size)
        self._closing = threading.Event()

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
        data = self._json_object(answer, target, "POST")
        run_id = data.get("processRunId")
        if not isinstance(run_id, str) or not run_id:
            raise UnexpectedAnswer(
                f"{target.host} accepted the trigger but sent no run id (HTTP {answer.status}): "
                f"{snippet(answer.body, secret)}. Check Control Room for the run.",
                status=answer.status,
            )
        return TriggeredRun(
            run_id=run_id,
            work_item_id=str(data.get("workItemId") or ""),
            process_id=str(data.get("processId") or target.process_id),
            workspace_id=str(data.get("workspaceId") or target.workspace_id),
            raw=data,
        )

    def get_run(
        self, target: Target, secret: str, run_id: str, *, retry: RetryPolicy | None = None
    ) -> RunStatus:
        """Read a run's status. `retry=NO_RETRY` leaves retrying to the caller (the monitor)."""
        answer = self._call("GET", target, target.run_url(run_id), secret, None, retry or self.retry)
        data = self._json_object(answer, target, "GET")
        duration = data.get("duration")
        return RunStatus(
            run_id=str(data.get("id") or run_id),
            state=str(data.get("state") or ""),
            result=str(data.get("result") or ""),
            error_code=str(data.get("errorCode") or ""),
            duration=float(duration) if isinstance(duration, int | float) else None,
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
        said_part = f": {snippet(said.encode(), secret)}" if said else ""
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
                status=status, server_message=snippet(said.encode(), secret) if said else "",
            )
        if status == 429:
            wait = retry_after_seconds(answer.headers.get("Retry-After"))
            when = f"in {wait:.0f} s" if wait is not None else "in a minute"
            raise RateLimited(
                f"Control Room is limiting requests (HTTP 429). Try again {when}.", retry_after=wait
            )
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
    def _json_object(answer: Answer, target: Target, method: str) -> dict[str, Any]:
        try:
            data = decode_json(answer.body)
        except (UnicodeDecodeError, ValueError):
            data = None
        if isinstance(data, dict):
            return data
        kind = answer.headers.get("Content-Type", "no content type")
        after = (" The run may have started: check Control Room before triggering again."
                 if method == "POST" else " Check the base URL, or try again.")
        raise UnexpectedAnswer(
            f"{target.host} answered HTTP {answer.status} ({kind}) with something that is not the expected "
            f"JSON: {snippet(answer.body)}.{after}",
            status=answer.status,
        )


__all__ = ["NO_RETRY", "ProcessApiClient", "RetryPolicy", "Target"]
