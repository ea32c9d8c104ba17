"""Run life model of the Process API emulator, for both APIs.

A run's state is computed from its start time whenever it is asked for, so a thousand
runs cost a thousand small records and no timer threads.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Share of a run's duration spent in INI (v1: `new`) before it turns IP (v1: `in_progress`).
INI_SHARE = 0.2
STARTED_BY = ("api", "user", "schedule", "email")
V1_ENDED = frozenset({"completed", "unresolved"})


@dataclass
class EmulatedProcess:
    """A process the emulator knows; `secret` stays out of repr so test output never shows it."""

    workspace_id: str
    process_id: str
    secret: str = field(repr=False)
    run_duration: float | None = None
    name: str = ""
    created_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Outcome:
    """Where a run ends up once its duration has passed, in each API's words."""

    state: str = "COMPL"
    result: str = "OK"
    error_code: str = ""
    v1_state: str = "completed"


def outcome_for(payload: dict[str, Any]) -> Outcome:
    """Read the `simulate` key of a payload; anything unrecognised is an ordinary success."""
    simulate = payload.get("simulate")
    if simulate == "fail":
        return Outcome("COMPL", "ERR", "EMULATED_FAILURE", "unresolved")
    if simulate == "pending":
        return Outcome("PENDING", "ERR", "", "unresolved")
    if isinstance(simulate, str) and simulate.startswith("state:"):
        raw = simulate.removeprefix("state:")
        return Outcome(raw, "", "", raw)
    return Outcome()


def outcome_of(payloads: list[Any]) -> Outcome:
    """The first work item that simulates something decides the run's end."""
    for payload in payloads:
        if isinstance(payload, dict) and (outcome := outcome_for(payload)) != Outcome():
            return outcome
    return Outcome()


def duration_for(payload: dict[str, Any], default: float) -> float:
    """`simulate_duration` overrides the run duration when it is a finite number >= 0.

    Other values are ignored rather than rejected: the real API accepts any payload, and the
    emulator must not answer differently because of what a work item happens to contain.
    """
    value = payload.get("simulate_duration")
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    return default


def iso(seconds: float) -> str:
    """Control Room's time format: UTC, milliseconds, "Z"."""
    whole, millis = divmod(round(seconds * 1000), 1000)
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


@dataclass(frozen=True)
class Run:
    id: str
    workspace_id: str
    process_id: str
    work_item_id: str
    started: float  # monotonic: states are computed from it
    duration: float
    outcome: Outcome
    created_ms: int = 0  # wall clock, for v1's times and its newest-first order
    process_name: str = ""
    started_by: str = "api"
    user: tuple[str, str, str] | None = None
    work_items: int = 1
    # v1's story of the run (see story.py): one id per work item (the first is `work_item_id`), one
    # per step run, and each item's payload, kept out of the repr as payloads stay out of logs.
    item_ids: tuple[str, ...] = ()
    step_run_ids: tuple[str, ...] = ()
    payloads: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    @property
    def order(self) -> tuple[int, str]:
        """v1 lists runs newest first by created_at, then id; this is the ascending key."""
        return self.created_ms, self.id

    def status(self, now: float | None = None) -> dict[str, Any]:
        """The body of a per-process API GET answer for this run at monotonic time `now`."""
        elapsed = max(0.0, (time.monotonic() if now is None else now) - self.started)
        if elapsed >= self.duration:
            state, result, error_code = self.outcome.state, self.outcome.result, self.outcome.error_code
            seconds = round(self.duration)
        else:
            state = "INI" if elapsed < self.duration * INI_SHARE else "IP"
            result, error_code, seconds = "", "", int(elapsed)
        return {
            "id": self.id,
            "result": result,
            "state": state,
            "errorCode": error_code,
            "duration": seconds,
            "workspaceId": self.workspace_id,
        }

    def v1_state(self, now: float | None = None) -> str:
        elapsed = max(0.0, (time.monotonic() if now is None else now) - self.started)
        if elapsed >= self.duration:
            return self.outcome.v1_state
        return "new" if elapsed < self.duration * INI_SHARE else "in_progress"

    def v1(self, now: float | None = None) -> dict[str, Any]:
        """The ProcessRun of Control Room API v1. `duration` counts from started_at: null while
        the run is new, the seconds so far while it runs, started_at to ended_at once it ended."""
        now = time.monotonic() if now is None else now
        elapsed = max(0.0, now - self.started)
        state = self.v1_state(now)
        queued = self.duration * INI_SHARE
        created = self.created_ms / 1000
        ended = state in V1_ENDED and elapsed >= self.duration
        details = None
        if self.user is not None:
            details = dict(zip(("id", "first_name", "last_name"), self.user, strict=True))
        return {
            "id": self.id,
            "state": state,
            "created_at": iso(created),
            "started_at": None if state == "new" else iso(created + queued),
            "ended_at": iso(created + self.duration) if ended else None,
            "process": {"id": self.process_id, "name": self.process_name},
            "started_by": {"type": self.started_by, "details": details},
            "duration": (None if state == "new"
                         else round(self.duration - queued) if ended else int(elapsed - queued)),
        }


STEP_RUNS = 2  # every run has two steps (story.py names them)


class RunStore:
    """Thread-safe store of every run created: by id, and per workspace in v1's order, so a page
    of a list is a slice found by bisection rather than a sort of everything. Work items and step
    runs are found by their own ids too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, Run] = {}
        self._by_workspace: dict[str, list[Run]] = {}
        self._items: dict[str, tuple[Run, int]] = {}
        self._step_runs: dict[str, tuple[Run, int]] = {}

    def create(
        self,
        process: EmulatedProcess,
        payloads: list[Any],
        default_duration: float,
        *,
        started_by: str = "api",
        user: tuple[str, str, str] | None = None,
        duration: float | None = None,
    ) -> Run:
        if duration is None:
            base = process.run_duration if process.run_duration is not None else default_duration
            first = next((p for p in payloads if isinstance(p, dict)), {})
            duration = duration_for(first, base)
        items = tuple(payloads) if payloads else ({},)
        item_ids = tuple(str(uuid.uuid4()) for _ in items)
        run = Run(
            id=str(uuid.uuid4()),
            workspace_id=process.workspace_id,
            process_id=process.process_id,
            work_item_id=item_ids[0],
            started=time.monotonic(),
            duration=duration,
            outcome=outcome_of(payloads),
            # Truncated, as a server's clock in milliseconds is: never later than the moment itself.
            created_ms=time.time_ns() // 1_000_000,
            process_name=process.name,
            started_by=started_by,
            user=user,
            work_items=len(items),
            item_ids=item_ids,
            step_run_ids=tuple(str(uuid.uuid4()) for _ in range(STEP_RUNS)),
            payloads=items,
        )
        with self._lock:
            self._runs[run.id] = run
            self._items.update((item_id, (run, index)) for index, item_id in enumerate(item_ids))
            self._step_runs.update((step_id, (run, index)) for index, step_id in enumerate(run.step_run_ids))
            # Nearly always an append; a clock step backwards inserts where the order says.
            bisect.insort(self._by_workspace.setdefault(run.workspace_id, []), run, key=_order)
        return run

    def get(self, run_id: str) -> Run | None:
        with self._lock:
            return self._runs.get(run_id)

    def item(self, item_id: str) -> tuple[Run, int] | None:
        """The run a work item belongs to and the item's place in it."""
        with self._lock:
            return self._items.get(item_id)

    def step_run(self, step_run_id: str) -> tuple[Run, int] | None:
        """The run a step run belongs to and which of its steps it is (0 first)."""
        with self._lock:
            return self._step_runs.get(step_run_id)

    def in_workspace(self, workspace_id: str) -> list[Run]:
        """The workspace's runs, oldest first (a copy)."""
        with self._lock:
            return list(self._by_workspace.get(workspace_id, []))

    def page(
        self, workspace_id: str, before: tuple[int, str] | None, limit: int, keep: Callable[[Run], bool]
    ) -> tuple[list[Run], bool]:
        """Up to `limit` kept runs older than `before` (all when None), newest first, and whether
        more kept runs follow."""
        with self._lock:
            runs = self._by_workspace.get(workspace_id, [])
            index = len(runs) if before is None else bisect.bisect_left(runs, before, key=_order)
            found: list[Run] = []
            while index > 0:
                index -= 1
                if keep(runs[index]):
                    if len(found) == limit:
                        return found, True
                    found.append(runs[index])
        return found, False

    def __len__(self) -> int:
        with self._lock:
            return len(self._runs)


def _order(run: Run) -> tuple[int, str]:
    return run.order
