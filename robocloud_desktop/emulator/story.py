"""A v1 run's story: its two step runs, a work item per payload, console messages, artifacts and
outputs, computed from the run's clock as its state is; and what was done to the run since (a stop
or terminate, items retried, marked done or deleted), kept in a small control record per run.

The clock of a run of duration d started at t0 (all monotonic):

    t0 ........ queued (t0 + 0.2 d) ........ middle ........ end (t0 + d)
    run new     | step 1 "Producer" runs      | step 2 "Consumer" runs
                                              | item 1 | item 2 | ... each in a slot of its own

Step 1 awaits a worker while the run is new. An item is `new` until its slot, `in_progress` in
it, then `done`, or `failed` when its payload says `"simulate": "fail"` (or "pending"). Step 2 fails
when an item failed, with that item's exception code.

A stop at time T ends at E = T + min(stop cap, half the time left); a terminate ends at T. Items
done or failed before T keep their outcome. The item in progress at T finishes at E with its own
outcome (stop) or fails at T (terminate, an "orchestrator" exception); items not started by T are
`new` until E, then `done` when the remaining are set done, else `failed` (orchestrator). The step
running at T ends then too; a step not started stays `new` (step 1 awaiting a worker fails).
The run is `stopping` from T to E, then `completed` when every item left is done, else `unresolved`.

A failed item retried is `pending` for a third of the retry time, `in_progress` for the rest, then
`done`; marked done it is done at once; deleted it is gone. Once no item is failed or being retried
the run is `completed`, its ended_at the moment that became so.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from .runs import INI_SHARE, V1_ENDED, Run, iso

STEP_NAMES = ("Producer", "Consumer")
FIRST_STEP_LINES = 300
SECOND_STEP_LINES = 300  # unless the first payload says "simulate_console_lines": N
MAX_CONSOLE_LINES = 10_000_000
MAX_ARTIFACT_BYTES = 1 << 31
ARTIFACT_NAMES = ("log.html", "output.xml")
FAILED_CODE = "EMULATED_FAILURE"
STOPPED_CODE = "PROCESS_RUN_STOPPED"
TERMINATED_CODE = "PROCESS_RUN_TERMINATED"
BATCH_OPERATIONS = ("retry", "mark_as_done", "delete")
_IDS = uuid.UUID("6f1d3c1e-3b0e-4c55-9a52-3f0f4e8f3a10")  # names derived ids (steps, artifacts, outputs)
_NEVER = math.inf


def derived_id(*parts: str) -> str:
    """A stable id named by `parts`: the same parts give the same id in every emulator."""
    return str(uuid.uuid5(_IDS, "/".join(parts)))


def step_id(process_id: str, step: int) -> str:
    """Steps belong to the process, so their ids are the same for every run of it."""
    return derived_id(process_id, "step", STEP_NAMES[step])


# -- what was done to a run ---------------------------------------------------------------------


@dataclass(frozen=True)
class StopRequest:
    at: float  # monotonic: when the stop was asked
    ends: float  # when the run ends: `at` for a terminate
    terminate: bool
    remaining_done: bool
    reason: str = ""


@dataclass(frozen=True)
class ItemChange:
    """A person's answer to a failed item: "retry" (taking `seconds`) or "mark_as_done"."""

    kind: str
    at: float
    seconds: float = 0.0


@dataclass(frozen=True)
class Control:
    """What was done to one run; replaced whole under the book's lock, never changed in place."""

    stop: StopRequest | None = None
    changes: dict[int, ItemChange] = field(default_factory=dict)
    deleted: frozenset[int] = frozenset()
    resolved: tuple[float, ...] = ()  # moments an item stopped keeping the run unresolved


# -- the story at one moment ----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemState:
    state: str
    since: float  # monotonic
    exception: dict[str, str] | None = None
    processed: bool = False  # done by the robot, so it has an output (not merely marked done)


@dataclass(frozen=True)
class StepState:
    state: str
    since: float
    error: dict[str, str] | None = None
    started: float | None = None
    ended: float | None = None


@dataclass(frozen=True)
class Artifact:
    id: str
    name: str
    size: int
    document: bytes = field(repr=False)

    def chunks(self, chunk: int = 64 * 1024) -> Iterator[bytes]:
        """The artifact's bytes: its document, cut or padded to `size`."""
        head = self.document[:self.size]
        yield head
        left = self.size - len(head)
        filler = b"<!-- padding of an emulated large artifact -->\n"
        block = filler * (chunk // len(filler) + 1)
        offset = 0
        while left > 0:
            start = offset % len(filler)
            piece = block[start:start + min(left, chunk)]
            yield piece
            left -= len(piece)
            offset += len(piece)

    def content(self) -> bytes:
        return b"".join(self.chunks())


def _number(payload: Any, key: str, cap: int) -> int | None:
    value = payload.get(key) if isinstance(payload, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return min(value, cap)
    return None


def _text(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) and value else None


class RunStory:
    """One run's story at monotonic time `now`: pure computation over the frozen run and its control."""

    def __init__(self, run: Run, control: Control | None, now: float) -> None:
        self.run, self.control, self.now = run, control, now
        self.stop = control.stop if control is not None else None
        d = run.duration
        self.t0 = run.started
        self.queued = self.t0 + d * INI_SHARE
        self.middle = self.queued + (d - d * INI_SHARE) / 2
        self.end = self.t0 + d
        self._slot = (self.end - self.middle) / len(run.item_ids)

    def wall(self, moment: float) -> float:
        """Wall-clock seconds of a monotonic moment of this run."""
        return self.run.created_ms / 1000 + (moment - self.t0)

    def iso(self, moment: float) -> str:
        return iso(self.wall(moment))

    # -- work items ---------------------------------------------------------------------------

    def own_failure(self, index: int) -> dict[str, str] | None:
        """The exception an item's payload asks for, or None."""
        payload = self.run.payloads[index]
        simulate = payload.get("simulate") if isinstance(payload, dict) else None
        if simulate not in ("fail", "pending"):
            return None
        message = (_text(payload, "simulate_message")
                   or f"The work item failed because its payload asked to (simulate: {simulate})")
        return {"code": _text(payload, "simulate_code") or FAILED_CODE, "type": "business", "message": message}

    def _orchestrator(self, terminated: bool) -> dict[str, str]:
        assert self.stop is not None
        if terminated:
            message = "The process run was terminated while this work item was in progress"
        else:
            message = "The process run was stopped before this work item was processed"
        reason = f": {self.stop.reason}" if self.stop.reason else ""
        return {"code": TERMINATED_CODE if terminated else STOPPED_CODE, "type": "orchestrator",
                "message": message + reason}

    def _ended(self, index: int, at: float) -> ItemState:
        failure = self.own_failure(index)
        return ItemState("failed" if failure else "done", at, failure, processed=failure is None)

    def settled(self, index: int, now: float) -> ItemState:
        """Item `index` at `now`, leaving out what a person did after it ended."""
        start = self.middle + index * self._slot
        finish = start + self._slot
        stop = self.stop
        if now < start and (stop is None or start <= stop.at):
            return ItemState("new", self.t0)
        if stop is None or finish <= stop.at:
            return ItemState("in_progress", start) if now < finish else self._ended(index, finish)
        if start <= stop.at:  # in progress when the stop came
            if now < stop.ends:
                return ItemState("in_progress", start)
            if stop.terminate:
                return ItemState("failed", stop.ends, self._orchestrator(terminated=True))
            return self._ended(index, stop.ends)
        if now < stop.ends:  # not started when the stop came
            return ItemState("new", self.t0)
        if stop.remaining_done:
            return ItemState("done", stop.ends)
        return ItemState("failed", stop.ends, self._orchestrator(terminated=False))

    def item(self, index: int, now: float | None = None) -> ItemState | None:
        """Item `index` as Control Room shows it; None once deleted."""
        now = self.now if now is None else now
        control = self.control
        if control is not None and index in control.deleted:
            return None
        state = self.settled(index, now)
        change = control.changes.get(index) if control is not None else None
        if change is None or now < change.at or state.state != "failed":
            return state
        if change.kind == "mark_as_done":
            return ItemState("done", change.at)
        pending_until, done_at = change.at + change.seconds / 3, change.at + change.seconds
        if now < pending_until:
            return ItemState("pending", change.at)
        if now < done_at:
            return ItemState("in_progress", pending_until)
        return ItemState("done", done_at, processed=True)

    def items(self) -> list[tuple[int, ItemState]]:
        """The items not deleted, in their order, with their places in the run."""
        found = ((index, self.item(index)) for index in range(len(self.run.item_ids)))
        return [(index, state) for index, state in found if state is not None]

    def item_dict(self, index: int, state: ItemState, with_payload: bool = False) -> dict[str, Any]:
        run = self.run
        body: dict[str, Any] = {
            "id": run.item_ids[index],
            "created_at": self.iso(self.t0),
            "state": state.state,
            "state_updated_at": self.iso(state.since),
            "process": {"id": run.process_id},
            "process_run": {"id": run.id},
            "step": {"id": step_id(run.process_id, 1)},
            "step_run": {"id": run.step_run_ids[1]},
            "files": [],
            "exception": state.exception,
        }
        if with_payload:
            body["payload"] = run.payloads[index]
        return body

    # -- the run -----------------------------------------------------------------------------

    def _all_done(self) -> bool:
        return all(state.state == "done" for _, state in self.items())

    def state(self) -> str:
        control, stop = self.control, self.stop
        if control is None:
            return self.run.v1_state(self.now)
        if stop is not None and self.now >= stop.at:
            if self.now < stop.ends:
                return "stopping"
            return "completed" if self._all_done() else "unresolved"
        base = self.run.v1_state(self.now)
        if base in V1_ENDED:
            return "completed" if self._all_done() else "unresolved"
        return base

    def process_run(self) -> dict[str, Any]:
        """The ProcessRun as v1 answers it, with what was done to the run."""
        body = self.run.v1(self.now)
        if self.control is None:
            return body
        state, stop = self.state(), self.stop
        started = state != "new" and (stop is None or stop.at >= self.queued)
        ended = None
        if state in V1_ENDED:
            ended = stop.ends if stop is not None and self.now >= stop.at else self.end
            if state == "completed":
                ended = max([ended, *(t for t in self.control.resolved if t <= self.now)])
        if not started:
            duration = None
        elif ended is not None:
            duration = round(ended - self.queued)
        else:
            duration = int(max(0.0, self.now - self.queued))
        body.update(state=state, started_at=self.iso(self.queued) if started else None,
                    ended_at=None if ended is None else self.iso(ended), duration=duration)
        return body

    # -- step runs ------------------------------------------------------------------------------

    def _window(self, step: int) -> tuple[float, float]:
        return (self.queued, self.middle) if step == 0 else (self.middle, self.end)

    def _step_error(self, step: int) -> dict[str, str] | None:
        """Step 2 fails with the first failed item's code; step 1 holds no items."""
        if step == 0:
            return None
        for index in range(len(self.run.item_ids)):
            state = self.settled(index, _NEVER)
            if state.state == "failed" and state.exception is not None:
                return {"code": state.exception["code"]}
        return None

    def step(self, step: int, now: float | None = None) -> StepState:
        now = self.now if now is None else now
        start, finish = self._window(step)
        waiting = "awaiting_worker" if step == 0 else "new"
        stop = self.stop
        if stop is None or finish <= stop.at:
            if now < start:
                return StepState(waiting, self.t0)
            ends, error = finish, self._step_error(step)
        elif start <= stop.at:  # running when the stop came
            ends = stop.ends
            error = {"code": TERMINATED_CODE} if stop.terminate else self._step_error(step)
        elif step == 0:  # awaiting a worker when the stop came: cancelled
            if now < stop.ends:
                return StepState(waiting, self.t0)
            return StepState("failed", stop.ends, {"code": TERMINATED_CODE if stop.terminate else STOPPED_CODE},
                             None, stop.ends)
        else:  # never started
            return StepState("new", self.t0)
        if now < ends:
            return StepState("in_progress", start, None, start)
        return StepState("failed" if error else "completed", ends, error, start, ends)

    def step_dict(self, step: int) -> dict[str, Any]:
        state = self.step(step)
        if state.started is None:
            duration = None
        elif state.ended is not None:
            duration = round(state.ended - state.started)
        else:
            duration = int(max(0.0, self.now - state.started))
        return {
            "id": self.run.step_run_ids[step],
            "state": state.state,
            "state_updated_at": self.iso(state.since),
            "error": state.error,
            "started_at": None if state.started is None else self.iso(state.started),
            "ended_at": None if state.ended is None else self.iso(state.ended),
            "duration": duration,
            "step": {"id": step_id(self.run.process_id, step), "name": STEP_NAMES[step]},
        }

    # -- console messages -------------------------------------------------------------------------

    def console_count(self, step: int) -> int:
        """Lines of a step run: all of them once it started, none before."""
        if self.step(step).started is None:
            return 0
        if step == 0:
            return FIRST_STEP_LINES
        wanted = _number(self.run.payloads[0], "simulate_console_lines", MAX_CONSOLE_LINES)
        return SECOND_STEP_LINES if wanted is None else wanted

    def _console_tail(self, step: int) -> list[str]:
        """The step's last lines: how it ended, naming the exceptions of its failed items."""
        final = self.step(step, _NEVER)
        name = STEP_NAMES[step]
        if final.error is None:
            return [f"Step {name} completed"]
        lines: list[str] = []
        if step == 1:
            for index in range(len(self.run.item_ids)):
                state = self.settled(index, _NEVER)
                if state.exception is not None and len(lines) < 3:
                    exc = state.exception
                    lines.append(f"Work item {self.run.item_ids[index]} failed with a {exc['type']} exception "
                                 f"{exc['code']}: {exc['message']}")
        return [*lines, f"Step {name} failed: {final.error['code']}"]

    def console(self, step: int, offset: int, limit: int) -> list[dict[str, str]]:
        """Console messages `offset` to `offset + limit` (fewer at the end), oldest first."""
        count = self.console_count(step)
        if offset >= count:
            return []
        state = self.step(step)
        assert state.started is not None
        first_ms = round(self.wall(state.started) * 1000)
        tail = self._console_tail(step)
        name = STEP_NAMES[step]
        ids = self.run.item_ids
        lines = []
        for number in range(offset, min(count, offset + limit)):
            if number >= count - len(tail):
                text = tail[number - (count - len(tail))]
            elif number == 0:
                text = f"Step {name} of process run {self.run.id} started"
            elif step == 0:
                text = f"[{number:05d}] {name}: read source record {number} and checked it"
            else:
                text = f"[{number:05d}] {name}: working on work item {ids[number % len(ids)]}"
            lines.append({"timestamp": iso((first_ms + number) / 1000), "message": text})
        return lines

    # -- artifacts and outputs ----------------------------------------------------------------------

    def artifacts(self, step: int) -> list[Artifact]:
        """A step run's two artifacts, there once it started. "simulate_artifact_bytes": N in the
        first payload makes the first one N bytes."""
        if self.step(step).started is None:
            return []
        step_run_id, name = self.run.step_run_ids[step], STEP_NAMES[step]
        log = "".join(f"<p>[{n:03d}] {name}: keyword {n} passed</p>\n" for n in range(1, 80))
        html = (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{name} log</title></head>\n'
                f"<body><h1>Step {name} of process run {self.run.id}</h1>\n{log}</body></html>\n").encode()
        tests = "".join(f'  <test id="s1-t{n}" name="Task {n}"><status status="PASS"/></test>\n'
                        for n in range(1, 30))
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<robot generator="emulator">\n'
               f'<suite id="s1" name="{name}">\n{tests}</suite>\n</robot>\n').encode()
        wanted = _number(self.run.payloads[0], "simulate_artifact_bytes", MAX_ARTIFACT_BYTES)
        sizes = (len(html) if wanted is None else wanted, len(xml))
        return [Artifact(derived_id(step_run_id, "artifact", artifact), artifact, size, document)
                for artifact, size, document in zip(ARTIFACT_NAMES, sizes, (html, xml), strict=True)]

    def outputs(self) -> list[dict[str, Any]]:
        """An output per item the robot processed to done, oldest first."""
        done = sorted(((state.since, index) for index, state in self.items() if state.processed))
        found = []
        for since, index in done:
            item_id = self.run.item_ids[index]
            payload = {"work_item_id": item_id, "result": "processed"}
            found.append({
                "id": derived_id(item_id, "output"),
                "created_at": self.iso(since),
                "process": {"id": self.run.process_id},
                "process_run": {"id": self.run.id},
                "payload": payload,
                "files": [{"id": derived_id(item_id, "output", "result.txt"), "size": 64, "name": "result.txt"}],
            })
        return found


class StoryBook:
    """The control records of the runs something was done to, under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._controls: dict[str, Control] = {}

    def story(self, run: Run, now: float | None = None) -> RunStory:
        with self._lock:
            control = self._controls.get(run.id)
        return RunStory(run, control, time.monotonic() if now is None else now)

    def controls(self) -> dict[str, Control]:
        """A copy, for a list that looks at many runs without taking the lock for each."""
        with self._lock:
            return dict(self._controls)

    def stop(self, run: Run, *, terminate: bool, remaining_done: bool, reason: str, cap: float) -> bool:
        """Stop (or terminate) a run; False when it had already ended. A second stop while stopping
        changes nothing; a terminate then ends the run at once."""
        now = time.monotonic()
        with self._lock:
            control = self._controls.get(run.id) or Control()
            story = RunStory(run, control, now)
            if story.state() in V1_ENDED:
                return False
            if control.stop is not None:
                if terminate and not control.stop.terminate:
                    upgraded = replace(control.stop, ends=now, terminate=True, remaining_done=remaining_done)
                    self._controls[run.id] = replace(control, stop=upgraded)
                return True
            ends = now if terminate else now + min(cap, max(0.0, story.end - now) / 2)
            self._controls[run.id] = replace(control, stop=StopRequest(now, ends, terminate, remaining_done, reason))
            return True

    def batch(self, operation: str, targets: list[tuple[Run, int]], retry_seconds: float) -> None:
        """Apply a batch operation to items, each of which is a (run, index). Retry and mark as done
        touch failed items only and pass over the others."""
        now = time.monotonic()
        with self._lock:
            for run, index in targets:
                control = self._controls.get(run.id) or Control()
                state = RunStory(run, control, now).item(index)
                if state is None:
                    continue
                if operation == "delete":
                    resolved = control.resolved + (() if state.state == "done" else (now,))
                    control = replace(control, deleted=control.deleted | {index}, resolved=resolved)
                elif state.state == "failed":
                    seconds = retry_seconds if operation == "retry" else 0.0
                    change = ItemChange(operation, now, seconds)
                    control = replace(control, changes={**control.changes, index: change},
                                      resolved=(*control.resolved, now + seconds))
                else:
                    continue
                self._controls[run.id] = control

    def deleted(self, run: Run, index: int) -> bool:
        with self._lock:
            control = self._controls.get(run.id)
        return control is not None and index in control.deleted
