"""Control Room API v1 of the emulator: routes under /api/v1, workspace keys, paged run lists.
The routes of a run's story (step runs, work items, stop, outputs) are answered in v1_story.py.

Checks run in this order: path (404) and method (405), key (401, also for a key of another
workspace, so nothing shows whether a workspace exists), the route's permission (403), then
what the route names (404), its parameters or body (400, 413), and whether it can be done now
(409: stopping a run that has ended).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .answers import MAX_PAYLOAD, Answer, bad_request, error, json_answer, not_found
from .keys import PERMISSIONS, KeyProblem, KeyRing
from .paging import asked_of, bad_cursor, next_url, page, params_of, read_run_cursor, run_cursor
from .runs import EmulatedProcess, Run, iso
from .story import RunStory
from .v1_story import StoryRoutes, V1Route

if TYPE_CHECKING:
    from .server import Emulator

PREFIX = "/api/v1"
TRIGGER, READ_RUNS, READ_PROCESSES, READ_WORK_ITEMS, WRITE_WORK_ITEMS, READ_RUN_OUTPUTS = PERMISSIONS
ANY = "*"
# (path after the workspace, "*" for an id), route name, method, permission. First match wins.
ROUTES: tuple[tuple[tuple[str, ...], str, str, str | None], ...] = (
    ((), "workspace", "GET", None),
    (("processes",), "processes", "GET", READ_PROCESSES),
    (("processes", ANY, "process-runs"), "trigger", "POST", TRIGGER),
    (("process-runs",), "runs", "GET", READ_RUNS),
    (("process-runs", ANY), "run", "GET", READ_RUNS),
    (("process-runs", ANY, "stop"), "stop", "POST", TRIGGER),
    (("process-runs", ANY, "outputs"), "outputs", "GET", READ_WORK_ITEMS),
    (("step-runs",), "step_runs", "GET", READ_PROCESSES),
    (("step-runs", ANY), "step_run", "GET", READ_RUNS),
    (("step-runs", ANY, "console-messages"), "console", "GET", READ_RUN_OUTPUTS),
    (("step-runs", ANY, "artifacts"), "artifacts", "GET", READ_RUN_OUTPUTS),
    (("step-runs", ANY, "artifacts", ANY), "artifact", "GET", READ_RUN_OUTPUTS),
    (("work-items",), "work_items", "GET", READ_WORK_ITEMS),
    (("work-items", "batch"), "batch", "POST", WRITE_WORK_ITEMS),
    (("work-items", ANY), "work_item", "GET", READ_WORK_ITEMS),
)


def is_v1(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _route(path: str) -> V1Route | None:
    parts = path.rstrip("/").split("/")
    if parts[:4] != ["", "api", "v1", "workspaces"] or len(parts) < 5 or not all(parts[4:]):
        return None
    ws, rest = parts[4], parts[5:]
    for pattern, name, method, permission in ROUTES:
        if len(pattern) == len(rest) and all(p in (ANY, r) for p, r in zip(pattern, rest, strict=True)):
            ids = tuple(r for p, r in zip(pattern, rest, strict=True) if p == ANY)
            return V1Route(name, method, permission, ws, ids)
    return None


def _serialized_size(payload: Any) -> int:
    """Bytes of a payload as the app sends it: compact UTF-8 JSON."""
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


class V1Api(StoryRoutes):
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
            return not_found("No such endpoint")
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
        handler: Callable[[V1Route, str, bytes], Answer] = getattr(self, f"_{route.name}")
        return handler(route, query, body)

    def _workspace(self, route: V1Route, query: str, body: bytes) -> Answer:
        with self._lock:
            name = self._workspace_names.get(route.workspace_id, "Workspace")
        return json_answer(200, {"id": route.workspace_id, "name": name, "organization": self._organization})

    def _processes(self, route: V1Route, query: str, body: bytes) -> Answer:
        data = [{"id": p.process_id, "name": p.name, "created_at": iso(p.created_at)}
                for p in self._emu._processes_in(route.workspace_id)]
        return json_answer(200, {"data": data})

    def _run(self, route: V1Route, query: str, body: bytes) -> Answer:
        run = self._emu._runs.get(route.item)
        if run is None or run.workspace_id != route.workspace_id:
            return not_found("Process run not found")
        return json_answer(200, self._emu._stories.story(run).process_run())

    def _runs(self, route: V1Route, query: str, body: bytes) -> Answer:
        params = params_of(query)
        asked = asked_of(params)
        if isinstance(asked, Answer):
            return asked
        before = None
        if asked.cursor is not None:
            before = read_run_cursor(asked.cursor)
            if before is None:
                return bad_cursor()
        process_id, state = params.get("process_id") or None, params.get("state") or None
        now = time.monotonic()
        controls = self._emu._stories.controls()  # runs something was done to: their state is the story's

        def state_of(run: Run) -> str:
            control = controls.get(run.id)
            return run.v1_state(now) if control is None else RunStory(run, control, now).state()

        def keep(run: Run) -> bool:
            return (process_id is None or run.process_id == process_id) and (state is None or state_of(run) == state)

        runs, has_more = self._emu._runs.page(route.workspace_id, before, asked.limit, keep)
        following = None
        if has_more:
            following = next_url(f"{self._emu.v1_base_url}/workspaces/{route.workspace_id}/process-runs",
                                 asked.limit, (("process_id", process_id), ("state", state)),
                                 run_cursor(runs[-1].created_ms, runs[-1].id))
        data = [RunStory(r, controls[r.id], now).process_run() if r.id in controls else r.v1(now) for r in runs]
        return json_answer(200, page(data, following))

    def _trigger(self, route: V1Route, query: str, body: bytes) -> Answer:
        process = self._emu._process(route.workspace_id, route.item)
        if process is None:
            return not_found("Process not found")
        if not body.strip():
            request: Any = {}
        else:
            try:
                request = json.loads(body)
            except (ValueError, RecursionError):
                return bad_request("The body is not valid JSON")
        if not isinstance(request, dict):
            return bad_request("The body must be a JSON object")
        kind = request.get("type")
        if kind is None and not request:
            payloads: list[Any] = [{}]
        elif kind == "with_payloads":
            given = request.get("payloads")
            if not isinstance(given, list) or not given:
                return bad_request("with_payloads needs payloads: a non-empty array, one work item payload each")
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
            return bad_request("with_work_item_ids is not emulated")
        else:
            return bad_request('The body must be {}, or have "type": with_payloads, with_inputs or with_work_item_ids')
        run = self._emu._runs.create(process, payloads, self._emu.run_duration)
        return json_answer(200, {"started": True, "id": run.id})
