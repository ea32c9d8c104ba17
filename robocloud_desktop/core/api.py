"""The Process API client: trigger a run, read a run's status (retry rules: core/client_base.py).

Nothing in an answer is trusted: the secret is masked wherever it may be echoed, ids must be
plain tokens, codes lose control and invisible characters, JSON is read with limits, and every
request ends within the client's `request_timeout`.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from robocloud_desktop.core.answers import duration_seconds, plain_token, shown_code, snippet
from robocloud_desktop.core.api_results import RunStatus, TriggeredRun
from robocloud_desktop.core.client_base import MAYBE_STARTED, BaseClient
from robocloud_desktop.core.errors import InvalidPayload, NotFound, PayloadRejected, SecretRejected, UnexpectedAnswer
from robocloud_desktop.core.payload import encode_payload
from robocloud_desktop.core.retry import NO_RETRY, RetryPolicy
from robocloud_desktop.core.target import Target
from robocloud_desktop.core.transport import Answer

if TYPE_CHECKING:
    from robocloud_desktop.core.api_v1 import ControlRoomClient

PAYLOAD_STATUSES = frozenset({400, 409, 413, 415, 422})


class ProcessApiClient(BaseClient):
    """Talks to one or many processes over one keep-alive session. Holds no secret.

    Answers come back with the secret masked wherever the server may have echoed it, and their
    ids and codes free of control and invisible characters. A target of Control Room API v1 is
    handed to `v1`, so callers that hold both kinds of profile need one client.
    """

    @cached_property
    def v1(self) -> ControlRoomClient:
        """The Control Room API v1 client on this client's session: `trigger` and `get_run` hand
        v1 targets to it, and it lists runs and processes."""
        from robocloud_desktop.core.api_v1 import ControlRoomClient

        return ControlRoomClient(retry=self.retry, transport=self._transport, closing=self._closing)

    def trigger(self, target: Target, secret: str, payload: dict[str, Any] | list[Any] | None) -> TriggeredRun:
        """Start a run with `payload` as its first work item (for v1, see ControlRoomClient.trigger)."""
        if target.uses_key:
            return self.v1.trigger(target, secret, payload)
        if isinstance(payload, list):
            raise InvalidPayload(
                "The per-process secret API takes one work item, a JSON object ({...}). To send an array as "
                "one work item each, use a profile with a workspace API key (Control Room API v1)."
            )
        body = encode_payload(payload or {})
        answer = self._call("POST", target, target.runs_url(), secret, body, self.retry)
        data = self._json_value(answer, target, "POST", secret)
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
        if target.uses_key:
            return self.v1.get_run(target, secret, run_id, retry=retry)
        answer = self._call("GET", target, target.run_url(run_id), secret, None, retry or self.retry)
        data = self._json_value(answer, target, "GET", secret)
        return RunStatus(
            # The run asked for, whatever id the answer names: it is the one this reading is about.
            run_id=run_id,
            state=shown_code(data.get("state")),
            result=shown_code(data.get("result")),
            error_code=shown_code(data.get("errorCode")),
            duration=duration_seconds(data.get("duration")),
            raw=data,
        )

    def _raise_for_status(
        self, answer: Answer, target: Target, method: str, url: str, secret: str, said: str
    ) -> None:
        status, shown = answer.status, said
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
        raise UnexpectedAnswer(
            f"{target.host} answered HTTP {status}, which the Process API does not use: "
            f"{snippet(answer.body, secret)}. Check the base URL.{maybe_started}",
            status=status,
        )


__all__ = ["NO_RETRY", "ProcessApiClient", "RetryPolicy", "Target"]
