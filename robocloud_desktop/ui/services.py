"""The core objects the window works with, made once per app; the window hands each widget the
parts it uses.

The run history, the HTTP client and the monitor are made on first use, which the window leaves
to a worker thread once it has drawn itself: opening SQLite is a disk wait, and loading the HTTP
stack takes longer than drawing the window, which has nothing to send before it is up.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from robocloud_desktop.core.errors import ProcessApiError
from robocloud_desktop.core.paths import AppPaths
from robocloud_desktop.core.profiles import ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.core.timeouts import DEFAULT_REQUEST_TIMEOUT

if TYPE_CHECKING:
    from robocloud_desktop.core.api import ProcessApiClient
    from robocloud_desktop.core.history import RunHistory
    from robocloud_desktop.core.monitor import PollPlan, RunMonitor
    from robocloud_desktop.core.profile import Profile
    from robocloud_desktop.core.records import RunRecord
    from robocloud_desktop.core.target import Target
    from robocloud_desktop.ui.board.story.access import StoryAccess

# Enough threads to keep 500 runs polled every 2 s over real round trips of tens of ms.
MONITOR_WORKERS = 16



class Services:
    def __init__(self, paths: AppPaths, profiles: ProfileStore, secrets: SecretStore, *, keep_payloads: bool = True,
                 plan: PollPlan | None = None, demo: bool = False,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT) -> None:
        self.paths, self.profiles, self.secrets = paths, profiles, secrets
        self.keep_payloads = keep_payloads  # what the history is opened with
        self.request_timeout = request_timeout  # seconds one request to Control Room may take in all
        self.plan, self.demo = plan, demo
        self._history: RunHistory | None = None
        self._client: ProcessApiClient | None = None
        self._monitor: RunMonitor | None = None
        self._lock = threading.RLock()  # the monitor is made with the history, under the same lock
        self._watched: set[Target] | None = None  # v1 processes whose runs from elsewhere are looked for

    @classmethod
    def create(cls, paths: AppPaths, secrets: SecretStore | None = None, *, keep_payloads: bool = True,
               plan: PollPlan | None = None, demo: bool = False,
               request_timeout: float = DEFAULT_REQUEST_TIMEOUT) -> Services:
        secrets = secrets or SecretStore()
        return cls(paths, ProfileStore(paths.profiles_file, secrets), secrets, keep_payloads=keep_payloads,
                   plan=plan, demo=demo, request_timeout=request_timeout)

    @property
    def history(self) -> RunHistory:
        with self._lock:
            if self._history is None:
                from robocloud_desktop.core.history import RunHistory

                self._history = RunHistory(self.paths.history_db, keep_payloads=self.keep_payloads)
            return self._history

    def _ensure(self) -> tuple[ProcessApiClient, RunMonitor]:
        with self._lock:
            if self._client is None or self._monitor is None:
                from robocloud_desktop.core.api import ProcessApiClient
                from robocloud_desktop.core.monitor import RunMonitor
                from robocloud_desktop.core.run_secrets import run_secret_lookup

                self._client = ProcessApiClient(pool_size=MONITOR_WORKERS, request_timeout=self.request_timeout)
                lookup = run_secret_lookup(self.profiles, self.secrets)
                self._monitor = RunMonitor(self._client, self.history, lookup, plan=self.plan,
                                           workers=MONITOR_WORKERS)
            return self._client, self._monitor

    @property
    def client(self) -> ProcessApiClient:
        return self._ensure()[0]

    @property
    def monitor(self) -> RunMonitor:
        return self._ensure()[1]

    def story_access(self) -> StoryAccess:
        """What the details pane's story tabs of v1 runs use: the client and monitor made on first use."""
        from robocloud_desktop.ui.board.story.access import StoryAccess

        return StoryAccess(self.profiles, self.secrets, lambda: self.client.v1,
                           lambda records: self.monitor.hurry(records))

    def remove_runs(self, run_ids: list[str]) -> int:
        """Delete these runs from the history, then stop following them. In that order: if the
        history cannot be changed, the runs are still followed, as they are still on record."""
        removed = self.history.remove(run_ids)
        monitor = self._monitor_if_made()
        if monitor is not None:  # not made yet: it will resume only what the history still has
            monitor.forget(run_ids)
        return removed

    def check_runs_now(self, run_ids: list[str]) -> int:
        """Have the monitor look at these runs at once (a lock, no waiting on the network)."""
        monitor = self._monitor_if_made()
        return monitor.check_now(run_ids) if monitor is not None else 0

    def follow(self, records: list[RunRecord]) -> None:
        """Follow these runs, found in the history, until they end (ended ones need nothing). Before
        the monitor is made there is nothing to do: it starts with every unfinished run on record."""
        monitor = self._monitor_if_made()
        if monitor is not None:
            for record in records:
                if not record.finished:
                    monitor.track(record)

    def watch_processes(self, *, if_watching: bool = False) -> None:
        """Have the monitor look for runs started elsewhere of each API v1 profile that wants them
        (since the profile was added), and stop looking for the others. From a worker thread: the
        monitor is made here if need be. `if_watching`: only when this has been done before (the
        profiles changed; before the monitor starts there is nothing to change)."""
        import time

        with self._lock:
            if if_watching and self._watched is None:
                return
            self._update_watches(self.monitor, time.time())

    def _update_watches(self, monitor: RunMonitor, now: float) -> None:
        wanted: dict[Target, Profile] = {}
        for profile in self.profiles.profiles():
            if not profile.uses_key:
                continue
            try:
                target = profile.target()
            except ProcessApiError:
                continue  # a profile that cannot be used until edited: it says so where it is shown
            if profile.follow_others:
                wanted[target] = profile
        for target in (self._watched or set()) - wanted.keys():
            monitor.unwatch_process(target)
        for target, profile in wanted.items():
            since = profile.added_at if profile.added_at is not None else now
            monitor.watch_process(target, profile_id=profile.id, profile_name=profile.name, since=since)
        self._watched = set(wanted)

    def _monitor_if_made(self) -> RunMonitor | None:
        with self._lock:
            return self._monitor

    def set_request_timeout(self, seconds: float) -> None:
        """Requests sent from now on, by triggers and the monitor, end within `seconds`."""
        with self._lock:
            self.request_timeout = seconds
            if self._client is not None:
                self._client.set_request_timeout(seconds)

    def set_keep_payloads(self, on: bool) -> None:
        with self._lock:
            self.keep_payloads = on
            if self._history is not None:
                self._history.keep_payloads = on

    def close(self) -> None:
        with self._lock:
            client, monitor, history = self._client, self._monitor, self._history
        if monitor is not None:
            monitor.stop()
        if client is not None:
            client.close()
        if history is not None:
            history.close()
