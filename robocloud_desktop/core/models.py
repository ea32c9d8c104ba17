"""What a run's state and result codes mean: its outcome, and the label the app shows for it.

Both APIs' vocabularies: the per-process secret API's upper-case codes (state and result), and
Control Room API v1's lower-case states (no result: `completed` means every item was processed or
marked done).
"""

from __future__ import annotations

from enum import Enum

# Where polling a run stops for good. `PENDING` and `unresolved` are not: a person may retry the
# failed items and the run may still complete.
TERMINAL_STATES = frozenset({"COMPL", "completed"})
QUEUED_STATES = frozenset({"INI", "IND", "PEND", "new"})
RUNNING_STATES = frozenset({"IP", "in_progress"})
NEEDS_ATTENTION_STATES = frozenset({"PENDING", "unresolved"})
STOPPING_STATES = frozenset({"stopping"})
FAILED_RESULTS = frozenset({"ERR", "TERMINATED", "TIMEOUT"})


class Outcome(Enum):
    """How a run stands, as a user reads it. The raw codes stay on the RunStatus."""

    QUEUED = "queued"
    RUNNING = "running"
    STOPPING = "stopping"  # v1: a stop or terminate is under way (Control Room shows Terminating)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NEEDS_ATTENTION = "needs attention"  # PENDING / unresolved: work items failed and wait for a person
    COMPLETED_UNKNOWN = "completed, result unknown"
    UNKNOWN = "unknown state"
    GONE = "no longer known to Control Room"  # 404 for a run it had started: the run or its process was deleted

    @property
    def is_ended(self) -> bool:
        """Ended for anyone waiting on the run (PENDING and unresolved count: a person must act)."""
        return self in _ENDED


_ENDED = frozenset({Outcome.SUCCEEDED, Outcome.FAILED, Outcome.NEEDS_ATTENTION, Outcome.COMPLETED_UNKNOWN,
                    Outcome.GONE})

_LABELS = {
    Outcome.QUEUED: "Queued",
    Outcome.RUNNING: "Running",
    Outcome.STOPPING: "Stopping",
    Outcome.SUCCEEDED: "Completed",
    Outcome.FAILED: "Failed",
    Outcome.NEEDS_ATTENTION: "Needs attention",
    Outcome.COMPLETED_UNKNOWN: "Completed (result unknown)",
    Outcome.GONE: "No longer known to Control Room",
}


def outcome_of(state: str, result: str) -> Outcome:
    if state in QUEUED_STATES:
        return Outcome.QUEUED
    if state in RUNNING_STATES:
        return Outcome.RUNNING
    if state in NEEDS_ATTENTION_STATES:
        return Outcome.NEEDS_ATTENTION
    if state in STOPPING_STATES:
        return Outcome.STOPPING
    if state in TERMINAL_STATES:
        if result in ("OK", ""):
            return Outcome.SUCCEEDED
        if result in FAILED_RESULTS:
            return Outcome.FAILED
        return Outcome.COMPLETED_UNKNOWN
    return Outcome.UNKNOWN


def label_of(state: str, result: str) -> str:
    outcome = outcome_of(state, result)
    if outcome is Outcome.UNKNOWN:
        return f"Unknown state {state or '(empty)'}"
    if outcome is Outcome.COMPLETED_UNKNOWN:
        return f"Completed (result {result})"
    return _LABELS[outcome]
