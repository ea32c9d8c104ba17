"""Run life model of the Process API emulator.

A run's state is computed from its start time whenever it is asked for, so a thousand
runs cost a thousand small records and no timer threads.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

# Share of a run's duration spent in INI before it turns IP.
INI_SHARE = 0.2


@dataclass
class EmulatedProcess:
    """A process the emulator knows; `secret` stays out of repr so test output never shows it."""

    workspace_id: str
    process_id: str
    secret: str = field(repr=False)
    run_duration: float | None = None


@dataclass(frozen=True)
class Outcome:
    """Where a run ends up once its duration has passed."""

    state: str = "COMPL"
    result: str = "OK"
    error_code: str = ""


def outcome_for(payload: dict[str, Any]) -> Outcome:
    """Read the `simulate` key of a payload; anything unrecognised is an ordinary success."""
    simulate = payload.get("simulate")
    if simulate == "fail":
        return Outcome("COMPL", "ERR", "EMULATED_FAILURE")
    if simulate == "pending":
        return Outcome("PENDING", "ERR", "")
    if isinstance(simulate, str) and simulate.startswith("state:"):
        return Outcome(simulate.removeprefix("state:"), "", "")
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


@dataclass(frozen=True)
class Run:
    id: str
    workspace_id: str
    process_id: str
    work_item_id: str
    started: float
    duration: float
    outcome: Outcome

    def status(self, now: float | None = None) -> dict[str, Any]:
        """The body of a GET answer for this run at monotonic time `now`."""
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


class RunStore:
    """Thread-safe store of every run created, keyed by run id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, Run] = {}

    def create(self, process: EmulatedProcess, payload: dict[str, Any], default_duration: float) -> Run:
        base = process.run_duration if process.run_duration is not None else default_duration
        run = Run(
            id=str(uuid.uuid4()),
            workspace_id=process.workspace_id,
            process_id=process.process_id,
            work_item_id=str(uuid.uuid4()),
            started=time.monotonic(),
            duration=duration_for(payload, base),
            outcome=outcome_for(payload),
        )
        with self._lock:
            self._runs[run.id] = run
        return run

    def get(self, run_id: str) -> Run | None:
        with self._lock:
            return self._runs.get(run_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._runs)
