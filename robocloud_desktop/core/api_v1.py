"""The Control Room API v1 client: start a run, read one, list a process's runs page by page, list
a workspace's processes. The key travels in `Authorization: RC-WSKEY`; retry rules and limits are
the per-process client's (core/client_base.py): a POST that may have reached the server is never
sent again.

Nothing in an answer is trusted: the key is masked wherever it may be echoed, ids must be plain
tokens, states and names lose control and invisible characters, and a paging link is followed only
on the target's own scheme, host and port (the key must go nowhere else).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from robocloud_desktop.core.answers import duration_seconds, plain_token, shown_code, snippet
from robocloud_desktop.core.api_results import ProcessInfo, RunsPage, RunStatus, TriggeredRun
from robocloud_desktop.core.client_base import MAYBE_STARTED, BaseClient
from robocloud_desktop.core.errors import (
    PERMISSIONS,
    READ_PROCESSES,
    READ_RUN_OUTPUTS,
    READ_RUNS,
    READ_WORK_ITEMS,
    TRIGGER_PROCESSES,
    WRITE_WORK_ITEMS,
    ActionRefused,
    InvalidPayload,
    KeyRejected,
    NotFound,
    PayloadRejected,
    PermissionMissing,
    UnexpectedAnswer,
)
from robocloud_desktop.core.json_text import JsonProblem, check_shape
from robocloud_desktop.core.payload import MAX_PAYLOAD_BYTES, check_size
from robocloud_desktop.core.retry import RetryPolicy
from robocloud_desktop.core.run_story import RunStory
from robocloud_desktop.core.target import Target
from robocloud_desktop.core.text_values import epoch_seconds, shown_text
from robocloud_desktop.core.transport import Answer

log = logging.getLogger(__name__)

# The server caps a page at 100 runs; asking for more would only be cut.
MAX_PAGE = 100
# A list that still says "more" after this many pages is a server going round in circles.
MAX_PAGES = 10_000
_STARTED_BY = {"schedule": "schedule", "api": "API", "email": "e-mail"}
# Where the permission a route needs is named when a 403 does not say: Control Room's own table.
_GRANT = "Grant it to the key in Control Room (the workspace's API keys), or use a key that has it."


class ControlRoomClient(RunStory, BaseClient):
    """Talks to Control Room API v1 over one keep-alive session. Holds no key: it is passed per
    call. Answers come back with the key masked wherever the server may have echoed it."""

    def trigger(self, target: Target, key: str, payload: dict[str, Any] | list[Any] | None) -> TriggeredRun:
        """Start one run of the target's process: an object as its one work item, an array as one
        work item per element, None as the process's default (an empty body object). `started` is
        False when Control Room answered `{"started": false}`: no run, and no error."""
        body = encode_trigger_body(payload)
        answer = self._call("POST", target, target.v1_trigger_url(), key, body, self.retry)
        data = self._json_value(answer, target, "POST", key)
        run_id = plain_token(data.get("id"))
        if data.get("started") is False and data.get("id") in (None, ""):
            return TriggeredRun("", "", target.process_id, target.workspace_id, raw=data, started=False)
        if run_id is None:
            what = "no run id" if data.get("id") in (None, "") else "a run id that is not a plain id"
            raise UnexpectedAnswer(
                f"{target.host} accepted the trigger (HTTP {answer.status}) but sent {what}: "
                f"{snippet(answer.body, key)}.{MAYBE_STARTED}",
                status=answer.status,
            )
        return TriggeredRun(run_id, "", target.process_id, target.workspace_id, raw=data)

    def get_run(self, target: Target, key: str, run_id: str, *, retry: RetryPolicy | None = None) -> RunStatus:
        """Read one run. `retry=NO_RETRY` leaves retrying to the caller (the monitor)."""
        answer = self._call("GET", target, target.v1_run_url(run_id), key, None, retry or self.retry)
        data = self._json_value(answer, target, "GET", key)
        # The run asked for, whatever id the answer names: it is the one this reading is about.
        return run_status(data, run_id)

    def runs_page(
        self,
        target: Target,
        key: str,
        *,
        process_id: str | None,
        state: str | None = None,
        limit: int = MAX_PAGE,
        url: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> RunsPage:
        """One page of the workspace's runs, newest first: of `process_id` (None: every process),
        of `state` when given. `url` is a previous page's `next_url`, sent exactly as given (its
        filters and cursor are in it)."""
        if url is None:
            url = target.v1_runs_url(process_id=process_id, state=state, limit=min(limit, MAX_PAGE))
        elif not target.owns_url(url):
            raise UnexpectedAnswer(
                f"{target.host} gave a link to the next page of runs on another host, scheme or port; the app "
                "sends the API key nowhere else, so the list stops here. Check the base URL."
            )
        answer = self._call("GET", target, url, key, None, retry or self.retry)
        data = self._json_value(answer, target, "GET", key)
        items = data.get("data")
        if not isinstance(items, list):
            raise UnexpectedAnswer(
                f"{target.host} answered the run list without a list of runs: {snippet(answer.body, key)}. "
                "Check the base URL (it ends in /api/v1).",
                status=answer.status,
            )
        runs = []
        for item in items:
            run_id = plain_token(item.get("id")) if isinstance(item, dict) else None
            if run_id is None:
                log.warning("%s listed a run without a usable id; it is left out", target.host)
                continue
            runs.append(run_status(item, run_id))
        next_url = data.get("next")
        has_more = data.get("has_more") is True and isinstance(next_url, str) and bool(next_url)
        return RunsPage(runs, next_url if has_more else None, has_more)

    def list_runs(
        self,
        target: Target,
        key: str,
        *,
        process_id: str | None = None,
        state: str | None = None,
        limit: int | None = None,
    ) -> list[RunStatus]:
        """The runs, newest first, following `next` while the server says there are more; at most
        `limit` of them when given. A run listed twice (a run created while paging shifts the pages)
        is kept once."""
        runs: list[RunStatus] = []
        seen_runs: set[str] = set()
        seen_urls: set[str] = set()
        url: str | None = None
        for _ in range(MAX_PAGES):
            want = MAX_PAGE if limit is None else max(1, min(MAX_PAGE, limit - len(runs)))
            page = self.runs_page(target, key, process_id=process_id, state=state, limit=want, url=url)
            for run in page.runs:
                if run.run_id not in seen_runs:
                    seen_runs.add(run.run_id)
                    runs.append(run)
            if limit is not None and len(runs) >= limit:
                return runs[:limit]
            if not page.has_more or page.next_url is None:
                return runs
            if page.next_url in seen_urls:
                raise UnexpectedAnswer(
                    f"{target.host} sent the same next page twice while listing runs; the list stops after "
                    f"{len(runs):,} runs. Try again later."
                )
            seen_urls.add(page.next_url)
            url = page.next_url
        raise UnexpectedAnswer(
            f"{target.host} still had more runs after {MAX_PAGES:,} pages; the list stops there. "
            "Narrow it with a state, or a limit."
        )

    def list_processes(self, target: Target, key: str) -> list[ProcessInfo]:
        """The processes of the target's workspace (the target's process id is not used)."""
        answer = self._call("GET", target, target.v1_processes_url(), key, None, self.retry)
        data = self._json_value(answer, target, "GET", key)
        items = data.get("data")
        if not isinstance(items, list):
            raise UnexpectedAnswer(
                f"{target.host} answered the process list without a list of processes: "
                f"{snippet(answer.body, key)}. Check the base URL (it ends in /api/v1).",
                status=answer.status,
            )
        processes = []
        for item in items:
            process_id = plain_token(item.get("id")) if isinstance(item, dict) else None
            if process_id is None:
                log.warning("%s listed a process without a usable id; it is left out", target.host)
                continue
            name, created = shown_text(item.get("name")), epoch_seconds(item.get("created_at"))
            processes.append(ProcessInfo(process_id, name, created))
        return processes

    def _raise_for_status(
        self, answer: Answer, target: Target, method: str, url: str, secret: str, said: str
    ) -> None:
        status = answer.status
        said_part = f": {said}" if said else ""
        action = action_of(method, url)
        maybe_started = " Check Control Room before triggering again." if action == "trigger" else ""
        if status == 401:
            raise KeyRejected(
                f"Control Room rejected the workspace API key (HTTP 401){said_part}. The key is wrong, revoked "
                "or expired: create one in Control Room (the workspace's API keys) and store it again.",
                status=status,
            )
        if status == 403:
            named = permission_named(said)
            permission = named or permission_for(method, url)
            # The server's own words add nothing when they only name the permission again.
            raise PermissionMissing(
                f"The workspace API key lacks the permission {permission} (HTTP 403)"
                f"{'' if named else said_part}. {_GRANT}",
                permission=permission,
            )
        if action in ("stop", "batch") and status in (400, 409, 422):
            refused = ("stop the run: it has already ended, or is stopping" if action == "stop" and status == 409
                       else "stop the run" if action == "stop" else "change these work items")
            raise ActionRefused(
                f"Control Room would not {refused} (HTTP {status}){said_part}. Refresh the run to see where it "
                "stands.", status=status, server_message=said)
        if status == 404:
            what = {"trigger": "workspace or process", "stop": "run", "batch": "work item"}.get(action) or (
                "run, step run or work item" if "/step-runs" in url or "/work-items" in url
                else "workspace, process or run")
            raise NotFound(
                f"Control Room does not know this {what} (HTTP 404){said_part}. Check the ids against Control "
                "Room, and that the base URL is the API root (such as https://cloud.robocorp.com/api/v1).",
                status=status,
            )
        if method == "POST" and status in (400, 409, 413, 415, 422):
            raise PayloadRejected(
                f"Control Room refused the trigger (HTTP {status}){said_part}. Fix the payload and try again.",
                status=status, server_message=said,
            )
        raise UnexpectedAnswer(
            f"{target.host} answered HTTP {status}{said_part or ': ' + snippet(answer.body, secret)}. "
            f"Check the base URL (it ends in /api/v1).{maybe_started}",
            status=status,
        )


def encode_trigger_body(payload: dict[str, Any] | list[Any] | None) -> bytes:
    """The trigger's body: `{}` for None, else the payloads as work items, each checked against
    Control Room's size limit (the message names the item that is over)."""
    if payload is None:
        return b"{}"
    items = payload if isinstance(payload, list) else [payload]
    try:
        check_shape(items)
        encoded = [json.dumps(item, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
                   for item in items]
    except JsonProblem as problem:
        raise InvalidPayload(f"The payload cannot be sent: {problem.message}.") from None
    except ValueError:
        raise InvalidPayload("The payload contains NaN or Infinity, which is not valid JSON.") from None
    for number, body in enumerate(encoded, start=1):
        if len(body) > MAX_PAYLOAD_BYTES:
            if isinstance(payload, list):
                try:
                    check_size(len(body))
                except InvalidPayload as error:
                    raise InvalidPayload(f"Work item {number} of {len(items)}: {error.message}") from None
            check_size(len(body))
    return b'{"type":"with_payloads","payloads":[' + b",".join(encoded) + b"]}"


def run_status(data: dict[str, Any], run_id: str) -> RunStatus:
    """A ProcessRun as the app reads it: the raw lower-case state, who started it as words, and
    Control Room's times as epoch seconds."""
    kind, by = started_by(data.get("started_by"))
    process = data.get("process")
    if not isinstance(process, dict):
        process = {}
    return RunStatus(
        run_id=run_id,
        state=shown_code(data.get("state")),
        result="",
        error_code="",
        duration=duration_seconds(data.get("duration")),
        raw=data,
        started_by=by,
        started_by_type=kind,
        created_at=epoch_seconds(data.get("created_at")),
        started_at=epoch_seconds(data.get("started_at")),
        ended_at=epoch_seconds(data.get("ended_at")),
        process_id=plain_token(process.get("id")) or "",
        process_name=shown_text(process.get("name")),
    )


def started_by(value: Any) -> tuple[str, str]:
    """(kind, words) of a ProcessRun's `started_by`: ("user", "Ada Lovelace"), ("schedule",
    "schedule"), ("api", "API"), ("email", "e-mail"); ("", "") when the answer does not say."""
    if not isinstance(value, dict):
        return "", ""
    kind = shown_code(value.get("type"))
    if kind == "user":
        details = value.get("details")
        if not isinstance(details, dict):
            details = {}
        name = " ".join(part for part in (shown_text(details.get("first_name")), shown_text(details.get("last_name")))
                        if part)
        return kind, name or shown_text(details.get("id")) or "a user"
    return kind, _STARTED_BY.get(kind, kind)


def permission_named(message: str) -> str | None:
    """The permission a 403's message names (`Processes.read_runs`, or just `read_runs`), if any."""
    folded = message.casefold()
    for permission in PERMISSIONS:
        if permission.casefold() in folded:
            return permission
    for permission in PERMISSIONS:
        if permission.split(".", 1)[1] in folded:
            return permission
    return None


def permission_for(method: str, url: str) -> str:
    """The permission Control Room's table gives the route of `url`."""
    path = url.split("?", 1)[0].rstrip("/")
    if method == "POST":
        return WRITE_WORK_ITEMS if path.endswith("/work-items/batch") else TRIGGER_PROCESSES  # trigger, stop
    if "/console-messages" in path or "/artifacts" in path:
        return READ_RUN_OUTPUTS
    if "/work-items" in path or path.endswith("/outputs"):
        return READ_WORK_ITEMS
    if path.endswith("/step-runs"):
        return READ_PROCESSES  # the list of a run's step runs, as Control Room's table has it
    if path.endswith("/processes"):
        return READ_PROCESSES
    return READ_RUNS


def action_of(method: str, url: str) -> str:
    """What a request does, in the words of an error message: 'trigger', 'stop', 'batch' or 'read'."""
    path = url.split("?", 1)[0].rstrip("/")
    if method != "POST":
        return "read"
    if path.endswith("/stop"):
        return "stop"
    if path.endswith("/work-items/batch"):
        return "batch"
    return "trigger"
