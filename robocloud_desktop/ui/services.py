"""The core objects the window works with, made once per app and handed to every widget."""

from __future__ import annotations

from dataclasses import dataclass

from robocloud_desktop.core.api import ProcessApiClient
from robocloud_desktop.core.history import RunHistory
from robocloud_desktop.core.monitor import PollPlan, RunMonitor
from robocloud_desktop.core.paths import AppPaths
from robocloud_desktop.core.profiles import ProfileStore
from robocloud_desktop.core.run_secrets import run_secret_lookup
from robocloud_desktop.core.secrets import SecretStore


@dataclass
class Services:
    paths: AppPaths
    profiles: ProfileStore
    secrets: SecretStore
    history: RunHistory
    client: ProcessApiClient
    monitor: RunMonitor
    demo: bool = False

    @classmethod
    def create(cls, paths: AppPaths, secrets: SecretStore | None = None, *, keep_payloads: bool = True,
               plan: PollPlan | None = None, demo: bool = False) -> Services:
        secrets = secrets or SecretStore()
        profiles = ProfileStore(paths.profiles_file, secrets)
        history = RunHistory(paths.history_db, keep_payloads=keep_payloads)
        client = ProcessApiClient()
        monitor = RunMonitor(client, history, run_secret_lookup(profiles, secrets), plan=plan)
        return cls(paths, profiles, secrets, history, client, monitor, demo)

    def close(self) -> None:
        self.monitor.stop()
        self.client.close()
        self.history.close()
