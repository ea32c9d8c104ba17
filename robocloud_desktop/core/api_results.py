"""What the Process API answers, as plain data: a trigger's TriggeredRun and a status reading's RunStatus.

Apart from models.py, whose states and outcomes the window needs before its first frame; these
two are needed once runs are started or read, and a dataclass takes its time to make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from robocloud_desktop.core.models import Outcome, label_of, outcome_of


@dataclass(frozen=True)
class TriggeredRun:
    """The answer to a trigger: the run was accepted and queued. The ids are plain tokens (the
    process and workspace ids of the target when the answer's are not); `raw` is the answer with
    the secret masked wherever it was echoed."""

    run_id: str
    work_item_id: str
    process_id: str
    workspace_id: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class RunStatus:
    """One reading of a run's status: the codes as the server sent them, less control and invisible
    characters (see answers.shown_code); `raw` is the whole answer with the secret masked, which the
    run history keeps."""

    run_id: str
    state: str
    result: str
    error_code: str
    duration: float | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.state, self.result)

    @property
    def label(self) -> str:
        return label_of(self.state, self.result)
