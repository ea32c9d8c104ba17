"""A run as the history records it, and the history's error: plain data, no SQLite.

Kept apart from history.py so that the window can import what it shows without loading SQLite,
which it opens on a worker thread once the window is up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from robocloud_desktop.core.models import Outcome, label_of, outcome_of
from robocloud_desktop.core.target import Target

# A trigger whose answer was lost gets a run id of ours: Control Room's ids never hold a colon, so it
# can never be taken for, or asked about as, a run of Control Room's.
LOCAL_RUN_PREFIX = "local:"
OUTCOME_UNKNOWN_LABEL = "Outcome unknown — check Control Room"


def local_run_id() -> str:
    """A placeholder id for a trigger whose answer was lost: unique, and never one of Control Room's."""
    return f"{LOCAL_RUN_PREFIX}{uuid.uuid4()}"


@dataclass(frozen=True)
class RunRecord:
    """One run as the history knows it. Plain data: safe to hand to any thread."""

    run_id: str
    profile_id: str
    profile_name: str
    base_url: str
    workspace_id: str
    process_id: str
    secret_in_query: bool
    work_item_id: str
    payload: str | None  # None when keeping payloads is off; the hash is kept either way
    payload_sha256: str
    triggered_at: float  # wall-clock seconds (time.time())
    state: str = ""
    result: str = ""
    error_code: str = ""
    duration: float | None = None
    last_checked: float | None = None
    last_error: str = ""
    error_count: int = 0
    ended_at: float | None = None  # when an end (COMPL, or PENDING) was first seen
    finished: bool = False  # polling has stopped for good
    last_answer: str = ""  # the JSON of the last status answer (as parsed, secret masked), for the details pane
    gone: bool = False  # Control Room answered 404 for a run it had started: it no longer knows it
    api: str = "process-secret"  # which API the run was started and is followed through: or "v1"
    # Who or what started the run, in words ("schedule", "Ann Smith", "e-mail", "API"); "" for a run
    # started from this computer. Only runs found on the server (v1) say otherwise.
    started_by: str = ""
    started_by_type: str = ""  # Control Room's word for it: api, user, schedule, email
    # Control Room's own times (v1 answers carry them), as opposed to triggered_at and ended_at,
    # which are this computer's.
    created_at: float | None = None
    started_at: float | None = None
    server_ended_at: float | None = None
    # The trigger was sent but its answer was lost: a run may or may not have started. The record has
    # a local placeholder id (local_run_id), is never polled, and stays until the user removes it.
    outcome_unknown: bool = False

    @property
    def outcome(self) -> Outcome:
        if self.outcome_unknown:
            return Outcome.UNKNOWN
        if self.gone:
            return Outcome.GONE
        return outcome_of(self.state, self.result) if self.state else Outcome.QUEUED

    @property
    def label(self) -> str:
        """The outcome in words, as the board and the command line show it."""
        if self.outcome_unknown:
            return OUTCOME_UNKNOWN_LABEL
        if self.gone:
            return "No longer known to Control Room"
        return label_of(self.state, self.result) if self.state else "Queued"

    @property
    def is_ended(self) -> bool:
        # A trigger of unknown outcome has nothing more to wait for here: it is looked up in Control Room.
        return self.outcome_unknown or self.outcome.is_ended

    def target(self) -> Target:
        return Target(self.base_url, self.workspace_id, self.process_id, self.secret_in_query, api=self.api)


class HistoryError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class HistoryUnavailable(HistoryError):
    """The history cannot be read or written now (locked, read-only, full, not permitted, newer): the
    file is left as it is and can be tried again later."""
