"""The monitor's half that follows v1 runs through their process's run list (see run_lists.py).

A mix-in of RunMonitor: it keeps the processes being watched and polls each one's list on the
monitor's schedule, workers and poll leases, through the monitor's own steps (saving, telling
listeners, backing off a host). A process is a schedule entry like a run: its key is
`run_lists.process_key(target)`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from robocloud_desktop.core.errors import ProcessApiError, SecretRejected
from robocloud_desktop.core.models import TERMINAL_STATES
from robocloud_desktop.core.records import HistoryError, RunRecord
from robocloud_desktop.core.retry import NO_RETRY
from robocloud_desktop.core.run_lists import (
    MAX_PAGES,
    PAGE_SIZE,
    ProcessWatch,
    found_record,
    is_new_elsewhere,
    process_key,
    unseen,
)
from robocloud_desktop.core.secrets import SecretStoreError
from robocloud_desktop.core.target import API_V1, Target

if TYPE_CHECKING:
    import threading

    from robocloud_desktop.core.api import ProcessApiClient
    from robocloud_desktop.core.api_results import RunStatus
    from robocloud_desktop.core.history import RunHistory
    from robocloud_desktop.core.monitor import PollPlan

log = logging.getLogger(__name__)


class ListFollowing:
    # What RunMonitor provides (typed here for the reader and the checker).
    history: RunHistory
    plan: PollPlan
    client: ProcessApiClient
    _cond: threading.Condition
    _runs: dict[str, RunRecord]
    _busy: set[str]
    _forgotten: set[str]
    _stopping: bool
    _due: dict[str, float]
    _host_failures: dict[str, int]

    if TYPE_CHECKING:
        def _push(self, run_id: str, when: float) -> None: ...
        def _interval_for(self, record: RunRecord) -> float: ...
        def _polls_itself(self, run_id: str) -> bool: ...
        def _save(self, record: RunRecord, next_in: float | None) -> str: ...
        def _back_off(self, host: str, error: ProcessApiError) -> float: ...
        def _tell(self, previous: RunRecord, updated: RunRecord, unsaved: str, *, needs_user: bool = False
                  ) -> None: ...
        def _secret(self, record: RunRecord) -> str: ...
        def _forget_secret(self, record: RunRecord) -> None: ...

    def _init_list_following(self) -> None:
        self._processes: dict[str, ProcessWatch] = {}
        self._solo: set[str] = set()  # v1 runs asked about one by one (older than the pages read)

    # --- what callers use ------------------------------------------------------------------------

    def watch_process(self, target: Target, *, profile_id: str, profile_name: str, since: float) -> None:
        """Look for runs of this v1 process started elsewhere at or after `since` (wall clock), and
        follow them, besides the runs of it already followed."""
        with self._cond:
            if self._stopping:
                return
            watch = self._watch_of(target, profile_id, profile_name)
            watch.profile_id, watch.profile_name = profile_id, profile_name  # renamed, or another profile now
            if watch.discover_since is None or since < watch.discover_since:
                watch.discover_since = since
            self._schedule_process(watch, self.plan.first_delay)

    def unwatch_process(self, target: Target) -> None:
        """Stop looking for new runs of the process (its profile was removed, or turned this off);
        runs of it already followed go on being followed."""
        with self._cond:
            watch = self._processes.get(process_key(target))
            if watch is not None:
                watch.discover_since = None

    # --- kept by the monitor's own steps -----------------------------------------------------------

    def _watch_of(self, target: Target, profile_id: str, profile_name: str) -> ProcessWatch:
        """The process's watch, made if need be (under the lock)."""
        key = process_key(target)
        watch = self._processes.get(key)
        if watch is None:
            watch = self._processes[key] = ProcessWatch(key, target, profile_id, profile_name)
        return watch

    def _track_listed(self, record: RunRecord, delay: float) -> None:
        """Follow a v1 run through its process's list (under the lock)."""
        watch = self._watch_of(record.target(), record.profile_id, record.profile_name)
        watch.runs.add(record.run_id)
        watch.seen.add(record.run_id)
        self._schedule_process(watch, delay)

    def _schedule_process(self, watch: ProcessWatch, delay: float) -> None:
        """Have the process's list read within `delay` seconds, unless it is due sooner (under the lock)."""
        due = time.monotonic() + delay
        if self._due.get(watch.key, float("inf")) > due and watch.key not in self._busy:
            self._due[watch.key] = due
            self._push(watch.key, due)

    def _untrack_listed(self, run_id: str) -> None:
        """The run is no longer followed (under the lock)."""
        self._solo.discard(run_id)
        for watch in self._processes.values():
            watch.runs.discard(run_id)

    # --- one reading of a process's list -----------------------------------------------------------

    def _poll_process(self, key: str) -> None:
        with self._cond:
            watch = self._processes.get(key)
            tracked = {run_id: self._runs[run_id] for run_id in watch.runs if run_id in self._runs} if watch else {}
        if watch is None:
            self._process_done(key, None)
            return
        if not self._polls_itself(key):
            self._process_from_history(watch, tracked)
            return
        host = watch.target.host
        try:
            key_text = self._secret(watch.stand_in)
            pages = self._read_pages(watch, key_text, set(tracked))
        except SecretStoreError as error:
            self._process_failed(watch, tracked, error.message, self.plan.unknown_interval, needs_user=True)
            return
        except ProcessApiError as error:
            if isinstance(error, SecretRejected):
                with self._cond:
                    self._forget_secret(watch.stand_in)
                self._process_failed(watch, tracked, error.message, self.plan.unknown_interval, needs_user=True)
            else:
                self._process_failed(watch, tracked, error.message, self._back_off(host, error))
            return
        with self._cond:
            self._host_failures.pop(host, None)
        for page in pages:
            for status in page:
                if status.run_id in tracked:
                    self._listed(watch, tracked[status.run_id], status)
                elif is_new_elsewhere(watch, status):
                    self._found(watch, status)
                else:
                    watch.seen.add(status.run_id)
        # Followed runs older than every page read: asked about one by one from now on.
        with self._cond:
            for run_id in unseen(set(tracked), pages):
                if run_id in self._runs and run_id not in self._solo:
                    self._solo.add(run_id)
                    self._push(run_id, time.monotonic())
        self._process_done(key, watch)

    def _read_pages(self, watch: ProcessWatch, key_text: str, tracked: set[str]) -> list[list[RunStatus]]:
        """The first page, and more while followed runs are still to be seen (at most MAX_PAGES)."""
        pages: list[list[RunStatus]] = []
        url = None
        while True:
            page = self.client.v1.runs_page(watch.target, key_text, process_id=watch.target.process_id, limit=PAGE_SIZE,
                                     url=url, retry=NO_RETRY)
            pages.append(page.runs)
            if not (page.has_more and page.next_url) or len(pages) >= MAX_PAGES or not unseen(tracked, pages):
                return pages
            url = page.next_url

    def _listed(self, watch: ProcessWatch, record: RunRecord, status: RunStatus) -> None:
        too_old = time.time() - record.triggered_at > self.plan.give_up_after
        finished = status.state in TERMINAL_STATES or too_old
        updated = self.history.with_status(record, status, finished=finished)
        if (updated.state == record.state and updated.duration == record.duration and not finished
                and not record.last_error):
            # Nothing a user sees changed: not written, not told (a list is read for every run at once).
            with self._cond:
                self._runs[record.run_id] = updated
            return
        unsaved = self._save(updated, None if finished else self._interval_for(updated))
        self._apply(record, updated, finished, unsaved)

    def _found(self, watch: ProcessWatch, status: RunStatus) -> None:
        """A run of the process started elsewhere: added to the history once, told about once."""
        watch.seen.add(status.run_id)
        try:
            known = self.history.get(status.run_id)
        except HistoryError:
            known = None
        if known is not None:  # found before (by this follower before a restart, or by another one)
            if not known.finished:
                with self._cond:
                    if known.run_id not in self._runs:
                        self._runs[known.run_id] = known
                        watch.runs.add(known.run_id)
            return
        bare = found_record(watch, status)
        finished = status.state in TERMINAL_STATES
        record = self.history.with_status(bare, status, finished=finished)
        unsaved = ""
        try:
            if not self.history.add_found(record):
                return  # removed by the user, or added by another follower meanwhile
        except HistoryError as error:
            unsaved = error.message  # told about all the same: the watch has seen it, so once
        with self._cond:
            if not finished and not self._stopping:
                self._runs[record.run_id] = record
                watch.runs.add(record.run_id)
        self._tell(bare, record, unsaved)

    def _apply(self, previous: RunRecord, updated: RunRecord, finished: bool, unsaved: str, *,
               needs_user: bool = False) -> None:
        """Keep (or stop following) a run the list told about, and tell listeners."""
        run_id = previous.run_id
        with self._cond:
            if self._stopping or run_id in self._forgotten or run_id not in self._runs:
                return
            if finished:
                self._runs.pop(run_id, None)
                self._untrack_listed(run_id)
            else:
                self._runs[run_id] = updated
        self._tell(previous, updated, unsaved, needs_user=needs_user)

    def _process_from_history(self, watch: ProcessWatch, tracked: dict[str, RunRecord]) -> None:
        """Another follower reads this process's list: take what it wrote (runs found included)."""
        try:
            unfinished = {r.run_id: r for r in self.history.unfinished_of(
                watch.target.base_url, watch.target.workspace_id, watch.target.process_id)}
            ended = {run_id: self.history.get(run_id) for run_id in tracked if run_id not in unfinished}
        except HistoryError:
            self._process_done(watch.key, watch)
            return
        for run_id, record in tracked.items():
            latest = unfinished.get(run_id) or ended.get(run_id)
            if latest is None:  # removed meanwhile
                self._apply(record, record, True, "")
            elif latest != record:
                self._apply(record, latest, latest.finished, "")
        if watch.discover_since is not None:
            for run_id, record in unfinished.items():
                if run_id not in tracked and run_id not in watch.seen and record.api == API_V1:
                    watch.seen.add(run_id)
                    with self._cond:
                        self._runs[run_id] = record
                        watch.runs.add(run_id)
                    # Told as new, as the follower that found it told it: listeners add it to what they show.
                    self._tell(replace(record, state="", result="", error_code=""), record, "")
        self._process_done(watch.key, watch)

    def _process_failed(self, watch: ProcessWatch, tracked: dict[str, RunRecord], message: str, retry_in: float,
                        *, needs_user: bool = False) -> None:
        for record in tracked.values():
            updated = self.history.with_error(record, message)
            self._apply(record, updated, False, self._save(updated, retry_in), needs_user=needs_user)
        self._process_done(watch.key, watch, retry_in)

    def _process_done(self, key: str, watch: ProcessWatch | None, next_in: float | None = None) -> None:
        """Schedule the next reading of the list: as often as its most urgent run needs, or the pace of
        looking for runs started elsewhere; not at all when there is neither."""
        with self._cond:
            self._busy.discard(key)
            self._due.pop(key, None)
            if watch is None or self._stopping:
                self._cond.notify_all()
                return
            if next_in is None:
                wanted = [self._interval_for(self._runs[run_id]) for run_id in watch.runs
                          if run_id in self._runs and run_id not in self._solo]
                if watch.discover_since is not None:
                    wanted.append(self.plan.discover_interval)
                next_in = min(wanted) if wanted else None
            if next_in is None:
                self._processes.pop(key, None)
            else:
                self._due[key] = time.monotonic() + next_in
                self._push(key, self._due[key])
            self._cond.notify_all()
