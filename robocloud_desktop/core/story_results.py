"""What Control Room API v1 tells about one run's story, as the app reads it: its step runs, work
items (with the exception of a failed one), console messages, artifacts and outputs.

Every value comes from an answer the app does not trust: ids are plain tokens, texts have lost
control and invisible characters, times are epoch seconds (None when absent or unreadable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# Step run states (Control Room's words) and what the app calls them.
STEP_STATES = {"new": "Waiting", "awaiting_worker": "Waiting for a worker", "in_progress": "Running",
               "completed": "Completed", "failed": "Failed"}
# Work item states.
ITEM_STATES = {"new": "New", "pending": "Pending", "in_progress": "In progress", "failed": "Failed", "done": "Done"}
ITEM_FAILED = "failed"

# Batch operations on work items.
RETRY = "retry"
MARK_AS_DONE = "mark_as_done"
BATCH_OPERATIONS = (RETRY, MARK_AS_DONE)


@dataclass(frozen=True)
class Page:
    """One page of a v1 list: its items, and the next page's URL exactly as the server gave it
    (None when there is none)."""

    items: list[Any]
    next_url: str | None


@dataclass(frozen=True)
class StepRun:
    id: str
    name: str
    state: str  # raw: new, awaiting_worker, in_progress, completed, failed
    error_code: str = ""
    started_at: float | None = None
    ended_at: float | None = None
    duration: float | None = None
    step_id: str = ""

    @property
    def label(self) -> str:
        return STEP_STATES.get(self.state, self.state or "Unknown")

    @property
    def failed(self) -> bool:
        return self.state == "failed"


@dataclass(frozen=True)
class ItemException:
    """Why a work item failed: `type` is application, business, orchestrator or unspecified."""

    type: str
    code: str
    message: str

    def __str__(self) -> str:
        head = " ".join(part for part in (self.type.capitalize() + " exception" if self.type else "Exception",
                                          self.code) if part)
        return f"{head}: {self.message}" if self.message else head


@dataclass(frozen=True)
class FileInfo:
    id: str
    name: str
    size: int | None


@dataclass(frozen=True)
class WorkItem:
    id: str
    state: str  # raw: new, pending, in_progress, failed, done
    created_at: float | None = None
    state_updated_at: float | None = None
    step_run_id: str = ""
    exception: ItemException | None = None
    files: tuple[FileInfo, ...] = ()
    # Only the one-item read carries the payload; `has_payload` says whether this one was read so.
    payload: Any = None
    has_payload: bool = False

    @property
    def label(self) -> str:
        return ITEM_STATES.get(self.state, self.state or "Unknown")

    @property
    def failed(self) -> bool:
        return self.state == ITEM_FAILED


@dataclass(frozen=True)
class ConsoleMessage:
    timestamp: float | None
    message: str


@dataclass(frozen=True)
class Artifact:
    id: str
    name: str
    size: int | None
    step_run_id: str


@dataclass(frozen=True)
class RunOutput:
    id: str
    created_at: float | None
    payload: Any
    files: tuple[FileInfo, ...] = ()


@dataclass(frozen=True)
class Presigned:
    """A short-lived download URL on a storage host: a credential of its own. It is kept out of
    reprs, str() and logs; only the downloader reads `url`."""

    url: str = field(repr=False)
    name: str = ""
    size: int | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    def __str__(self) -> str:
        return f"a download link for {self.name or 'an artifact'} on {self.host or 'the storage host'}"
