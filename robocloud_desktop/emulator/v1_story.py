"""Control Room API v1 routes that tell a run's story and act on it: step runs, their console
messages and artifacts, work items and their batch operations, stopping a run, its outputs.

The model is in story.py; this module reads requests and shapes answers. Lists page by position
(console messages, artifacts, step runs, outputs, one run's items) or, for the workspace's items,
after the last item given, so runs started while paging shift nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .answers import Answer, bad_request, error, json_answer, not_found
from .paging import (
    Asked,
    asked_of,
    bad_cursor,
    item_cursor,
    next_url,
    offset_cursor,
    page,
    params_of,
    read_item_cursor,
    read_offset_cursor,
)
from .runs import Run
from .story import BATCH_OPERATIONS, RunStory

if TYPE_CHECKING:
    from .server import Emulator

MAX_BATCH = 1000
MAX_REASON = 1000


@dataclass(frozen=True)
class V1Route:
    """What the router found: the workspace, and the ids in the path (run, step run, artifact...)."""

    name: str
    method: str
    permission: str | None
    workspace_id: str
    ids: tuple[str, ...] = ()

    @property
    def item(self) -> str:
        return self.ids[0] if self.ids else ""


def _offset_page(asked: Asked, total: int) -> tuple[int, int] | Answer:
    """(start, end) of a page of a list read by position, or the 400 of a cursor it did not give."""
    start = 0
    if asked.cursor is not None:
        read = read_offset_cursor(asked.cursor)
        if read is None or read > total:
            return bad_cursor()
        start = read
    return start, min(total, start + asked.limit)


class StoryRoutes:
    """The story routes of V1Api (mixed into it)."""

    _emu: Emulator

    # -- shared -------------------------------------------------------------------------------

    def _ws_url(self, route: V1Route) -> str:
        return f"{self._emu.v1_base_url}/workspaces/{route.workspace_id}"

    def _run_of(self, route: V1Route, run_id: str) -> Run | None:
        run = self._emu._runs.get(run_id)
        return run if run is not None and run.workspace_id == route.workspace_id else None

    def _step_of(self, route: V1Route) -> tuple[RunStory, int] | None:
        found = self._emu._runs.step_run(route.item)
        if found is None or found[0].workspace_id != route.workspace_id:
            return None
        return self._emu._stories.story(found[0]), found[1]

    def _listed(self, route: V1Route, path: str, query: str, data: list[Any],
                filters: tuple[tuple[str, str | None], ...] = ()) -> Answer:
        """A page of a list read by position; `data` is the whole list."""
        asked = asked_of(params_of(query))
        if isinstance(asked, Answer):
            return asked
        span = _offset_page(asked, len(data))
        if isinstance(span, Answer):
            return span
        start, end = span
        following = None
        if end < len(data):
            following = next_url(f"{self._ws_url(route)}/{path}", asked.limit, filters, offset_cursor(end))
        return json_answer(200, page(data[start:end], following))

    # -- step runs ----------------------------------------------------------------------------

    def _step_runs(self, route: V1Route, query: str, body: bytes) -> Answer:
        run_id = params_of(query).get("process_run_id")
        if not run_id:
            return bad_request("process_run_id is required: the id of the process run whose step runs to list")
        run = self._run_of(route, run_id)
        if run is None:
            return not_found("Process run not found")
        story = self._emu._stories.story(run)
        data = [story.step_dict(step) for step in range(len(run.step_run_ids))]
        return self._listed(route, "step-runs", query, data, (("process_run_id", run_id),))

    def _step_run(self, route: V1Route, query: str, body: bytes) -> Answer:
        found = self._step_of(route)
        if found is None:
            return not_found("Step run not found")
        story, step = found
        return json_answer(200, story.step_dict(step))

    def _console(self, route: V1Route, query: str, body: bytes) -> Answer:
        found = self._step_of(route)
        if found is None:
            return not_found("Step run not found")
        story, step = found
        asked = asked_of(params_of(query))
        if isinstance(asked, Answer):
            return asked
        span = _offset_page(asked, story.console_count(step))
        if isinstance(span, Answer):
            return span
        start, end = span
        following = None
        if end < story.console_count(step):
            following = next_url(f"{self._ws_url(route)}/step-runs/{route.item}/console-messages", asked.limit,
                                 (), offset_cursor(end))
        return json_answer(200, page(story.console(step, start, end - start), following))

    def _artifacts(self, route: V1Route, query: str, body: bytes) -> Answer:
        found = self._step_of(route)
        if found is None:
            return not_found("Step run not found")
        story, step = found
        data = [{"id": a.id, "name": a.name, "size": a.size} for a in story.artifacts(step)]
        return self._listed(route, f"step-runs/{route.item}/artifacts", query, data)

    def _artifact(self, route: V1Route, query: str, body: bytes) -> Answer:
        found = self._step_of(route)
        if found is None:
            return not_found("Step run not found")
        story, step = found
        artifact = next((a for a in story.artifacts(step) if a.id == route.ids[1]), None)
        if artifact is None:
            return not_found("Artifact not found")
        url = self._emu._storage.presign(artifact.name, artifact.size, artifact.chunks, self._emu.presign_ttl)
        return json_answer(200, {"id": artifact.id, "name": artifact.name, "size": artifact.size, "url": url})

    # -- work items ---------------------------------------------------------------------------

    def _work_items(self, route: V1Route, query: str, body: bytes) -> Answer:
        params = params_of(query)
        asked = asked_of(params)
        if isinstance(asked, Answer):
            return asked
        run_id, process_id = params.get("process_run_id") or None, params.get("process_id") or None
        state = params.get("state") or None
        after = None
        if asked.cursor is not None:
            after = read_item_cursor(asked.cursor)
            if after is None:
                return bad_cursor()
        if run_id is not None:
            run = self._run_of(route, run_id)
            runs = [] if run is None else [run]
        else:
            runs = self._emu._runs.in_workspace(route.workspace_id)[::-1]  # newest first, as runs list
        now = time.monotonic()
        data: list[dict[str, Any]] = []
        last: tuple[Run, int] | None = None
        has_more = False
        for run in runs:
            if process_id is not None and run.process_id != process_id:
                continue
            if after is not None and (run.created_ms, run.id) > after[:2]:
                continue
            story = self._emu._stories.story(run, now)
            for index, item in story.items():
                if after is not None and (run.created_ms, run.id) == after[:2] and index <= after[2]:
                    continue
                if state is not None and item.state != state:
                    continue
                if len(data) == asked.limit:
                    has_more = True
                    break
                data.append(story.item_dict(index, item))
                last = (run, index)
            if has_more:
                break
        following = None
        if has_more and last is not None:
            cursor = item_cursor(last[0].created_ms, last[0].id, last[1])
            filters = (("process_run_id", run_id), ("process_id", process_id), ("state", state))
            following = next_url(f"{self._ws_url(route)}/work-items", asked.limit, filters, cursor)
        return json_answer(200, page(data, following))

    def _found_item(self, route: V1Route, item_id: str) -> tuple[Run, int] | None:
        found = self._emu._runs.item(item_id)
        if found is None or found[0].workspace_id != route.workspace_id or self._emu._stories.deleted(*found):
            return None
        return found

    def _work_item(self, route: V1Route, query: str, body: bytes) -> Answer:
        found = self._found_item(route, route.item)
        if found is None:
            return not_found("Work item not found")
        run, index = found
        story = self._emu._stories.story(run)
        item = story.item(index)
        if item is None:
            return not_found("Work item not found")
        return json_answer(200, story.item_dict(index, item, with_payload=True))

    def _batch(self, route: V1Route, query: str, body: bytes) -> Answer:
        """Retry and mark as done act on failed items; other items named are accepted and passed
        over. Control Room answers a batch with `accepted` and carries it out afterwards, so it can
        hardly refuse an item for a state that may change before then; the emulator does the same
        and says only whether the request was well-formed."""
        request = _json_object(body)
        if isinstance(request, Answer):
            return request
        operation, ids = request.get("batch_operation"), request.get("work_item_ids")
        if operation not in BATCH_OPERATIONS:
            return bad_request(f"batch_operation must be one of {', '.join(BATCH_OPERATIONS)}")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return bad_request("work_item_ids must be a non-empty array of work item ids")
        if len(ids) > MAX_BATCH:
            return bad_request(f"At most {MAX_BATCH} work items in one batch")
        targets, unknown = [], []
        for item_id in dict.fromkeys(ids):
            found = self._found_item(route, item_id)
            if found is None:
                unknown.append(item_id)
            else:
                targets.append(found)
        if unknown:
            named = ", ".join(i[:64] for i in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
            return bad_request(f"No such work items in this workspace: {named}")
        self._emu._stories.batch(operation, targets, self._emu.retry_seconds)
        return json_answer(200, {"accepted": True})

    # -- a run: stop and outputs ---------------------------------------------------------------

    def _stop(self, route: V1Route, query: str, body: bytes) -> Answer:
        run = self._run_of(route, route.item)
        if run is None:
            return not_found("Process run not found")
        request = _json_object(body)
        if isinstance(request, Answer):
            return request
        done = request.get("set_remaining_work_items_as_done")
        terminate = request.get("terminate_ongoing_activity_runs")
        if not isinstance(done, bool) or not isinstance(terminate, bool):
            return bad_request("set_remaining_work_items_as_done and terminate_ongoing_activity_runs must be "
                               "true or false")
        reason = request.get("reason", "")
        if reason is None:
            reason = ""
        if not isinstance(reason, str) or len(reason) > MAX_REASON:
            return bad_request(f"reason must be text of at most {MAX_REASON} characters")
        if not self._emu._stories.stop(run, terminate=terminate, remaining_done=done, reason=reason,
                                       cap=self._emu.stop_seconds):
            return error(409, "conflict", "The process run has already ended")
        return json_answer(200, {"accepted": True})

    def _outputs(self, route: V1Route, query: str, body: bytes) -> Answer:
        run = self._run_of(route, route.item)
        if run is None:
            return not_found("Process run not found")
        data = self._emu._stories.story(run).outputs()
        return self._listed(route, f"process-runs/{run.id}/outputs", query, data)


def _json_object(body: bytes) -> dict[str, Any] | Answer:
    try:
        request = json.loads(body) if body.strip() else None
    except (ValueError, RecursionError):
        return bad_request("The body is not valid JSON")
    if not isinstance(request, dict):
        return bad_request("The body must be a JSON object")
    return request
