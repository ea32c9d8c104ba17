"""Following v1 runs by listing them: what one reading of a process's run list means.

The Control Room API v1 lists a process's runs, newest first, a hundred to a page. Reading that list
once per interval follows every run of the process at the cost of one request (or a few, when many
runs are in flight), where asking about each run would cost one request per run. The same pages
show runs of the process started elsewhere (a schedule, a colleague, an e-mail, another system).

This module only reads pages: the monitor fetches them, saves what they say and tells listeners.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from robocloud_desktop.core.api_results import RunStatus
from robocloud_desktop.core.records import RunRecord
from robocloud_desktop.core.target import Target

# Pages read per process and interval at most: runs older than that many pages are asked about one
# by one (a thousand runs of one process in flight at once is not what this app is for).
MAX_PAGES = 5
PAGE_SIZE = 100


def process_key(target: Target) -> str:
    """The key of a process, as the monitor's schedule and the history's poll leases know it."""
    return f"process|{target.base_url}|{target.workspace_id}|{target.process_id}"


@dataclass
class ProcessWatch:
    """A v1 process whose runs are followed through its run list."""

    key: str
    target: Target
    profile_id: str
    profile_name: str
    # Runs started elsewhere at or after this time (wall clock) are added to the history; None: not looked for.
    discover_since: float | None = None
    runs: set[str] = field(default_factory=set)  # the runs of the process being followed
    seen: set[str] = field(default_factory=set)  # run ids this watch has already handled

    @property
    def stand_in(self) -> RunRecord:
        """A record of no run of this process: what the secret lookup and error reports take."""
        target = self.target
        return RunRecord(run_id="", profile_id=self.profile_id, profile_name=self.profile_name,
                         base_url=target.base_url, workspace_id=target.workspace_id, process_id=target.process_id,
                         secret_in_query=False, work_item_id="", payload=None, payload_sha256="", triggered_at=0.0,
                         api=target.api)


def found_record(watch: ProcessWatch, status: RunStatus) -> RunRecord:
    """The record of a run found in the list, started elsewhere: not yet saved."""
    target = watch.target
    created = status.created_at if status.created_at is not None else 0.0
    return RunRecord(
        run_id=status.run_id, profile_id=watch.profile_id, profile_name=watch.profile_name,
        base_url=target.base_url, workspace_id=target.workspace_id, process_id=target.process_id,
        secret_in_query=False, work_item_id="", payload=None, payload_sha256="", triggered_at=created,
        api=target.api, started_by=status.started_by or "another client", started_by_type=status.started_by_type,
    )


def is_new_elsewhere(watch: ProcessWatch, status: RunStatus) -> bool:
    """Whether a listed run not known here was started elsewhere after the watch began looking."""
    if watch.discover_since is None or status.run_id in watch.seen:
        return False
    # Control Room gives created_at to the millisecond, cut down: a run started in the same
    # millisecond as `since` would otherwise look older than it.
    since_ms = math.floor(watch.discover_since * 1000) / 1000
    return status.created_at is not None and status.created_at >= since_ms


def unseen(tracked: set[str], pages_read: list[list[RunStatus]]) -> set[str]:
    """The followed runs no page read so far has shown."""
    shown = {status.run_id for page in pages_read for status in page}
    return tracked - shown


def with_times(record: RunRecord, status: RunStatus) -> RunRecord:
    """The record with Control Room's own times and who started it, as the list tells them."""
    return replace(record, created_at=status.created_at, started_at=status.started_at,
                   server_ended_at=status.ended_at)
