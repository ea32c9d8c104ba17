"""Demo mode: the emulator on a free loopback port, a throw-away config dir with a few profiles,
and their secrets held in memory only, so a newcomer can trigger runs within seconds."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError

from robocloud_desktop.core.paths import AppPaths, app_paths
from robocloud_desktop.core.profiles import API_V1, Profile, ProfileStore
from robocloud_desktop.core.secrets import SecretStore
from robocloud_desktop.emulator import Emulator


class MemoryKeyring(KeyringBackend):
    """Secrets for the demo's emulated processes: kept in this process only, gone when it ends."""

    @properties.classproperty
    def priority(cls) -> float:
        # keyring registers every backend class it sees; this one must never be picked by its
        # detection (a real app with no Secret Service would otherwise "store" secrets here).
        raise RuntimeError("the demo's memory keyring is used only by demo mode")

    def __init__(self) -> None:
        super().__init__()
        self._items: dict[tuple[str, str], str] = {}

    @property
    def name(self) -> str:
        return "memory (demo only, forgotten on exit)"

    def get_password(self, service: str, username: str) -> str | None:
        return self._items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._items.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


# Per-process secret profiles (the Process API), each on a process of its own.
DEMO_PROFILES = (
    ("Invoice processing", '{\n  "invoice_id": "INV-2041",\n  "amount": 1250.5,\n  "currency": "EUR"\n}'),
    ("Payroll sync", '{\n  "month": "2026-11",\n  "simulate_duration": 8\n}'),
    ("Supplier onboarding (fails)", '{\n  "supplier": "ACME Oy",\n  "simulate": "fail"\n}'),
)

# Workspace API key profiles (Control Room API v1): one key for the workspace, shared by both. The
# first process also runs on a schedule, so runs started elsewhere come onto the board by themselves.
DEMO_V1_PROFILES = (
    ("Monthly reports", '{\n  "report": "sales",\n  "month": "2026-11"\n}'),
    ("Order intake", '[\n  {"order": "PO-1001"},\n  {"order": "PO-1002"},\n  {"order": "PO-1003"}\n]'),
)
SCHEDULE_EVERY = 12.0  # seconds between the demo schedule's runs


@dataclass
class Demo:
    emulator: Emulator
    paths: AppPaths
    secrets: SecretStore
    home: Path

    def close(self) -> None:
        self.emulator.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def start_demo(run_duration: float = 4.0, schedule_every: float = SCHEDULE_EVERY) -> Demo:
    emulator = Emulator(run_duration=run_duration).start()
    home = Path(tempfile.mkdtemp(prefix="robocloud-demo-"))
    paths = app_paths(home)
    memory = MemoryKeyring()
    secrets = SecretStore(backend=lambda: memory, environ={})
    store = ProfileStore(paths.profiles_file, secrets)
    for index, (name, payload) in enumerate(DEMO_PROFILES):
        process = emulator.default_process if index == 0 else emulator.add_process()
        store.add(Profile(name, emulator.base_url, process.workspace_id, process.process_id, payload=payload,
                          notes="Demo profile on the built-in emulator."), secret=process.secret)
    workspace = emulator.default_process.workspace_id
    v1_profiles = []
    for index, (name, payload) in enumerate(DEMO_V1_PROFILES):
        process = emulator.add_process(workspace_id=workspace, name=name)
        if index == 0:
            emulator.schedule(process, every=schedule_every)
        v1_profiles.append(Profile(
            f"{name} (API v1)", emulator.v1_base_url, workspace, process.process_id, payload=payload, api=API_V1,
            notes="Demo profile on the built-in emulator, with the workspace's API key."
            + (" Its process also runs on a schedule: those runs come onto the board by themselves." if index == 0
               else " An array payload starts one run with one work item per element.")))
    store.add_of_workspace(v1_profiles, emulator.default_key)
    return Demo(emulator, paths, secrets, home)
