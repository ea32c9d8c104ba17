"""The core objects the window works with, made once per app and handed to every widget.

The HTTP client and the monitor are made on first use, off the GUI thread: loading the HTTP
stack takes longer than drawing the window, and the window has nothing to send before it is up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.paths import AppPaths
from robocloud_desktop.core.profiles import ProfileStore
from robocloud_desktop.core.secrets import SecretStore

if TYPE_CHECKING:
    from robocloud_desktop.core.api import ProcessApiClient
    from robocloud_desktop.core.monitor import PollPlan, RunMonitor

# Enough threads to keep 500 runs polled every 2 s over real round trips of tens of ms.
MONITOR_WORKERS = 16


@dataclass
class Services:
    paths: AppPaths
    profiles: ProfileStore
    secrets: SecretStore
    history: RunHistory
    plan: PollPlan | None = None
    demo: bool = False
    _client: ProcessApiClient | None = field(default=None, repr=False)
    _monitor: RunMonitor | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def create(cls, paths: AppPaths, secrets: SecretStore | None = None, *, keep_payloads: bool = True,
               plan: PollPlan | None = None, demo: bool = False) -> Services:
        secrets = secrets or SecretStore()
        profiles = ProfileStore(paths.profiles_file, secrets)
        history = RunHistory(paths.history_db, keep_payloads=keep_payloads)
        return cls(paths, profiles, secrets, history, plan, demo)

    def _ensure(self) -> tuple[ProcessApiClient, RunMonitor]:
        with self._lock:
            if self._client is None or self._monitor is None:
                from robocloud_desktop.core.api import ProcessApiClient
                from robocloud_desktop.core.monitor import RunMonitor
                from robocloud_desktop.core.run_secrets import run_secret_lookup

                self._client = ProcessApiClient(pool_size=MONITOR_WORKERS)
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

    def close(self) -> None:
        with self._lock:
            client, monitor = self._client, self._monitor
        if monitor is not None:
            monitor.stop()
        if client is not None:
            client.close()
        self.history.close()
