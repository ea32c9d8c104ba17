"""What Control Room answers, as plain data: a trigger's TriggeredRun, a status reading's RunStatus,
and for Control Room API v1 a page of runs (RunsPage) and a workspace's processes (ProcessInfo).

Apart from models.py, whose states and outcomes the window needs before its first frame; these
are needed once runs are started or read, and a dataclass takes its time to make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from robocloud_desktop.core.models import Outcome, label_of, outcome_of


@dataclass(frozen=True)
class TriggeredRun:
    """The answer to a trigger: the run was accepted and queued. The ids are plain tokens (the
    process and workspace ids of the target when the answer's are not); `raw` is the answer with
    the secret masked wherever it was echoed.

    `started` is False only for Control Room API v1's `{"started": false}` (asked to take the
    items waiting in the process's input queue, and none were): no run, no error, `run_id` "".
    The v1 answer names no work item: `work_item_id` is "" there."""

    run_id: str
    work_item_id: str
    process_id: str
    workspace_id: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    started: bool = True


@dataclass(frozen=True)
class RunStatus:
    """One reading of a run's status: the codes as the server sent them, less control and invisible
    characters (see answers.shown_code); `raw` is the whole answer with the secret masked, which the
    run history keeps.

    From Control Room API v1, `state` is its lower-case state and `result`, `error_code` are "";
    the v1 fields below are filled in (the per-process secret API leaves them at their defaults):
    `started_by` is display text ("schedule", "API", "e-mail", a person's "First Last" or their id;
    "" when unknown), `started_by_type` the raw kind (api, user, schedule, email), the times are
    Control Room's own as epoch seconds (None when absent or unreadable)."""

    run_id: str
    state: str
    result: str
    error_code: str
    duration: float | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    started_by: str = ""
    started_by_type: str = ""
    created_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    process_id: str = ""
    process_name: str = ""

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.state, self.result)

    @property
    def label(self) -> str:
        return label_of(self.state, self.result)


@dataclass(frozen=True)
class RunsPage:
    """One page of Control Room API v1's run list, newest first. `next_url` is the page after it
    exactly as the server gave it (None when there is none); `has_more` whether the server said
    there are more."""

    runs: list[RunStatus]
    next_url: str | None
    has_more: bool


@dataclass(frozen=True)
class ProcessInfo:
    """A process of a workspace as Control Room API v1 lists it; `name` without control or invisible
    characters, `created_at` in epoch seconds (None when absent or unreadable)."""

    id: str
    name: str
    created_at: float | None = None
