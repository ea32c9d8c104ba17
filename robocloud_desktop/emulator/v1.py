"""Control Room API v1 of the emulator: routes under /api/v1, workspace keys, paged run lists.

Checks run in this order: path (404) and method (405), key (401, also for a key of another
workspace, so nothing shows whether a workspace exists), the route's permission (403), then
what the route names (404) and its parameters or body (400, 413).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from .answers import MAX_PAYLOAD, Answer, error, json_answer
from .keys import PERMISSIONS, KeyProblem, KeyRing
from .runs import EmulatedProcess, Run, iso

if TYPE_CHECKING:
    from .server import Emulator

PREFIX = "/api/v1"
MAX_LIMIT = 100
TRIGGER, READ_RUNS, READ_PROCESSES = PERMISSIONS[0], PERMISSIONS[1], PERMISSIONS[2]


def is_v1(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


@dataclass(frozen=True)
class _Route:
    name: str
    method: str
    permission: str | None
    workspace_id: str
    item: str = ""  # the process id of a trigger, the run id of one run


def _route(path: str) -> _Route | None:
    parts = path.rstrip("/").split("/")
    if parts[:4] != ["", "api", "v1", "workspaces"] or len(parts) < 5 or not all(parts[4:]):
        return None
    ws, rest = parts[4], parts[5:]
    if not rest:
        return _Route("workspace", "GET", None, ws)
    if rest == ["processes"]:
        return _Route("processes", "GET", READ_PROCESSES, ws)
    if len(rest) == 3 and rest[0] == "processes" and rest[2] == "process-runs":
        return _Route("trigger", "POST", TRIGGER, ws, rest[1])
    if rest == ["process-runs"]:
        return _Route("runs", "GET", READ_RUNS, ws)
    if len(rest) == 2 and rest[0] == "process-runs":
        return _Route("run", "GET", READ_RUNS, ws, rest[1])
    return None


def _bad(message: str) -> Answer:
    return error(400, "invalid_request", message)


def _not_found(message: str) -> Answer:
    return error(404, "not_found", message)


def _encode_cursor(run: Run) -> str:
    raw = f"{run.created_ms}.{run.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(text: str) -> tuple[int, str] | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    millis, _, run_id = raw.partition(".")
    if not (millis.isascii() and millis.isdigit() and len(millis) < 16 and run_id):
        return None
    return int(millis), run_id


def _limit(text: str) -> int | None:
    """A whole number from 1 up, capped at MAX_LIMIT; None when it is not one."""
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > 6:  # int() refuses very long digit strings; anything this long is over the cap
        return MAX_LIMIT
    value = int(text)
    return min(value, MAX_LIMIT) if value >= 1 else None


def _serialized_size(payload: Any) -> int:
    """Bytes of a payload as the app sends it: compact UTF-8 JSON."""
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


class V1Api:
    """Keys, queued inputs and the answers of Control Room API v1, over the emulator's processes and runs."""

    def __init__(self, emulator: Emulator) -> None:
        self._emu = emulator
        self.keys = KeyRing()
        self._lock = threading.Lock()
        self._inputs: dict[tuple[str, str], list[Any]] = {}
        self._workspace_names: dict[str, str] = {}
        self._organization = {"id": str(uuid.uuid4()), "name": "Emulated organization"}

    def know_workspace(self, workspace_id: str) -> None:
        with self._lock:
            self._workspace_names.setdefault(workspace_id, f"Workspace {len(self._workspace_names) + 1}")

    def queue_input(self, process: EmulatedProcess, payload: Any) -> None:
        with self._lock:
            self._inputs.setdefault((process.workspace_id, process.process_id), []).append(payload)

    def _take_inputs(self, process: EmulatedProcess) -> list[Any]:
        with self._lock:
            return self._inputs.pop((process.workspace_id, process.process_id), [])

    # -- answers --------------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: str, authorization: str | None, body: bytes) -> Answer:
        route = _route(path)
        if route is None:
            return _not_found("No such endpoint")
        if method != route.method:
            return error(405, "method_not_allowed", f"Use {route.method} on this path", (("Allow", route.method),))
        try:
            grant = self.keys.grant_for(authorization)
        except KeyProblem as problem:
            return error(401, "unauthorized", str(problem))
        if grant.workspace_id != route.workspace_id:
            return error(401, "unauthorized", "The API key is not valid for this workspace")
        if route.permission is not None and route.permission not in grant.permissions:
            named = f" {route.permission}" if self._emu.name_permission_in_403 else " this route needs"
            return error(403, "forbidden", f"The API key lacks the permission{named}")
        handler: Callable[[_Route, str, bytes], Answer] = getattr(self, f"_{route.name}")
        return handler(route, query, body)

    def _workspace(self, route: _Route, query: str, body: bytes) -> Answer:
        with self._lock:
            name = self._workspace_names.get(route.workspace_id, "Workspace")
        return json_answer(200, {"id": route.workspace_id, "name": name, "organization": self._organization})

    def _processes(self, route: _Route, query: str, body: bytes) -> Answer:
        data = [{"id": p.process_id, "name": p.name, "created_at": iso(p.created_at)}
                for p in self._emu._processes_in(route.workspace_id)]
        return json_answer(200, {"data": data})

    def _run(self, route: _Route, query: str, body: bytes) -> Answer:
        run = self._emu._runs.get(route.item)
        if run is None or run.workspace_id != route.workspace_id:
            return _not_found("Process run not found")
        return json_answer(200, run.v1())

    def _runs(self, route: _Route, query: str, body: bytes) -> Answer:
        params = {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}
        limit = MAX_LIMIT
        if "limit" in params:
            parsed = _limit(params["limit"])
            if parsed is None:
                return _bad(f"limit must be a whole number from 1 (at most {MAX_LIMIT} are given per page)")
            limit = parsed
        before = None
        if "cursor" in params:
            before = _decode_cursor(params["cursor"])
            if before is None:
                return _bad("The cursor is not one this server gave; start again without it")
        process_id, state = params.get("process_id") or None, params.get("state") or None
        now = time.monotonic()

        def keep(run: Run) -> bool:
            return ((process_id is None or run.process_id == process_id)
                    and (state is None or run.v1_state(now) == state))

        runs, has_more = self._emu._runs.page(route.workspace_id, before, limit, keep)
        following = None
        if has_more:
            asked = [("limit", str(limit))]
            asked += [(name, value) for name, value in (("process_id", process_id), ("state", state)) if value]
            asked.append(("cursor", _encode_cursor(runs[-1])))
            following = f"{self._emu.v1_base_url}/workspaces/{route.workspace_id}/process-runs?{urlencode(asked)}"
        return json_answer(200, {"next": following, "has_more": has_more, "data": [r.v1(now) for r in runs]})

    def _trigger(self, route: _Route, query: str, body: bytes) -> Answer:
        process = self._emu._process(route.workspace_id, route.item)
        if process is None:
            return _not_found("Process not found")
        if not body.strip():
            request: Any = {}
        else:
            try:
                request = json.loads(body)
            except (ValueError, RecursionError):
                return _bad("The body is not valid JSON")
        if not isinstance(request, dict):
            return _bad("The body must be a JSON object")
        kind = request.get("type")
        if kind is None and not request:
            payloads: list[Any] = [{}]
        elif kind == "with_payloads":
            given = request.get("payloads")
            if not isinstance(given, list) or not given:
                return _bad("with_payloads needs payloads: a non-empty array, one work item payload each")
            payloads = given
            for number, payload in enumerate(payloads, 1):
                size = _serialized_size(payload)
                if size > MAX_PAYLOAD:
                    return error(413, "payload_too_large",
                                 f"Payload {number} is {size} bytes; the limit is {MAX_PAYLOAD} bytes")
        elif kind == "with_inputs":
            payloads = self._take_inputs(process)
            if not payloads:
                return json_answer(200, {"started": False})
        elif kind == "with_work_item_ids":
            return _bad("with_work_item_ids is not emulated")
        else:
            return _bad('The body must be {}, or have "type": with_payloads, with_inputs or with_work_item_ids')
        run = self._emu._runs.create(process, payloads, self._emu.run_duration)
        return json_answer(200, {"started": True, "id": run.id})
